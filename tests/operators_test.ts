/**
 * Property: whatever the read tools and query_entities / count_entities are given, every query
 * the tenant receives uses only Autotask's 13 operators plus and/or (the live API silently drops
 * an unknown clause and answers 200 with rows nobody asked for), lists `id` in IncludeFields, and
 * stays within 500 or-conditions, each in/notIn value counting as one. Run against the simulated
 * tenant over HTTP on 127.0.0.1, through the real server over stdio.
 */

import assert from "node:assert/strict";
import * as z from "zod";
import { findEntity } from "../lib/autotask/catalog.ts";
import type { FieldInfo } from "../lib/autotask/client.ts";
import { isWriteTool } from "../lib/mcp/tool.ts";
import type { RequestLogEntry } from "../lib/sandbox/mod.ts";
import { allTools } from "../tools/mod.ts";
import { fc } from "./deps.ts";
import { connectStdio, startTenant, tenantClient, tenantEnv } from "./harness.ts";

/** autotask-api.md section 3, written out here rather than imported from the client. */
const OPERATORS = [
  "eq",
  "noteq",
  "gt",
  "gte",
  "lt",
  "lte",
  "beginsWith",
  "endsWith",
  "contains",
  "exist",
  "notExist",
  "in",
  "notIn",
];
const LEAF = new Set(OPERATORS);
const KNOWN_ANY_CASE = new Set([...OPERATORS, "and", "or"].map((op) => op.toLowerCase()));
const MAX_OR_CONDITIONS = 500;
/** Operators people and models write that Autotask does not have. */
const UNKNOWN = [
  "ne",
  "neq",
  "startsWith",
  "isNull",
  "isNotNull",
  "between",
  "NOT",
  "not",
  "like",
  "equals",
  "exists",
  "nin",
  "$ne",
  "eq ",
  " eq",
  "",
  "__proto__",
];
const SEED = 1_300_013;
const RUNS_PER_READ_TOOL = 8;
const RUNS_PER_QUERY_TOOL = 150;
/** Entities `query_entities` is tried on; their metadata gives fields, labels and UDF names. */
const QUERY_ENTITIES = [
  "Tickets",
  "Companies",
  "Contacts",
  "TimeEntries",
  "Projects",
  "Tasks",
  "ConfigurationItems",
  "Contracts",
  "Opportunities",
  "TicketNotes",
];

type Rec = Record<string, unknown>;

function isRecord(value: unknown): value is Rec {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** What is wrong with one query body the tenant received (empty when nothing is). */
function queryProblems(body: unknown): string[] {
  if (!isRecord(body) || !Array.isArray(body.filter)) return ["no filter list"];
  const problems: string[] = [];
  let orConditions = 0;
  const walk = (node: unknown, path: string): void => {
    if (!isRecord(node)) {
      problems.push(`${path} is not an object`);
      return;
    }
    if (node.op === "and" || node.op === "or") {
      if (!Array.isArray(node.items)) {
        problems.push(`${path} is a group without items`);
        return;
      }
      if (node.op === "or") orConditions += node.items.length;
      node.items.forEach((item, i) => walk(item, `${path}.items[${i}]`));
    } else if (typeof node.op === "string" && LEAF.has(node.op)) {
      if ((node.op === "in" || node.op === "notIn") && Array.isArray(node.value)) {
        orConditions += node.value.length;
      }
    } else {
      problems.push(`${path}.op ${JSON.stringify(node.op)} is not an Autotask operator`);
    }
  };
  body.filter.forEach((node, i) => walk(node, `filter[${i}]`));
  if (orConditions > MAX_OR_CONDITIONS) {
    problems.push(`${orConditions} or-conditions (in/notIn values counted), over 500`);
  }
  if ("IncludeFields" in body) {
    const fields = body.IncludeFields;
    if (!Array.isArray(fields) || !fields.some((f) => String(f).toLowerCase() === "id")) {
      problems.push(`IncludeFields ${JSON.stringify(fields)} does not list id`);
    }
  }
  return problems;
}

/** Every query (POSTed body or GET `search=`) in the tenant's log, with what is wrong with it. */
function inspect(log: readonly RequestLogEntry[]): { queries: number; problems: string[] } {
  let queries = 0;
  const problems: string[] = [];
  for (const entry of log) {
    const url = new URL(entry.path, "http://tenant");
    if (!/\/query(\/count|\/next)?$/i.test(url.pathname)) continue;
    const bodies: unknown[] = [];
    if (entry.method === "POST") bodies.push(entry.body);
    const search = url.searchParams.get("search");
    if (search !== null) {
      try {
        bodies.push(JSON.parse(search));
      } catch {
        problems.push(`${entry.method} ${url.pathname}: search= is not JSON`);
      }
    }
    for (const body of bodies) {
      queries++;
      for (const problem of queryProblems(body)) {
        problems.push(
          `${entry.method} ${url.pathname}: ${problem} in ${JSON.stringify(body).slice(0, 400)}`,
        );
      }
    }
  }
  return { queries, problems };
}

/** Operators in a caller's filter tree that are not Autotask's in any case (they must be refused). */
function unknownOperators(nodes: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isRecord(node)) {
      if (typeof node.op === "string" && !KNOWN_ANY_CASE.has(node.op.toLowerCase())) {
        found.push(node.op);
      }
      if (Array.isArray(node.items)) node.items.forEach(walk);
    }
  };
  walk(nodes);
  return found;
}

