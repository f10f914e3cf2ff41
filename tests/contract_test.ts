/**
 * Every method + path the client can emit exists in the swagger kept in scripts/spec/ (the official
 * document plus its documented extras; `query/next` paging URLs aside), and the catalog's root and
 * child routes agree with that swagger route for route, both ways.
 */

import assert from "node:assert/strict";
import { CATALOG, type ChildVerb, type RootVerb, SPECIAL_ROUTES } from "../lib/autotask/catalog.ts";
import {
  type Action,
  parentIdField,
  resolveRoute,
  type RouteIds,
  THRESHOLD_ROUTE,
} from "../lib/autotask/routes.ts";
import { ZONE_DISCOVERY_URL } from "../lib/autotask/mod.ts";
import { readContractSwagger } from "../scripts/swagger.ts";

const swagger = await readContractSwagger();
const paths = swagger.paths;
const ACTIONS: Action[] = [
  "query",
  "count",
  "get",
  "create",
  "update",
  "delete",
  "info",
  "fields",
  "udfs",
];
/** With and without a parent: writes pick the child route only when the parent is known. */
const ID_VARIANTS: RouteIds[] = [{ id: 7, parentId: 3 }, { id: 7 }, {}];

function inSwagger(method: string, template: string): boolean {
  return paths[template]?.[method.toLowerCase()] !== undefined;
}

Deno.test("every route the client resolves for every catalog entity exists in the swagger", () => {
  const wrong: string[] = [];
  const seen = new Set<string>();
  for (const entry of CATALOG) {
    for (const action of ACTIONS) {
      for (const ids of ID_VARIANTS) {
        let route;
        try {
          route = resolveRoute(entry.name, action, ids);
        } catch {
          continue; // the client refuses it: nothing is sent
        }
        const label = `${entry.name} ${action} ${JSON.stringify(ids)}`;
        if (!inSwagger(route.method, route.template)) {
          wrong.push(`${label}: ${route.method} ${route.template} is not in the swagger`);
        }
        // The path sent is the template filled in, under the REST base (which ends in V1.0/).
        const filled = route.template.replace("{parentId}", "3").replace("{id}", "7");
        if (`/V1.0/${route.path}` !== filled) {
          wrong.push(`${label}: sends ${route.path} for ${route.template}`);
        }
        if (route.entity !== entry.name) wrong.push(`${label}: thread key ${route.entity}`);
        seen.add(`${route.method} ${route.template}`);
      }
    }
  }
  assert.deepEqual(wrong, []);
  console.log(`contract: ${seen.size} distinct routes checked across ${CATALOG.length} entities`);
  assert.ok(seen.size > 1_000);
});

/** Swagger routes of each root verb, after `/V1.0/{Entity}`; all present or all absent. */
const ROOT_ROUTES: Record<RootVerb, string[]> = {
  query: ["POST /query", "GET /query"],
  count: ["POST /query/count", "GET /query/count"],
  get: ["GET /{id}"],
  create: ["POST "],
  update: ["PATCH "],
  replace: ["PUT "],
  delete: ["DELETE /{id}"],
  info: ["GET /entityInformation", "GET /entityInformation/fields"],
};
/** Present only on entities with user-defined fields. */
const UDF_INFO = "GET /entityInformation/userDefinedFields";

/** Swagger routes of each child verb, after `/V1.0/{Parent}/{parentId}/{Segment}`. */
const CHILD_ROUTES: Record<ChildVerb, string> = {
  list: "GET ",
  get: "GET /{id}",
  create: "POST ",
  update: "PATCH ",
  replace: "PUT ",
  delete: "DELETE /{id}",
};
/** Metadata mirrored under a parent; the client reads metadata at the root, so not recorded. */
const CHILD_METADATA = [
  "GET /entityInformation",
  "GET /entityInformation/fields",
  "GET /entityInformation/userDefinedFields",
];

function route(base: string, key: string): string {
  const [method, rest] = key.split(" ");
  return `${method} ${base}${rest}`;
}

