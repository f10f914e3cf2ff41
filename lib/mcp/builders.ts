/** The generic tools: get, search, create, update and link, each built from a resource descriptor. */

import * as z from "zod";
import { childRoute, requireEntity, supportsRoot } from "../autotask/catalog.ts";
import type { AutotaskRecord } from "../autotask/client.ts";
import { contains, eq, type Filter, type LeafOperator } from "../autotask/query.ts";
import { parentIdField } from "../autotask/routes.ts";
import { valueKind } from "../autotask/coerce.ts";
import { checkChanges, prepareExtra } from "./changes.ts";
import { getViewOf, type ResourceDescriptor } from "./descriptor.ts";
import { dateCondition } from "./filters.ts";
import { assertReferencesExist, getRecord, readOne, runSearch, shapedItem } from "./reads.ts";
import {
  changesSchema,
  getOutput,
  idSchema,
  pagingShape,
  searchOutput,
  viewShape,
  writeOutput,
} from "./schemas.ts";
import { enrich, selectFields } from "./shape.ts";
import { defineTool, type ToolContext, type ToolDef, type ToolOutput } from "./tool.ts";
import {
  addNotes,
  changedItem,
  createAndReport,
  defined,
  localizeDates,
  resolvePicklists,
} from "./writes.ts";

/** What every built tool is called and says. */
export interface ToolNaming {
  /** `verb_entity`, snake_case, stable. */
  name: string;
  title: string;
  description: string;
  /** The toolset, when not the resource's own (update tools are in "updates"). */
  toolset?: string;
}

function toolsetOf(resource: ResourceDescriptor, naming: ToolNaming): string {
  const toolset = naming.toolset ?? resource.toolset;
  if (!toolset) throw new Error(`${naming.name}: ${resource.entity} has no toolset`);
  return toolset;
}

/** A `get_*` tool: `{ id, fields?, detail? }` in, `{ item }` with labels and names out. */
export function getTool(resource: ResourceDescriptor, naming: ToolNaming): ToolDef {
  const defaults = getViewOf(resource);
  const openWorld = resource.openWorld ?? false;
  return defineTool({
    ...naming,
    kind: "read",
    toolset: toolsetOf(resource, naming),
    openWorld,
    input: z.object({ id: idSchema, ...viewShape }),
    output: getOutput,
    handler: async ({ id, fields, detail }, ctx) => {
      const { entity } = resource;
      const selection = await selectFields(ctx, entity, { fields, detail, defaults });
      const record = await readOne(ctx, { entity, id, label: resource.label, ...selection });
      return await shapedItem(ctx, record, { entity, openWorld });
    },
  });
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

/** Everything that differs between the search tools. */
export interface SearchToolSpec extends ToolNaming {
  /**
   * Fields the free-text `query` is matched against (contains, any of them); none for an
   * entity without text, whose search then takes no `query`.
   */
  textFields: string[];
  filters: Record<string, SearchFilterSpec>;
  /**
   * Adds to a first page what the whole search says (totals over every match), given the
   * filter sent; not run when continuing from a cursor.
   */
  summarize?(result: ToolOutput, ctx: ToolContext, search: { filter: Filter[] }): Promise<void>;
}

/** True when the tenant's metadata types `field` of `entity` as a date. */
async function isDateField(ctx: ToolContext, entity: string, field: string): Promise<boolean> {
  const fields = await ctx.client.fields(entity, { signal: ctx.signal });
  const info = fields.find((f) => f.name.toLowerCase() === field.toLowerCase());
  return info !== undefined && valueKind(info.dataType) === "date";
}

/** A `search_*` tool over the resource's search view: field filters, free text, limit and cursor. */
export function searchTool(resource: ResourceDescriptor, spec: SearchToolSpec): ToolDef {
  const { entity } = resource;
  const openWorld = resource.openWorld ?? false;
  const shape: Record<string, z.ZodType> = {};
  if (spec.textFields.length > 0) {
    shape.query = z.string().trim().min(1).refine((t) => t.length <= 200, {
      message: "query is at most 200 characters",
    }).optional().describe(`Text in ${spec.textFields.join(", ")}`);
  }
  for (const [arg, filter] of Object.entries(spec.filters)) shape[arg] = filter.schema.optional();
  Object.assign(shape, pagingShape, viewShape, {
    includeTotal: z.boolean().optional(),
  });
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    kind: "read",
    toolset: toolsetOf(resource, spec),
    openWorld,
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
          value = await ctx.picklists.resolve(entity, f.field, value as string | number, {
            signal: ctx.signal,
          });
        }
        if (typeof value === "string" && await isDateField(ctx, entity, f.field)) {
          // Days and zoneless times are the user's: createdAfter "2026-12-01" is local midnight.
          const condition = dateCondition(ctx, value, { entity, field: f.field, op: f.op ?? "eq" });
          if (condition) {
            filter.push(condition);
            continue;
          }
        }
        filter.push(
          f.op && f.op !== "eq"
            ? { op: f.op, field: f.field, value: value as string | number | boolean }
            : eq(f.field, value as string | number | boolean),
        );
      }
      const selection = await selectFields(ctx, entity, {
        fields: args.fields as string[] | undefined,
        detail: args.detail as "compact" | "full" | undefined,
        defaults: [...(resource.searchView ?? [])],
      });
      const cursor = args.cursor as string | undefined;
      const result = await runSearch(ctx, entity, {
        filter,
        limit: args.limit as number,
        cursor,
        fields: selection.fields,
        includeTotal: args.includeTotal as boolean | undefined,
        openWorld,
      });
      if (cursor) return result;
      if ((result.items as unknown[]).length === 0) {
        // Nothing found: a referenced id that does not exist must not pass for "none".
        const refs = Object.entries(spec.filters)
          .filter(([arg, f]) => !f.picklist && !f.toFilter && typeof args[arg] === "number")
          .map(([arg, f]) => ({ field: f.field, id: args[arg] as number }));
        await assertReferencesExist(ctx, entity, refs);
      }
      await spec.summarize?.(result, ctx, { filter });
      return result;
    },
  });
}

