/** Every method + path the client can emit exists in the official swagger (paging URLs aside). */

import assert from "node:assert/strict";
import { CATALOG } from "../lib/autotask/catalog.ts";
import {
  type Action,
  parentIdField,
  resolveRoute,
  THRESHOLD_ROUTE,
} from "../lib/autotask/routes.ts";
import { ZONE_DISCOVERY_URL } from "../lib/autotask/client.ts";

const swagger = JSON.parse(
  await Deno.readTextFile(new URL("../../shared/autotask-openapi.json", import.meta.url)),
);
const paths = swagger.paths as Record<string, Record<string, unknown>>;
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

function inSwagger(method: string, template: string): boolean {
  return paths[template]?.[method.toLowerCase()] !== undefined;
}

Deno.test("every route the client resolves for every catalog entity exists in the swagger", () => {
  const missing: string[] = [];
  let checked = 0;
  for (const entry of CATALOG) {
    for (const action of ACTIONS) {
      let route;
      try {
        route = resolveRoute(entry.name, action, { id: 7, parentId: 3 });
      } catch {
        continue; // the client refuses it: nothing is sent
      }
      checked++;
      if (!inSwagger(route.method, route.template)) {
        missing.push(`${route.method} ${route.template}`);
      }
      assert.ok(!route.path.includes("{"), `concrete path for ${route.template}`);
    }
  }
  assert.deepEqual(missing, []);
  console.log(`contract: ${checked} routes checked across ${CATALOG.length} entities`);
  assert.ok(checked > 700);
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
});

Deno.test("child and root routes match autotask-api.md section 4", () => {
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
  ];
  for (const [entity, action, ids, method, path] of cases) {
    const route = resolveRoute(entity, action, ids);
    assert.equal(`${route.method} ${route.path}`, `${method} ${path}`, `${entity} ${action}`);
  }
});

Deno.test("fixed routes exist in the swagger", () => {
  assert.ok(inSwagger(THRESHOLD_ROUTE.method, THRESHOLD_ROUTE.template));
  assert.ok(inSwagger("GET", "/V1.0/ZoneInformation"));
  assert.match(ZONE_DISCOVERY_URL, /\/v1\.0\/zoneInformation$/i);
});

Deno.test("the parent id field of every child route is a field of the child entity", () => {
  const names = new Set(CATALOG.map((e) => e.name));
  const wrong: string[] = [];
  for (const entry of CATALOG) {
    for (const child of entry.children) {
      if (!names.has(child.parent) || !child.verbs.some((v) => v === "create" || v === "update")) {
        continue;
      }
      const field = parentIdField(child.parent);
      if (!(field in entry.fields)) wrong.push(`${entry.name} under ${child.parent}: no ${field}`);
    }
  }
  console.log(`parent id fields not derivable: ${wrong.length}\n${wrong.join("\n")}`);
  for (
    const name of [
      "TicketNotes",
      "Contacts",
      "Tasks",
      "Phases",
      "ProjectNotes",
      "CompanyNotes",
      "TaskNotes",
    ]
  ) {
    assert.ok(!wrong.some((w) => w.startsWith(`${name} `)), name);
  }
});

Deno.test("writes go through the parent route when the parent is known, even where a root route exists", () => {
  assert.equal(resolveRoute("TaskNotes", "create", { parentId: 8 }).path, "Tasks/8/Notes");
  assert.equal(resolveRoute("TaskNotes", "create", {}).path, "TaskNotes");
  assert.equal(resolveRoute("Tickets", "create", {}).path, "Tickets");
});