Deno.test("the catalog's root and child routes are exactly the swagger's", () => {
  const wrong: string[] = [];
  const accounted = new Set<string>();
  for (const entry of CATALOG) {
    const base = `/V1.0/${entry.name}`;
    for (const [verb, keys] of Object.entries(ROOT_ROUTES) as [RootVerb, string[]][]) {
      const listed = entry.root.includes(verb);
      for (const key of keys) {
        const [method, template] = route(base, key).split(" ");
        if (listed !== inSwagger(method, template)) {
          wrong.push(
            `${entry.name} root ${verb}: catalog ${listed ? "has" : "lacks"} it, ` +
              `swagger ${listed ? "lacks" : "has"} ${method} ${template}`,
          );
        }
        if (listed) accounted.add(`${method} ${template}`);
      }
    }
    const [udfMethod, udfTemplate] = route(base, UDF_INFO).split(" ");
    if (inSwagger(udfMethod, udfTemplate)) {
      if (!entry.root.includes("info")) wrong.push(`${entry.name}: userDefinedFields without info`);
      accounted.add(`${udfMethod} ${udfTemplate}`);
    }
    for (const child of entry.children) {
      const childBase = `/V1.0/${child.parent}/{parentId}/${child.segment}`;
      for (const [verb, key] of Object.entries(CHILD_ROUTES) as [ChildVerb, string][]) {
        const listed = child.verbs.includes(verb);
        const [method, template] = route(childBase, key).split(" ");
        if (listed !== inSwagger(method, template)) {
          wrong.push(
            `${entry.name} under ${child.parent}/${child.segment} ${verb}: catalog ` +
              `${listed ? "has" : "lacks"} it, swagger ${
                listed ? "lacks" : "has"
              } ${method} ${template}`,
          );
        }
        if (listed) accounted.add(`${method} ${template}`);
      }
      for (const key of CHILD_METADATA) {
        const [method, template] = route(childBase, key).split(" ");
        if (inSwagger(method, template)) accounted.add(`${method} ${template}`);
      }
    }
  }
  // Whatever is left must be one of the non-entity routes (zone, thresholds, version, ...).
  const specials = new Set([
    "GET /V1.0/EntityInformation",
    "GET /V1.0/InvoicePDF",
    "GET /V1.0/ThresholdInformation",
    "GET /V1.0/ZoneInformation",
    "GET /VersionInformation",
  ]);
  assert.deepEqual(
    new Set(SPECIAL_ROUTES.map((special) => `${special.method} ${special.path}`)),
    specials,
  );
  const unaccounted: string[] = [];
  let total = 0;
  for (const [template, ops] of Object.entries(paths)) {
    for (const method of Object.keys(ops)) {
      total++;
      const key = `${method.toUpperCase()} ${template}`;
      if (!accounted.has(key) && !specials.has(key)) unaccounted.push(key);
    }
  }
  assert.deepEqual(wrong, []);
  assert.deepEqual(unaccounted, [], "swagger routes the catalog does not know");
  assert.equal(accounted.size + specials.size, total);
  console.log(`catalog and swagger agree on ${total} method + path pairs`);
});

Deno.test("the client refuses what the swagger does not offer", () => {
  assert.throws(
    () => resolveRoute("Tickets", "delete", { id: 1 }),
    /does not support delete on Tickets/,
  );
  assert.throws(
    () => resolveRoute("TicketNotes", "create", {}),
    /under its parent Tickets: give ticketID/,
  );
  assert.throws(() => resolveRoute("Ticket", "get", { id: 1 }), /Tickets/);
  // Every entity that lacks a root verb: the client sends nothing rather than a made-up route.
  for (const entry of CATALOG) {
    if (!entry.root.includes("query")) assert.throws(() => resolveRoute(entry.name, "query"));
    if (!entry.root.includes("count")) assert.throws(() => resolveRoute(entry.name, "count"));
    if (!entry.root.includes("info")) assert.throws(() => resolveRoute(entry.name, "fields"));
  }
});

Deno.test("child and root routes match autotask-api.md sections 4 and 8", () => {
  const cases: [string, Action, { id?: number; parentId?: number }, string, string][] = [
    ["TicketNotes", "create", { parentId: 42 }, "POST", "Tickets/42/Notes"],
    ["TicketNotes", "update", { parentId: 42 }, "PATCH", "Tickets/42/Notes"],
    ["Contacts", "create", { parentId: 9 }, "POST", "Companies/9/Contacts"],
    ["Contacts", "delete", { id: 5, parentId: 9 }, "DELETE", "Companies/9/Contacts/5"],
    ["Tasks", "create", { parentId: 3 }, "POST", "Projects/3/Tasks"],
    ["Phases", "create", { parentId: 3 }, "POST", "Projects/3/Phases"],
    ["ProjectNotes", "create", { parentId: 3 }, "POST", "Projects/3/Notes"],
    ["CompanyNotes", "create", { parentId: 9 }, "POST", "Companies/9/Notes"],
    ["TicketAttachments", "create", { parentId: 42 }, "POST", "Tickets/42/Attachments"],
    ["TimeEntries", "create", {}, "POST", "TimeEntries"],
    ["TimeEntries", "delete", { id: 11 }, "DELETE", "TimeEntries/11"],
    ["Tickets", "update", {}, "PATCH", "Tickets"],
    ["tickets", "query", {}, "POST", "Tickets/query"],
    ["Tickets", "count", {}, "POST", "Tickets/query/count"],
    ["Tickets", "get", { id: 1 }, "GET", "Tickets/1"],
    ["TicketWebhooks", "create", {}, "POST", "TicketWebhooks"],
    ["TicketWebhooks", "update", {}, "PATCH", "TicketWebhooks"],
    ["TicketWebhooks", "delete", { id: 4 }, "DELETE", "TicketWebhooks/4"],
    ["TicketNoteWebhooks", "query", {}, "POST", "TicketNoteWebhooks/query"],
    ["ConfigurationItemWebhooks", "get", { id: 4 }, "GET", "ConfigurationItemWebhooks/4"],
    ["TicketWebhookFields", "create", { parentId: 4 }, "POST", "TicketWebhooks/4/Fields"],
    ["TicketWebhookUdfFields", "update", { parentId: 4 }, "PATCH", "TicketWebhooks/4/UdfFields"],
    [
      "TicketNoteWebhookExcludedResources",
      "delete",
      { id: 2, parentId: 4 },
      "DELETE",
      "TicketNoteWebhooks/4/ExcludedResources/2",
    ],
  ];
  for (const [entity, action, ids, method, path] of cases) {
    const route = resolveRoute(entity, action, ids);
    assert.equal(`${route.method} ${route.path}`, `${method} ${path}`, `${entity} ${action}`);
  }
});

