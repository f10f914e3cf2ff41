/** Checks the `changes` of an update tool against the tenant's field metadata before a sparse PATCH. */

import { findEntity } from "../autotask/catalog.ts";
import type { AutotaskRecord, FieldInfo } from "../autotask/client.ts";
import {
  isIntegerFlag,
  isNumericKind,
  toBoolean,
  toDateText,
  toFlag,
  toInteger,
  toNumber,
  valueKind,
} from "../autotask/coerce.ts";
import { AutotaskError } from "../autotask/errors.ts";
import { closest } from "../similar.ts";
import { InputError, type ToolContext } from "./tool.ts";

/** Most fields one update may change (an agent changing more is probably replacing a record). */
const MAX_CHANGES = 50;

function typeProblem(field: FieldInfo, value: unknown, want: string): string {
  return `${field.name} is ${want}, not ${JSON.stringify(value)}`;
}

/**
 * Checks one value against the field's metadata and returns what Autotask
 * expects (numbers as numbers, 0/1 integer flags from booleans), or a problem.
 * Picklist labels pass through as strings: {@linkcode checkChanges} resolves them.
 */
function checkValue(field: FieldInfo, value: unknown): { value: unknown } | { problem: string } {
  const kind = valueKind(field.dataType);
  if (value === null || value === "") {
    if (field.isRequired) return { problem: `${field.name} is required and cannot be cleared` };
    return { value: kind === "string" ? value : null };
  }
  if (field.isPickList) {
    if (typeof value === "number" && Number.isInteger(value)) return { value };
    if (typeof value === "string" && value.trim() !== "" && value.length <= 200) return { value };
    return { problem: typeProblem(field, value, "a picklist value or label") };
  }
  if (kind === "integer") {
    // Integer flags such as Contacts.isActive hold 0/1, not true/false.
    if (isIntegerFlag(field.name, kind)) {
      const flag = toFlag(value);
      return flag === undefined
        ? { problem: typeProblem(field, value, "1 or 0 (an integer flag)") }
        : { value: flag };
    }
    const n = toInteger(value);
    return n === undefined
      ? { problem: typeProblem(field, value, "a whole number") }
      : { value: n };
  }
  if (kind === "decimal") {
    const n = toNumber(value);
    return n === undefined ? { problem: typeProblem(field, value, "a number") } : { value: n };
  }
  if (kind === "boolean") {
    const flag = toBoolean(value);
    return flag === undefined
      ? { problem: typeProblem(field, value, "true or false") }
      : { value: flag };
  }
  if (kind === "date") {
    const text = toDateText(value);
    return text === undefined
      ? {
        problem: typeProblem(field, value, "an ISO-8601 date or date-time (2026-11-24T14:00:00Z)"),
      }
      : { value: text };
  }
  if (kind === "string") {
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

/**
 * The entity's user-defined field definitions, each with a `dataType`: none
 * when the catalog says its records carry no `userDefinedFields` (no request
 * spent), else the client's cached answer (an entity without UDFs, Autotask's
 * 404, is an empty list there).
 */
export async function udfDefinitions(ctx: ToolContext, entity: string): Promise<FieldInfo[]> {
  const entry = findEntity(entity);
  if (entry && !Object.values(entry.fields).includes("udfs")) return [];
  const defs = await ctx.client.userDefinedFields(entity, { signal: ctx.signal });
  // Some tenants list a UDF's type as `type`: every caller reads `dataType`.
  return defs.map((d) => typeof d.dataType === "string" ? d : { ...d, dataType: udfType(d) });
}

/** A UDF's type: `dataType` in Autotask's field shape, `type` in some tenants' UDF lists. */
function udfType(def: FieldInfo): string {
  const type = def.dataType ?? (def as { type?: unknown }).type;
  return typeof type === "string" ? type.toLowerCase() : "string";
}

/** `{"Customer PO":"4711"}` or `[{"name":"Customer PO","value":"4711"}]` as name/value pairs. */
function udfPairs(value: unknown): { name: unknown; value: unknown }[] | undefined {
  if (Array.isArray(value)) {
    return value.map((item) =>
      item && typeof item === "object" && !Array.isArray(item)
        ? {
          name: (item as Record<string, unknown>).name,
          value: (item as Record<string, unknown>).value,
        }
        : { name: undefined, value: item }
    );
  }
  if (value && typeof value === "object") {
    return Object.entries(value).map(([name, v]) => ({ name, value: v }));
  }
  return undefined;
}

/** "1 (User Error), 2 (Hardware Fault)": a UDF picklist's active values. */
function udfChoices(def: FieldInfo): string {
  return (def.picklistValues ?? []).filter((v) => v.isActive !== false)
    .map((v) => `${v.value} (${v.label})`).join(", ");
}

/** One UDF value as Autotask stores it (text; a picklist's value id), or a problem. */
function checkUdfValue(
  def: FieldInfo,
  raw: unknown,
): { value: string | null } | { problem: string } {
  const label = `user-defined field "${def.name}"`;
  if (raw === null || raw === undefined || raw === "") {
    return def.isRequired
      ? { problem: `${label} is required and cannot be cleared` }
      : { value: null };
  }
  if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") {
    return { problem: `the value of ${label} must be text, a number or null` };
  }
  const text = String(raw).trim();
  if (def.isPickList && def.picklistValues && def.picklistValues.length > 0) {
    const active = def.picklistValues.filter((v) => v.isActive !== false);
    const hit = active.find((v) => v.value === text) ??
      active.find((v) => v.label.trim().toLowerCase() === text.toLowerCase());
    if (hit) return { value: hit.value };
    return {
      problem: `${
        JSON.stringify(text.slice(0, 100))
      } is not a value or label of ${label}: use one of ${udfChoices(def)}`,
    };
  }
  const kind = valueKind(udfType(def));
  if (isNumericKind(kind)) {
    const ok = kind === "integer" ? toInteger(text) !== undefined : toNumber(text) !== undefined;
    return ok ? { value: text } : {
      problem: `${label} holds ${kind === "integer" ? "a whole number" : "a number"}, not ${
        JSON.stringify(raw)
      }`,
    };
  }
  if (kind === "date") {
    return toDateText(text) !== undefined ? { value: text } : {
      problem: `${label} holds an ISO-8601 date or date-time (2026-11-24), not ${
        JSON.stringify(raw)
      }`,
    };
  }
  const value = typeof raw === "string" ? raw : text;
  if (def.length && def.length > 0 && value.length > def.length) {
    return { problem: `${label} holds at most ${def.length} characters (given ${value.length})` };
  }
  return { value };
}

/**
 * Checks user-defined fields given by name, as `{"Customer PO": "4711"}` or
 * `[{"name": "Customer PO", "value": "4711"}]`, against the entity's UDF
 * definitions; returns them as Autotask takes them: `[{name, value}]` with
 * the tenant's spelling of each name and a picklist's value id for its label.
 */
async function checkUdfs(
  ctx: ToolContext,
  entity: string,
  value: unknown,
  problems: string[],
): Promise<{ name: string; value: string | null }[] | undefined> {
  const defs = await udfDefinitions(ctx, entity);
  const names = defs.map((d) => d.name);
  const pairs = udfPairs(value);
  if (!pairs || pairs.length === 0) {
    problems.push(
      defs.length === 0
        ? `${entity} has no user-defined fields`
        : `userDefinedFields maps names to values, e.g. {${JSON.stringify(names[0])}: "..."} ` +
          `(or [{"name": ${JSON.stringify(names[0])}, "value": "..."}])`,
    );
    return undefined;
  }
  const byLower = new Map(defs.map((d) => [d.name.toLowerCase(), d]));
  const out: { name: string; value: string | null }[] = [];
  for (const pair of pairs) {
    if (typeof pair.name !== "string" || pair.name.trim() === "") {
      problems.push(
        'userDefinedFields: each entry needs a "name" (the user-defined field\'s name)',
      );
      continue;
    }
    const def = byLower.get(pair.name.trim().toLowerCase());
    if (!def) {
      const given = JSON.stringify(pair.name.slice(0, 100));
      if (defs.length === 0) {
        problems.push(
          `userDefinedFields: ${entity} has no user-defined fields, so none named ${given}`,
        );
        continue;
      }
      const near = closest(pair.name.slice(0, 100), names);
      problems.push(
        `userDefinedFields: ${entity} has no user-defined field ${given}${
          near.length > 0 ? ` (did you mean ${near.join(", ")}?)` : ""
        } (it has: ${names.join(", ")})`,
      );
      continue;
    }
    if (out.some((u) => u.name === def.name)) {
      problems.push(`userDefinedFields: "${def.name}" is given twice`);
      continue;
    }
    const checked = checkUdfValue(def, pair.value);
    if ("problem" in checked) problems.push(`userDefinedFields: ${checked.problem}`);
    else out.push({ name: def.name, value: checked.value });
  }
  return out;
}

/** An example change for `entity` from its own writable fields, for "Nothing to update". */
function exampleChange(fields: FieldInfo[]): string {
  const writable = fields.filter((f) => !f.isReadOnly && f.name !== "id" && !f.isReference);
  const preferred = ["status", "title", "name", "description", "phone"]
    .map((name) => writable.find((f) => f.name === name))
    .find((f) => f !== undefined) ??
    [...writable].sort((a, b) => a.name.length - b.name.length)[0];
  if (!preferred) return "";
  const kind = valueKind(preferred.dataType);
  const label = preferred.picklistValues?.find((v) => v.isActive !== false)?.label;
  const value = preferred.isPickList && label
    ? JSON.stringify(label)
    : isNumericKind(kind)
    ? "1"
    : kind === "boolean"
    ? "true"
    : kind === "date"
    ? '"2026-11-24T14:00:00Z"'
    : '"..."';
  return `, e.g. {${JSON.stringify(preferred.name)}: ${value}}`;
}

/** Options of {@linkcode checkChanges}. */
export interface CheckChangesOptions {
  entity: string;
  /** Fields that cannot change, with why (the parent field of a child entity, ...). */
  fixed?: Record<string, string>;
  /** What the fields are for, in the message ("update" unless said). */
  purpose?: "update" | "create";
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
  changes: Record<string, unknown>,
  options: CheckChangesOptions,
): Promise<AutotaskRecord> {
  const { entity } = options;
  const entries = Object.entries(changes);
  if (entries.length > MAX_CHANGES) {
    throw new InputError(`Change at most ${MAX_CHANGES} fields per call (got ${entries.length})`);
  }
  const fields = await ctx.client.fields(entity, { signal: ctx.signal });
  if (entries.length === 0) {
    throw new InputError(
      `Nothing to update: put at least one field in changes${exampleChange(fields)}`,
    );
  }
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
    const lister = ctx.fieldLister ? `. ${ctx.fieldLister} lists its fields` : "";
    throw new InputError(
      `Cannot ${options.purpose ?? "update"} ${entity}: ${problems.join("; ")}${lister}`,
    );
  }
  return record;
}

