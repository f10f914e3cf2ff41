/** Company tools: get, search and create (the accounts everything else hangs off). */

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
import { defineTool, type ToolDef } from "../lib/mcp/tool.ts";

const SEARCH_FIELDS = [
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
];

/** The company toolset. */
export const companyTools: ToolDef[] = [
  getTool({
    name: "get_company",
    title: "Get company",
    description: "Read one company by id, with all its fields (id 0 is your own company).",
    entity: "Companies",
    label: "Company",
    toolset: "crm",
    openWorld: false,
    fields: SEARCH_FIELDS,
  }),
  searchTool({
    name: "search_companies",
    title: "Search companies",
    description: "Find companies by name, type, owner, city, phone or active state.",
    entity: "Companies",
    toolset: "crm",
    openWorld: false,
    textFields: ["companyName"],
    fields: SEARCH_FIELDS,
    filters: {
      companyType: {
        field: "companyType",
        picklist: true,
        schema: picklistSchema,
      },
      ownerResourceID: { field: "ownerResourceID", schema: idSchema },
      isActive: { field: "isActive", schema: z.boolean().describe("true: active companies only") },
      city: { field: "city", schema: z.string().trim().min(1).max(30).describe("Exact city") },
      phone: { field: "phone", schema: z.string().trim().min(1).max(25).describe("Exact phone") },
    },
  }),
  defineTool({
    name: "create_company",
    title: "Create company",
    description: "Create a company (active unless isActive is false). " +
      "companyType accepts a value or tenant label.",
    kind: "create",
    toolset: "crm",
    openWorld: false,
    input: z.object({
      companyName: z.string().trim().min(1).max(100).describe("Name (max 100 characters)"),
      companyType: picklistSchema.describe("Company type value or tenant label (e.g. customer)"),
      phone: z.string().trim().min(1).max(25).describe("Main phone number"),
      ownerResourceID: idSchema.describe("Resource (account manager) who owns the company"),
      address1: z.string().trim().min(1).max(128).optional().describe("Street address"),
      address2: z.string().trim().min(1).max(128).optional().describe("Address line 2"),
      city: z.string().trim().min(1).max(30).optional().describe("City"),
      state: z.string().trim().min(1).max(40).optional().describe("State or region"),
      postalCode: z.string().trim().min(1).max(10).optional().describe("Postal code"),
      countryID: idSchema.optional().describe("Country id (Autotask Countries entity)"),
      webAddress: z.string().trim().min(1).max(255).optional().describe("Website URL"),
      isActive: z.boolean().default(true).describe("Active (default true)"),
    }),
    output: writeOutput,
    handler: async (args, ctx) => {
      const record = await resolvePicklists(ctx, "Companies", defined({ ...args }));
      return await createAndReport(ctx, "Companies", record, {
        readBack: [
          "id",
          "companyName",
          "companyNumber",
          "companyType",
          "phone",
          "ownerResourceID",
          "isActive",
        ],
      });
    },
  }) as unknown as ToolDef,
];
