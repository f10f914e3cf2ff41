/** Checks the `changes` of an update tool against the tenant's field metadata before a sparse PATCH. */

import * as z from "zod";
import type { AutotaskRecord, FieldInfo } from "../autotask/client.ts";
import { resolvePicklists } from "./common.ts";
import { closest } from "./shape.ts";
import { InputError, type ToolContext } from "./tool.ts";

/** The `changes` argument of update tools: wire field name -> new value (explained in the instructions). */
export const changesSchema = z.record(z.string(), z.unknown());

/** The `extra` argument of create tools: any other writable field by its Autotask name. */
export const extraSchema = z.record(z.string(), z.unknown());

const INTEGER = new Set(["integer", "long", "short", "int", "int32", "int64"]);
const DECIMAL = new Set(["double", "decimal", "float"]);

function checkValue(entity: string, field: FieldInfo, value: unknown): string | undefined {
  const name = `${entity}.${field.name}`;
  if (value === null) {
    return field.isRequired ? `${name} is required and cannot be cleared` : undefined;
  }
  const type = field.dataType.toLowerCase();
  if (field.isPickList) {
    return typeof value === "number" || (typeof value === "string" && value.trim() !== "")
      ? undefined
      : `${name} takes a picklist value or label`;
  }
  if (INTEGER.has(type)) {
    return Number.isSafeInteger(value) ? undefined : `${name} takes a whole number`;
  }
  if (DECIMAL.has(type)) {
    return typeof value === "number" && Number.isFinite(value)
      ? undefined
      : `${name} takes a number`;
  }
  if (type === "boolean") {
    // Contacts.isActive is an integer 0/1 and arrives as "integer" above; real booleans here.
    return typeof value === "boolean" ? undefined : `${name} takes true or false`;
  }
  if (type === "datetime" || type === "date") {
    return typeof value === "string" && !Number.isNaN(Date.parse(value))
      ? undefined
      : `${name} takes an ISO-8601 date-time such as 2026-11-24T14:00:00Z`;
  }
  if (type === "string") {
    if (typeof value !== "string") return `${name} takes text`;
    if (field.length && value.length > field.length) {
      return `${name} takes at most ${field.length} characters (got ${value.length})`;
    }
    return undefined;
  }
  return undefined;
}

/**
 * Validates an update's `changes` (wire field names, any case) against the
 * tenant's `entityInformation/fields`: unknown names get suggestions,
 * read-only fields and wrong types are refused, picklist labels become
 * values. Returns the record to PATCH (without `id`).
 */
export async function prepareChanges(
  ctx: ToolContext,
  entity: string,
  changes: Record<string, unknown>,
): Promise<AutotaskRecord> {
  const entries = Object.entries(changes);
  if (entries.length === 0) {
    throw new InputError("Nothing to update: put at least one field in changes");
  }
  const meta = await ctx.client.fields(entity, { signal: ctx.signal });
  const byLower = new Map(meta.map((f) => [f.name.toLowerCase(), f]));
  const problems: string[] = [];
  const record: AutotaskRecord = {};
  for (const [key, value] of entries) {
    if (key.toLowerCase() === "id") {
      problems.push("id identifies the record: pass it as id, not inside changes");
      continue;
    }
    const field = byLower.get(key.toLowerCase());
    if (!field) {
      const near = closest(key, meta.map((f) => f.name));
      problems.push(
        `${entity} has no field "${key}"${
          near.length > 0 ? ` (did you mean ${near.join(", ")}?)` : ""
        }`,
      );
      continue;
    }
    if (field.isReadOnly) {
      problems.push(`${entity}.${field.name} is read-only in Autotask`);
      continue;
    }
    const problem = checkValue(entity, field, value);
    if (problem) problems.push(problem);
    else record[field.name] = value;
  }
  if (problems.length > 0) throw new InputError(`Cannot update ${entity}: ${problems.join("; ")}`);
  return await resolvePicklists(ctx, entity, record);
}

/**
 * Validates a create tool's `extra` fields like {@linkcode prepareChanges};
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
  return await prepareChanges(ctx, entity, extra);
}
