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
    description: "Read one contact by id.",
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
        schema: emailSchema,
      },
      isActive: {
        field: "isActive",
        schema: z.boolean(),
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
      companyID: idSchema,
      firstName: z.string().trim().min(1).max(50),
      lastName: z.string().trim().min(1).max(50),
      emailAddress: emailSchema.optional(),
      phone: z.string().trim().min(1).max(25).optional(),
      mobilePhone: z.string().trim().min(1).max(25).optional(),
      title: z.string().trim().min(1).max(50).optional(),
      isActive: z.boolean().default(true),
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
  }),
];
