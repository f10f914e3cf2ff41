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
import { extraSchema, prepareExtra } from "../lib/mcp/changes.ts";
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
    description: "Read one company by id (0 is your own company).",
    entity: "Companies",
    label: "Company",
    toolset: "crm",
    openWorld: false,
    fields: SEARCH_FIELDS,
  }),
  searchTool({
    name: "search_companies",
    title: "Search companies",
    description: "Find companies by name, type, owner or active state.",
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
      isActive: { field: "isActive", schema: z.boolean() },
    },
  }),
  defineTool({
    name: "create_company",
    title: "Create company",
    description: "Create a company (active unless isActive is false).",
    kind: "create",
    toolset: "crm",
    openWorld: false,
    entity: "Companies",
    input: z.object({
      companyName: z.string().trim().min(1).max(100),
      companyType: picklistSchema,
      phone: z.string().trim().min(1).max(25),
      ownerResourceID: idSchema,
      isActive: z.boolean().default(true),
      extra: extraSchema.optional(),
    }),
    output: writeOutput,
    handler: async ({ extra, ...args }, ctx) => {
      const record = await resolvePicklists(ctx, "Companies", {
        ...await prepareExtra(ctx, "Companies", extra, args),
        ...defined({ ...args }),
      });
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
  }),
];
