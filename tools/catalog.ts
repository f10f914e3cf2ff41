/** Catalog tools: the products and services an MSP sells, and the services a contract bills. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { isBudgetRefusal } from "../lib/autotask/errors.ts";
import { inList, MAX_OR_CONDITIONS } from "../lib/autotask/query.ts";
import { getTool, idSchema, picklistSchema, searchTool } from "../lib/mcp/common.ts";
import type { ToolContext, ToolDef } from "../lib/mcp/tool.ts";

const PRODUCT_FIELDS = [
  "id",
  "name",
  "sku",
  "manufacturerName",
  "productCategory",
  "unitPrice",
  "unitCost",
  "periodType",
  "isActive",
];
const PRODUCT_DETAIL = [
  ...PRODUCT_FIELDS,
  "description",
  "manufacturerProductName",
  "vendorProductNumber",
  "msrp",
  "markupRate",
  "productBillingCodeID",
  "defaultVendorID",
  "isSerialized",
  "externalProductID",
  "internalProductID",
];
const SERVICE_FIELDS = [
  "id",
  "name",
  "periodType",
  "unitPrice",
  "unitCost",
  "billingCodeID",
  "isActive",
];
const SERVICE_DETAIL = [
  ...SERVICE_FIELDS,
  "description",
  "invoiceDescription",
  "markupRate",
  "serviceLevelAgreementID",
  "vendorCompanyID",
  "createDate",
  "lastModifiedDate",
];
const CONTRACT_SERVICE_FIELDS = [
  "id",
  "contractID",
  "serviceID",
  "unitPrice",
  "unitCost",
  "invoiceDescription",
  "internalDescription",
  "quoteItemID",
];

/**
 * Adds `serviceName` next to each `serviceID` with one batched query (the
 * shared name lookup does not cover services). A courtesy: skipped when the
 * hourly budget is tight.
 */
export async function addServiceNames(
  ctx: ToolContext,
  records: AutotaskRecord[],
): Promise<void> {
  const ids = [
    ...new Set(records.map((r) => r.serviceID).filter((v): v is number => typeof v === "number")),
  ].slice(0, MAX_OR_CONDITIONS);
  if (ids.length === 0) return;
  let names: Map<unknown, unknown>;
  try {
    const page = await ctx.client.query("Services", {
      filter: [inList("id", ids)],
      includeFields: ["name"],
      maxRecords: ids.length,
      signal: ctx.signal,
      optional: true,
    });
    names = new Map(page.items.map((s) => [s.id, s.name]));
  } catch (error) {
    if (isBudgetRefusal(error)) return;
    throw error;
  }
  for (const record of records) {
    const name = names.get(record.serviceID);
    if (typeof name === "string" && !("serviceName" in record)) record.serviceName = name;
  }
}

const contractServiceSearch = searchTool({
  name: "search_contract_services",
  title: "Search contract services",
  description: "List the recurring services a contract bills, with their contract prices.",
  entity: "ContractServices",
  toolset: "catalog",
  openWorld: false,
  textFields: ["invoiceDescription"],
  fields: CONTRACT_SERVICE_FIELDS,
  filters: {
    contractID: { field: "contractID", schema: idSchema },
    serviceID: { field: "serviceID", schema: idSchema },
  },
});

/** The catalog toolset. */
export const catalogTools: ToolDef[] = [
  searchTool({
    name: "search_products",
    title: "Search products",
    description: "Find products by name or SKU, category or active state, with prices.",
    entity: "Products",
    toolset: "catalog",
    openWorld: false,
    textFields: ["name", "sku"],
    fields: PRODUCT_FIELDS,
    filters: {
      productCategory: { field: "productCategory", picklist: true, schema: picklistSchema },
      isActive: { field: "isActive", schema: z.boolean() },
    },
  }),
  getTool({
    name: "get_product",
    title: "Get product",
    description: "Read one product by id.",
    entity: "Products",
    label: "Product",
    toolset: "catalog",
    openWorld: false,
    fields: PRODUCT_DETAIL,
  }),
  searchTool({
    name: "search_services",
    title: "Search services",
    description: "Find recurring services by name, billing period or active state, with prices.",
    entity: "Services",
    toolset: "catalog",
    openWorld: false,
    textFields: ["name"],
    fields: SERVICE_FIELDS,
    filters: {
      periodType: { field: "periodType", picklist: true, schema: picklistSchema },
      isActive: { field: "isActive", schema: z.boolean() },
    },
  }),
  getTool({
    name: "get_service",
    title: "Get service",
    description: "Read one service by id.",
    entity: "Services",
    label: "Service",
    toolset: "catalog",
    openWorld: false,
    fields: SERVICE_DETAIL,
  }),
  {
    ...contractServiceSearch,
    handler: async (args, ctx) => {
      const result = await contractServiceSearch.handler(args, ctx);
      await addServiceNames(ctx, result.items as AutotaskRecord[]);
      return result;
    },
  },
];
