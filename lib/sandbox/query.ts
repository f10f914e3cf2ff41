/** The query engine: query model parsing, filter compilation, keyset pages, counts and projection. */

import type { EntityDef, FieldDef, UdfDef } from "./metadata.ts";
import { fail } from "./respond.ts";
import type { Table } from "./store.ts";
import type { Rec, UdfValue } from "./types.ts";

/** Page size bounds and default (`MaxRecords`). */
export const MAX_PAGE_SIZE = 500;
/** At most this many `or` conditions, each value of an `in`/`notIn` list counting as one. */
export const MAX_OR_CONDITIONS = 500;

/** The operators Autotask knows, exactly as autotask-api.md lists them. */
const OPERATORS: readonly string[] = [
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
const OPERATOR_BY_LOWER: ReadonlyMap<string, string> = new Map(
  OPERATORS.map((op) => [op.toLowerCase(), op]),
);

/** A clause the tenant dropped because its operator is unknown, with where it sat in the filter. */
export interface DroppedClause {
  op: string;
  /** Where the clause sat, e.g. `filter[1].items[0]`. */
  path: string;
}

/** How operator names are matched (see `SandboxOptions.ignoreOperatorCase`). */
export interface ParseOptions {
  ignoreOperatorCase?: boolean;
}

/** A filter condition as received. */
export type Condition =
  | { kind: "leaf"; op: string; field: string; value: unknown; udf: boolean }
  | { kind: "group"; op: "and" | "or"; items: Condition[] };

/** A parsed query model. */
export interface QueryModel {
  filter: Condition[];
  /**
   * Clauses dropped for an unknown operator. Like the live API the tenant runs the rest of the
   * filter (every row when nothing is left) and answers 200: the caller gets rows it did not ask for.
   */
  dropped: DroppedClause[];
  /** Canonical field names to return (id always comes back), or null for all. */
  includeFields: string[] | null;
  maxRecords: number;
}

/** A filter ready to run: a predicate plus the id range the top-level conditions allow. */
export interface CompiledFilter {
  predicate: (rec: Rec) => boolean;
  minId: number;
  maxId: number;
}

/** Reads a key of a JSON object ignoring case, as Autotask's deserializer does. */
export function getKey(obj: Record<string, unknown>, key: string): unknown {
  if (key in obj) return obj[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Canonical name of a known operator (or and/or), or null when Autotask does not know it. */
function knownOperator(op: string, exact: boolean, group: boolean): string | null {
  if (group) {
    if (op === "and" || op === "or") return op;
    const lower = op.toLowerCase();
    return !exact && (lower === "and" || lower === "or") ? lower : null;
  }
  if (OPERATORS.includes(op)) return op;
  return exact ? null : OPERATOR_BY_LOWER.get(op.toLowerCase()) ?? null;
}

interface ParseState {
  dropped: DroppedClause[];
  exact: boolean;
}

/** Parses one filter item; null when the live API would drop it (unknown operator). */
function parseCondition(raw: unknown, path: string, state: ParseState): Condition | null {
  if (!isObject(raw)) throw fail("Each filter item must be an object with op, field and value.");
  const op = getKey(raw, "op");
  if (typeof op !== "string") throw fail("Filter item is missing its op.");
  const items = getKey(raw, "items");
  const lower = op.toLowerCase();
  const isGroup = lower === "and" || lower === "or" ||
    (Array.isArray(items) && getKey(raw, "field") === undefined);
  const known = knownOperator(op, state.exact, isGroup);
  if (known === null) {
    // Not an error on the live API: the clause (a group with everything in it) is silently ignored.
    state.dropped.push({ op, path });
    return null;
  }
  if (known === "and" || known === "or") {
    if (!Array.isArray(items)) throw fail(`The ${op} operator requires an items array.`);
    const parsed: Condition[] = [];
    items.forEach((item, i) => {
      const c = parseCondition(item, `${path}.items[${i}]`, state);
      if (c) parsed.push(c);
    });
    // A group whose every item was dropped is gone too: it no longer constrains anything.
    if (items.length > 0 && parsed.length === 0) return null;
    return { kind: "group", op: known, items: parsed };
  }
  const field = getKey(raw, "field");
  if (typeof field !== "string" || field === "") {
    throw fail(`Filter item with op ${op} is missing its field.`);
  }
  const udf = getKey(raw, "udf") === true;
  return { kind: "leaf", op: known, field, value: getKey(raw, "value"), udf };
}

/** Parses a query model object (keys in any case). Failures are Autotask-style 500s. */
export function parseQueryModel(
  raw: unknown,
  def: EntityDef,
  options: ParseOptions = {},
): QueryModel {
  if (!isObject(raw)) throw fail("The query is not a valid query model object.");
  const filterRaw = getKey(raw, "filter");
  if (filterRaw !== undefined && filterRaw !== null && !Array.isArray(filterRaw)) {
    throw fail("filter must be an array of conditions.");
  }
  const state: ParseState = { dropped: [], exact: options.ignoreOperatorCase !== true };
  const filter: Condition[] = [];
  (filterRaw ?? []).forEach((item: unknown, i: number) => {
    const c = parseCondition(item, `filter[${i}]`, state);
    if (c) filter.push(c);
  });
  if ((filterRaw ?? []).length === 0) {
    throw fail(
      'A query requires at least one filter condition; to read every row use {"op":"gte","field":"id","value":0}.',
    );
  }
  const maxRaw = getKey(raw, "maxRecords");
  let maxRecords = MAX_PAGE_SIZE;
  if (maxRaw !== undefined && maxRaw !== null) {
    const n = typeof maxRaw === "string" && /^\s*-?\d+\s*$/.test(maxRaw) ? Number(maxRaw) : maxRaw;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) {
      throw fail("maxCountOfRecordsToReturn must be between 1 and 500");
    }
    maxRecords = n;
  }
  const includeRaw = getKey(raw, "includeFields");
  let includeFields: string[] | null = null;
  if (Array.isArray(includeRaw) && includeRaw.length > 0) {
    includeFields = includeRaw.map((name) => {
      if (typeof name !== "string") throw fail("IncludeFields must be an array of field names.");
      if (name.toLowerCase() === "userdefinedfields" && def.carriesUdfs) return "userDefinedFields";
      const field = def.byLower.get(name.toLowerCase());
      if (!field) throw fail(`Unable to find ${name} in the ${def.name} Entity.`);
      return field.name;
    });
  }
  return { filter, dropped: state.dropped, includeFields, maxRecords };
}

// A comparison value that can never match (a string compared with a number field, ...).
const NEVER = Symbol("never");
type Scalar = number | string | boolean | null;
type Kind = "number" | "string" | "datetime" | "boolean";

function kindOf(dataType: string): Kind {
  switch (dataType) {
    case "integer":
    case "long":
    case "double":
    case "decimal":
      return "number";
    case "datetime":
      return "datetime";
    case "boolean":
      return "boolean";
    default:
      return "string";
  }
}

const NUMERIC_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

/** Converts a filter value to the field's comparable form. */
function convert(kind: Kind, value: unknown, field: string): Scalar | typeof NEVER {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case "number":
      if (typeof value === "number") return value;
      if (typeof value === "string" && NUMERIC_TEXT.test(value)) return Number(value);
      return NEVER;
    case "string":
      if (typeof value === "string") return value.toLowerCase();
      if (typeof value === "number" || typeof value === "boolean") {
        return String(value).toLowerCase();
      }
      return NEVER;
    case "boolean":
      return typeof value === "boolean" ? value : NEVER;
    case "datetime": {
      if (typeof value !== "string") return NEVER;
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) {
        throw fail(`Unable to convert ${value} to a datetime for field ${field}.`);
      }
      return ms;
    }
  }
}

