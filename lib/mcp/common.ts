/** Shared schemas and the get / search / write building blocks the tool modules use. */

import * as z from "zod";
import { endsBeforeStart, isInstant } from "../dates.ts";
import type { AutotaskRecord } from "../autotask/client.ts";
import type { PicklistScalar } from "../autotask/picklists.ts";
import { AutotaskError, isBudgetRefusal } from "../autotask/errors.ts";
import { contains, eq, type Filter, type LeafOperator } from "../autotask/query.ts";
import { enrich, jsonLength, selectFields, truncateLongText, untrustedFieldsIn } from "./shape.ts";
import { defineTool, InputError, type ToolContext, type ToolDef } from "./tool.ts";
import { GET_EXTRA_FIELDS } from "./views.ts";

/** Largest id Autotask uses (int32 for most entities, int64 for a few). */
const MAX_ID = Number.MAX_SAFE_INTEGER;

/**
 * A record id: company 0 is the tenant's own company, so 0 is allowed. The
 * bounds are a refinement so the published schema stays `{"type":"integer"}`.
 */
export const idSchema = z.number().int().refine((n) => n >= 0 && n <= MAX_ID, {
  message: "Expected a record id: a whole number, 0 or more",
});

/**
 * A picklist field given as the tenant's numeric value or its label (any case).
 * Bounds are checked in refinements so the published schema stays two words.
 */
export const picklistSchema = z.union([z.number().int(), z.string()]).superRefine((value, ctx) => {
  const ok = typeof value === "number"
    ? value >= 0
    : value.trim().length > 0 && value.length <= 200;
  if (!ok) {
    ctx.addIssue({
      code: "custom",
      message: "Expected a picklist value (a number >= 0) or a label (1-200 characters)",
    });
  }
});

/** ISO-8601 date or date-time (UTC unless the text says otherwise). */
export const dateTimeSchema = z.string().trim().refine(
  (text) => text.length <= 40 && isInstant(text),
  {
    message: "Expected an ISO-8601 date or date-time such as 2026-11-24 or 2026-11-24T14:00:00Z",
  },
);

/** Paging arguments of every search tool. */
export const pagingShape = {
  // Bounds as a refinement: the instructions state them once for every search.
  limit: z.number().int().refine((n) => n >= 1 && n <= 500, { message: "limit is 1-500" })
    .default(25),
  cursor: z.string().min(1).max(20_000).optional(),
};

const recordSchema = z.record(z.string(), z.unknown());

/** `fields` and `detail`: which fields a read returns. */
export const viewShape = {
  fields: z.array(z.string().trim().min(1)).min(1).max(100).optional(),
  detail: z.enum(["compact", "full"]).optional(),
};

/**
 * Output of get tools. Output schemas name only the keys every result has and
 * allow the rest (note, untrustedFields, notice, ...), which the server
 * instructions explain once instead of every schema repeating them.
 */
export const getOutput = z.looseObject({ item: recordSchema });

/** Output of search tools (also count, hasMore, cursor, total, note, untrustedFields). */
export const searchOutput = z.looseObject({ items: z.array(z.unknown()) });

/** Output of create/update tools (also entity, item, note). */
export const writeOutput = z.looseObject({ id: z.number() });

/** Reads one record (whole, no projection) or fails with a clear not-found message. */
export async function getRecord(
  ctx: ToolContext,
  entity: string,
  id: number,
  label: string,
): Promise<AutotaskRecord> {
  const item = await ctx.client.get(entity, id, { signal: ctx.signal });
  if (!item) throw notFound(label, id);
  return item;
}

function notFound(label: string, id: number): InputError {
  return new InputError(
    `${label} ${id} was not found in Autotask: check the id (search tools list valid ids)`,
  );
}

/**
 * Reads one record with a projection. `GET {Entity}/{id}` ignores
 * IncludeFields, so a projected read is a query on the id.
 */
export async function readOne(
  ctx: ToolContext,
  entity: string,
  id: number,
  options: { label: string; fields?: string[] },
): Promise<AutotaskRecord> {
  if (!options.fields) return await getRecord(ctx, entity, id, options.label);
  const page = await ctx.client.query(entity, {
    filter: [eq("id", id)],
    includeFields: options.fields,
    maxRecords: 1,
    signal: ctx.signal,
  });
  if (page.items.length === 0) throw notFound(options.label, id);
  return page.items[0];
}

/** One record shaped for the agent: labels, names, clean text, the size cap. */
export async function shapedItem(
  ctx: ToolContext,
  entity: string,
  record: AutotaskRecord,
  openWorld: boolean,
): Promise<Record<string, unknown>> {
  const [item] = await enrich(ctx, entity, [record]);
  const result: Record<string, unknown> = { item };
  if (jsonLength(result) > ctx.maxResultChars) {
    const { record: short, cut } = truncateLongText(item, ctx.maxResultChars - 1_000);
    result.item = short;
    result.note = `Long text was shortened to fit the result size cap (${cut.join(", ")}): ` +
      `read one field at a time with fields to get it whole`;
  }
  if (openWorld) {
    const untrusted = untrustedFieldsIn(entity, [result.item as AutotaskRecord]);
    if (untrusted.length > 0) result.untrustedFields = untrusted;
  }
  return result;
}

