/** Any entity, read-only: query, count and read every queryable Autotask entity without a tool each. */

import * as z from "zod";
import { type CatalogEntry, supportsRoot } from "../lib/autotask/catalog.ts";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import {
  defineTool,
  getOutput,
  idSchema,
  InputError,
  normalizeFilter,
  pagingShape,
  readOne,
  requireEntityArg,
  runSearch,
  searchOutput,
  selectFields,
  shapedItem,
  type ToolContext,
  type ToolModule,
  viewShape,
} from "../lib/mcp/mod.ts";

const entitySchema = z.string().trim().min(1).max(100);
/** Autotask filter conditions; the grammar is in the server instructions. */
const filterSchema = z.array(z.record(z.string(), z.unknown())).max(100);

/** Names of number-like fields that are no record number people quote (phone, fax, tax, ...). */
const NOT_A_RECORD_NUMBER = /phone|fax|tax|account|routing|serial|sequence|po|order|mobile/i;

/**
 * The fields that name a record for people, in order: the descriptor's name fields and number
 * where the product describes the entity; else the catalog's name, title and number fields
 * (`name`, `...Name`, `title`, `...Number`).
 */
function nameFieldsOf(entry: CatalogEntry, ctx: ToolContext): string[] {
  const fields = Object.keys(entry.fields);
  const described = ctx.resources.find(entry.name);
  if (described?.nameFields) {
    return [...described.nameFields, ...(described.numberField ? [described.numberField] : [])]
      .filter((f) => fields.includes(f));
  }
  const names = fields.filter((f) => f === "name" || /.Name$/.test(f));
  const titles = fields.filter((f) => f === "title");
  const numbers = fields.filter((f) => /.Number$/.test(f) && !NOT_A_RECORD_NUMBER.test(f));
  return [...names, ...titles, ...numbers].slice(0, 4);
}

/** How many fields a compact any-entity read asks for when the caller names none. */
const COMPACT_FIELDS = 12;

/**
 * Fields a compact any-entity read asks for when the caller names none: the id, the fields that
 * name the record, then the common ones, then the catalog's first few.
 */
function compactView(entry: CatalogEntry, ctx: ToolContext): string[] {
  const preferred = [
    "id",
    ...nameFieldsOf(entry, ctx),
    "name",
    "title",
    "description",
    "status",
    "isActive",
    "companyID",
    "contactID",
    "resourceID",
    "ticketID",
    "projectID",
    "createDate",
    "createDateTime",
    "lastModifiedDate",
    "lastModifiedDateTime",
  ];
  const fields = Object.keys(entry.fields).filter((f) => f !== "userDefinedFields");
  const chosen = [...new Set(preferred.filter((f) => fields.includes(f)))];
  for (const field of fields) {
    if (chosen.length >= COMPACT_FIELDS) break;
    if (!chosen.includes(field)) chosen.push(field);
  }
  return chosen;
}

/** The record with its id and name fields first, the rest in Autotask's order. */
function namesFirst(record: AutotaskRecord, names: readonly string[]): AutotaskRecord {
  const front = ["id", ...names].filter((f) => f in record);
  return Object.fromEntries([
    ...front.map((f) => [f, record[f]]),
    ...Object.entries(record).filter(([f]) => !front.includes(f)),
  ]);
}

function queryable(name: string, verb: "query" | "count" | "get"): CatalogEntry {
  const entry = requireEntityArg(name);
  if (!supportsRoot(entry, verb)) {
    throw new InputError(
      `${entry.name} cannot be ${verb === "get" ? "read by id" : "queried"} through the API`,
    );
  }
  return entry;
}

/** The any-entity toolset. */
export const query: ToolModule = {
  resources: [],
  tools: [
    defineTool({
      name: "query_entities",
      title: "Query any entity",
      description:
        "Search any queryable entity with Autotask's filter grammar (fields checked, picklist labels accepted).",
      kind: "read",
      toolset: "query",
      openWorld: true,
      input: z.object({
        entity: entitySchema,
        filter: filterSchema.optional(),
        ...viewShape,
        ...pagingShape,
        includeTotal: z.boolean().optional(),
      }),
      output: searchOutput,
      handler: async (args, ctx) => {
        const entry = queryable(args.entity, "query");
        const filter = args.cursor
          ? []
          : await normalizeFilter(ctx, args.filter ?? [], { entity: entry.name });
        const selection = await selectFields(ctx, entry.name, {
          fields: args.fields,
          detail: args.detail,
          defaults: compactView(entry, ctx),
        });
        const result = await runSearch(ctx, entry.name, {
          filter,
          limit: args.limit,
          cursor: args.cursor,
          fields: selection.fields,
          includeTotal: args.includeTotal,
          openWorld: true,
        });
        // Records come in Autotask's field order: put what names each one first.
        const names = nameFieldsOf(entry, ctx);
        result.items = (result.items as AutotaskRecord[]).map((r) => namesFirst(r, names));
        return result;
      },
    }),
    defineTool({
      name: "count_entities",
      title: "Count any entity",
      description: "Count the records of any queryable entity matching a filter.",
      kind: "read",
      toolset: "query",
      openWorld: false,
      input: z.object({
        entity: entitySchema,
        filter: z.array(z.record(z.string(), z.unknown())).max(100).optional().describe(
          "As in query_entities",
        ),
      }),
      output: z.looseObject({ count: z.number() }),
      handler: async (args, ctx) => {
        const entry = queryable(args.entity, "count");
        const filter = await normalizeFilter(ctx, args.filter ?? [], { entity: entry.name });
        const count = await ctx.client.count(entry.name, { filter, signal: ctx.signal });
        return { entity: entry.name, count };
      },
    }),
    defineTool({
      name: "get_entity",
      title: "Get any entity",
      description: "Read one record of any entity by id.",
      kind: "read",
      toolset: "query",
      openWorld: true,
      input: z.object({ entity: entitySchema, id: idSchema, ...viewShape }),
      output: getOutput,
      handler: async (args, ctx) => {
        // A projected read is a query on the id (GET ignores IncludeFields); a full one is a GET.
        const entry = queryable(
          args.entity,
          args.fields || args.detail === "compact" ? "query" : "get",
        );
        const selection = await selectFields(ctx, entry.name, {
          fields: args.fields,
          detail: args.detail ?? "full",
          defaults: compactView(entry, ctx),
        });
        const record = await readOne(ctx, {
          entity: entry.name,
          id: args.id,
          label: ctx.resources.find(entry.name)?.label ?? entry.name,
          fields: selection.fields,
        });
        // A whole record comes in Autotask's order: put what names it first.
        return await shapedItem(ctx, namesFirst(record, nameFieldsOf(entry, ctx)), {
          entity: entry.name,
          openWorld: true,
        });
      },
    }),
  ],
  instructions: [{
    text: 'query_entities and count_entities filters: conditions ANDed, {"op":"eq","field":' +
      '"status","value":1}; ops eq noteq gt gte lt lte beginsWith endsWith contains exist ' +
      'notExist in notIn; groups {"op":"or","items":[...]}; a user-defined field adds "udf":true.',
    needs: ["query_entities", "count_entities"],
  }],
};
