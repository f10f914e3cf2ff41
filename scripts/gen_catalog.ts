/**
 * Generates `lib/autotask/catalog_data.ts`, the entity catalog, from the Autotask REST swagger
 * kept in `scripts/spec/` (the official 2020 document plus the live routes it lacks, merged by
 * `scripts/swagger.ts`), so the product knows every entity's routes and fields without reading
 * any swagger at run time.
 *
 * Run from the repository root with `deno task catalog`, which reads `scripts/spec/` and writes only the
 * catalog module.
 *
 * How the swagger is read (every path must fit one of these, otherwise generation fails, so a new
 * swagger cannot silently lose or invent routes):
 *
 * - Entities. A first segment `X` of `/V1.0/X/...` is an entity when the swagger has
 *   `GET /V1.0/X/entityInformation`: that is Autotask's own definition of an entity. Its root verbs
 *   come from the routes listed in {@link ROOT_ROUTES}.
 * - Child routes (`/V1.0/{Parent}/{parentId}/{Segment}[/{id}]`). The owning entity comes from the
 *   operation's tag, `{Entity}Child`, never from the segment: `Resources/{id}/Roles` belongs to
 *   `ResourceRoles`, and `ContactGroups/{id}/Contacts` to `ContactGroupContacts`. When the tag
 *   names no root entity (`CompanyContactsChild`), the route is attached to the root entity that
 *   uses the same swagger model (`ContactModel` -> `Contacts`); with no such entity the tag becomes
 *   a child-only entity with no root verbs. Each `(parent, segment)` pair is one `ChildRoute`,
 *   so an entity with several parents has several, sorted by parent. `parent` is the URL segment,
 *   which is not always an entity (`Expenses/{id}/Items`, `ServiceLevelAgreements/{id}/Results`,
 *   `UserDefinedFields/{id}/ListItems`). The `entityInformation` routes under a parent mirror the
 *   root ones and are not recorded.
 * - Special routes. Any other path is a GET that is not an entity (zone discovery, thresholds,
 *   version, global entity information, the invoice PDF). They are exported as `SPECIAL_ROUTES`,
 *   each with the note from {@link SPECIAL_NOTES}; a special route without a note fails generation.
 * - Fields. The entity's model is the one non-generic definition its operations reference. Names
 *   are camelCased with Newtonsoft's `CamelCasePropertyNamesContractResolver` rules (what the wire
 *   uses); `SoapParentPropertyId` is dropped because it is a server-side expression, not data.
 *
 * The output is exactly what `deno fmt` (lineWidth 100) would produce, so the committed file can be
 * compared byte for byte with a fresh generation in CI.
 *
 * @module
 */

import { readContractSwagger } from "./swagger.ts";

// The catalog's types, declared again here because the generator must not import its own output.
type RootVerb = "query" | "count" | "get" | "create" | "update" | "replace" | "delete" | "info";
type ChildVerb = "list" | "get" | "create" | "update" | "replace" | "delete";
type FieldType =
  | "integer"
  | "long"
  | "decimal"
  | "double"
  | "string"
  | "datetime"
  | "boolean"
  | "udfs"
  | "object"
  | "array";

interface SpecialRoute {
  name: string;
  method: "GET";
  path: string;
  params: string[];
  note: string;
}

const ROOT_VERBS: readonly RootVerb[] = [
  "query",
  "count",
  "get",
  "create",
  "update",
  "replace",
  "delete",
  "info",
];
const CHILD_VERBS: readonly ChildVerb[] = ["list", "get", "create", "update", "replace", "delete"];

/**
 * Root routes: `METHOD rest-of-path` after `/V1.0/{Name}` -> verb. Each verb's routes must all be
 * present or all absent (a GET query without the POST one would mean the swagger changed shape).
 */
const ROOT_ROUTES: Record<string, RootVerb> = {
  "POST /query": "query",
  "GET /query": "query",
  "POST /query/count": "count",
  "GET /query/count": "count",
  "GET /{id}": "get",
  "POST ": "create",
  "PATCH ": "update",
  "PUT ": "replace",
  "DELETE /{id}": "delete",
  "GET /entityInformation": "info",
  "GET /entityInformation/fields": "info",
  // Attachment entities have no UDFs and no userDefinedFields route: optional for `info`.
  "GET /entityInformation/userDefinedFields": "info",
};
const OPTIONAL_ROOT_ROUTES = new Set(["GET /entityInformation/userDefinedFields"]);