/** A stored value in comparable form (strings lower-cased, datetimes as epoch ms). */
function normalize(kind: Kind, value: unknown): Scalar {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case "string":
      return String(value).toLowerCase();
    case "datetime":
      return typeof value === "string" ? Date.parse(value) : null;
    case "number":
      if (typeof value === "number") return value;
      if (typeof value === "string" && NUMERIC_TEXT.test(value)) return Number(value);
      return null;
    default:
      return value as Scalar;
  }
}

interface CompileContext {
  def: EntityDef;
  udfConditions: number;
  orConditions: number;
}

function udfGetter(udf: UdfDef): (rec: Rec) => unknown {
  return (rec) => {
    const list = rec.userDefinedFields as UdfValue[] | undefined;
    return list?.find((u) => u.name === udf.name)?.value ?? null;
  };
}

function compileLeaf(
  leaf: Extract<Condition, { kind: "leaf" }>,
  ctx: CompileContext,
): (rec: Rec) => boolean {
  let get: (rec: Rec) => unknown;
  let kind: Kind;
  let name: string;
  if (leaf.udf) {
    ctx.udfConditions++;
    if (ctx.udfConditions > 1) {
      throw fail("Only one user-defined field condition is allowed per query.");
    }
    const udf = ctx.def.udfByLower.get(leaf.field.toLowerCase());
    if (!udf) {
      throw fail(`Unable to find ${leaf.field} in the ${ctx.def.name} Entity user-defined fields.`);
    }
    get = udfGetter(udf);
    kind = kindOf(udf.dataType);
    name = udf.name;
  } else {
    const field: FieldDef | undefined = ctx.def.byLower.get(leaf.field.toLowerCase());
    if (!field) throw fail(`Unable to find ${leaf.field} in the ${ctx.def.name} Entity.`);
    if (!field.isQueryable) throw fail(`The field ${field.name} is not queryable.`);
    const key = field.name;
    get = (rec) => rec[key];
    kind = kindOf(field.dataType);
    name = field.name;
  }
  const op = leaf.op;
  if (op === "exist") {
    return (rec) => {
      const v = get(rec);
      return v !== null && v !== undefined && v !== "";
    };
  }
  if (op === "notExist") {
    return (rec) => {
      const v = get(rec);
      return v === null || v === undefined || v === "";
    };
  }
  if (op === "in" || op === "notIn") {
    if (!Array.isArray(leaf.value)) {
      throw fail(`The ${op} operator requires an array value for ${name}.`);
    }
    const set = new Set<Scalar>();
    for (const item of leaf.value) {
      const c = convert(kind, item, name);
      if (c !== NEVER && c !== null) set.add(c);
    }
    const negate = op === "notIn";
    return (rec) => {
      const v = normalize(kind, get(rec));
      if (v === null) return false;
      return set.has(v) !== negate;
    };
  }
  if (leaf.value === undefined) throw fail(`The ${op} operator requires a value for ${name}.`);
  if (Array.isArray(leaf.value) || isObject(leaf.value)) {
    throw fail(`The ${op} operator requires a single value for ${name}.`);
  }
  const target = convert(kind, leaf.value, name);
  if (target === NEVER) return () => false;
  if (op === "eq") {
    if (target === null) return (rec) => normalize(kind, get(rec)) === null;
    return (rec) => normalize(kind, get(rec)) === target;
  }
  if (op === "noteq") {
    if (target === null) return (rec) => normalize(kind, get(rec)) !== null;
    return (rec) => {
      const v = normalize(kind, get(rec));
      return v !== null && v !== target;
    };
  }
  if (target === null) return () => false;
  if (op === "beginsWith" || op === "endsWith" || op === "contains") {
    if (kind !== "string") return () => false;
    const text = target as string;
    return (rec) => {
      const v = normalize(kind, get(rec));
      if (typeof v !== "string") return false;
      return op === "beginsWith"
        ? v.startsWith(text)
        : op === "endsWith"
        ? v.endsWith(text)
        : v.includes(text);
    };
  }
  if (kind === "boolean") return () => false;
  return (rec) => {
    const v = normalize(kind, get(rec));
    if (v === null) return false;
    switch (op) {
      case "gt":
        return v > target;
      case "gte":
        return v >= target;
      case "lt":
        return v < target;
      default:
        return v <= target;
    }
  };
}