Deno.test("fixed routes exist in the swagger", () => {
  assert.ok(inSwagger(THRESHOLD_ROUTE.method, THRESHOLD_ROUTE.template));
  assert.equal(`/V1.0/${THRESHOLD_ROUTE.path}`, THRESHOLD_ROUTE.template);
  assert.ok(inSwagger("GET", "/V1.0/ZoneInformation"));
  assert.match(ZONE_DISCOVERY_URL, /\/v1\.0\/zoneInformation$/i);
});

/**
 * Child routes whose parent id is not in the field `parentIdField` derives (`{parent}ID`): the
 * record holds it under another name, given here. The client cannot read these parents from a
 * record, so callers must pass the parent id; any new mismatch fails the test below.
 */
const PARENT_ID_ELSEWHERE: Record<string, string> = {
  "CompanyAttachments under Companies": "parentID",
  "CompanyWebhookExcludedResources under CompanyWebhooks": "webhookID",
  "CompanyWebhookFields under CompanyWebhooks": "webhookID",
  "CompanyWebhookUdfFields under CompanyWebhooks": "webhookID",
  "ConfigurationItemWebhookExcludedResources under ConfigurationItemWebhooks": "webhookID",
  "ConfigurationItemWebhookFields under ConfigurationItemWebhooks": "webhookID",
  "ConfigurationItemWebhookUdfFields under ConfigurationItemWebhooks": "webhookID",
  "ContactGroupContacts under ContactGroups": "contactGroupId",
  "ContactWebhookExcludedResources under ContactWebhooks": "webhookID",
  "ContactWebhookFields under ContactWebhooks": "webhookID",
  "ContactWebhookUdfFields under ContactWebhooks": "webhookID",
  "ProjectAttachments under Projects": "parentID",
  "PurchaseOrderItems under PurchaseOrders": "orderID",
  "TaskAttachments under Tasks": "parentID",
  "TaskPredecessors under Tasks": "successorTaskID",
  "TicketAttachments under Tickets": "parentID",
  "TicketNoteWebhookExcludedResources under TicketNoteWebhooks": "webhookID",
  "TicketNoteWebhookFields under TicketNoteWebhooks": "webhookID",
  "TicketWebhookExcludedResources under TicketWebhooks": "webhookID",
  "TicketWebhookFields under TicketWebhooks": "webhookID",
  "TicketWebhookUdfFields under TicketWebhooks": "webhookID",
};

Deno.test("the parent id field of every written child route is a field of the child entity", () => {
  const names = new Set(CATALOG.map((e) => e.name));
  const wrong: string[] = [];
  for (const entry of CATALOG) {
    for (const child of entry.children) {
      if (!names.has(child.parent) || !child.verbs.some((v) => v === "create" || v === "update")) {
        continue;
      }
      const key = `${entry.name} under ${child.parent}`;
      const field = parentIdField(child.parent);
      const elsewhere = PARENT_ID_ELSEWHERE[key];
      if (elsewhere === undefined) {
        if (!(field in entry.fields)) wrong.push(`${key}: no ${field}`);
      } else {
        if (field in entry.fields) wrong.push(`${key}: has ${field} now; drop the exception`);
        if (!(elsewhere in entry.fields)) wrong.push(`${key}: no ${elsewhere} either`);
      }
    }
  }
  assert.deepEqual(wrong, []);
  for (const key of Object.keys(PARENT_ID_ELSEWHERE)) {
    const [name, parent] = key.split(" under ");
    assert.ok(
      CATALOG.some((e) => e.name === name && e.children.some((c) => c.parent === parent)),
      `${key} is a child route of the catalog`,
    );
  }
});

Deno.test("writes go through the parent route when the parent is known, even where a root route exists", () => {
  assert.equal(resolveRoute("TaskNotes", "create", { parentId: 8 }).path, "Tasks/8/Notes");
  assert.equal(resolveRoute("TaskNotes", "create", {}).path, "TaskNotes");
  assert.equal(resolveRoute("Tickets", "create", {}).path, "Tickets");
});