/** Child routes: `METHOD rest-of-path` after `/{Segment}` -> verb (null: known, not recorded). */
const CHILD_ROUTES: Record<string, ChildVerb | null> = {
  "GET ": "list",
  "GET /{id}": "get",
  "POST ": "create",
  "PATCH ": "update",
  "PUT ": "replace",
  "DELETE /{id}": "delete",
  "GET /entityInformation": null,
  "GET /entityInformation/fields": null,
  "GET /entityInformation/userDefinedFields": null,
};

/** Why each non-entity route exists; keys are the first path segment after the version. */
const SPECIAL_NOTES: Record<string, string> = {
  VersionInformation: "Outside /V1.0/: the API versions the server speaks",
  EntityInformation: "Metadata of every entity in one call",
  // The swagger's InvoicePDF operation takes an `id` path parameter its path has no slot for.
  InvoicePDF: "Invoice as PDF; the swagger gives `id` as a path parameter with no slot for it",
  ThresholdInformation: "Hourly request threshold and the current count",
  ZoneInformation: "Zone discovery; webservices.autotask.net answers it without authentication",
};

/** Properties of entity models that are not record data. */
const SKIPPED_PROPERTIES = new Set(["SoapParentPropertyId"]);

/** Definitions every entity's operations share; the entity model is the remaining one. */
const GENERIC_MODELS = new Set([
  "QueryModel",
  "QueryCountResultModel",
  "OperationResultModel",
  "EntityInformationResultModel",
  "FieldInformationResultModel",
  "UserDefinedFieldInformationResultModel",
]);

const VERSION_PREFIX = "/V1.0/";
const LINE_WIDTH = 100;

interface SwaggerProperty {
  type?: string;
  format?: string;
  $ref?: string;
  items?: SwaggerProperty;
}

interface SwaggerOperation {
  tags?: string[];
  parameters?: { name: string; in: string }[];
}

interface Swagger {
  paths: Record<string, Record<string, SwaggerOperation>>;
  definitions: Record<string, { properties?: Record<string, SwaggerProperty> }>;
}

/** What the generator learns about one entity before rendering it. */
interface EntityDraft {
  name: string;
  rootRoutes: Set<string>;
  children: Map<string, { parent: string; segment: string; verbs: Set<ChildVerb> }>;
  models: Set<string>;
}

/**
 * Converts a swagger (PascalCase) property name to its wire name, as Newtonsoft's
 * `CamelCaseNamingStrategy` does: lowercase the leading run of capitals, except a capital that is
 * followed by a lowercase letter (it starts the next word). `CompanyID` -> `companyID`,
 * `RMMDeviceID` -> `rmmDeviceID`, `UDF1` -> `udF1` (digits are not capitals).
 */
export function toWireName(name: string): string {
  if (name === "" || !isUpper(name[0])) return name;
  const chars = [...name];
  for (let i = 0; i < chars.length; i++) {
    if (i === 1 && !isUpper(chars[i])) break;
    const hasNext = i + 1 < chars.length;
    if (i > 0 && hasNext && !isUpper(chars[i + 1])) {
      if (chars[i + 1] === " ") chars[i] = chars[i].toLowerCase();
      break;
    }
    chars[i] = chars[i].toLowerCase();
  }
  return chars.join("");
}

function isUpper(char: string): boolean {
  return char !== char.toLowerCase() && char === char.toUpperCase();
}

/** Maps a swagger property to the catalog's field type. */
function fieldType(prop: SwaggerProperty, where: string): FieldType {
  if (prop.$ref) return "object";
  switch (prop.type) {
    case "integer":
      return prop.format === "int64" ? "long" : "integer";
    case "number":
      // Autotask's .NET decimals are published as double; keep "decimal" for an explicit format.
      return prop.format === "decimal" ? "decimal" : "double";
    case "string":
      // `byte` (attachment data) is base64 text on the wire.
      return prop.format === "date-time" || prop.format === "date" ? "datetime" : "string";
    case "boolean":
      return "boolean";
    case "object":
      return "object";
    case "array":
      return prop.items?.$ref === "#/definitions/UserDefinedField" ? "udfs" : "array";
  }
  throw new Error(`Unknown swagger type ${JSON.stringify(prop)} at ${where}`);
}