/** The record a new one is created under: the argument naming it, checked to exist first. */
export interface ParentArg {
  /** The parent's entity ("Projects"). */
  entity: string;
  /** The argument holding its id, which also picks the route (`projectID`). */
  field: string;
  /** How the parent is called when it is missing (default: its descriptor's label). */
  label?: string;
}

/** What a create learns besides the result: the record sent and the arguments. */
export interface Created<Args> {
  record: AutotaskRecord;
  args: Args;
}

/** Everything that differs between the create tools. */
export interface CreateToolSpec<Input extends z.ZodObject> extends ToolNaming {
  input: Input;
  /** Checks that need no request (end before start, arguments that go together), run first. */
  check?(args: z.infer<Input>): void;
  /** The parent the record is created under (its route), checked to exist before anything else. */
  parent?: ParentArg;
  /**
   * Arguments naming records the new one refers to (`companyID`), checked to exist before
   * anything is sent, so a wrong id gets "Company 12345 was not found", not Autotask's error.
   */
  references?: readonly string[];
  /**
   * The record to create; `notes` collects what was assumed. Default: the arguments given
   * ({@linkcode givenRecord} when the tool takes `extra`).
   */
  record?(args: z.infer<Input>, ctx: ToolContext, notes: string[]): Promise<AutotaskRecord>;
  /** Turn picklist labels into values before sending (default true). */
  resolvePicklists?: boolean;
  /** Fields read back and shown as the result's item. */
  readBack?: readonly string[];
  /** Shapes the result once created (labels of what was defaulted, names inline, ...). */
  finish?(
    result: ToolOutput,
    ctx: ToolContext,
    created: Created<z.infer<Input>>,
  ): Promise<void>;
}

/**
 * The start of a create's record for a tool that takes `extra`: the `extra` fields, checked
 * against the tenant's metadata (required user-defined fields included), then every other
 * argument given. A field given both ways is refused.
 */
export async function givenRecord(
  ctx: ToolContext,
  args: Record<string, unknown>,
  options: { entity: string },
): Promise<AutotaskRecord> {
  const { extra, ...rest } = args;
  return {
    ...await prepareExtra(ctx, extra as Record<string, unknown> | undefined, {
      entity: options.entity,
      explicit: rest,
    }),
    ...defined(rest),
  };
}

/**
 * A create tool: checks, the parent's existence, the record (defaults, roles, ...), picklist
 * labels to values, then one create whose result always carries the new id.
 */
export function createTool<Input extends z.ZodObject>(
  resource: ResourceDescriptor,
  spec: CreateToolSpec<Input>,
): ToolDef {
  const { entity } = resource;
  const takesExtra = "extra" in spec.input.shape;
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    kind: "create",
    toolset: toolsetOf(resource, spec),
    openWorld: false,
    entity,
    input: spec.input,
    output: writeOutput,
    handler: async (input, ctx) => {
      // Dates as Autotask stores them, read in the user's zone, before any check compares them.
      const args = await localizeDates(ctx, input, { entity }) as typeof input;
      spec.check?.(args);
      const given: Record<string, unknown> = args;
      const parentId = spec.parent ? given[spec.parent.field] as number : undefined;
      if (spec.parent && parentId !== undefined) {
        await getRecord(ctx, {
          entity: spec.parent.entity,
          id: parentId,
          label: spec.parent.label,
        });
      }
      await assertReferencesExist(
        ctx,
        entity,
        (spec.references ?? []).filter((arg) => typeof given[arg] === "number")
          .map((arg) => ({ field: arg, id: given[arg] as number })),
      );
      const notes: string[] = [];
      const record = spec.record
        ? await spec.record(args, ctx, notes)
        : takesExtra
        ? await givenRecord(ctx, given, { entity })
        : defined({ ...given });
      const dated = await localizeDates(ctx, record, { entity });
      const resolved = spec.resolvePicklists === false
        ? dated
        : await resolvePicklists(ctx, dated, { entity });
      const result = await createAndReport(ctx, resolved, {
        entity,
        readBack: spec.readBack,
        parentId,
      });
      await spec.finish?.(result, ctx, { record: resolved, args });
      addNotes(result, notes);
      return result;
    },
  });
}

