/** Shared schemas and the get / search / write building blocks the tool modules use. */

import * as z from "zod";
import type { AutotaskRecord } from "../autotask/client.ts";
import { AutotaskError } from "../autotask/errors.ts";
import { contains, eq, type Filter, type LeafOperator } from "../autotask/query.ts";
import { defineTool, InputError, type ToolContext, type ToolDef } from "./tool.ts";

/** Largest id Autotask uses (int32 for most entities, int64 for a few). */
const MAX_ID = Number.MAX_SAFE_INTEGER;

/** A record id: company 0 is the tenant's own company, so 0 is allowed. */
export const idSchema = z.number().int().min(0).max(MAX_ID);

/** A picklist field given as the tenant's numeric value or its label (any case). */
export const picklistSchema = z.union([
  z.number().int().min(0).max(MAX_ID),
  z.string().trim().min(1).max(200),
]);

/** ISO-8601 date or date-time. */
export const dateTimeSchema = z.string().trim().max(40).refine(
  (text) => !Number.isNaN(Date.parse(text)),
  {
    message: "Expected an ISO-8601 date or date-time such as 2026-11-24 or 2026-11-24T14:00:00Z",
  },
);

/** Paging arguments of every search tool. */
export const pagingShape = {
  limit: z.number().int().min(1).max(500).default(25).describe(
    "Records per page, 1-500 (default 25)",
  ),
  cursor: z.string().min(1).max(20_000).optional().describe(
    "From a previous result's cursor, to continue that search (other filters are then ignored)",
  ),
};

/** Output of get tools. */
export const getOutput = z.object({ item: z.record(z.string(), z.unknown()) });

/** Output of search tools. */
export const searchOutput = z.object({
  items: z.array(z.record(z.string(), z.unknown())),
  count: z.number(),
  hasMore: z.boolean(),
  cursor: z.string().optional(),
  note: z.string().optional(),
});

/** Output of create/update tools. */
export const writeOutput = z.object({
  id: z.number(),
  entity: z.string(),
  item: z.record(z.string(), z.unknown()).optional(),
  note: z.string().optional(),
});

/** Reads one record or fails with a clear not-found message. */
export async function getRecord(
  ctx: ToolContext,
  entity: string,
  id: number,
  label: string,
): Promise<AutotaskRecord> {
  const item = await ctx.client.get(entity, id, { signal: ctx.signal });
  if (!item) {
    throw new InputError(
      `${label} ${id} was not found in Autotask: check the id (search tools list valid ids)`,
    );
  }
  return item;
}

/** Runs one page of a search, or continues one from `cursor`. */
export async function runSearch(
  ctx: ToolContext,
  entity: string,
  options: { filter: Filter[]; limit: number; cursor?: string; fields?: string[] },
): Promise<Record<string, unknown>> {
  const page = options.cursor
    ? await ctx.client.queryNext(entity, options.cursor, { signal: ctx.signal })
    : await ctx.client.query(entity, {
      filter: options.filter,
      includeFields: options.fields,
      maxRecords: options.limit,
      signal: ctx.signal,
    });
  const result: Record<string, unknown> = {
    items: page.items,
    count: page.items.length,
    hasMore: page.next !== null,
  };
  if (page.next) {
    result.cursor = page.next;
    result.note =
      `More results exist: call again with this cursor to continue, or add filters to narrow the search`;
  }
  return result;
}

/**
 * Resolves every picklist field of `record` given as a label into its value,
 * using the tenant's own metadata (dependent picklists use their parent's value
 * from the same record).
 */
export async function resolvePicklists(
  ctx: ToolContext,
  entity: string,
  record: AutotaskRecord,
): Promise<AutotaskRecord> {
  const fields = await ctx.client.fields(entity, { signal: ctx.signal });
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const out: AutotaskRecord = { ...record };
  // Parents first, so a dependent field can use its parent's resolved value.
  const keys = Object.keys(record).sort((a, b) =>
    Number(Boolean(byName.get(a.toLowerCase())?.picklistParentValueField)) -
    Number(Boolean(byName.get(b.toLowerCase())?.picklistParentValueField))
  );
  for (const key of keys) {
    const info = byName.get(key.toLowerCase());
    const value = out[key];
    if (!info?.isPickList || value === undefined || value === null) continue;
    if (typeof value !== "number" && typeof value !== "string") continue;
    const parentField = info.picklistParentValueField;
    const parentValue = parentField ? out[parentField] as number | string | undefined : undefined;
    out[key] = await ctx.picklists.resolve(entity, info.name, value, {
      parentValue: parentValue ?? undefined,
      signal: ctx.signal,
    });
  }
  return out;
}

/** Drops undefined values so only given fields are sent (sparse PATCH, minimal POST). */
export function defined(record: Record<string, unknown>): AutotaskRecord {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/** How a search argument becomes a filter. */
export interface SearchFilterSpec {
  field: string;
  op?: LeafOperator;
  /** Resolve labels through the entity's picklist. */
  picklist?: boolean;
  schema: z.ZodType;
  /** Builds the filter itself (for arguments that are not a plain comparison). */
  toFilter?: (value: unknown, ctx: ToolContext) => Filter | undefined | Promise<Filter | undefined>;
}

/** Everything that differs between the simple get tools. */
export interface GetToolSpec {
  name: string;
  title: string;
  description: string;
  entity: string;
  label: string;
  toolset: string;
  openWorld: boolean;
}

/** A `get_*` tool: `{ id }` in, `{ item }` out. */
export function getTool(spec: GetToolSpec): ToolDef {
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    kind: "read",
    toolset: spec.toolset,
    openWorld: spec.openWorld,
    input: z.object({ id: idSchema.describe(`${spec.label} id`) }),
    output: getOutput,
    handler: async ({ id }, ctx) => ({ item: await getRecord(ctx, spec.entity, id, spec.label) }),
  }) as unknown as ToolDef;
}