function refsOf(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) refsOf(item, into);
  } else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "$ref" && typeof inner === "string") into.add(inner.replace(/^.*\//, ""));
      else refsOf(inner, into);
    }
  }
}

function asSwagger(swagger: unknown): Swagger {
  const doc = swagger as Partial<Swagger> | null;
  if (!doc || typeof doc.paths !== "object" || typeof doc.definitions !== "object") {
    throw new Error("Not a swagger 2.0 document: expected `paths` and `definitions`");
  }
  return doc as Swagger;
}

function draftFor(drafts: Map<string, EntityDraft>, name: string): EntityDraft {
  let draft = drafts.get(name);
  if (!draft) {
    draft = { name, rootRoutes: new Set(), children: new Map(), models: new Set() };
    drafts.set(name, draft);
  }
  return draft;
}

function entityModels(op: SwaggerOperation): string[] {
  const refs = new Set<string>();
  refsOf(op, refs);
  return [...refs].filter((ref) => !GENERIC_MODELS.has(ref));
}

/** Reads the swagger into entity drafts and special routes; throws on any unclassified path. */
function analyse(doc: Swagger): { entities: EntityDraft[]; specials: SpecialRoute[] } {
  const paths = Object.entries(doc.paths);
  const entityNames = new Set<string>();
  for (const [path, ops] of paths) {
    const match = /^\/V1\.0\/([^/{]+)\/entityInformation$/.exec(path);
    if (match && ops.get) entityNames.add(match[1]);
  }

  const drafts = new Map<string, EntityDraft>();
  const childTags = new Map<string, { parent: string; segment: string; op: string }[]>();
  const childModels = new Map<string, Set<string>>();
  const specials: SpecialRoute[] = [];

  for (const [path, ops] of paths) {
    const segments = path.startsWith(VERSION_PREFIX)
      ? path.slice(VERSION_PREFIX.length).split("/")
      : null;
    for (const [method, op] of Object.entries(ops)) {
      const verb = method.toUpperCase();
      const tag = op.tags?.[0] ?? "";
      if (segments && entityNames.has(segments[0]) && !segments[1]?.startsWith("{parentId")) {
        const draft = draftFor(drafts, segments[0]);
        const rest = segments.length > 1 ? "/" + segments.slice(1).join("/") : "";
        const key = `${verb} ${rest}`;
        if (!(key in ROOT_ROUTES)) throw new Error(`Unclassified root route: ${verb} ${path}`);
        draft.rootRoutes.add(key);
        for (const model of entityModels(op)) draft.models.add(model);
      } else if (segments && segments.length >= 3 && segments[1] === "{parentId}") {
        if (!tag.endsWith("Child")) throw new Error(`Child route without a *Child tag: ${path}`);
        const owner = tag.slice(0, -"Child".length);
        const rest = segments.length > 3 ? "/" + segments.slice(3).join("/") : "";
        const key = `${verb} ${rest}`;
        if (!(key in CHILD_ROUTES)) throw new Error(`Unclassified child route: ${verb} ${path}`);
        const list = childTags.get(owner) ?? [];
        list.push({ parent: segments[0], segment: segments[2], op: key });
        childTags.set(owner, list);
        const models = childModels.get(owner) ?? new Set();
        for (const model of entityModels(op)) models.add(model);
        childModels.set(owner, models);
      } else if (verb === "GET" && (segments === null || segments.length === 1)) {
        const name = segments ? segments[0] : path.slice(1);
        const note = SPECIAL_NOTES[name];
        if (!note) throw new Error(`Unknown non-entity route ${verb} ${path}: add a note for it`);
        const params = (op.parameters ?? []).filter((p) => p.in !== "header").map((p) =>
          `${p.in}:${p.name}`
        );
        specials.push({ name, method: "GET", path, params, note });
      } else {
        throw new Error(`Unclassified route: ${verb} ${path}`);
      }
    }
  }

  const byModel = new Map<string, string>();
  for (const draft of drafts.values()) {
    if (draft.models.size !== 1) {
      throw new Error(`Entity ${draft.name} has models ${[...draft.models].join(", ")}`);
    }
    byModel.set([...draft.models][0], draft.name);
  }

  for (const [tag, routes] of childTags) {
    const models = childModels.get(tag) ?? new Set();
    if (models.size !== 1) throw new Error(`Child tag ${tag} has models ${[...models].join(", ")}`);
    const model = [...models][0];
    const owner = drafts.has(tag) ? tag : byModel.get(model) ?? tag;
    const draft = draftFor(drafts, owner);
    draft.models.add(model);
    if (draft.models.size !== 1) {
      throw new Error(`Child tag ${tag} disagrees with ${owner}'s model`);
    }
    for (const route of routes) {
      const key = `${route.parent}/${route.segment}`;
      const child = draft.children.get(key) ??
        { parent: route.parent, segment: route.segment, verbs: new Set<ChildVerb>() };
      const verb = CHILD_ROUTES[route.op];
      if (verb) child.verbs.add(verb);
      draft.children.set(key, child);
    }
  }

  const entities = [...drafts.values()].sort((a, b) => compare(a.name, b.name));
  specials.sort((a, b) => compare(a.name, b.name));
  return { entities, specials };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rootVerbs(draft: EntityDraft): RootVerb[] {
  return ROOT_VERBS.filter((verb) => {
    const keys = Object.keys(ROOT_ROUTES).filter((key) => ROOT_ROUTES[key] === verb);
    const present = keys.filter((key) => draft.rootRoutes.has(key));
    const required = keys.filter((key) => !OPTIONAL_ROOT_ROUTES.has(key));
    const hasRequired = required.filter((key) => draft.rootRoutes.has(key)).length;
    if (hasRequired !== 0 && hasRequired !== required.length) {
      throw new Error(`Entity ${draft.name} has only part of ${verb}: ${present.join(", ")}`);
    }
    if (hasRequired === 0 && present.length > 0) {
      throw new Error(`Entity ${draft.name} has ${present.join(", ")} without the rest of ${verb}`);
    }
    return hasRequired > 0;
  });
}

function fieldsOf(doc: Swagger, model: string): Record<string, FieldType> {
  const props = doc.definitions[model]?.properties;
  if (!props) throw new Error(`Swagger definition ${model} is missing or has no properties`);
  const fields: Record<string, FieldType> = {};
  for (const [prop, schema] of Object.entries(props)) {
    if (SKIPPED_PROPERTIES.has(prop)) continue;
    const wire = toWireName(prop);
    if (wire in fields) throw new Error(`${model} has two properties named ${wire}`);
    fields[wire] = fieldType(schema, `${model}.${prop}`);
  }
  return fields;
}

function toLiteral(doc: Swagger, draft: EntityDraft): Literal {
  const children = [...draft.children.values()]
    .sort((a, b) => compare(a.parent, b.parent) || compare(a.segment, b.segment))
    .map((child) => ({
      parent: child.parent,
      segment: child.segment,
      verbs: CHILD_VERBS.filter((verb) => child.verbs.has(verb)),
    }));
  return {
    name: draft.name,
    root: rootVerbs(draft),
    children,
    fields: fieldsOf(doc, [...draft.models][0]),
  };
}

// Rendering. The layout mimics deno fmt (dprint): a literal stays on one line when it fits in the
// line width, otherwise each member goes on its own line with a trailing comma.

type Literal = string | Literal[] | { [key: string]: Literal };

function inline(value: Literal): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(inline).join(", ")}]`;
  const members = Object.entries(value).map(([key, inner]) => `${propKey(key)}: ${inline(inner)}`);
  return members.length === 0 ? "{}" : `{ ${members.join(", ")} }`;
}

function propKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

/** Renders `value` starting at column `lead`, with `trail` characters following it on its line. */
function render(value: Literal, indent: number, lead: number, trail: number): string {
  const flat = inline(value);
  if (typeof value === "string" || lead + flat.length + trail <= LINE_WIDTH) return flat;
  const pad = " ".repeat(indent + 2);
  const lines = Array.isArray(value)
    ? value.map((item) => pad + render(item, indent + 2, indent + 2, 1) + ",")
    : Object.entries(value).map(([key, inner]) => {
      const head = `${propKey(key)}: `;
      const text = render(inner, indent + 2, indent + 2 + head.length, 1);
      // A string too long for its line moves below its key, as deno fmt does.
      if (typeof inner === "string" && indent + 2 + head.length + text.length + 1 > LINE_WIDTH) {
        return `${pad}${head.trimEnd()}\n${pad}  ${text},`;
      }
      return pad + head + text + ",";
    });
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return `${open}\n${lines.join("\n")}\n${" ".repeat(indent)}${close}`;
}

function renderConst(name: string, type: string, value: Literal[], doc: string): string {
  const head = `export const ${name}: ${type} = `;
  return `${doc}\n${head}${render(value, 0, head.length, 1)};\n`;
}

const HEADER =
  `// Generated by scripts/gen_catalog.ts from scripts/spec/ (the official Autotask swagger plus the live
