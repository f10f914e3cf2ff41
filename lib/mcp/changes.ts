/** Checks the `changes` of an update tool against the tenant's field metadata before a sparse PATCH. */

import * as z from "zod";
import type { AutotaskRecord, FieldInfo } from "../autotask/client.ts";
import { AutotaskError } from "../autotask/errors.ts";
import { closest } from "./shape.ts";
import { InputError, type ToolContext } from "./tool.ts";

/** The `changes` argument of update tools: wire field name -> new value (explained in the instructions). */
export const changesSchema = z.record(z.string(), z.unknown());

/** The `extra` argument of create tools: any other writable field by its Autotask name. */
export const extraSchema = z.record(z.string(), z.unknown());

/** Most fields one update may change (an agent changing more is probably replacing a record). */
const MAX_CHANGES = 50;

const INTEGER_TYPES = new Set([
  "integer",
  "long",
  "short",
  "int",
  "int16",
  "int32",
  "int64",
  "byte",
]);
const DECIMAL_TYPES = new Set(["double", "decimal", "float", "single"]);
/** ISO-8601 date or date-time, optionally with a zone. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

function typeProblem(field: FieldInfo, value: unknown, want: string): string {
  return `${field.name} is ${want}, not ${JSON.stringify(value)}`;
}

/**
 * Checks one value against the field's metadata and returns what Autotask
 * expects (numbers as numbers, 0/1 integer flags from booleans), or a problem.
 * Picklist labels pass through as strings: {@linkcode checkChanges} resolves them.
 */
function checkValue(field: FieldInfo, value: unknown): { value: unknown } | { problem: string } {
  const type = field.dataType.toLowerCase();
  if (value === null || value === "") {
    if (field.isRequired) return { problem: `${field.name} is required and cannot be cleared` };
    return { value: type === "string" ? value : null };
  }
  if (field.isPickList) {
    if (typeof value === "number" && Number.isInteger(value)) return { value };
    if (typeof value === "string" && value.trim() !== "" && value.length <= 200) return { value };
    return { problem: typeProblem(field, value, "a picklist value or label") };
  }
  if (INTEGER_TYPES.has(type)) {
    // Integer flags such as Contacts.isActive hold 0/1, not true/false.
    if (/^is[A-Z]/.test(field.name)) {
      if (value === true || value === 1) return { value: 1 };
      if (value === false || value === 0) return { value: 0 };
      return { problem: typeProblem(field, value, "1 or 0 (an integer flag)") };
    }
    const n = typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof n === "number" && Number.isSafeInteger(n)) return { value: n };
    return { problem: typeProblem(field, value, "a whole number") };
  }
  if (DECIMAL_TYPES.has(type)) {
    const n = typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value)
      ? Number(value)
      : value;
    if (typeof n === "number" && Number.isFinite(n)) return { value: n };
    return { problem: typeProblem(field, value, "a number") };
  }
  if (type === "boolean") {
    if (typeof value === "boolean") return { value };
    if (value === 1 || value === 0) return { value: value === 1 };
    if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) {
      return { value: /^true$/i.test(value.trim()) };
    }
    return { problem: typeProblem(field, value, "true or false") };
  }
  if (type === "datetime" || type === "date") {
    if (typeof value === "string" && ISO_DATE.test(value.trim()) && !isNaN(Date.parse(value))) {
      return { value: value.trim() };
    }
    return {
      problem: typeProblem(field, value, "an ISO-8601 date or date-time (2026-11-24T14:00:00Z)"),
    };
  }
  if (type === "string") {
    const text = typeof value === "number" ? String(value) : value;
    if (typeof text !== "string") return { problem: typeProblem(field, value, "text") };
    if (field.length && field.length > 0 && text.length > field.length) {
      return {
        problem: `${field.name} holds at most ${field.length} characters (given ${text.length})`,
      };
    }
    return { value: text };
  }
  return { value };
}

/** Checks `userDefinedFields: [{name, value}]` against the entity's UDF definitions. */
async function checkUdfs(
  ctx: ToolContext,
  entity: string,
  value: unknown,
  problems: string[],
): Promise<{ name: string; value: string | null }[] | undefined> {
  if (!Array.isArray(value)) {
    problems.push('userDefinedFields is a list like [{"name":"Customer Tier","value":"Gold"}]');
    return undefined;
  }
  const defs = await ctx.client.userDefinedFields(entity, { signal: ctx.signal });
  const byLower = new Map(defs.map((d) => [d.name.toLowerCase(), d.name]));
  const out: { name: string; value: string | null }[] = [];
  for (const item of value) {
    const entry = item as Record<string, unknown> | null;
    const name = typeof entry?.name === "string"
      ? byLower.get(entry.name.toLowerCase())
      : undefined;
    if (!name) {
      const known = defs.map((d) => d.name).join(", ") || "none";
      problems.push(
        `userDefinedFields: ${entity} has no user-defined field ${
          JSON.stringify(entry?.name)
        } (it has: ${known})`,
      );
      continue;
    }
    const raw = entry?.value;
    if (raw !== null && raw !== undefined && typeof raw !== "string" && typeof raw !== "number") {
      problems.push(`userDefinedFields: the value of "${name}" must be text, a number or null`);
      continue;
    }
    out.push({ name, value: raw === null || raw === undefined || raw === "" ? null : String(raw) });
  }
  return out;
}

