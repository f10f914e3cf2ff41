/**
 * Tests the generated entity catalog against the official swagger, the routing facts of
 * autotask-api.md section 4, and the wire field names of autotask-entities.json.
 */

import assert from "node:assert/strict";
import {
  CATALOG,
  childRoute,
  entityNames,
  findEntity,
  requireEntity,
  SPECIAL_ROUTES,
  supportsRoot,
} from "../lib/autotask/catalog.ts";
import type { CatalogEntry, ChildVerb, FieldType, RootVerb } from "../lib/autotask/catalog.ts";
import { generateCatalogSource, toWireName } from "../scripts/gen_catalog.ts";

const SHARED = new URL("../../shared/", import.meta.url);
const REGENERATE =
  "deno run --allow-read=../shared --allow-write=lib/autotask/catalog_data.ts scripts/gen_catalog.ts";

async function readJson(name: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(new URL(name, SHARED)));
}

function entity(name: string): CatalogEntry {
  const entry = findEntity(name);
  assert.ok(entry, `${name} is missing from the catalog`);
  return entry;
}

Deno.test("the committed catalog matches the swagger", async () => {
  const expected = generateCatalogSource(await readJson("autotask-openapi.json"));
  const committed = await Deno.readTextFile(
    new URL("../lib/autotask/catalog_data.ts", import.meta.url),
  );
  assert.ok(
    committed === expected,
    `lib/autotask/catalog_data.ts is stale: run \`${REGENERATE}\` from the repository root`,
  );
});

Deno.test("the catalog holds every swagger entity and no special route", () => {
  const names = entityNames();
  console.log(`catalog: ${names.length} entities, ${SPECIAL_ROUTES.length} special routes`);
  assert.equal(names.length, 160);
  assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  for (const special of ["ZoneInformation", "ThresholdInformation", "InvoicePDF"]) {
    assert.equal(findEntity(special), undefined, `${special} is not an entity`);
  }
  assert.deepEqual(SPECIAL_ROUTES.map((route) => route.name), [
    "EntityInformation",
    "InvoicePDF",
    "ThresholdInformation",
    "VersionInformation",
    "ZoneInformation",
  ]);
  const zone = SPECIAL_ROUTES.find((route) => route.name === "ZoneInformation");
  assert.deepEqual(zone?.params, ["query:user"]);
  // Autotask's own name for a child route (tag CompanyContactsChild) is not an entity.
  assert.equal(findEntity("CompanyContacts"), undefined);
});

/** Section 4: entities created and updated only under their parent. */
const PARENT_ONLY: { name: string; parent: string; segment: string; verbs: ChildVerb[] }[] = [
  { name: "TicketNotes", parent: "Tickets", segment: "Notes", verbs: ["create", "update"] },
  {
    name: "Contacts",
    parent: "Companies",
    segment: "Contacts",
    verbs: ["create", "update", "delete"],
  },
  { name: "Tasks", parent: "Projects", segment: "Tasks", verbs: ["create", "update"] },
  { name: "Phases", parent: "Projects", segment: "Phases", verbs: ["create", "update"] },
  { name: "ProjectNotes", parent: "Projects", segment: "Notes", verbs: ["create", "update"] },
  { name: "CompanyNotes", parent: "Companies", segment: "Notes", verbs: ["create", "update"] },
  { name: "TaskNotes", parent: "Tasks", segment: "Notes", verbs: ["create", "update"] },
  // Attachments are never updated: the swagger has no PATCH or PUT for them anywhere.
  {
    name: "TicketAttachments",
    parent: "Tickets",
    segment: "Attachments",
    verbs: ["create", "delete"],
  },
];

/**
 * Section 4 lists TaskNotes as parent-only, but the swagger also has POST, PATCH and PUT at
 * /V1.0/TaskNotes. The swagger is the authority on verbs, so the catalog keeps them; a client that
 * wants the route section 4 documents uses the child route, which both sources agree on.
 */
const ROOT_WRITES_IN_SWAGGER_ONLY: Record<string, RootVerb[]> = {
  TaskNotes: ["create", "update", "replace"],
};

Deno.test("parent-only entities are written under their parent", () => {
  for (const { name, parent, segment, verbs } of PARENT_ONLY) {
    const entry = entity(name);
    const swaggerOnly = ROOT_WRITES_IN_SWAGGER_ONLY[name] ?? [];
    for (const verb of ["create", "update", "replace", "delete"] as RootVerb[]) {
      assert.equal(
        supportsRoot(entry, verb),
        swaggerOnly.includes(verb),
        `${name} root ${verb} as the swagger has it`,
      );
    }
    assert.ok(supportsRoot(entry, "query") && supportsRoot(entry, "get"), `${name} root reads`);
    assert.equal(entry.children.length, 1, `${name} has one parent`);
    for (const verb of ["list", "get", ...verbs] as ChildVerb[]) {
      const route = childRoute(entry, verb);
      assert.deepEqual(
        route && { parent: route.parent, segment: route.segment },
        { parent, segment },
        `${name} ${verb} goes through ${parent}/{id}/${segment}`,
      );
    }
  }
  assert.equal(childRoute(entity("TicketAttachments"), "update"), undefined);
  assert.equal(childRoute(entity("TicketNotes"), "delete"), undefined);
});