/** How many conditions a leaf adds toward the 500-OR limit, or 0 when it adds none. */
function orWeight(leaf: Extract<Condition, { kind: "leaf" }>, insideOr: boolean): number {
  // An in/notIn list is an or of its values, wherever it sits.
  if ((leaf.op === "in" || leaf.op === "notIn") && Array.isArray(leaf.value)) {
    return leaf.value.length;
  }
  return insideOr ? 1 : 0;
}

function compileCondition(
  cond: Condition,
  ctx: CompileContext,
  insideOr: boolean,
): (rec: Rec) => boolean {
  if (cond.kind === "leaf") {
    ctx.orConditions += orWeight(cond, insideOr);
    if (ctx.orConditions > MAX_OR_CONDITIONS) {
      throw fail(
        `A query can have at most ${MAX_OR_CONDITIONS} or conditions, and each value of an in or notIn list counts as one: split the query.`,
      );
    }
    return compileLeaf(cond, ctx);
  }
  const parts = cond.items.map((c) => compileCondition(c, ctx, insideOr || cond.op === "or"));
  if (cond.op === "and") return (rec) => parts.every((p) => p(rec));
  return (rec) => parts.some((p) => p(rec));
}

/** Narrows the scanned id range from top-level id conditions, so `id eq N` is a lookup. */
function idRange(filter: Condition[]): { minId: number; maxId: number } {
  let minId = -Infinity;
  let maxId = Infinity;
  for (const cond of filter) {
    if (cond.kind !== "leaf" || cond.udf || cond.field.toLowerCase() !== "id") continue;
    const values = cond.op === "in" && Array.isArray(cond.value) ? cond.value : [cond.value];
    const nums = values.map((v) => typeof v === "string" && NUMERIC_TEXT.test(v) ? Number(v) : v)
      .filter((v): v is number => typeof v === "number");
    if (nums.length === 0 || nums.length !== values.length) continue;
    const lo = Math.min(...nums);
    const hi = Math.max(...nums);
    switch (cond.op) {
      case "eq":
      case "in":
        minId = Math.max(minId, Math.ceil(lo));
        maxId = Math.min(maxId, Math.floor(hi));
        break;
      case "gt":
        minId = Math.max(minId, Math.floor(lo) + 1);
        break;
      case "gte":
        minId = Math.max(minId, Math.ceil(lo));
        break;
      case "lt":
        maxId = Math.min(maxId, Math.ceil(hi) - 1);
        break;
      case "lte":
        maxId = Math.min(maxId, Math.floor(hi));
        break;
    }
  }
  return { minId, maxId };
}

