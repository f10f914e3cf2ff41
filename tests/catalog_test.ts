/**
 * Tests the generated entity catalog against the swagger kept in scripts/spec/ (the official document plus
 * its documented extras), the routing facts of autotask-api.md sections 4 and 8, and independently
 * camelCased wire field names.
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
import {
  EXTRA_MARK,
  readContractSwagger,
  readOfficialSwagger,
  readSwaggerExtras,
  SPEC_DIR,
  type Swagger,
  withExtras,
} from "../scripts/swagger.ts";
import { productionFlags } from "./harness.ts";

const ROOT = new URL("..", import.meta.url);
const REGENERATE = "deno task catalog";

async function readJson(name: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(new URL(name, SPEC_DIR)));
}

function entity(name: string): CatalogEntry {
  const entry = findEntity(name);
  assert.ok(entry, `${name} is missing from the catalog`);
  return entry;
}

Deno.test("the committed catalog matches the swagger and its extras", async () => {
  const expected = generateCatalogSource(await readContractSwagger());
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
  // 160 from the official document, 11 webhook entities from the extras.
  assert.equal(names.length, 171);
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

/** Type notation of scripts/spec/autotask-entity-fields.json -> catalog FieldType. */
const ENTITIES_JSON_TYPES: Record<string, FieldType> = {
  "integer(int32)": "integer",
  "integer(int64)": "long",
  "number(double)": "double",
  "string(date-time)": "datetime",
  "string": "string",
  "boolean": "boolean",
  "array<{name,value}>": "udfs",
};

Deno.test("independently camelCased field names agree with the catalog", async () => {
  const reference = await readJson("autotask-entity-fields.json") as Record<
    string,
    Record<string, string>
  >;
  const differences: string[] = [];
  let checked = 0;
  for (const [name, expected] of Object.entries(reference)) {
    if (name === "_meta") continue;
    const entry = findEntity(name);
    if (!entry) {
      differences.push(`${name}: not in the catalog`);
      continue;
    }
    for (const [field, type] of Object.entries(expected)) {
      checked++;
      const actual = entry.fields[field];
      if (actual === undefined) differences.push(`${name}.${field}: missing from the catalog`);
      else if (ENTITIES_JSON_TYPES[type] !== actual) {
        differences.push(`${name}.${field}: ${type} there, ${actual} here`);
      }
    }
    for (const field of Object.keys(entry.fields)) {
      if (!(field in expected)) differences.push(`${name}.${field}: not in the fixture`);
    }
  }
  assert.deepEqual(differences, KNOWN_DIFFERENCES);
  assert.ok(checked > 500, `only ${checked} fields compared`);
});

/** Differences between the catalog and the fixture, listed so none hides. */
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
  const swagger = await readContractSwagger();
  const withExtra = {
    ...swagger,
    paths: { ...swagger.paths, "/V1.0/NewThing": { get: { tags: ["NewThing"] } } },
  };
  assert.throws(() => generateCatalogSource(withExtra), /NewThing/);
  assert.throws(() => generateCatalogSource({}), /swagger/);
});

/** autotask-api.md section 8: the webhook entities, two documented in 2020 and three live-only. */
const WEBHOOK_KINDS = ["Company", "Contact", "ConfigurationItem", "Ticket", "TicketNote"];

Deno.test("the catalog knows the five webhook entity kinds and their children", () => {
  const allRoot: RootVerb[] = ["query", "count", "get", "create", "update", "replace", "delete"];
  const childReads: RootVerb[] = ["query", "count", "get", "info"];
  for (const kind of WEBHOOK_KINDS) {
    const hooks = entity(`${kind}Webhooks`);
    assert.deepEqual(hooks.root, [...allRoot, "info"], `${kind}Webhooks root verbs`);
    assert.deepEqual(hooks.children, []);
    for (
      const field of ["name", "webhookUrl", "deactivationUrl", "secretKey", "isActive", "isReady"]
    ) {
      assert.ok(field in hooks.fields, `${kind}Webhooks.${field}`);
    }
    const children: [string, string, ChildVerb[]][] = [
      ["Fields", "Fields", ["list", "get", "create", "update", "replace", "delete"]],
      ["ExcludedResources", "ExcludedResources", ["list", "get", "create", "delete"]],
    ];
    // Ticket notes have no user-defined fields, so no webhook UDF fields either.
    if (kind !== "TicketNote") {
      children.push([
        "UdfFields",
        "UdfFields",
        ["list", "get", "create", "update", "replace", "delete"],
      ]);
    }
    for (const [suffix, segment, verbs] of children) {
      const child = entity(`${kind}Webhook${suffix}`);
      assert.deepEqual(child.root, childReads, `${child.name} root verbs`);
      assert.deepEqual(child.children, [{ parent: `${kind}Webhooks`, segment, verbs }]);
      assert.equal(child.fields.webhookID, "integer", `${child.name}.webhookID`);
    }
  }
  assert.equal(findEntity("TicketNoteWebhookUdfFields"), undefined);
  assert.equal(entity("TicketWebhookFields").fields.fieldID, "integer");
  assert.equal(entity("TicketWebhookUdfFields").fields.udfFieldID, "integer");
  assert.equal(entity("TicketNoteWebhookExcludedResources").fields.resourceID, "integer");
  // Same shape as the documented ones, field for field.
  for (const suffix of ["s", "Fields", "UdfFields", "ExcludedResources"]) {
    for (const kind of ["ConfigurationItem", "Ticket", "TicketNote"]) {
      const added = findEntity(`${kind}Webhook${suffix}`);
      if (added) assert.deepEqual(added.fields, entity(`CompanyWebhook${suffix}`).fields);
    }
  }
});

