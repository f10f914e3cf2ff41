/** Any entity, read-only: query, count and read every queryable Autotask entity without a tool each. */

import * as z from "zod";
import { findEntity, supportsRoot, unknownEntityMessage } from "../lib/autotask/catalog.ts";
import type { CatalogEntry } from "../lib/autotask/catalog_data.ts";
import {
  getOutput,
  idSchema,
  pagingShape,
  readOne,
  runSearch,
  searchOutput,
  shapedItem,
  viewShape,
} from "../lib/mcp/common.ts";
import { normalizeFilter } from "../lib/mcp/filters.ts";
import { selectFields } from "../lib/mcp/shape.ts";
import { defineTool, InputError, type ToolDef } from "../lib/mcp/tool.ts";

const entitySchema = z.string().trim().min(1).max(100);
/** Autotask filter conditions; the grammar is in the server instructions. */
const filterSchema = z.array(z.record(z.string(), z.unknown())).max(100);

/** Fields a compact any-entity read asks for when the caller names none: the first few of the catalog. */
function compactView(entry: CatalogEntry): string[] {
  const preferred = [
    "id",
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
  const chosen = preferred.filter((f) => fields.includes(f));
  for (const field of fields) {
    if (chosen.length >= 12) break;
    if (!chosen.includes(field)) chosen.push(field);
  }
  return chosen;
}

function queryable(name: string, verb: "query" | "count" | "get"): CatalogEntry {
  const entry = findEntity(name);
  if (!entry) {
    throw new InputError(unknownEntityMessage(name));
  }
  if (!supportsRoot(entry, verb)) {
    throw new InputError(
      `${entry.name} cannot be ${verb === "get" ? "read by id" : "queried"} through the API`,
    );
  }
  return entry;
}

/** The any-entity toolset. */
export const queryTools: ToolDef[] = [
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
      const filter = args.cursor ? [] : await normalizeFilter(ctx, entry.name, args.filter ?? []);
      const selection = await selectFields(ctx, entry.name, {
        fields: args.fields,
        detail: args.detail,
        defaults: compactView(entry),
      });
      return await runSearch(ctx, entry.name, {
        filter,
        limit: args.limit,
        cursor: args.cursor,
        fields: selection.fields,
        includeTotal: args.includeTotal,
        openWorld: true,
      });
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
      const filter = await normalizeFilter(ctx, entry.name, args.filter ?? []);
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
        defaults: compactView(entry),
      });
      const record = await readOne(ctx, entry.name, args.id, {
        label: entry.name,
        fields: selection.fields,
      });
      return await shapedItem(ctx, entry.name, record, true);
    },
  }),
];
