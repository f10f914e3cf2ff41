/** Turns "do X to entity E" into the Autotask method and path, from the generated catalog. */

import { childRoute, requireEntity, supportsRoot } from "./catalog.ts";
import type { CatalogEntry, ChildRoute } from "./catalog_data.ts";
import { AutotaskError, type Operation } from "./errors.ts";

/** What the client wants to do; each maps to one swagger route. */
export type Action =
  | "query"
  | "count"
  | "get"
  | "create"
  | "update"
  | "delete"
  | "info"
  | "fields"
  | "udfs";

/** HTTP methods the client sends. */
export type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** One concrete request target. */
export interface Route {
  method: Method;
  /** The swagger path template, e.g. `/V1.0/Tickets/{parentId}/Notes` (for the contract test). */
  template: string;
  /** Path relative to the REST base (which ends in `V1.0/`), e.g. `Tickets/42/Notes`. */
  path: string;
  /** Entity the route acts on: the key for Autotask's per-entity thread limit. */
  entity: string;
}

/** Ids a route may need. */
export interface RouteIds {
  id?: number;
  parentId?: number;
}

const OPERATION: Record<Action, Operation> = {
  query: "query",
  count: "count",
  get: "get",
  create: "create",
  update: "update",
  delete: "delete",
  info: "metadata",
  fields: "metadata",
  udfs: "metadata",
};

/**
 * The record field that holds the parent's id for a child route:
 * `Tickets` -> `ticketID`, `Companies` -> `companyID`, `Opportunities` -> `opportunityID`.
 */
export function parentIdField(parent: string): string {
  let singular = parent;
  if (/ies$/.test(parent)) singular = parent.slice(0, -3) + "y";
  else if (/ses$/.test(parent)) singular = parent.slice(0, -2);
  else if (/s$/.test(parent)) singular = parent.slice(0, -1);
  return singular[0].toLowerCase() + singular.slice(1) + "ID";
}

function unsupported(entry: CatalogEntry, action: Action, detail: string): AutotaskError {
  return new AutotaskError(`Autotask does not support ${action} on ${entry.name}: ${detail}`, {
    category: "validation",
    operation: OPERATION[action],
    entity: entry.name,
  });
}

function needsParent(entry: CatalogEntry, action: Action, child: ChildRoute): AutotaskError {
  return new AutotaskError(
    `${entry.name} can only be ${
      action === "create" ? "created" : action === "update" ? "updated" : "read or deleted"
    } under its parent ${child.parent}: give ${parentIdField(child.parent)}`,
    { category: "validation", operation: OPERATION[action], entity: entry.name },
  );
}

function positive(value: number | undefined, name: string, entry: CatalogEntry, action: Action) {
  if (value === undefined || !Number.isSafeInteger(value) || value < 0) {
    throw new AutotaskError(
      `${name} must be a non-negative whole number for ${action} ${entry.name}`,
      {
        category: "validation",
        operation: OPERATION[action],
        entity: entry.name,
      },
    );
  }
  return value;
}

function viaChild(
  entry: CatalogEntry,
  action: "get" | "create" | "update" | "delete",
  ids: RouteIds,
): Route {
  const child = childRoute(entry, action);
  if (!child) throw unsupported(entry, action, "the API has no route for it");
  if (ids.parentId === undefined) throw needsParent(entry, action, child);
  const parentId = positive(ids.parentId, parentIdField(child.parent), entry, action);
  const base = `${child.parent}/${parentId}/${child.segment}`;
  const template = `/V1.0/${child.parent}/{parentId}/${child.segment}`;
  const method: Method = action === "get"
    ? "GET"
    : action === "create"
    ? "POST"
    : action === "update"
    ? "PATCH"
    : "DELETE";
  if (action === "get" || action === "delete") {
    const id = positive(ids.id, "id", entry, action);
    return { method, template: `${template}/{id}`, path: `${base}/${id}`, entity: entry.name };
  }
  return { method, template, path: base, entity: entry.name };
}

/**
 * Resolves an action on an entity (any case, e.g. `ticketnotes`) to its route.
 * Reads use root routes; writes use the parent's route when `parentId` is given
 * (and must, for parent-only entities). Throws {@linkcode AutotaskError} (validation) when the API
 * has no such route.
 */
export function resolveRoute(entityName: string, action: Action, ids: RouteIds = {}): Route {
  let entry: CatalogEntry;
  try {
    entry = requireEntity(entityName);
  } catch (error) {
    throw new AutotaskError((error as Error).message, {
      category: "validation",
      operation: OPERATION[action],
      entity: entityName,
    });
  }
  const name = entry.name;
  const route = (method: Method, suffix: string, path: string): Route => ({
    method,
    template: `/V1.0/${name}${suffix}`,
    path: `${name}${path}`,
    entity: name,
  });
  switch (action) {
    case "query":
      if (!supportsRoot(entry, "query")) throw unsupported(entry, action, "it cannot be queried");
      return route("POST", "/query", "/query");
    case "count":
      if (!supportsRoot(entry, "count")) throw unsupported(entry, action, "it cannot be counted");
      return route("POST", "/query/count", "/query/count");
    case "info":
    case "fields":
    case "udfs": {
      if (!supportsRoot(entry, "info")) {
        throw unsupported(entry, action, "it publishes no entityInformation");
      }
      // Entities without user-defined fields (attachments) have no userDefinedFields route.
      if (action === "udfs" && !Object.values(entry.fields).includes("udfs")) {
        throw unsupported(entry, action, "it has no user-defined fields");
      }
      const suffix = action === "info"
        ? "/entityInformation"
        : action === "fields"
        ? "/entityInformation/fields"
        : "/entityInformation/userDefinedFields";
      return route("GET", suffix, suffix);
    }
    case "get":
      if (supportsRoot(entry, "get")) {
        return route("GET", "/{id}", `/${positive(ids.id, "id", entry, action)}`);
      }
      return viaChild(entry, action, ids);
    // Writes under a parent use the parent's route when the parent is known: it is the
    // route autotask-api.md documents (TaskNotes has both; the tenant honours the child one).
    case "create":
      if (ids.parentId !== undefined && childRoute(entry, action)) {
        return viaChild(entry, action, ids);
      }
      if (supportsRoot(entry, "create")) return route("POST", "", "");
      return viaChild(entry, action, ids);
    case "update":
      if (ids.parentId !== undefined && childRoute(entry, action)) {
        return viaChild(entry, action, ids);
      }
      if (supportsRoot(entry, "update")) return route("PATCH", "", "");
      return viaChild(entry, action, ids);
    case "delete":
      if (supportsRoot(entry, "delete")) {
        return route("DELETE", "/{id}", `/${positive(ids.id, "id", entry, action)}`);
      }
      return viaChild(entry, action, ids);
  }
}

/** The fixed routes that are not per-entity. */
export const THRESHOLD_ROUTE = {
  method: "GET",
  template: "/V1.0/ThresholdInformation",
  path: "ThresholdInformation",
} as const;