/** Odd text: unicode, injections, operator names, padding, length. */
const oddText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom(
    "ne",
    "' OR 1=1 --",
    '{"op":"ne","field":"status","value":5}',
    "%",
    "*",
    "\\",
    "null",
    "  ",
    "Ｃｏｎｔｏｓｏ",
    "\u202Etxt.exe",
    "Complete",
    "x".repeat(200),
  ),
);

const dateText: fc.Arbitrary<string> = fc.oneof(
  fc.date({
    min: new Date("2000-01-01T00:00:00Z"),
    max: new Date("2099-12-31T00:00:00Z"),
    noInvalidDate: true,
  }).map((d) => d.toISOString()),
  fc.date({
    min: new Date("2020-01-01T00:00:00Z"),
    max: new Date("2030-12-31T00:00:00Z"),
    noInvalidDate: true,
  }).map((d) => d.toISOString().slice(0, 10)),
);

/** Changes the case of a known operator: `EQ`, `Contains`, `NOTIN`. */
function wrongCase(op: string): fc.Arbitrary<string> {
  return fc.constantFrom(op.toUpperCase(), op[0].toUpperCase() + op.slice(1), op.toLowerCase());
}

/** What the tenant knows about one entity, to build plausible and odd arguments from. */
interface EntityPool {
  name: string;
  fields: string[];
  /** The queryable fields' metadata. */
  fieldInfo: FieldInfo[];
  udfs: string[];
  /** User-defined fields' metadata, with the type under `dataType`. */
  udfInfo: FieldInfo[];
  /** Picklist labels by lowercased field name. */
  labels: Map<string, string[]>;
  /** Picklist values (as numbers where they are numeric) by lowercased field name. */
  values: Map<string, (number | string)[]>;
  ids: number[];
}

function picked<T>(values: T[], fallback: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return values.length > 0 ? fc.constantFrom(...values) : fallback;
}

/** The entity a tool is about, from its name: `search_time_entries` -> TimeEntries. */
function entityOfTool(name: string): string | undefined {
  const words = name.replace(/^(get|search|list|download)_/, "").split("_");
  const pascal = words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
  for (const candidate of [pascal, `${pascal}s`, pascal.replace(/y$/, "ies")]) {
    const entry = findEntity(candidate);
    if (entry) return entry.name;
  }
  return undefined;
}

/** Entities whose ids an `...ID` argument names. */
const ID_ENTITY: Record<string, string> = {
  companyid: "Companies",
  contactid: "Contacts",
  ticketid: "Tickets",
  projectid: "Projects",
  taskid: "Tasks",
  resourceid: "Resources",
  assignedresourceid: "Resources",
  ownerresourceid: "Resources",
  projectleadresourceid: "Resources",
  phaseid: "Phases",
  parentphaseid: "Phases",
  productid: "Products",
  contractid: "Contracts",
  serviceid: "Services",
  opportunityid: "Opportunities",
};