/** Options for {@linkcode runSearch}. */
export interface SearchOptions {
  filter: Filter[];
  limit: number;
  cursor?: string;
  fields?: string[];
  includeTotal?: boolean;
  openWorld: boolean;
}

/**
 * Runs one page of a search, or continues one from `cursor`; adds labels and
 * names, and cuts the page at a record boundary when it would exceed the
 * result size cap (the cursor then continues right after the last record kept).
 */
export async function runSearch(
  ctx: ToolContext,
  entity: string,
  options: SearchOptions,
): Promise<Record<string, unknown>> {
  const page = options.cursor
    ? await ctx.client.queryNext(entity, options.cursor, { signal: ctx.signal })
    : await ctx.client.query(entity, {
      filter: options.filter,
      includeFields: options.fields,
      maxRecords: options.limit,
      signal: ctx.signal,
    });
  const items = await enrich(ctx, entity, page.items);
  const budget = ctx.maxResultChars - 2_000; // room for the envelope, cursor and note
  let kept = items.length;
  let size = 2;
  for (let i = 0; i < items.length; i++) {
    size += jsonLength(items[i]) + 1;
    if (size > budget && i > 0) {
      kept = i;
      break;
    }
  }
  const result: Record<string, unknown> = {
    items: items.slice(0, kept),
    count: kept,
    hasMore: page.next !== null || kept < items.length,
  };
  if (kept < items.length) {
    const last = items[kept - 1].id as number;
    result.cursor = ctx.client.cursorAfter(entity, page.query, last);
    result.note =
      `${items.length - kept} more records of this page were left out to keep the result ` +
      `under ${ctx.maxResultChars} characters: continue with cursor, or ask for fewer fields`;
  } else if (page.next) {
    result.cursor = page.next;
    result.note = "More results: pass only cursor to continue, or add filters to narrow";
  }
  if (kept === 1 && jsonLength(result) > ctx.maxResultChars) {
    const { record, cut } = truncateLongText(items[0], budget);
    result.items = [record];
    result.note = [result.note, `long text shortened to fit (${cut.join(", ")})`].filter(Boolean)
      .join("; ");
  }
  if (options.includeTotal && !options.cursor) {
    try {
      result.total = await ctx.client.count(entity, {
        filter: page.query.filter,
        signal: ctx.signal,
        optional: true,
      });
    } catch (error) {
      if (!isBudgetRefusal(error)) throw error;
      result.note = [result.note, "total skipped to save the hourly API budget"].filter(Boolean)
        .join("; ");
    }
  }
  if (options.openWorld) {
    const untrusted = untrustedFieldsIn(entity, result.items as AutotaskRecord[]);
    if (untrusted.length > 0) result.untrustedFields = untrusted;
  }
  return result;
}

/**
 * One page of a ticket's child records (notes, charges, ...). An empty first
 * page checks the ticket exists, so a wrong id is not mistaken for "none".
 */
