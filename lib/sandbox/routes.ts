/** Turns a request path (any case) into the Autotask route it names, from the swagger-derived catalog. */

import type { ChildRoute } from "../autotask/catalog.ts";
import { allEntityDefs, type EntityDef, entityDef } from "./metadata.ts";

/** A recognised route; verbs are checked against the catalog by the router. */
export type Route =
  | { kind: "zone" }
  | { kind: "version" }
  | { kind: "threshold" }
  | { kind: "globalInfo" }
  | { kind: "query" | "count" | "next" | "info" | "fields" | "udfs" | "collection"; def: EntityDef }
  | { kind: "byId"; def: EntityDef; id: number }
  | { kind: "child"; def: EntityDef; child: ChildRoute; parentId: number; id: number | null }
  | { kind: "childInfo"; def: EntityDef; what: "info" | "fields" | "udfs" }
  | { kind: "notFound" };

/** The REST prefix every canonical URL the tenant builds starts with. */
export const REST_PREFIX = "/ATServicesRest/V1.0/";

const ID = /^\d+$/;

let childIndex: Map<string, { def: EntityDef; child: ChildRoute }> | null = null;

/** `Tickets/{id}/Notes` -> TicketNotes: the entity behind a parent's segment. */
function childEntity(
  parent: string,
  segment: string,
): { def: EntityDef; child: ChildRoute } | undefined {
  if (!childIndex) {
    childIndex = new Map();
    for (const def of allEntityDefs()) {
      for (const child of def.children) {
        childIndex.set(`${child.parent.toLowerCase()}/${child.segment.toLowerCase()}`, {
          def,
          child,
        });
      }
    }
  }
  return childIndex.get(`${parent.toLowerCase()}/${segment.toLowerCase()}`);
}

function infoKind(segment: string | undefined): "info" | "fields" | "udfs" | null {
  if (segment === undefined) return "info";
  const s = segment.toLowerCase();
  if (s === "fields") return "fields";
  if (s === "userdefinedfields") return "udfs";
  return null;
}

/** Parses a pathname such as `/atservicesrest/v1.0/Tickets/12/Notes`. */
export function parseRoute(pathname: string): Route {
  const parts = pathname.split("/").filter((p) => p !== "").map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts.length < 2 || parts[0].toLowerCase() !== "atservicesrest") return { kind: "notFound" };
  if (parts.length === 2 && parts[1].toLowerCase() === "versioninformation") {
    return { kind: "version" };
  }
  if (parts[1].toLowerCase() !== "v1.0") return { kind: "notFound" };
  const s = parts.slice(2);
  if (s.length === 0) return { kind: "notFound" };
  const first = s[0].toLowerCase();
  if (s.length === 1 && first === "zoneinformation") return { kind: "zone" };
  if (s.length === 1 && first === "thresholdinformation") return { kind: "threshold" };
  if (s.length === 1 && first === "entityinformation") return { kind: "globalInfo" };

  if (s.length >= 3 && ID.test(s[1])) {
    const found = childEntity(s[0], s[2]);
    if (!found) return { kind: "notFound" };
    const { def, child } = found;
    const parentId = Number(s[1]);
    if (s.length === 3) return { kind: "child", def, child, parentId, id: null };
    if (s.length === 4 && ID.test(s[3])) {
      return { kind: "child", def, child, parentId, id: Number(s[3]) };
    }
    if (s[3].toLowerCase() === "entityinformation" && s.length <= 5) {
      const what = infoKind(s[4]);
      if (what) return { kind: "childInfo", def, what };
    }
    return { kind: "notFound" };
  }

  const def = entityDef(s[0]);
  if (!def) return { kind: "notFound" };
  if (s.length === 1) return { kind: "collection", def };
  const second = s[1].toLowerCase();
  if (s.length === 2 && ID.test(s[1])) return { kind: "byId", def, id: Number(s[1]) };
  if (second === "query") {
    if (s.length === 2) return { kind: "query", def };
    if (s.length === 3 && s[2].toLowerCase() === "count") return { kind: "count", def };
    if (s.length === 3 && s[2].toLowerCase() === "next") return { kind: "next", def };
    return { kind: "notFound" };
  }
  if (second === "entityinformation" && s.length <= 3) {
    const what = infoKind(s[2]);
    if (what) return { kind: what, def };
  }
  return { kind: "notFound" };
}

/** The entity a route acts on: the key of the thread limit and of fault matching. */
export function routeEntity(route: Route): string | null {
  switch (route.kind) {
    case "zone":
    case "version":
    case "notFound":
      return null;
    case "threshold":
      return "ThresholdInformation";
    case "globalInfo":
      return "EntityInformation";
    default:
      return route.def.name;
  }
}

/** Explicit parent fields of the simulated child entities. */
const PARENT_FIELDS: Record<string, string> = {
  TicketNotes: "ticketID",
  TicketAttachments: "parentID",
  TicketCharges: "ticketID",
  Contacts: "companyID",
  CompanyNotes: "companyID",
  Tasks: "projectID",
  Phases: "projectID",
  ProjectNotes: "projectID",
  TaskNotes: "taskID",
  ResourceRoles: "resourceID",
  ResourceServiceDeskRoles: "resourceID",
};

function singular(plural: string): string {
  if (/ies$/i.test(plural)) return plural.slice(0, -3) + "y";
  if (/(ses|xes)$/i.test(plural)) return plural.slice(0, -2);
  if (/s$/i.test(plural)) return plural.slice(0, -1);
  return plural;
}

/** The record field holding a child's parent id (`Tickets` -> ticketID), or null if unknown. */
export function parentField(def: EntityDef, child: ChildRoute): string | null {
  const explicit = PARENT_FIELDS[def.name];
  if (explicit) return explicit;
  const guess = def.byLower.get(`${singular(child.parent).toLowerCase()}id`);
  if (guess) return guess.name;
  // Webhook children (`TicketWebhooks/{id}/Fields`) hold their parent as webhookID.
  return def.byLower.get("parentid")?.name ?? def.byLower.get("webhookid")?.name ?? null;
}
