/** Reading for tools: one record by id, one page of a search (the search engine), a parent's children. */

import {
  type CatalogEntry,
  findEntity,
  referencedEntity,
  supportsRoot,
  unknownEntityMessage,
} from "../autotask/catalog.ts";
import type { AutotaskRecord } from "../autotask/client.ts";
import { isBudgetRefusal } from "../autotask/errors.ts";
import { eq, type Filter } from "../autotask/query.ts";
import { enrich, jsonLength, truncateLongText, untrustedFieldsIn } from "./shape.ts";
import { InputError, type ToolContext } from "./tool.ts";

/** Which record to read. */
export interface RecordRef {
  entity: string;
  id: number;
  /** How the record is called in the not-found message (default: the descriptor's label). */
  label?: string;
}

/** The catalog entry of an entity a caller named, or an error naming the closest entities. */
export function requireEntityArg(name: string): CatalogEntry {
  const entry = findEntity(name);
  if (!entry) throw new InputError(unknownEntityMessage(name));
  return entry;
}

/**
 * "Company 12345 was not found (<lister> lists them)": the record's label and the
 * tool that lists its records, from its descriptor, when that tool is enabled.
 */
export function notFound(ctx: ToolContext, ref: RecordRef): InputError {
  const lister = ctx.resources.find(ref.entity)?.lister;
  const label = ref.label ?? ctx.resources.label(ref.entity);
  return new InputError(
    lister && ctx.toolEnabled(lister)
      ? `${label} ${ref.id} was not found (${lister} lists them)`
      : `${label} ${ref.id} was not found in Autotask: check the id`,
  );
}

/**
 * Checks that the records a filter or a new record refers to exist (`companyID` 12345 is a
 * company, per the tenant's metadata): one read per id, in order, failing with
 * {@linkcode notFound} at the first missing one. Fields that are no reference are skipped.
 */
export async function assertReferencesExist(
  ctx: ToolContext,
  entity: string,
  refs: readonly { field: string; id: number }[],
): Promise<void> {
  if (refs.length === 0) return;
  const fields = await ctx.client.fields(entity, { signal: ctx.signal });
  for (const { field, id } of refs) {
    const info = fields.find((f) => f.name.toLowerCase() === field.toLowerCase());
    // The entity the field points to, when it can be read by id.
    const target = info?.isReference
      ? referencedEntity(info.referenceEntityType, (e) => supportsRoot(e, "get"))?.name
      : undefined;
    if (target === undefined) continue;
    if (!await ctx.client.get(target, id, { signal: ctx.signal })) {
      throw notFound(ctx, { entity: target, id });
    }
  }
}

/** Reads one record (whole, no projection) or fails with a clear not-found message. */
export async function getRecord(ctx: ToolContext, ref: RecordRef): Promise<AutotaskRecord> {
  const item = await ctx.client.get(ref.entity, ref.id, { signal: ctx.signal });
  if (!item) throw notFound(ctx, ref);
  return item;
}

/**
 * Reads one record with a projection. `GET {Entity}/{id}` ignores
 * IncludeFields, so a projected read is a query on the id.
 */
export async function readOne(
  ctx: ToolContext,
  ref: RecordRef & { fields?: string[] },
): Promise<AutotaskRecord> {
  if (!ref.fields) return await getRecord(ctx, ref);
  const page = await ctx.client.query(ref.entity, {
    filter: [eq("id", ref.id)],
    includeFields: ref.fields,
    maxRecords: 1,
    signal: ctx.signal,
  });
  if (page.items.length === 0) throw notFound(ctx, ref);
  return page.items[0];
}

/** Options of {@linkcode shapedItem}. */
export interface ShapeOptions {
  entity: string;
  /** Mark the untrusted fields the record holds. */
  openWorld: boolean;
}

/** One record shaped for the agent: labels, names, clean text, the size cap. */
export async function shapedItem(
  ctx: ToolContext,
  record: AutotaskRecord,
  options: ShapeOptions,
): Promise<Record<string, unknown>> {
  const [item] = await enrich(ctx, [record], options);
  const result: Record<string, unknown> = { item };
  if (jsonLength(result) > ctx.maxResultChars) {
    const { record: short, cut } = truncateLongText(item, ctx.maxResultChars - 1_000);
    result.item = short;
    result.note = `Long text was shortened to fit the result size cap (${cut.join(", ")}): ` +
      `read one field at a time with fields to get it whole`;
  }
  if (options.openWorld) {
    const untrusted = untrustedFieldsIn(ctx, [result.item as AutotaskRecord], options);
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
  const items = await enrich(ctx, page.items, { entity });
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
    const untrusted = untrustedFieldsIn(ctx, result.items as AutotaskRecord[], { entity });
    if (untrusted.length > 0) result.untrustedFields = untrusted;
  }
  return result;
}

/** Options of {@linkcode searchChildren}: the parent, and one page as in {@linkcode runSearch}. */
export interface ChildSearchOptions extends Omit<SearchOptions, "filter"> {
  /** The parent record and the child field that holds its id (`ticketID`). */
  parent: RecordRef & { field: string };
}

/**
 * One page of a record's child records (a ticket's notes, charges, ...). An
 * empty first page checks the parent exists, so a wrong id is not mistaken for "none".
 */
export async function searchChildren(
  ctx: ToolContext,
  entity: string,
  options: ChildSearchOptions,
): Promise<Record<string, unknown>> {
  const { parent, ...page } = options;
  const result = await runSearch(ctx, entity, {
    filter: [eq(parent.field, parent.id)],
    ...page,
  });
  if (!options.cursor && (result.items as unknown[]).length === 0) await getRecord(ctx, parent);
  return result;
}