Deno.test("root verbs follow the swagger", () => {
  const timeEntries = entity("TimeEntries");
  for (const verb of ["query", "count", "get", "create", "update", "delete"] as RootVerb[]) {
    assert.ok(supportsRoot(timeEntries, verb), `TimeEntries ${verb}`);
  }
  // Time entries are root-level: there is no Tickets/{id}/TimeEntries.
  assert.deepEqual(timeEntries.children, []);

  const tickets = entity("Tickets");
  for (const verb of ["query", "count", "get", "create", "update", "replace"] as RootVerb[]) {
    assert.ok(supportsRoot(tickets, verb), `Tickets ${verb}`);
  }
  assert.equal(supportsRoot(tickets, "delete"), false);

  for (const name of ["Companies", "Contacts", "Tickets", "Projects", "Resources"]) {
    assert.ok(supportsRoot(entity(name), "info"), `${name} has entityInformation`);
  }
  // Write-only entities: POST at the root, no query.
  assert.deepEqual(entity("TicketChecklistLibraries").root, ["create", "info"]);
});

Deno.test("child routes are owned by their tag, not their segment", () => {
  // Both use the segment "Contacts"; the tag decides which entity it is.
  assert.deepEqual(entity("ContactGroupContacts").children, [
    { parent: "ContactGroups", segment: "Contacts", verbs: ["list", "get", "create", "delete"] },
  ]);
  assert.equal(entity("ResourceRoles").children[0].segment, "Roles");
  assert.equal(entity("Roles").children.length, 0);
  // A parent segment that is not itself an entity.
  assert.equal(entity("ExpenseItems").children[0].parent, "Expenses");
  assert.equal(findEntity("Expenses"), undefined);
  // Children of children are plain child routes of the middle entity.
  assert.equal(entity("ServiceCallTicketResources").children[0].parent, "ServiceCallTickets");
  assert.equal(
    CATALOG.filter((entry) => entry.children.length > 1).length,
    0,
    "no entity has two parents in this swagger",
  );
});

Deno.test("field names are Newtonsoft camelCase", () => {
  const cases: [string, string][] = [
    ["CompanyID", "companyID"],
    ["Id", "id"],
    ["ID", "id"],
    ["RMMDeviceAuditSNMPName", "rmmDeviceAuditSNMPName"],
    ["SGDA", "sgda"],
    ["GLCode", "glCode"],
    ["UDF1", "udF1"],
    ["contentType", "contentType"],
    ["", ""],
  ];
  for (const [input, wire] of cases) assert.equal(toWireName(input), wire, input);
  assert.equal(entity("TicketNotes").fields.ticketID, "integer");
  assert.equal(entity("Tickets").fields.userDefinedFields, "udfs");
  assert.equal(entity("Tickets").fields.id, "long");
  assert.equal(entity("TicketNotes").fields.soapParentPropertyId, undefined);
});

/** Type notation of autotask-entities.json -> catalog FieldType. */
const ENTITIES_JSON_TYPES: Record<string, FieldType> = {
  "integer(int32)": "integer",
  "integer(int64)": "long",
  "number(double)": "double",
  "string(date-time)": "datetime",
  "string": "string",
  "boolean": "boolean",
  "array<{name,value}>": "udfs",
};

Deno.test("autotask-entities.json agrees with the catalog", async () => {
  const reference = await readJson("autotask-entities.json") as Record<
    string,
    { fields?: Record<string, { type: string }> }
  >;
  const differences: string[] = [];
  for (const [name, spec] of Object.entries(reference)) {
    if (name === "_meta") continue;
    const entry = findEntity(name);
    if (!entry) {
      differences.push(`${name}: not in the catalog`);
      continue;
    }
    const expected = spec.fields ?? {};
    for (const [field, { type }] of Object.entries(expected)) {
      const actual = entry.fields[field];
      if (actual === undefined) differences.push(`${name}.${field}: missing from the catalog`);
      else if (ENTITIES_JSON_TYPES[type] !== actual) {
        differences.push(`${name}.${field}: ${type} there, ${actual} here`);
      }
    }
    for (const field of Object.keys(entry.fields)) {
      if (!(field in expected)) differences.push(`${name}.${field}: not in autotask-entities.json`);
    }
  }
  if (differences.length > 0) console.log(differences.join("\n"));
  assert.deepEqual(differences, KNOWN_DIFFERENCES);
});

/** Differences between the swagger and autotask-entities.json, checked so none hides. */
const KNOWN_DIFFERENCES: string[] = [];

Deno.test("lookups ignore case and suggest close names", () => {
  assert.equal(findEntity("tickets")?.name, "Tickets");
  assert.equal(findEntity("TICKETNOTES")?.name, "TicketNotes");
  assert.equal(findEntity("nope"), undefined);
  assert.equal(requireEntity("companies").name, "Companies");
  assert.throws(() => requireEntity("Ticket"), (error: Error) => {
    assert.match(error.message, /Unknown Autotask entity "Ticket"/);
    assert.match(error.message, /did you mean Tickets\b/);
    return true;
  });
  assert.throws(() => requireEntity("Compnies"), /did you mean Companies/);
  assert.throws(() => requireEntity("Zzzzzzzz"), (error: Error) => {
    assert.doesNotMatch(error.message, /did you mean/);
    return true;
  });
});

Deno.test("the generator refuses routes it cannot classify", async () => {
  const swagger = await readJson("autotask-openapi.json") as {
    paths: Record<string, unknown>;
  };
  const withExtra = {
    ...swagger,
    paths: { ...swagger.paths, "/V1.0/NewThing": { get: { tags: ["NewThing"] } } },
  };
  assert.throws(() => generateCatalogSource(withExtra), /NewThing/);
  assert.throws(() => generateCatalogSource({}), /swagger/);
});
