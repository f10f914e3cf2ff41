/** Contact tools: get, search and create the people at a company. */

import * as z from "zod";
import {
  createAndReport,
  defined,
  getRecord,
  getTool,
  idSchema,
  searchTool,
  writeOutput,
} from "../lib/mcp/common.ts";
import { defineTool, type ToolDef } from "../lib/mcp/tool.ts";

const SEARCH_FIELDS = [
  "id",
  "firstName",
  "lastName",
  "emailAddress",
  "phone",
  "mobilePhone",
  "title",
  "companyID",
  "isActive",
];

const emailSchema = z.string().trim().max(254).regex(/^[^\s@]+@[^\s@]+$/, {
  message: "Expected an email address such as jane@example.com",
});

/** Contacts hold `isActive` as an integer, not a boolean. */
function activeFlag(active: boolean): number {
  return active ? 1 : 0;
}

/** The contact toolset. */
export const contactTools: ToolDef[] = [
  getTool({
    name: "get_contact",
    title: "Get contact",
    description: "Read one contact by id, with all its fields.",
    entity: "Contacts",
    label: "Contact",
    toolset: "crm",
    openWorld: true,
    fields: SEARCH_FIELDS,
  }),
  searchTool({
    name: "search_contacts",
    title: "Search contacts",
    description: "Find contacts by name or email text, company, exact email or active state.",
    entity: "Contacts",
    toolset: "crm",
    openWorld: true,
    textFields: ["firstName", "lastName", "emailAddress"],
    fields: SEARCH_FIELDS,
    filters: {
      companyID: { field: "companyID", schema: idSchema },
      emailAddress: {
        field: "emailAddress",
        schema: emailSchema.describe("Exact primary email address"),
      },
      isActive: {
        field: "isActive",
        schema: z.boolean().describe("true: active contacts only; false: inactive only"),
        toFilter: (value) => ({ op: "eq", field: "isActive", value: activeFlag(value === true) }),
      },
    },
  }),
  defineTool({
    name: "create_contact",
    title: "Create contact",
    description: "Create a contact at a company (active unless isActive is false).",
    kind: "create",
    toolset: "crm",
    openWorld: false,
    input: z.object({
      companyID: idSchema.describe("Company the contact belongs to"),
      firstName: z.string().trim().min(1).max(50).describe("First name"),
      lastName: z.string().trim().min(1).max(50).describe("Last name"),
      emailAddress: emailSchema.optional().describe("Primary email address"),
      phone: z.string().trim().min(1).max(25).optional().describe("Phone number"),
      mobilePhone: z.string().trim().min(1).max(25).optional().describe("Mobile number"),
      title: z.string().trim().min(1).max(50).optional().describe("Job title"),
      isActive: z.boolean().default(true).describe("Active (default true)"),
    }),
    output: writeOutput,
    handler: async (args, ctx) => {
      await getRecord(ctx, "Companies", args.companyID, "Company");
      const record = defined({ ...args, isActive: activeFlag(args.isActive) });
      return await createAndReport(ctx, "Contacts", record, {
        parentId: args.companyID,
        readBack: ["id", "firstName", "lastName", "emailAddress", "companyID", "isActive"],
      });
    },
  }) as unknown as ToolDef,
];
