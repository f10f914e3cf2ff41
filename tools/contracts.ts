/** Contracts: read, search and update the agreements time and tickets are billed against. */

import {
  dateSchema,
  getTool,
  idSchema,
  picklistSchema,
  type ResourceDescriptor,
  searchTool,
  type ToolModule,
  updateTool,
} from "../lib/mcp/mod.ts";
import type { Filter } from "../lib/autotask/query.ts";
import { utcMidnight } from "../lib/dates.ts";

/** Contracts. */
export const CONTRACTS = {
  entity: "Contracts",
  label: "Contract",
  toolset: "contracts",
  openWorld: false,
  nameFields: ["contractName"],
  numberField: "contractNumber",
  searchView: [
    "id",
    "contractName",
    "contractNumber",
    "contractType",
    "status",
    "companyID",
    "contactID",
    "startDate",
    "endDate",
  ],
  getView: [
    "description",
    "contractCategory",
    "estimatedRevenue",
    "estimatedHours",
    "serviceLevelAgreementID",
    "purchaseOrderNumber",
  ],
  lister: "search_contracts",
  watermark: "lastModifiedDateTime",
} satisfies ResourceDescriptor;

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

/** The contract tools. */
export const contracts: ToolModule = {
  resources: [CONTRACTS],
  tools: [
    getTool(CONTRACTS, {
      name: "get_contract",
      title: "Get contract",
      description: "Read one contract by id.",
    }),
    searchTool(CONTRACTS, {
      name: "search_contracts",
      title: "Search contracts",
      description: "Find contracts by name, company, status, type or a date they are active on.",
      textFields: ["contractName"],
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
    updateTool(CONTRACTS, {
      name: "update_contract",
      title: "Update contract",
      description: "Change fields of a contract.",
      toolset: "updates",
    }),
  ],
};
