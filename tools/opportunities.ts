/** Opportunities: get, search, create and update sales opportunities. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import type { Filter } from "../lib/autotask/query.ts";
import { endOfQuarter, localDate, utcMidnight } from "../lib/dates.ts";
import {
  createTool,
  dateTimeSchema,
  enrich,
  extraSchema,
  getRecord,
  getTool,
  givenRecord,
  idSchema,
  InputError,
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
  dateOnly: ["projectedCloseDate"],
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

/** A picklist value with its label, "11 (Qualify)", for notes. */
async function shownValue(ctx: ToolContext, field: string, value: unknown): Promise<string> {
  const label = await ctx.picklists.label("Opportunities", field, value, ctx.signal);
  return label ? `${value} (${label})` : String(value);
}

/**
 * The probability a stage defines: a percentage in its label ("Proposal Sent (50%)"), the
 * only place Autotask's metadata can carry one; undefined when the label has none.
 */
function stageProbability(label: string | undefined): number | undefined {
  const found = label === undefined ? null : /(\d{1,3})\s*%/.exec(label);
  const percent = found ? Number(found[1]) : NaN;
  return percent >= 0 && percent <= 100 ? percent : undefined;
}

/**
 * Fills what Autotask requires of an opportunity but a person rarely says, naming each default:
 * cost 0; the probability the stage defines (refused when it defines none: a forecast is not
 * guessed); the end of the current quarter in the user's zone; the owner: the resource this
 * server acts as (AUTOTASK_IMPERSONATION_RESOURCE_ID), else the company's owner.
 */
async function requiredDefaults(
  ctx: ToolContext,
  record: AutotaskRecord,
  company: AutotaskRecord,
): Promise<string[]> {
  const notes: string[] = [];
  if (record.cost === undefined) {
    record.cost = 0;
    notes.push("cost defaulted to 0");
  }
  if (record.probability === undefined) {
    const label = await ctx.picklists.label("Opportunities", "stage", record.stage, ctx.signal);
    const probability = stageProbability(label);
    if (probability === undefined) {
      throw new InputError(
        `Give probability (0-100): stage ${record.stage}${label ? ` (${label})` : ""} ` +
          "defines none in this tenant (a stage defines one by a percentage in its label)",
      );
    }
    record.probability = probability;
    notes.push(`probability defaulted to ${probability}, from stage ${label}`);
  }
  if (record.projectedCloseDate === undefined) {
    const day = endOfQuarter(localDate(ctx.now(), ctx.timeZone));
    record.projectedCloseDate = utcMidnight(day);
    notes.push(`projectedCloseDate defaulted to ${day}, the end of this quarter`);
  }
  if (record.ownerResourceID === undefined) {
    const acting = ctx.client.actingResourceId;
    const owner = acting ?? company.ownerResourceID;
    if (typeof owner !== "number") {
      const lister = ctx.toolEnabled("search_resources") ? " (search_resources lists them)" : "";
      throw new InputError(
        `Give ownerResourceID: company ${company.id} has no owner to default to${lister}`,
      );
    }
    record.ownerResourceID = owner;
    const [named] = await enrich(ctx, [{ ownerResourceID: owner }], { entity: "Opportunities" });
    const who = named.ownerResourceName ? ` (${named.ownerResourceName})` : "";
    notes.push(
      `ownerResourceID defaulted to ${owner}${who}, ${
        acting === undefined ? "the company's owner" : "the resource this server acts as"
      }`,
    );
  }
  return notes;
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
      description: "Create a sales opportunity for a company. Defaults (each named in the " +
        "result): the tenant's status and stage, cost 0, probability from the stage, close at " +
        "quarter end, owner.",
      input: z.object({
        companyID: idSchema,
        title: z.string().trim().min(1).max(128),
        amount: z.number().min(0).max(MAX_AMOUNT),
        cost: z.number().min(0).max(MAX_AMOUNT).optional(),
        probability: z.number().int().min(0).max(100).optional(),
        projectedCloseDate: dateTimeSchema.optional(),
        ownerResourceID: idSchema.optional(),
        stage: picklistSchema.optional(),
        status: picklistSchema.optional(),
        extra: extraSchema.optional(),
      }),
      record: async (args, ctx, notes) => {
        // Read first: a wrong companyID is "Company N was not found" before anything is sent.
        const company = await getRecord(ctx, { entity: "Companies", id: args.companyID });
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
          notes.push(`status defaulted to ${await shownValue(ctx, "status", record.status)}`);
        }
        if (record.stage === undefined) {
          record.stage = await pickDefault(ctx, "stage", { entity: "Opportunities" });
          notes.push(`stage defaulted to ${await shownValue(ctx, "stage", record.stage)}`);
        } else {
          record.stage = await ctx.picklists.resolve(
            "Opportunities",
            "stage",
            record.stage as string | number,
            { signal: ctx.signal },
          );
        }
        notes.push(...await requiredDefaults(ctx, record, company));
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