// routes it lacks, scripts/spec/autotask-openapi.extras.json). Do not edit. Regenerate: deno task catalog

/** The verbs of an entity's root routes, \`/V1.0/{Name}/...\`. */
export type RootVerb =
  | "query"
  | "count"
  | "get"
  | "create"
  | "update"
  | "replace"
  | "delete"
  | "info";
/** The verbs of an entity's child routes, \`/V1.0/{Parent}/{parentId}/{Segment}/...\`. */
export type ChildVerb = "list" | "get" | "create" | "update" | "replace" | "delete";
/** Wire type of a field, from the swagger type and format. */
export type FieldType =
  | "integer"
  | "long"
  | "decimal"
  | "double"
  | "string"
  | "datetime"
  | "boolean"
  | "udfs"
  | "object"
  | "array";

/** A route under a parent record through which an entity is listed or written. */
export interface ChildRoute {
  /** First URL segment, e.g. "Tickets" in \`Tickets/{parentId}/Notes\`; not always an entity. */
  parent: string;
  /** Segment after the parent id, e.g. "Notes". */
  segment: string;
  verbs: ChildVerb[];
}

/** One Autotask entity: which routes it has and the wire names and types of its fields. */
export interface CatalogEntry {
  name: string;
  root: RootVerb[];
  /** One route per parent; most entities have none, none has more than one today. */
  children: ChildRoute[];
  fields: Record<string, FieldType>;
}