/** Everything that differs between the search tools. */
export interface SearchToolSpec {
  name: string;
  title: string;
  description: string;
  entity: string;
  toolset: string;
  openWorld: boolean;
  /** Fields the free-text `query` is matched against (contains, any of them). */
  textFields: string[];
  filters: Record<string, SearchFilterSpec>;
  /** Fields returned per record (IncludeFields). */
  fields: string[];
}

/** A `search_*` tool: field filters, free text, limit and cursor. */
export function searchTool(spec: SearchToolSpec): ToolDef {
  const shape: Record<string, z.ZodType> = {
    query: z.string().trim().min(1).max(200).optional().describe(
      `Free text matched (contains, any case) against ${spec.textFields.join(", ")}`,
    ),
  };
  for (const [arg, filter] of Object.entries(spec.filters)) shape[arg] = filter.schema.optional();
  Object.assign(shape, pagingShape);
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    kind: "read",
    toolset: spec.toolset,
    openWorld: spec.openWorld,
    input: z.object(shape),
    output: searchOutput,
    handler: async (args: Record<string, unknown>, ctx) => {
      const filter: Filter[] = [];
      const text = args.query as string | undefined;
      if (text) {
        filter.push(
          spec.textFields.length === 1
            ? contains(spec.textFields[0], text)
            : { op: "or", items: spec.textFields.map((f) => contains(f, text)) },
        );
      }
      for (const [arg, f] of Object.entries(spec.filters)) {
        let value = args[arg];
        if (value === undefined) continue;
        if (f.toFilter) {
          const custom = await f.toFilter(value, ctx);
          if (custom) filter.push(custom);
          continue;
        }
        if (f.picklist) {
          value = await ctx.picklists.resolve(spec.entity, f.field, value as string | number, {
            signal: ctx.signal,
          });
        }
        filter.push(
          f.op && f.op !== "eq"
            ? { op: f.op, field: f.field, value: value as string | number | boolean }
            : eq(f.field, value as string | number | boolean),
        );
      }
      return await runSearch(ctx, spec.entity, {
        filter,
        limit: args.limit as number,
        cursor: args.cursor as string | undefined,
        fields: spec.fields,
      });
    },
  }) as unknown as ToolDef;
}

/**
 * Picklist fields that are never filled from the tenant's default: a default
 * `publish` can be "All Autotask Users", which shows a note to the customer.
 */
const NEVER_DEFAULTED = new Set(["publish"]);

/**
 * Fills picklist fields this tenant requires (per entityInformation/fields)
 * but the caller left out, with the tenant's own default value. Returns a
 * note per field filled, so the caller can see what was assumed.
 */
export async function fillRequiredDefaults(
  ctx: ToolContext,
  entity: string,
  record: AutotaskRecord,
): Promise<string[]> {
  const notes: string[] = [];
  const fields = await ctx.client.fields(entity, { signal: ctx.signal });
  for (const field of fields) {
    if (!field.isRequired || field.isReadOnly || !field.isPickList) continue;
    if (record[field.name] !== undefined || NEVER_DEFAULTED.has(field.name)) continue;
    const value = await ctx.picklists.defaultValue(entity, field.name, ctx.signal);
    if (value === undefined) continue; // Autotask's own "is required" message will say so.
    record[field.name] = value;
    const label = await ctx.picklists.label(entity, field.name, value, ctx.signal);
    notes.push(
      `${field.name} defaulted to ${value}${label ? ` (${label})` : ""}, the tenant's default`,
    );
  }
  return notes;
}

/**
 * Creates the record (after filling required picklists from the tenant's
 * defaults), so the result always carries the new id; re-reads when asked.
 */
export async function createAndReport(
  ctx: ToolContext,
  entity: string,
  record: AutotaskRecord,
  options: { readBack?: string[]; parentId?: number } = {},
): Promise<Record<string, unknown>> {
  const filled = { ...record };
  const notes = await fillRequiredDefaults(ctx, entity, filled);
  const id = await ctx.client.create(entity, filled, {
    signal: ctx.signal,
    parentId: options.parentId,
  });
  const result: Record<string, unknown> = { id, entity };
  if (options.readBack) {
    try {
      const item = await ctx.client.get(entity, id, { signal: ctx.signal });
      if (item) {
        result.item = Object.fromEntries(
          options.readBack.filter((k) => k in item).map((k) => [k, item[k]]),
        );
      } else {
        notes.push("created; Autotask has not made the new record readable yet");
      }
    } catch (error) {
      if (!(error instanceof AutotaskError)) throw error;
      notes.push(`created; reading it back failed: ${error.message}`);
    }
  }
  if (notes.length > 0) result.note = notes.join("; ");
  return result;
}