/** The parent route of a child-only entity (Contacts under Companies, Tasks under Projects). */
function parentOf(entity: string): { field: string; parent: string } | undefined {
  const entry = requireEntity(entity);
  if (supportsRoot(entry, "update")) return undefined;
  const child = childRoute(entry, "update");
  return child ? { field: parentIdField(child.parent), parent: child.parent } : undefined;
}

/** Everything that differs between the update tools. */
export interface UpdateToolSpec extends ToolNaming {
  /** Fields that cannot change here, and why. */
  fixed?: Record<string, string>;
  /**
   * Adjusts the checked changes before they are sent (a role for a new assignee, times kept
   * consistent) and returns notes on what it did.
   */
  prepare?(record: AutotaskRecord, ctx: ToolContext, target: { id: number }): Promise<string[]>;
}

/**
 * An `update_*` tool: `{ id, changes }`, validated against the tenant's fields, then a sparse
 * PATCH of only those fields (through the parent's route for child-only entities).
 */
export function updateTool(resource: ResourceDescriptor, spec: UpdateToolSpec): ToolDef {
  const { entity } = resource;
  const parent = parentOf(entity);
  const fixed: Record<string, string> = { ...spec.fixed };
  if (parent) fixed[parent.field] = `it ties the record to its parent in ${parent.parent}`;
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    kind: "update",
    toolset: toolsetOf(resource, spec),
    openWorld: false,
    entity,
    input: z.object({ id: idSchema, changes: changesSchema }),
    output: writeOutput,
    handler: async ({ id, changes }, ctx) => {
      const record = await localizeDates(
        ctx,
        await checkChanges(ctx, changes, {
          entity,
          fixed: Object.keys(fixed).length > 0 ? fixed : undefined,
        }),
        { entity },
      );
      let parentId: number | undefined;
      if (parent) {
        // Child-only entities are written under their parent: its id comes from the record.
        const existing = await getRecord(ctx, { entity, id, label: resource.label });
        parentId = existing[parent.field] as number | undefined;
      }
      const notes = await spec.prepare?.(record, ctx, { id }) ?? [];
      await ctx.client.update(entity, id, record, { parentId, signal: ctx.signal });
      const result: ToolOutput = {
        id,
        entity,
        item: await changedItem(ctx, record, { entity, id }),
      };
      addNotes(result, notes);
      return result;
    },
  });
}

/** One side of a link: the argument naming the record. */
export interface LinkEnd {
  /** The argument, also the link's field (`serviceCallID`, `ticketID`). */
  field: string;
}

/** Everything that differs between the link tools. */
export interface LinkToolSpec extends ToolNaming {
  /** The record the link is made under (its route), e.g. the service call. */
  parent: LinkEnd & { noun: string };
  /** The record put on it, e.g. the ticket. */
  item: LinkEnd;
  /** The link's id as other records name it (`serviceCallTicketID`). */
  idField: string;
  /** Checks the pair (both exist, same company, ...); returns how the item is named in notes. */
  check(ctx: ToolContext, ids: { parent: number; item: number }): Promise<string>;
}

/**
 * A link tool: puts a record on another once (a link record created on the parent's child
 * route); an existing link is reported, not made twice.
 */
export function linkTool(link: ResourceDescriptor, spec: LinkToolSpec): ToolDef {
  const { entity } = link;
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    kind: "create",
    toolset: toolsetOf(link, spec),
    openWorld: false,
    input: z.object({ [spec.parent.field]: idSchema, [spec.item.field]: idSchema }),
    output: writeOutput,
    handler: async (args, ctx) => {
      const parentId = args[spec.parent.field];
      const itemId = args[spec.item.field];
      const shown = await spec.check(ctx, { parent: parentId, item: itemId });
      const existing = (await ctx.client.query(entity, {
        filter: [eq(spec.parent.field, parentId), eq(spec.item.field, itemId)],
        maxRecords: 1,
        signal: ctx.signal,
      })).items[0];
      const record = { [spec.parent.field]: parentId, [spec.item.field]: itemId };
      const result = existing
        ? {
          id: existing.id as number,
          entity,
          note: `${shown} was already on ${spec.parent.noun} ${parentId}`,
        }
        : await createAndReport(ctx, record, { entity, parentId });
      const [item] = await enrich(ctx, [record], { entity });
      return { ...result, item: { [spec.idField]: result.id, ...item } };
    },
  });
}