/** A swagger route that is not an entity. */
export interface SpecialRoute {
  name: string;
  method: "GET";
  /** Path under \`/ATServicesRest\`, as the swagger spells it. */
  path: string;
  /** Non-header parameters as \`in:name\`, e.g. "query:user". */
  params: string[];
  note: string;
}
`;

/**
 * Builds the source text of `lib/autotask/catalog_data.ts` from a parsed swagger document.
 * Pure, so a test can compare it with the committed file.
 */
export function generateCatalogSource(swagger: unknown): string {
  const doc = asSwagger(swagger);
  const { entities, specials } = analyse(doc);
  const catalog = entities.map((draft) => toLiteral(doc, draft));
  const special = specials.map((s): Literal => ({
    name: s.name,
    method: s.method,
    path: s.path,
    params: s.params,
    note: s.note,
  }));
  return [
    HEADER,
    renderConst(
      "CATALOG",
      "readonly CatalogEntry[]",
      catalog,
      "/** Every entity of the swagger and its extras, sorted by name. */",
    ),
    renderConst(
      "SPECIAL_ROUTES",
      "readonly SpecialRoute[]",
      special,
      "/** Routes that are not entities (zone, thresholds, version, metadata, invoice PDF). */",
    ),
  ].join("\n");
}

if (import.meta.main) {
  const target = new URL("../lib/autotask/catalog_data.ts", import.meta.url);
  const text = generateCatalogSource(await readContractSwagger());
  await Deno.writeTextFile(target, text);
  console.log(`Wrote ${target.pathname} (${new TextEncoder().encode(text).length} bytes)`);
}
