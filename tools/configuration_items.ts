/** Configuration items (assets): get, search, create and update the devices a company owns. */

import * as z from "zod";
import {
  createTool,
  extraSchema,
  getTool,
  idSchema,
  picklistSchema,
  type ResourceDescriptor,
  searchTool,
  type ToolModule,
  updateTool,
} from "../lib/mcp/mod.ts";

/** Configuration items: names and numbers come from RMM tools and customers. */
export const CONFIGURATION_ITEMS = {
  entity: "ConfigurationItems",
  label: "Configuration item",
  toolset: "assets",
  openWorld: true,
  nameFields: ["referenceTitle"],
  searchView: [
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
  ],
  getView: [
    "referenceNumber",
    "location",
    "notes",
    "contractID",
    "parentConfigurationItemID",
    "lastModifiedTime",
  ],
  untrusted: ["referenceTitle", "referenceNumber"],
  dateOnly: ["installDate", "warrantyExpirationDate"],
  lister: "search_configuration_items",
} satisfies ResourceDescriptor;

/** The configuration item tools. */
export const configurationItems: ToolModule = {
  resources: [CONFIGURATION_ITEMS],
  tools: [
    getTool(CONFIGURATION_ITEMS, {
      name: "get_configuration_item",
      title: "Get configuration item",
      description: "Read one configuration item (asset) by id.",
    }),
    searchTool(CONFIGURATION_ITEMS, {
      name: "search_configuration_items",
      title: "Search configuration items",
      description:
        "Find configuration items (assets) by name or serial, company, product, type or active state.",
      textFields: ["referenceTitle", "serialNumber"],
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
    createTool(CONFIGURATION_ITEMS, {
      name: "create_configuration_item",
      title: "Create configuration item",
      description: "Create a configuration item (asset) for a company from a product.",
      input: z.object({
        companyID: idSchema,
        productID: idSchema,
        isActive: z.boolean().default(true),
        referenceTitle: z.string().trim().min(1).max(200).optional(),
        serialNumber: z.string().trim().min(1).max(100).optional(),
        configurationItemType: picklistSchema.optional(),
        extra: extraSchema.optional(),
      }),
      references: ["companyID"],
      readBack: [
        "id",
        "referenceTitle",
        "serialNumber",
        "configurationItemType",
        "productID",
        "companyID",
        "isActive",
      ],
    }),
    updateTool(CONFIGURATION_ITEMS, {
      name: "update_configuration_item",
      title: "Update configuration item",
      description: "Change fields of a configuration item.",
      toolset: "updates",
    }),
  ],
};
