/** Opportunities: get, search, create and update sales opportunities. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import type { Filter } from "../lib/autotask/query.ts";
import {
  createTool,
  dateTimeSchema,
  extraSchema,
  getTool,
  givenRecord,
  idSchema,
  pickDefault,
  picklistSchema,
  type ResourceDescriptor,
  searchTool,
  type ToolContext,
  type ToolModule,
  updateTool,
} from "../lib/mcp/mod.ts";

/** Opportunities. */
export const OPPORTUNITIES = {
  entity: "Opportunities",
  label: "Opportunity",
  toolset: "sales",
  openWorld: true,
  nameFields: ["title"],
  searchView: [
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
  ],
  getView: ["description", "cost", "createDate", "nextStep", "leadSource", "lossReason"],
  untrusted: ["title", "description"],
  // Opportunity status is a system picklist (5 is Not Ready To Buy); stage is the tenant's.
  system: { status: { active: 1, lost: 2, closed: 3, implemented: 4 } },
  lister: "search_opportunities",
} satisfies ResourceDescriptor;

/** The system statuses that end an opportunity. */
const ENDING_STATUSES = [
  OPPORTUNITIES.system.status.lost,
  OPPORTUNITIES.system.status.closed,
  OPPORTUNITIES.system.status.implemented,
];
/** Largest money amount accepted (Autotask stores doubles; this only catches typos). */
const MAX_AMOUNT = 1e12;

/**
 * What "open" means for this tenant: when its metadata marks 2, 3 and 4 as system values,
 * open is "status not in 2, 3, 4". Otherwise the statuses cannot be trusted, and open falls
 * back to the dates Autotask stamps on closing: no closedDate, no lostDate.
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

/** The opportunity tools. */
export const opportunities: ToolModule = {
  resources: [OPPORTUNITIES],
  tools: [
    getTool(OPPORTUNITIES, {
      name: "get_opportunity",
      title: "Get opportunity",
      description: "Read one sales opportunity by id.",
    }),
    searchTool(OPPORTUNITIES, {
      name: "search_opportunities",
      title: "Search opportunities",
      description:
        "Find opportunities by title, company, status, stage, owner or projected close date.",
      textFields: ["title"],
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
    createTool(OPPORTUNITIES, {
      name: "create_opportunity",
      title: "Create opportunity",
      description:
        "Create a sales opportunity for a company; status and stage default to the tenant's.",
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
      record: async (args, ctx) => {
        // useQuoteTotals is required by Autotask; false keeps amount and cost as given.
        const record: AutotaskRecord = {
          useQuoteTotals: false,
          ...await givenRecord(ctx, args, { entity: "Opportunities" }),
        };
        if (record.status === undefined) {
          // Active is the fallback when the tenant marks no default.
          record.status = await pickDefault(ctx, "status", {
            entity: "Opportunities",
            system: OPPORTUNITIES.system.status.active,
            tenantFirst: true,
          });
        }
        if (record.stage === undefined) {
          record.stage = await pickDefault(ctx, "stage", { entity: "Opportunities" });
        }
        return record;
      },
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
    }),
    updateTool(OPPORTUNITIES, {
      name: "update_opportunity",
      title: "Update opportunity",
      description: "Change fields of an opportunity.",
      toolset: "updates",
    }),
  ],
};
