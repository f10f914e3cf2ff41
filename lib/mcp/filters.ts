/** Checks a caller's filter tree against the tenant's metadata and turns it into what Autotask expects. */

import type { FieldInfo } from "../autotask/client.ts";
import {
  type Filter,
  type FilterValue,
  LEAF_OPERATORS,
  type LeafFilter,
  type LeafOperator,
  MAX_OR_CONDITIONS,
} from "../autotask/query.ts";
import {
  isIntegerFlag,
  isNumericKind,
  toBoolean,
  toDateText,
  toFlag,
  toNumber,
  valueKind,
} from "../autotask/coerce.ts";
import { udfDefinitions } from "./changes.ts";
import { isSecretField } from "./shape.ts";
import { InputError, type ToolContext } from "./tool.ts";

const MAX_DEPTH = 8;
const MAX_CONDITIONS = 1_000;

interface State {
  fields: Map<string, FieldInfo>;
  udfs?: Map<string, FieldInfo>;
  udfCount: number;
  orCount: number;
  conditions: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Validates `raw` (caller input) and returns Autotask's filter JSON: field
 * names in the tenant's spelling, picklist labels resolved to values,
 * numeric, boolean and date values typed, UDF conditions checked. Every
 * problem is reported with its path, e.g. `filter[1].items[0].field`.
 */
export async function normalizeFilter(
  ctx: ToolContext,
  raw: unknown[],
  options: { entity: string },
): Promise<Filter[]> {
  const { entity } = options;
  const meta = await ctx.client.fields(entity, { signal: ctx.signal });
  const state: State = {
    fields: new Map(meta.map((f) => [f.name.toLowerCase(), f])),
    udfCount: 0,
    orCount: 0,
    conditions: 0,
  };
  const out: Filter[] = [];
  for (let i = 0; i < raw.length; i++) {
    out.push(await visit(ctx, entity, raw[i], `filter[${i}]`, 0, state));
  }
  if (state.udfCount > 1) {
    throw new InputError("Autotask allows one user-defined-field condition per query");
  }
  if (state.orCount > MAX_OR_CONDITIONS) {
    throw new InputError(
      `Autotask allows at most ${MAX_OR_CONDITIONS} "or" conditions per query, each in/notIn ` +
        `value counting as one (got ${state.orCount}): split the lists over several queries`,
    );
  }
  return out;
}

async function visit(
  ctx: ToolContext,
  entity: string,
  node: unknown,
  path: string,
  depth: number,
  state: State,
): Promise<Filter> {
  if (!isRecord(node)) {
    throw new InputError(
      `${path}: a condition must be an object like {"op":"eq","field":"status","value":1}`,
    );
  }
  if (depth > MAX_DEPTH) throw new InputError(`${path}: groups nest at most ${MAX_DEPTH} deep`);
  if (++state.conditions > MAX_CONDITIONS) {
    throw new InputError(`The filter has more than ${MAX_CONDITIONS} conditions`);
  }
  const op = typeof node.op === "string" ? node.op : "";
  if (op === "and" || op === "or") {
    if (!Array.isArray(node.items) || node.items.length === 0) {
      throw new InputError(`${path}: "${op}" needs a non-empty "items" list of conditions`);
    }
    if (op === "or") state.orCount += node.items.length;
    const items: Filter[] = [];
    for (let i = 0; i < node.items.length; i++) {
      items.push(await visit(ctx, entity, node.items[i], `${path}.items[${i}]`, depth + 1, state));
    }
    return { op, items };
  }
  const operator = LEAF_OPERATORS.find((o) => o.toLowerCase() === op.toLowerCase());
  if (!operator) {
    throw new InputError(
      `${path}.op: "${op}" is not an Autotask operator; use ${LEAF_OPERATORS.join(", ")}, and, or`,
    );
  }
  if (typeof node.field !== "string" || node.field.trim() === "") {
    throw new InputError(`${path}.field: name the field to compare`);
  }
  const udf = node.udf === true;
  let info: FieldInfo | undefined;
  if (udf) {
    state.udfCount++;
    if (!state.udfs) {
      const udfs = await udfDefinitions(ctx, entity);
      state.udfs = new Map(udfs.map((f) => [f.name.toLowerCase(), f]));
    }
    info = state.udfs.get(node.field.trim().toLowerCase());
    if (!info) {
      const known = [...state.udfs.values()].map((f) => f.name);
      throw new InputError(
        `${path}.field: ${entity} has no user-defined field "${node.field}"` +
          (known.length > 0 ? ` (it has: ${known.slice(0, 20).join(", ")})` : " (it has none)"),
      );
    }
  } else {
    info = state.fields.get(node.field.trim().toLowerCase());
    if (!info) {
      const lister = ctx.fieldLister ? `; ${ctx.fieldLister} lists its fields` : "";
      throw new InputError(
        `${path}.field: ${entity} has no field "${node.field}"${lister} ` +
          `(user-defined fields need "udf": true)`,
      );
    }
    if (info.isQueryable === false) {
      throw new InputError(`${path}.field: ${entity}.${info.name} cannot be queried`);
    }
    if (isSecretField(info.name)) {
      throw new InputError(
        `${path}.field: ${entity}.${info.name} is a secret: it is never compared`,
      );
    }
  }
  const leaf: LeafFilter = { op: operator, field: info.name };
  if (udf) leaf.udf = true;
  if (operator === "exist" || operator === "notExist") {
    if (node.value !== undefined) throw new InputError(`${path}: "${operator}" takes no value`);
    return leaf;
  }
  if (operator === "in" || operator === "notIn") {
    if (
      !Array.isArray(node.value) || node.value.length === 0 || node.value.length > MAX_OR_CONDITIONS
    ) {
      throw new InputError(
        `${path}.value: "${operator}" needs a list of 1-${MAX_OR_CONDITIONS} values`,
      );
    }
    const values: FilterValue[] = [];
    for (const v of node.value) {
      values.push(await typed(ctx, entity, info, operator, v, `${path}.value`));
    }
    leaf.value = values;
    state.orCount += values.length; // Autotask counts each listed value as one "or" condition
    return leaf;
  }
  leaf.value = await typed(ctx, entity, info, operator, node.value, `${path}.value`);
  return leaf;
}

/** Gives a value the type Autotask compares with (a string never matches a number field). */
async function typed(
  ctx: ToolContext,
  entity: string,
  info: FieldInfo,
  op: LeafOperator,
  value: unknown,
  path: string,
): Promise<FilterValue> {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
    throw new InputError(`${path}: give a string, number or boolean`);
  }
  // UDF metadata may name the type `type` instead of `dataType`: never crash on either.
  const kind = valueKind(info.dataType ?? (info as { type?: unknown }).type);
  const textOp = op === "beginsWith" || op === "endsWith" || op === "contains";
  if (info.isPickList && typeof value === "string" && !textOp && !/^-?\d+$/.test(value.trim())) {
    return await ctx.picklists.resolve(entity, info.name, value, { signal: ctx.signal });
  }
  if (isNumericKind(kind)) {
    if (textOp) throw new InputError(`${path}: ${info.name} is a number; "${op}" compares text`);
    const n = (isIntegerFlag(info.name, kind) ? toFlag(value) : undefined) ?? toNumber(value);
    if (n === undefined) throw new InputError(`${path}: ${info.name} is a number, not "${value}"`);
    return n;
  }
  if (kind === "boolean") {
    const flag = toBoolean(value);
    if (flag === undefined) {
      throw new InputError(`${path}: ${info.name} is true or false, not "${value}"`);
    }
    return flag;
  }
  if (kind === "date") {
    const text = textOp ? undefined : toDateText(value);
    if (text === undefined) {
      throw new InputError(
        `${path}: ${info.name} is a date-time; give ISO-8601 such as 2026-11-24T00:00:00Z`,
      );
    }
    return text;
  }
  return typeof value === "string" ? value : String(value);
}