/**
 * Names of the UDFs the tenant requires on `entity`. A convenience check
 * ahead of Autotask's own: when the metadata cannot be read, none.
 */
async function requiredUdfs(ctx: ToolContext, entity: string): Promise<string[]> {
  try {
    return (await udfDefinitions(ctx, entity)).filter((d) => d.isRequired).map((d) => d.name);
  } catch (error) {
    if (error instanceof AutotaskError && error.category !== "cancelled") return [];
    throw error;
  }
}

/**
 * Validates a create tool's `extra` fields like {@linkcode checkChanges};
 * a field may not be given both there and as its own argument. User-defined
 * fields the tenant requires must be among them: refused here, before a
 * create Autotask would refuse.
 */
export async function prepareExtra(
  ctx: ToolContext,
  extra: Record<string, unknown> | undefined,
  options: { entity: string; explicit: Record<string, unknown> },
): Promise<AutotaskRecord> {
  const { entity, explicit } = options;
  let record: AutotaskRecord = {};
  if (extra && Object.keys(extra).length > 0) {
    const twice = Object.keys(extra).filter((k) =>
      Object.keys(explicit).some((e) =>
        e.toLowerCase() === k.toLowerCase() && explicit[e] !== undefined
      )
    );
    if (twice.length > 0) {
      throw new InputError(`Give ${twice.join(", ")} once: as an argument or in extra, not both`);
    }
    record = await checkChanges(ctx, extra, { entity, purpose: "create" });
  }
  const given = new Set(
    ((record.userDefinedFields ?? []) as { name: string; value: unknown }[])
      .filter((u) => u.value !== null).map((u) => u.name),
  );
  const missing = (await requiredUdfs(ctx, entity)).filter((name) => !given.has(name));
  if (missing.length > 0) {
    throw new InputError(
      `Cannot create ${entity}: this tenant requires the user-defined field${
        missing.length > 1 ? "s" : ""
      } ${missing.map((m) => JSON.stringify(m)).join(", ")}: give ${
        missing.length > 1 ? "them" : "it"
      } in extra, e.g. {"userDefinedFields": {${JSON.stringify(missing[0])}: "..."}}`,
    );
  }
  return record;
}