/** Compiles a filter (all top-level items ANDed). */
export function compileFilter(def: EntityDef, filter: Condition[]): CompiledFilter {
  const ctx: CompileContext = { def, udfConditions: 0, orConditions: 0 };
  const parts = filter.map((c) => compileCondition(c, ctx, false));
  // Every condition dropped: the live API runs the query as "all rows".
  const predicate = parts.length === 0
    ? () => true
    : parts.length === 1
    ? parts[0]
    : (rec: Rec) => parts.every((p) => p(rec));
  return { predicate, ...idRange(filter) };
}

/** One page of matching rows and where the next page starts (null when this is the last). */
export interface PageScan {
  rows: Rec[];
  nextStartId: number | null;
}

/**
 * Collects up to `pageSize` matches with id >= `startId`, then looks ahead to
 * the next match only: a page costs what it scans, never a copy of the table.
 */
export function scanPage(
  table: Table,
  filter: CompiledFilter,
  startId: number,
  pageSize: number,
): PageScan {
  const rows = table.rows;
  const out: Rec[] = [];
  for (let i = table.lowerBound(Math.max(startId, filter.minId)); i < rows.length; i++) {
    const row = rows[i];
    if (row.id > filter.maxId) break;
    if (!filter.predicate(row)) continue;
    if (out.length === pageSize) return { rows: out, nextStartId: row.id };
    out.push(row);
  }
  return { rows: out, nextStartId: null };
}

/** Counts matches without building any output. */
export function countMatches(table: Table, filter: CompiledFilter): number {
  const rows = table.rows;
  let n = 0;
  for (let i = table.lowerBound(filter.minId); i < rows.length; i++) {
    const row = rows[i];
    if (row.id > filter.maxId) break;
    if (filter.predicate(row)) n++;
  }
  return n;
}

/** The `userDefinedFields` array of a record: every defined UDF, null when unset. */
export function udfArray(def: EntityDef, rec: Rec): UdfValue[] {
  const stored = (rec.userDefinedFields as UdfValue[] | undefined) ?? [];
  return def.udfs.map((u) => ({
    name: u.name,
    value: stored.find((s) => s.name === u.name)?.value ?? null,
  }));
}

/** The wire form of a record: every field (null when unset), or only `include` plus id. */
export function project(
  def: EntityDef,
  rec: Rec,
  options: { include?: ReadonlySet<string> | null; omitHeavy?: boolean } = {},
): Record<string, unknown> {
  const include = options.include ?? null;
  const out: Record<string, unknown> = {};
  for (const f of def.fields) {
    if (include && f.name !== "id" && !include.has(f.name)) continue;
    out[f.name] = options.omitHeavy && def.queryOmit.has(f.name) ? null : rec[f.name] ?? null;
  }
  if (def.carriesUdfs && (!include || include.has("userDefinedFields"))) {
    out.userDefinedFields = udfArray(def, rec);
  }
  return out;
}
