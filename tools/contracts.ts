/** Contract tools: read and search the agreements time and tickets are billed against. */

import * as z from "zod";
import { isCalendarDate, utcMidnight } from "../lib/dates.ts";
import type { Filter } from "../lib/autotask/query.ts";
import { getTool, idSchema, picklistSchema, searchTool } from "../lib/mcp/common.ts";
import type { ToolDef } from "../lib/mcp/tool.ts";

const SEARCH_FIELDS = [
  "id",
  "contractName",
  "contractNumber",
  "contractType",
  "status",
  "companyID",
  "contactID",
  "startDate",
  "endDate",
];

/** A calendar date, checked to exist (no 2026-02-30). */
const dateSchema = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, {
  message: "Expected a date as YYYY-MM-DD, e.g. 2026-11-24",
}).refine(isCalendarDate, {
  message: "Not a calendar date: expected YYYY-MM-DD, e.g. 2026-11-24",
});

/** Contracts running on `date`: started on or before it and ending on or after it. */
function activeOn(value: unknown): Filter {
  const day = utcMidnight(value as string);
  return {
    op: "and",
    items: [
      { op: "lte", field: "startDate", value: day },
      { op: "gte", field: "endDate", value: day },
    ],
  };
}

/** The contract toolset. */
export const contractTools: ToolDef[] = [
  getTool({
    name: "get_contract",
    title: "Get contract",
    description: "Read one contract by id.",
    entity: "Contracts",
    label: "Contract",
    toolset: "contracts",
    openWorld: false,
    fields: SEARCH_FIELDS,
  }),
  searchTool({
    name: "search_contracts",
    title: "Search contracts",
    description: "Find contracts by name, company, status, type or a date they are active on.",
    entity: "Contracts",
    toolset: "contracts",
    openWorld: false,
    textFields: ["contractName"],
    fields: SEARCH_FIELDS,
    filters: {
      companyID: { field: "companyID", schema: idSchema },
      status: {
        field: "status",
        picklist: true,
        schema: picklistSchema,
      },
      contractType: {
        field: "contractType",
        picklist: true,
        schema: picklistSchema,
      },
      activeOn: {
        field: "startDate",
        schema: dateSchema.describe("Contracts running on this date"),
        toFilter: activeOn,
      },
    },
  }),
];