/**
 * Validates a caller's `changes` against the tenant's `entityInformation/fields`:
 * unknown names (with close matches), read-only fields, the parent field of a
 * child entity, types, string lengths, required fields cleared. Every problem
 * is reported at once. Returns the PATCH body (without id): field names in
 * the tenant's spelling, picklist labels turned into values.
 */
export async function checkChanges(
  ctx: ToolContext,
  entity: string,
  changes: Record<string, unknown>,
  options: { fixed?: Record<string, string>; purpose?: "update" | "create" } = {},
): Promise<AutotaskRecord> {
  const entries = Object.entries(changes);
  if (entries.length === 0) {
    throw new InputError(
      'Nothing to update: put at least one field in changes, e.g. {"phone":"+1 503 555 0100"}',
    );
  }
  if (entries.length > MAX_CHANGES) {
    throw new InputError(`Change at most ${MAX_CHANGES} fields per call (got ${entries.length})`);
  }
  const fields = await ctx.client.fields(entity, { signal: ctx.signal });
  const byLower = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  // Shortest first: among equally close names, the plain one (phone before alternatePhone1).
  const writable = fields.filter((f) => !f.isReadOnly).map((f) => f.name)
    .sort((a, b) => a.length - b.length);
  const problems: string[] = [];
  const record: AutotaskRecord = {};
  for (const [key, value] of entries) {
    const lower = key.trim().toLowerCase();
    if (lower === "userdefinedfields") {
      const udfs = await checkUdfs(ctx, entity, value, problems);
      if (udfs) record.userDefinedFields = udfs;
      continue;
    }
    const field = byLower.get(lower);
    if (!field) {
      const near = closest(key.slice(0, 100), writable);
      problems.push(
        `${entity} has no field "${key}"${
          near.length > 0 ? ` (did you mean ${near.join(", ")}?)` : ""
        }`,
      );
      continue;
    }
    if (field.name === "id") {
      problems.push("id names the record: give it as id, not in changes");
      continue;
    }
    const fixedWhy = options.fixed?.[field.name];
    if (fixedWhy) {
      problems.push(`${field.name} cannot be changed: ${fixedWhy}`);
      continue;
    }
    if (field.isReadOnly) {
      problems.push(`${field.name} is read-only (Autotask sets it): leave it out`);
      continue;
    }
    if (field.name in record) {
      problems.push(`${field.name} is given twice`);
      continue;
    }
    const checked = checkValue(field, value);
    if ("problem" in checked) problems.push(checked.problem);
    else record[field.name] = checked.value;
  }
  // Labels to values, parents first so a dependent list (subIssueType) sees its parent's value.
  const picklists = Object.keys(record)
    .map((name) => byLower.get(name.toLowerCase()))
    .filter((f): f is FieldInfo => f?.isPickList === true && record[f.name] !== null)
    .sort((a, b) =>
      Number(Boolean(a.picklistParentValueField)) - Number(Boolean(b.picklistParentValueField))
    );
  for (const field of picklists) {
    const parent = field.picklistParentValueField
      ? record[field.picklistParentValueField]
      : undefined;
    try {
      record[field.name] = await ctx.picklists.resolve(
        entity,
        field.name,
        record[field.name] as string | number,
        {
          parentValue: typeof parent === "number" || typeof parent === "string"
            ? parent
            : undefined,
          signal: ctx.signal,
        },
      );
    } catch (error) {
      if (!(error instanceof AutotaskError) || error.category !== "validation") throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) {
    throw new InputError(
      `Cannot ${options.purpose ?? "update"} ${entity}: ${problems.join("; ")}. ` +
        "describe_entity lists its fields",
    );
  }
  return record;
}

/**
 * Validates a create tool's `extra` fields like {@linkcode checkChanges};
 * a field may not be given both there and as its own argument.
 */
export async function prepareExtra(
  ctx: ToolContext,
  entity: string,
  extra: Record<string, unknown> | undefined,
  explicit: Record<string, unknown>,
): Promise<AutotaskRecord> {
  if (!extra || Object.keys(extra).length === 0) return {};
  const twice = Object.keys(extra).filter((k) =>
    Object.keys(explicit).some((e) =>
      e.toLowerCase() === k.toLowerCase() && explicit[e] !== undefined
    )
  );
  if (twice.length > 0) {
    throw new InputError(`Give ${twice.join(", ")} once: as an argument or in extra, not both`);
  }
  return await checkChanges(ctx, entity, extra, { purpose: "create" });
}
