/** Configuration item (asset) tools: get, search and create the devices a company owns. */

import * as z from "zod";
import {
  createAndReport,
  defined,
  getTool,
  idSchema,
  picklistSchema,
  resolvePicklists,
  searchTool,
  writeOutput,
} from "../lib/mcp/common.ts";
import { extraSchema, prepareExtra } from "../lib/mcp/changes.ts";
import { defineTool, type ToolDef } from "../lib/mcp/tool.ts";

const SEARCH_FIELDS = [
  "id",
  "referenceTitle",
  "serialNumber",
  "configurationItemType",
  "productID",
  "companyID",
  "contactID",
  "isActive",
  "installDate",
  "warrantyExpirationDate",
];

/** The configuration item toolset. */
export const configurationItemTools: ToolDef[] = [
  getTool({
    name: "get_configuration_item",
    title: "Get configuration item",
    description: "Read one configuration item (asset) by id.",
    entity: "ConfigurationItems",
    label: "Configuration item",
    toolset: "assets",
    openWorld: true,
    fields: SEARCH_FIELDS,
  }),
  searchTool({
    name: "search_configuration_items",
    title: "Search configuration items",
    description:
      "Find configuration items (assets) by name or serial, company, product, type or active state.",
    entity: "ConfigurationItems",
    toolset: "assets",
    openWorld: true,
    textFields: ["referenceTitle", "serialNumber"],
    fields: SEARCH_FIELDS,
    filters: {
      companyID: { field: "companyID", schema: idSchema },
      productID: { field: "productID", schema: idSchema },
      configurationItemType: {
        field: "configurationItemType",
        picklist: true,
        schema: picklistSchema,
      },
      isActive: { field: "isActive", schema: z.boolean() },
      serialNumber: {
        field: "serialNumber",
        schema: z.string().trim().min(1).max(100),
      },
    },
  }),
  defineTool({
    name: "create_configuration_item",
    title: "Create configuration item",
    description: "Create a configuration item (asset) for a company from a product.",
    kind: "create",
    toolset: "assets",
    openWorld: false,
    entity: "ConfigurationItems",
    input: z.object({
      companyID: idSchema,
      productID: idSchema,
      isActive: z.boolean().default(true),
      referenceTitle: z.string().trim().min(1).max(200).optional(),
      serialNumber: z.string().trim().min(1).max(100).optional(),
      configurationItemType: picklistSchema.optional(),
      extra: extraSchema.optional(),
    }),
    output: writeOutput,
    handler: async ({ extra, ...args }, ctx) => {
      const record = await resolvePicklists(ctx, "ConfigurationItems", {
        ...await prepareExtra(ctx, "ConfigurationItems", extra, args),
        ...defined({ ...args }),
      });
      return await createAndReport(ctx, "ConfigurationItems", record, {
        readBack: [
          "id",
          "referenceTitle",
          "serialNumber",
          "configurationItemType",
          "productID",
          "companyID",
          "isActive",
        ],
      });
    },
  }),
];
