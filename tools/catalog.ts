/** The catalog: the products and services an MSP sells, and the services a contract bills. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { isBudgetRefusal } from "../lib/autotask/errors.ts";
import { inList, MAX_OR_CONDITIONS } from "../lib/autotask/query.ts";
import {
  getTool,
  idSchema,
  picklistSchema,
  type ResourceDescriptor,
  searchTool,
  type ToolContext,
  type ToolModule,
} from "../lib/mcp/mod.ts";

/** Products: what the MSP sells, with prices. */
export const PRODUCTS = {
  entity: "Products",
  label: "Product",
  toolset: "catalog",
  openWorld: false,
  nameFields: ["name"],
  searchView: [
    "id",
    "name",
    "sku",
    "manufacturerName",
    "productCategory",
    "unitPrice",
    "unitCost",
    "periodType",
    "isActive",
  ],
  getView: [
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
  ],
  lister: "search_products",
} satisfies ResourceDescriptor;

/** Services: recurring services billed per period. */
export const SERVICES = {
  entity: "Services",
  label: "Service",
  toolset: "catalog",
  openWorld: false,
  nameFields: ["name"],
  searchView: [
    "id",
    "name",
    "periodType",
    "unitPrice",
    "unitCost",
    "billingCodeID",
    "isActive",
  ],
  getView: [
    "description",
    "invoiceDescription",
    "markupRate",
    "serviceLevelAgreementID",
    "vendorCompanyID",
    "createDate",
    "lastModifiedDate",
  ],
  lister: "search_services",
} satisfies ResourceDescriptor;

/** The services a contract bills, at the contract's prices. */
export const CONTRACT_SERVICES = {
  entity: "ContractServices",
  label: "Contract service",
  toolset: "catalog",
  openWorld: false,
  searchView: [
    "id",
    "contractID",
    "serviceID",
    "unitPrice",
    "unitCost",
    "invoiceDescription",
    "internalDescription",
    "quoteItemID",
  ],
  lister: "search_contract_services",
} satisfies ResourceDescriptor;

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

const contractServiceSearch = searchTool(CONTRACT_SERVICES, {
  name: "search_contract_services",
  title: "Search contract services",
  description: "List the recurring services a contract bills, with their contract prices.",
  textFields: ["invoiceDescription"],
  filters: {
    contractID: { field: "contractID", schema: idSchema },
    serviceID: { field: "serviceID", schema: idSchema },
  },
});

/** The catalog toolset. */
export const catalog: ToolModule = {
  resources: [PRODUCTS, SERVICES, CONTRACT_SERVICES],
  tools: [
    searchTool(PRODUCTS, {
      name: "search_products",
      title: "Search products",
      description: "Find products by name or SKU, category or active state, with prices.",
      textFields: ["name", "sku"],
      filters: {
        productCategory: { field: "productCategory", picklist: true, schema: picklistSchema },
        isActive: { field: "isActive", schema: z.boolean() },
      },
    }),
    getTool(PRODUCTS, {
      name: "get_product",
      title: "Get product",
      description: "Read one product by id.",
    }),
    searchTool(SERVICES, {
      name: "search_services",
      title: "Search services",
      description: "Find recurring services by name, billing period or active state, with prices.",
      textFields: ["name"],
      filters: {
        periodType: { field: "periodType", picklist: true, schema: picklistSchema },
        isActive: { field: "isActive", schema: z.boolean() },
      },
    }),
    getTool(SERVICES, {
      name: "get_service",
      title: "Get service",
      description: "Read one service by id.",
    }),
    {
      ...contractServiceSearch,
      handler: async (args, ctx) => {
        const result = await contractServiceSearch.handler(args, ctx);
        await addServiceNames(ctx, result.items as AutotaskRecord[]);
        return result;
      },
    },
  ],
};