interface JsonSchema {
  type?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  pattern?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
}

/** Mostly `valid` (so the call reaches its filter builder), sometimes anything odd. */
function mostly(valid: fc.Arbitrary<unknown>, odd: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 9, arbitrary: valid }, { weight: 1, arbitrary: odd });
}

/** Generated filter arguments for one read tool: real ids and labels, and odd values. */
function readToolArguments(
  schema: JsonSchema & { maxLength?: number },
  own: EntityPool | undefined,
  pools: Map<string, EntityPool>,
): fc.Arbitrary<Rec> {
  const allLabels = [...pools.values()].flatMap((p) => [...p.labels.values()].flat());
  const picklistFields = [...new Set([...pools.values()].flatMap((p) => [...p.labels.keys()]))];
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (key === "cursor") continue;
    const lower = key.toLowerCase();
    const ids = key === "id" ? own?.ids ?? [] : pools.get(ID_ENTITY[lower] ?? "")?.ids ?? [];
    const labels = own?.labels.get(lower) ?? allLabels;
    const values = own?.values.get(lower) ?? [];
    const text = (prop as { maxLength?: number }).maxLength ?? 200;
    if (prop.enum) model[key] = fc.constantFrom(...prop.enum);
    else if (key === "entity") model[key] = mostly(fc.constantFrom(...QUERY_ENTITIES), oddText);
    else if (key === "field") model[key] = mostly(fc.constantFrom(...picklistFields), oddText);
    else if (prop.anyOf) {
      // A picklist: this tenant's value or label (any case, padded), or odd text.
      model[key] = mostly(
        fc.oneof(
          picked(values, fc.integer({ min: 0, max: 40 })),
          picked(labels, oddText),
          picked(labels, oddText).chain((label) =>
            fc.constantFrom(label.toUpperCase(), ` ${label.toLowerCase()} `)
          ),
        ),
        fc.oneof(oddText, fc.integer({ min: 0, max: 40 })),
      );
    } else if (prop.type === "integer") {
      model[key] = key === "limit"
        ? fc.integer({ min: 1, max: 500 })
        : mostly(picked(ids, fc.nat()), fc.nat({ max: 2 ** 31 }));
    } else if (prop.type === "boolean") model[key] = fc.boolean();
    else if (prop.type === "string") {
      const hint = `${key} ${prop.description ?? ""} ${prop.pattern ?? ""}`;
      const dates = prop.pattern ? dateText.map((d) => d.slice(0, 10)) : dateText;
      model[key] = /date|after|before|activeOn|\\d\{4\}/i.test(hint)
        ? mostly(dates, oddText)
        : key === "emailAddress"
        ? mostly(fc.emailAddress(), oddText)
        : mostly(oddText.map((t) => t.slice(0, text)).filter((t) => t.trim() !== ""), oddText);
    } else if (prop.type === "array" && prop.items?.enum) {
      model[key] = fc.subarray(prop.items.enum, { minLength: 1 });
    } else if (prop.type === "array") {
      // `fields`: the entity's own field names, in any case, and sometimes an odd one.
      const names = own?.fields ?? ["id", "title", "status", "name"];
      const name = fc.constantFrom(...names);
      model[key] = mostly(
        fc.array(fc.oneof(name, name.map((n) => n.toUpperCase())), { minLength: 1, maxLength: 6 }),
        fc.array(fc.oneof(name, oddText), { minLength: 1, maxLength: 6 }),
      );
    } else model[key] = fc.anything();
  }
  return fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in model) });
}

