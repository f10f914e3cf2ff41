/** Opportunity tools: get, search and create sales opportunities. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import type { Filter } from "../lib/autotask/query.ts";
import {
  createAndReport,
  dateTimeSchema,
  defined,
  getTool,
  idSchema,
  pickDefault,
  picklistSchema,
  resolvePicklists,
  searchTool,
  writeOutput,
} from "../lib/mcp/common.ts";
import { extraSchema, prepareExtra } from "../lib/mcp/changes.ts";
import { defineTool, type ToolContext, type ToolDef } from "../lib/mcp/tool.ts";

/** Fallback status when the tenant marks no default; Autotask's system value for Active. */
const STATUS_ACTIVE = 1;
/** Autotask's system statuses that end an opportunity: 2 Lost, 3 Closed, 4 Implemented. */
const ENDING_STATUSES = [2, 3, 4];
/** Largest money amount accepted (Autotask stores doubles; this only catches typos). */
const MAX_AMOUNT = 1e12;

const SEARCH_FIELDS = [
  "id",
  "title",
  "status",
  "stage",
  "companyID",
  "contactID",
  "ownerResourceID",
  "amount",
  "probability",
  "projectedCloseDate",
  "closedDate",
  "lostDate",
];

/**
 * What "open" means for this tenant. Opportunity status is a system picklist
 * in Autotask (1 Active, 2 Lost, 3 Closed, 4 Implemented, 5 Not Ready To Buy):
 * when the tenant's metadata marks 2, 3 and 4 as system values, open is
 * "status not in 2, 3, 4". Otherwise the statuses cannot be trusted, and open
 * falls back to the dates Autotask stamps on closing: no closedDate, no lostDate.
 */
async function openFilter(ctx: ToolContext): Promise<Filter> {
  const info = await ctx.picklists.field("Opportunities", "status", ctx.signal);
  const values = info.picklistValues ?? [];
  const systemEnding = ENDING_STATUSES.every((status) =>
    values.some((v) => v.value === String(status) && v.isSystem === true)
  );
  if (systemEnding) return { op: "notIn", field: "status", value: ENDING_STATUSES };
  return {
    op: "and",
    items: [{ op: "notExist", field: "closedDate" }, { op: "notExist", field: "lostDate" }],
  };
}

/** The opportunity toolset. */
export const opportunityTools: ToolDef[] = [
  getTool({
    name: "get_opportunity",
    title: "Get opportunity",
    description: "Read one sales opportunity by id.",
    entity: "Opportunities",
    label: "Opportunity",
    toolset: "sales",
    openWorld: true,
    fields: SEARCH_FIELDS,
  }),
  searchTool({
    name: "search_opportunities",
    title: "Search opportunities",
    description:
      "Find opportunities by title, company, status, stage, owner or projected close date.",
    entity: "Opportunities",
    toolset: "sales",
    openWorld: true,
    textFields: ["title"],
    fields: SEARCH_FIELDS,
    filters: {
      companyID: { field: "companyID", schema: idSchema },
      status: {
        field: "status",
        picklist: true,
        schema: picklistSchema,
      },
      stage: {
        field: "stage",
        picklist: true,
        schema: picklistSchema,
      },
      ownerResourceID: { field: "ownerResourceID", schema: idSchema },
      openOnly: {
        field: "status",
        schema: z.boolean().describe("Not Lost, Closed or Implemented"),
        toFilter: (value, ctx) => value === true ? openFilter(ctx) : undefined,
      },
      projectedCloseAfter: {
        field: "projectedCloseDate",
        op: "gte",
        schema: dateTimeSchema,
      },
      projectedCloseBefore: {
        field: "projectedCloseDate",
        op: "lt",
        schema: dateTimeSchema,
      },
    },
  }),
  defineTool({
    name: "create_opportunity",
    title: "Create opportunity",
    description:
      "Create a sales opportunity for a company; status and stage default to the tenant's.",
    kind: "create",
    toolset: "sales",
    openWorld: false,
    entity: "Opportunities",
    input: z.object({
      companyID: idSchema,
      title: z.string().trim().min(1).max(128),
      amount: z.number().min(0).max(MAX_AMOUNT),
      cost: z.number().min(0).max(MAX_AMOUNT),
      probability: z.number().int().min(0).max(100),
      projectedCloseDate: dateTimeSchema,
      ownerResourceID: idSchema,
      stage: picklistSchema.optional(),
      status: picklistSchema.optional(),
      extra: extraSchema.optional(),
    }),
    output: writeOutput,
    handler: async ({ extra, ...args }, ctx) => {
      // useQuoteTotals is required by Autotask; false keeps amount and cost as given.
      const record: AutotaskRecord = {
        useQuoteTotals: false,
        ...await prepareExtra(ctx, "Opportunities", extra, args),
        ...defined({ ...args }),
      };
      if (record.status === undefined) {
        record.status = await pickDefault(ctx, "Opportunities", "status", {
          system: STATUS_ACTIVE,
          tenantFirst: true,
        });
      }
      if (record.stage === undefined) {
        record.stage = await pickDefault(ctx, "Opportunities", "stage");
      }
      const resolved = await resolvePicklists(ctx, "Opportunities", record);
      return await createAndReport(ctx, "Opportunities", resolved, {
        readBack: [
          "id",
          "title",
          "status",
          "stage",
          "companyID",
          "ownerResourceID",
          "amount",
          "probability",
          "projectedCloseDate",
        ],
      });
    },
  }),
];