Deno.test("the extras only add to the official swagger, and say so", async () => {
  const official = await readOfficialSwagger();
  const extras = await readSwaggerExtras();
  const merged = withExtras(official, extras);
  assert.equal(Object.keys(official.paths).length, 1421, "the official document, unchanged");
  for (const [path, ops] of Object.entries(official.paths)) {
    assert.deepEqual(merged.paths[path], ops, `${path} is the official one`);
  }
  for (const [name, model] of Object.entries(official.definitions)) {
    assert.deepEqual(merged.definitions[name], model, `model ${name} is the official one`);
  }
  const added = Object.keys(merged.paths).filter((path) => !(path in official.paths));
  for (const path of added) {
    for (const [method, op] of Object.entries(merged.paths[path])) {
      assert.match(String(op[EXTRA_MARK]), /section 8/, `${method} ${path} is marked as an extra`);
    }
  }
  const entities = new Set(added.map((path) => path.split("/")[2]));
  assert.deepEqual([...entities].sort(), [
    "ConfigurationItemWebhookExcludedResources",
    "ConfigurationItemWebhookFields",
    "ConfigurationItemWebhookUdfFields",
    "ConfigurationItemWebhooks",
    "TicketNoteWebhookExcludedResources",
    "TicketNoteWebhookFields",
    "TicketNoteWebhooks",
    "TicketWebhookExcludedResources",
    "TicketWebhookFields",
    "TicketWebhookUdfFields",
    "TicketWebhooks",
  ]);
  // Per entity the template's 40 paths (7 for the webhook, 11 for each child), less the 11 of
  // TicketNote's UDF fields.
  const template = Object.keys(official.paths).filter((p) => p.startsWith("/V1.0/CompanyWebhook"));
  assert.equal(template.length, 40);
  assert.equal(added.length, 40 * 3 - 11);
  assert.ok(added.includes("/V1.0/TicketWebhooks/{parentId}/ExcludedResources/{id}"));
  assert.ok(merged.paths["/V1.0/TicketNoteWebhooks"].patch);

  // An addition never replaces an official route, and a template child must be described.
  assert.throws(() => withExtras(merged, extras), /already in the swagger/);
  const undescribed = structuredClone(extras);
  delete (undescribed.webhooks.children as Record<string, string>).UdfFields;
  undescribed.webhooks.entities = [{ name: "Ticket", children: ["Fields"] }];
  assert.throws(() => withExtras(official, undescribed), /UdfFields/);
  const unknown = structuredClone(extras);
  unknown.webhooks.entities = [{ name: "Ticket", children: ["Triggers"] }];
  assert.throws(() => withExtras(official, unknown), /unknown child Triggers/);
  const noTemplate: Swagger = { ...official, paths: {} };
  assert.throws(() => withExtras(noTemplate, extras), /no CompanyWebhooks routes/);
});

Deno.test("the product never reads the swagger at run time", async () => {
  // The product's module graph: only main.ts, lib/, tools/ and deno.json; the catalog is a module.
  const info = new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  });
  const output = await info.output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const graph = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    modules: { specifier: string; local?: string }[];
  };
  const local = graph.modules.filter((m) => m.specifier.startsWith(ROOT.href))
    .map((m) => m.specifier.slice(ROOT.href.length));
  assert.ok(local.includes("lib/autotask/catalog_data.ts"));
  const outside = local.filter((path) =>
    !/^(main\.ts|deno\.json|lib\/.+\.ts|tools\/.+\.ts)$/.test(path)
  );
  assert.deepEqual(outside, [], "product modules outside main.ts, lib/ and tools/");
  const readers: string[] = [];
  for (const path of local.filter((p) => p.endsWith(".ts"))) {
    const source = await Deno.readTextFile(new URL(path, ROOT));
    if (/Deno\.(readTextFile|readFile|open|readDir)(Sync)?\b|DecompressionStream/.test(source)) {
      readers.push(path);
    }
  }
  assert.deepEqual(readers, [], "product modules that read files");
  // And it could not: production runs without any read permission.
  assert.ok(!(await productionFlags()).some((flag) => flag.startsWith("--allow-read")));
});