/** A value of a field's own type most of the time (so the query reaches Autotask), else odd. */
function valueFor(field: FieldInfo, pool: EntityPool, wild = true): fc.Arbitrary<unknown> {
  const type = field.dataType.toLowerCase();
  const labels = pool.labels.get(field.name.toLowerCase()) ?? [];
  const typed: fc.Arbitrary<unknown> = field.isPickList && labels.length > 0
    ? fc.oneof(
      fc.constantFrom(...labels),
      fc.constantFrom(...labels).map((l) => l.toUpperCase()),
      fc.integer({ min: 0, max: 40 }),
    )
    : /int|long|short|decimal|double|float/.test(type)
    ? fc.oneof(picked(pool.ids, fc.nat()), fc.integer({ min: -5, max: 1000 }))
    : type === "boolean"
    ? fc.boolean()
    : /date/.test(type)
    ? dateText
    : oddText;
  if (!wild) return typed;
  return fc.oneof(
    { weight: 6, arbitrary: typed },
    { weight: 1, arbitrary: fc.oneof(oddText, fc.constant(null), dateText, fc.boolean()) },
  );
}

/** A list for in/notIn: short typed lists, and long id lists near and past the limit together. */
function listFor(field: FieldInfo, pool: EntityPool, wild: boolean): fc.Arbitrary<unknown[]> {
  const numeric = /int|long|short/.test(field.dataType.toLowerCase()) && !field.isPickList;
  const short = fc.array(valueFor(field, pool, wild), { minLength: 1, maxLength: 8 });
  if (!numeric) return short;
  const long = fc.integer({ min: 150, max: 500 }).map((n) =>
    Array.from({ length: n }, (_, i) => pool.ids[i] ?? 1_000_000 + i)
  );
  return fc.oneof({ weight: 5, arbitrary: short }, { weight: 1, arbitrary: long });
}

/** Operators a caller may get wrong: unknown ones, and known ones in the wrong case. */
const oddOperator: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...UNKNOWN) },
  { weight: 2, arbitrary: fc.constantFrom(...OPERATORS).chain(wrongCase) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

/**
 * A filter tree for one entity. Clean trees use only the 13 operators, real field names and
 * values of the field's type (so they reach Autotask); wild ones mix in odd operators, names and
 * values anywhere.
 */
function tree(pool: EntityPool, wild: boolean): fc.Arbitrary<unknown> {
  const ordering = ["eq", "noteq", "gt", "gte", "lt", "lte"];
  const textual = [...ordering, "beginsWith", "endsWith", "contains"];
  const sometimes = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>): fc.Arbitrary<T> =>
    wild ? fc.oneof({ weight: 8, arbitrary: usual }, { weight: 1, arbitrary: odd }) : usual;
  /** Comparisons that suit the field's type, so most conditions reach Autotask. */
  const comparison = (f: FieldInfo): fc.Arbitrary<string> =>
    fc.constantFrom(
      ...(f.dataType.toLowerCase() === "string" && !f.isPickList ? textual : ordering),
    );
  const field = fc.constantFrom(...pool.fieldInfo);
  const leaf = fc.oneof(
    {
      weight: 8,
      arbitrary: field.chain((f) =>
        fc.record({
          op: sometimes(comparison(f), oddOperator),
          field: sometimes(
            fc.constant(f.name),
            fc.constantFrom(f.name.toUpperCase(), `${f.name}x`),
          ),
          value: valueFor(f, pool, wild),
        })
      ),
    },
    {
      weight: 3,
      arbitrary: field.chain((f) =>
        fc.record({
          op: sometimes(
            fc.constantFrom("in", "notIn"),
            fc.constantFrom("IN", "notin", "nin", "between", "NOT"),
          ),
          field: fc.constant(f.name),
          value: listFor(f, pool, wild),
        })
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        op: sometimes(fc.constantFrom("exist", "notExist"), fc.constantFrom("isNull", "Exist")),
        field: field.map((f) => f.name),
      }),
    },
    {
      weight: 1,
      arbitrary: wild || pool.udfInfo.length === 0
        ? fc.record({
          op: sometimes(fc.constantFrom("eq", "contains"), oddOperator),
          field: picked(pool.udfs, oddText),
          value: oddText,
          udf: fc.constant(true),
        })
        : fc.constantFrom(...pool.udfInfo).chain((u) =>
          fc.record({
            op: comparison(u),
            field: fc.constant(u.name),
            value: valueFor(u, pool, false),
            udf: fc.constant(true),
          })
        ),
    },
  );
  return fc.letrec<{ node: unknown; group: unknown }>((tie) => ({
    node: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("group")),
    group: fc.record({
      op: sometimes(
        fc.constantFrom("and", "or"),
        fc.constantFrom("AND", "Or", "not", "NOT", "xor"),
      ),
      items: fc.array(tie("node"), { minLength: 1, maxLength: 3 }),
    }),
  })).node;
}

