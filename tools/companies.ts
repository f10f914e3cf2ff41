/** Companies: get, search, create and update the accounts everything else hangs off. */

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

/** Companies (company 0 is the tenant's own). */
export const COMPANIES = {
  entity: "Companies",
  label: "Company",
  toolset: "crm",
  openWorld: false,
  nameFields: ["companyName"],
  numberField: "companyNumber",
  searchView: [
    "id",
    "companyName",
    "companyNumber",
    "companyType",
    "phone",
    "city",
    "state",
    "ownerResourceID",
    "isActive",
    "lastActivityDate",
  ],
  getView: [
    "address1",
    "address2",
    "postalCode",
    "countryID",
    "webAddress",
    "fax",
    "parentCompanyID",
    "classification",
    "createDate",
    "lastTrackedModifiedDateTime",
  ],
  untrusted: ["companyName"],
  lister: "search_companies",
  watermark: "lastTrackedModifiedDateTime",
} satisfies ResourceDescriptor;

/** The company tools. */
export const companies: ToolModule = {
  resources: [COMPANIES],
  tools: [
    getTool(COMPANIES, {
      name: "get_company",
      title: "Get company",
      description: "Read one company by id (0 is your own company).",
    }),
    searchTool(COMPANIES, {
      name: "search_companies",
      title: "Search companies",
      description: "Find companies by name, type, owner or active state.",
      textFields: ["companyName"],
      filters: {
        companyType: {
          field: "companyType",
          picklist: true,
          schema: picklistSchema,
        },
        ownerResourceID: { field: "ownerResourceID", schema: idSchema },
        isActive: { field: "isActive", schema: z.boolean() },
      },
    }),
    createTool(COMPANIES, {
      name: "create_company",
      title: "Create company",
      description: "Create a company (active unless isActive is false).",
      input: z.object({
        companyName: z.string().trim().min(1).max(100),
        companyType: picklistSchema,
        phone: z.string().trim().min(1).max(25),
        ownerResourceID: idSchema,
        isActive: z.boolean().default(true),
        extra: extraSchema.optional(),
      }),
      readBack: [
        "id",
        "companyName",
        "companyNumber",
        "companyType",
        "phone",
        "ownerResourceID",
        "isActive",
      ],
    }),
    updateTool(COMPANIES, {
      name: "update_company",
      title: "Update company",
      description: "Change fields of a company.",
      toolset: "updates",
    }),
  ],
};