export async function searchTicketChildren(
  ctx: ToolContext,
  entity: string,
  ticketID: number,
  options: { limit: number; cursor?: string; fields: string[]; openWorld: boolean },
): Promise<Record<string, unknown>> {
  const result = await runSearch(ctx, entity, { filter: [eq("ticketID", ticketID)], ...options });
  if (!options.cursor && (result.items as unknown[]).length === 0) {
    await getRecord(ctx, "Tickets", ticketID, "Ticket");
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

/** "1 (New), 5 (Complete)": the tenant's active values of a picklist, for error messages. */
export async function picklistChoices(
  ctx: ToolContext,
  entity: string,
  field: string,
): Promise<string> {
  const values = await ctx.picklists.values(entity, field, { signal: ctx.signal });
  return values.map((v) => `${v.value} (${v.label})`).join(", ");
}

/** How {@linkcode pickDefault} chooses. */
export interface DefaultChoice {
  /** A value Autotask documents as a system value (ticket status 1 New), used when the tenant has it. */
  system?: number;
  /** Try the tenant's own default before the system value. */
  tenantFirst?: boolean;
  /** false: never fall back to the tenant's default. */
  tenantDefault?: boolean;
  /** Last resort: the first active value. */
  firstActive?: boolean;
}

/**
 * The value a create uses for a picklist the caller left out: the system
 * value (when this tenant has it) and/or the tenant's default, in the order
 * asked for; otherwise an error listing the tenant's values.
 */
export async function pickDefault(
  ctx: ToolContext,
  entity: string,
  field: string,
  choice: DefaultChoice = {},
): Promise<PicklistScalar> {
  const system = async () =>
    choice.system !== undefined && await ctx.picklists.has(entity, field, choice.system, ctx.signal)
      ? choice.system
      : undefined;
  const tenant = () =>
    choice.tenantDefault === false
      ? undefined
      : ctx.picklists.defaultValue(entity, field, ctx.signal);
  const value = choice.tenantFirst
    ? await tenant() ?? await system()
    : await system() ?? await tenant();
  if (value !== undefined) return value;
  if (choice.firstActive) {
    const [first] = await ctx.picklists.values(entity, field, { signal: ctx.signal });
    if (first) return /^-?\d+$/.test(first.value) ? Number(first.value) : first.value;
  }
  const wanted = choice.system !== undefined ? `value ${choice.system} and no default` : "default";
  throw new InputError(
    `This tenant has no ${entity} ${field} ${wanted}: pass ${field}, one of ` +
      await picklistChoices(ctx, entity, field),
  );
}

/** Autotask's publish level "Internal Project Team": never visible to the customer. */
export const PUBLISH_INTERNAL = 2;

/**
 * Publish level 2 (internal) for notes and attachments the caller did not
 * publish, refusing to guess when the tenant lacks it. Never the tenant's
 * `isDefaultValue`, which can be the public level.
 */
export async function internalPublish(ctx: ToolContext, entity: string): Promise<number> {
  if (!await ctx.picklists.has(entity, "publish", PUBLISH_INTERNAL, ctx.signal)) {
    throw new InputError(
      `This tenant has no internal publish level ${PUBLISH_INTERNAL} for ${entity}: pass publish ` +
        `explicitly (${await picklistChoices(ctx, entity, "publish")})`,
    );
  }
  return PUBLISH_INTERNAL;
}

/**
 * Refuses an end before its start (`endDateTime` before `startDateTime`,
 * `dueDate` before `startDate`, ...) when both are given, naming both fields.
 */
export function assertInOrder(
  start: { field: string; value: unknown },
  end: { field: string; value: unknown },
): void {
  if (start.value === undefined || end.value === undefined) return;
  // The one date rule: a date-time without a zone is UTC, however the machine is set.
  if (endsBeforeStart(String(start.value), String(end.value))) {
    throw new InputError(
      `${end.field} is before ${start.field} (${end.value} < ${start.value}): give an ` +
        `${end.field} on or after the ${start.field}`,
    );
  }
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
  /** The entity's compact (search) view; the get view adds {@linkcode GET_EXTRA_FIELDS}. */
  fields: string[];
}

/** The default view of a `get_*` tool: the search view plus the detail fields. */
export function getView(entity: string, searchFields: string[]): string[] {
  return [...new Set([...searchFields, ...(GET_EXTRA_FIELDS[entity] ?? [])])];
}

/** A `get_*` tool: `{ id, fields?, detail? }` in, `{ item }` with labels and names out. */
export function getTool(spec: GetToolSpec): ToolDef {
  const defaults = getView(spec.entity, spec.fields);
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    kind: "read",
    toolset: spec.toolset,
    openWorld: spec.openWorld,
    input: z.object({ id: idSchema, ...viewShape }),
    output: getOutput,
    handler: async ({ id, fields, detail }, ctx) => {
      const selection = await selectFields(ctx, spec.entity, { fields, detail, defaults });
      const record = await readOne(ctx, spec.entity, id, {
        label: spec.label,
        fields: selection.fields,
      });
      return await shapedItem(ctx, spec.entity, record, spec.openWorld);
    },
  });
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
    query: z.string().trim().min(1).refine((t) => t.length <= 200, {
      message: "query is at most 200 characters",
    }).optional().describe(
      `Text in ${spec.textFields.join(", ")}`,
    ),
  };
  for (const [arg, filter] of Object.entries(spec.filters)) shape[arg] = filter.schema.optional();
  Object.assign(shape, pagingShape, viewShape, {
    includeTotal: z.boolean().optional(),
  });
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
      const selection = await selectFields(ctx, spec.entity, {
        fields: args.fields as string[] | undefined,
        detail: args.detail as "compact" | "full" | undefined,
        defaults: spec.fields,
      });
      return await runSearch(ctx, spec.entity, {
        filter,
        limit: args.limit as number,
        cursor: args.cursor as string | undefined,
        fields: selection.fields,
        includeTotal: args.includeTotal as boolean | undefined,
        openWorld: spec.openWorld,
      });
    },
  });
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
        // The UDFs sent, as Autotask stored them (it lists every UDF, set or not).
        const sent = filled.userDefinedFields as { name: string }[] | undefined;
        if (sent && Array.isArray(item.userDefinedFields)) {
          const names = new Set(sent.map((u) => u.name.toLowerCase()));
          (result.item as AutotaskRecord).userDefinedFields = (item.userDefinedFields as {
            name: string;
          }[]).filter((u) => typeof u?.name === "string" && names.has(u.name.toLowerCase()));
        }
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