/** Replaces the operator of the `index`-th node (depth first, wrapping) of a filter list. */
function withOperator(filter: unknown[], index: number, op: string): unknown[] {
  const copy = structuredClone(filter) as Rec[];
  const nodes: Rec[] = [];
  const walk = (node: Rec): void => {
    nodes.push(node);
    if (Array.isArray(node.items)) (node.items as Rec[]).forEach(walk);
  };
  copy.forEach(walk);
  if (nodes.length > 0) nodes[index % nodes.length].op = op;
  return copy;
}

/** Generated `filter` input of query_entities / count_entities for one entity. */
function filterTree(pool: EntityPool): fc.Arbitrary<unknown[]> {
  const clean = fc.array(tree(pool, false), { minLength: 1, maxLength: 3 });
  // Long id lists that pass the limit only together, beside an ordinary tree.
  const numeric = pool.fieldInfo.filter((f) =>
    /int|long/.test(f.dataType.toLowerCase()) && !f.isPickList
  );
  const longList = fc.record({
    op: fc.constantFrom("in", "notIn"),
    field: fc.constantFrom(...numeric.map((f) => f.name)),
    value: fc.integer({ min: 100, max: 300 }).map((n) =>
      Array.from({ length: n }, (_, i) => pool.ids[i] ?? 1_000_000 + i)
    ),
  });
  return fc.oneof(
    { weight: 4, arbitrary: clean },
    // One operator gone wrong in an otherwise good filter: it alone decides the outcome.
    {
      weight: 3,
      arbitrary: fc.tuple(clean, fc.nat(), oddOperator).map(([filter, index, op]) =>
        withOperator(filter, index, op)
      ),
    },
    { weight: 2, arbitrary: fc.array(tree(pool, true), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.array(longList, { minLength: 2, maxLength: 3 }), clean)
        .map(([lists, rest]) => [...rest, ...lists]),
    },
  );
}

async function poolsFor(
  names: string[],
  tenant: Awaited<ReturnType<typeof startTenant>>,
): Promise<Map<string, EntityPool>> {
  const client = tenantClient(tenant);
  const pools = new Map<string, EntityPool>();
  for (const name of names) {
    const entry = findEntity(name);
    if (!entry) continue;
    const fields: FieldInfo[] = await client.fields(name);
    const udfs = Object.values(entry.fields).includes("udfs")
      ? await client.userDefinedFields(name).catch(() => [])
      : [];
    const labels = new Map<string, string[]>();
    const values = new Map<string, (number | string)[]>();
    for (const field of fields) {
      const choices = field.picklistValues ?? [];
      if (choices.length === 0) continue;
      labels.set(field.name.toLowerCase(), choices.map((v) => v.label));
      values.set(
        field.name.toLowerCase(),
        choices.map((v) => /^\d+$/.test(v.value) ? Number(v.value) : v.value),
      );
    }
    pools.set(entry.name, {
      name: entry.name,
      fields: fields.map((f) => f.name),
      fieldInfo: fields.filter((f) => f.isQueryable !== false),
      udfs: udfs.map((u) => u.name),
      udfInfo: udfs.map((u) => ({
        ...u,
        dataType: String(u.dataType ?? (u as { type?: unknown }).type ?? "string"),
      })),
      labels,
      values,
      ids: tenant.sandbox.records(entry.name).slice(0, 40).map((r) => r.id as number),
    });
  }
  return pools;
}

function textOf(result: { content?: unknown }): string {
  return ((result.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join("\n");
}

Deno.test({
  name: "only the 13 operators plus and/or ever reach Autotask, with id listed and <= 500 ors",
  async fn() {
    const tenant = await startTenant({ threshold: { limit: 10_000_000 } });
    const session = await connectStdio({
      env: { ...tenantEnv(tenant), AUTOTASK_TOOLSETS: "all" },
    });
    const started = performance.now();
    try {
      const listed = new Set((await session.client.listTools()).tools.map((t) => t.name));
      const queryTools = ["query_entities", "count_entities"];
      const readTools = allTools().filter((t) => !isWriteTool(t) && !queryTools.includes(t.name));
      const wanted = new Set([
        ...QUERY_ENTITIES,
        ...Object.values(ID_ENTITY),
        ...readTools.map((t) => entityOfTool(t.name)).filter((n): n is string => n !== undefined),
      ]);
      const pools = await poolsFor([...wanted], tenant);
      let calls = 0;
      let readCalls = 0;
      let readQueries = 0;
      let queries = 0;
      let refused = 0;
      let answered = 0;

      // Every read tool's own filter builders, from its input schema.
      for (const tool of readTools) {
        assert.ok(listed.has(tool.name), `${tool.name} is listed`);
        const own = pools.get(entityOfTool(tool.name) ?? "");
        const schema = z.toJSONSchema(tool.input, { io: "input" }) as JsonSchema;
        await fc.assert(
          fc.asyncProperty(readToolArguments(schema, own, pools), async (args) => {
            tenant.sandbox.resetStats();
            const result = await session.client.callTool({ name: tool.name, arguments: args });
            calls++;
            readCalls++;
            const seen = inspect(tenant.sandbox.log);
            queries += seen.queries;
            readQueries += seen.queries;
            assert.deepEqual(seen.problems, [], `${tool.name} sent a query Autotask misreads`);
            // A refusal by the client's own query check means the tool built a bad filter.
            assert.doesNotMatch(textOf(result), /Invalid \w+ query/, `${tool.name} built it`);
          }),
          { numRuns: RUNS_PER_READ_TOOL, seed: SEED, endOnFailure: true },
        );
      }

      // Every unknown operator, and every known one in the wrong case, alone in a valid filter.
      const swept = [
        ...UNKNOWN,
        ...OPERATORS.flatMap((op) => [op.toUpperCase(), op[0].toUpperCase() + op.slice(1)]),
      ];
      for (const name of queryTools) {
        for (const op of swept) {
          const filters: unknown[][] = [
            [{ op, field: "id", value: 1 }],
            [{
              op: "or",
              items: [{ op: "eq", field: "id", value: 1 }, { op, field: "id", value: [1] }],
            }],
          ];
          // As a group operator too ("NOT", "not", ...).
          if (UNKNOWN.includes(op)) {
            filters.push([{ op, items: [{ op: "gte", field: "id", value: 0 }] }]);
          }
          for (const filter of filters) {
            tenant.sandbox.resetStats();
            const result = await session.client.callTool({
              name,
              arguments: { entity: "Tickets", filter },
            });
            calls++;
            const seen = inspect(tenant.sandbox.log);
            queries += seen.queries;
            assert.deepEqual(seen.problems, [], `${name} sent ${JSON.stringify(filter)}`);
            if (unknownOperators(filter).length > 0) {
              refused++;
              assert.ok(result.isError, `${name} accepted ${JSON.stringify(filter)}`);
            }
          }
        }
      }

      // query_entities and count_entities: generated filter trees.
      const entity = fc.constantFrom(...QUERY_ENTITIES).chain((name) =>
        fc.tuple(
          fc.constantFrom(name, name.toLowerCase(), name.toUpperCase()),
          filterTree(pools.get(name)!),
          fc.option(fc.array(fc.constantFrom(...pools.get(name)!.fields), { maxLength: 4 }), {
            nil: undefined,
          }),
        )
      );
      for (const name of queryTools) {
        await fc.assert(
          fc.asyncProperty(
            entity,
            fc.boolean(),
            async ([entityName, filter, fields], includeTotal) => {
              const args: Rec = { entity: entityName, filter };
              if (name === "query_entities") {
                if (fields && fields.length > 0) args.fields = fields;
                args.includeTotal = includeTotal;
              }
              tenant.sandbox.resetStats();
              const result = await session.client.callTool({ name, arguments: args });
              calls++;
              const seen = inspect(tenant.sandbox.log);
              queries += seen.queries;
              assert.deepEqual(seen.problems, [], `${name} sent a query Autotask misreads`);
              const unknown = unknownOperators(filter);
              if (unknown.length > 0) {
                refused++;
                assert.ok(result.isError, `${name} accepted ${JSON.stringify(unknown)}`);
              } else if (!result.isError) answered++;
            },
          ),
          { numRuns: RUNS_PER_QUERY_TOOL, seed: SEED, endOnFailure: true },
        );
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `operators: ${calls} calls over ${readTools.length + 2} tools, ${queries} queries ` +
          `inspected; query tools: ${answered} answered, ${refused} refused for unknown ` +
          `operators; ${seconds} s (seed ${SEED})`,
      );
      // The property means something only if most calls got as far as Autotask.
      assert.ok(readQueries > readCalls, "the read tools' queries reached the tenant");
      assert.ok(answered > RUNS_PER_QUERY_TOOL / 2, "generated filters reached the tenant");
      assert.ok(refused > 100, "unknown operators were tried");
    } finally {
      await session.close();
      await tenant.close();
    }
  },
});

Deno.test("the query inspection catches what the property is about", () => {
  assert.deepEqual(queryProblems({ filter: [{ op: "eq", field: "id", value: 1 }] }), []);
  assert.match(queryProblems({ filter: [{ op: "ne", field: "status", value: 5 }] })[0], /"ne"/);
  assert.match(
    queryProblems({
      filter: [{ op: "or", items: [{ op: "EQ", field: "id", value: 1 }] }],
    })[0],
    /items\[0\]\.op "EQ"/,
  );
  assert.match(queryProblems({ filter: [{ op: "AND", items: [] }] })[0], /"AND"/);
  const ids = Array.from({ length: 300 }, (_, i) => i);
  assert.deepEqual(queryProblems({ filter: [{ op: "in", field: "id", value: ids }] }), []);
  assert.match(
    queryProblems({
      filter: [{ op: "in", field: "id", value: ids }, { op: "notIn", field: "id", value: ids }],
    })[0],
    /600 or-conditions/,
  );
  assert.match(
    queryProblems({ filter: [{ op: "gte", field: "id", value: 0 }], IncludeFields: ["title"] })[0],
    /does not list id/,
  );
  assert.deepEqual(queryProblems({ filter: [], IncludeFields: ["ID", "title"] }), []);
  assert.deepEqual(queryProblems(undefined), ["no filter list"]);
});

Deno.test({
  name: "the client refuses, unsent, a query whose in/notIn values pass 500 together",
  async fn() {
    const tenant = await startTenant();
    try {
      const client = tenantClient(tenant);
      const ids = Array.from({ length: 300 }, (_, i) => i + 1);
      tenant.sandbox.resetStats();
      await assert.rejects(
        client.query("Tickets", {
          filter: [{ op: "in", field: "id", value: ids }, { op: "notIn", field: "id", value: ids }],
        }),
        /at most 500 "or" conditions per query, each value of an in\/notIn list counting as one \(got 600\)/,
      );
      assert.equal(inspect(tenant.sandbox.log).queries, 0, "nothing was sent");
      // 500 in all is still one query.
      const page = await client.query("Tickets", {
        filter: [{ op: "in", field: "id", value: ids }, {
          op: "notIn",
          field: "id",
          value: ids.slice(0, 200),
        }],
      });
      assert.ok(Array.isArray(page.items));
      assert.equal(inspect(tenant.sandbox.log).queries, 1);
    } finally {
      await tenant.close();
    }
  },
});
