/** Contacts: get, search, create and update the people at a company. */

import * as z from "zod";
import {
  createTool,
  defined,
  getTool,
  idSchema,
  type ResourceDescriptor,
  searchTool,
  type ToolModule,
  updateTool,
} from "../lib/mcp/mod.ts";

/** Contacts: customers' people, who write much of what tickets say. */
export const CONTACTS = {
  entity: "Contacts",
  label: "Contact",
  toolset: "crm",
  openWorld: true,
  nameFields: ["firstName", "lastName"],
  searchView: [
    "id",
    "firstName",
    "lastName",
    "emailAddress",
    "phone",
    "mobilePhone",
    "title",
    "companyID",
    "isActive",
  ],
  getView: [
    "addressLine",
    "city",
    "state",
    "zipCode",
    "extension",
    "primaryContact",
    "companyLocationID",
    "note",
    "lastModifiedDate",
  ],
  untrusted: ["firstName", "lastName", "title", "emailAddress", "note"],
  lister: "search_contacts",
  watermark: "lastModifiedDate",
} satisfies ResourceDescriptor;

const emailSchema = z.string().trim().max(254).regex(/^[^\s@]+@[^\s@]+$/, {
  message: "Expected an email address such as jane@example.com",
});

/** Contacts hold `isActive` as an integer, not a boolean. */
function activeFlag(active: boolean): number {
  return active ? 1 : 0;
}

/** The contact tools. */
export const contacts: ToolModule = {
  resources: [CONTACTS],
  tools: [
    getTool(CONTACTS, {
      name: "get_contact",
      title: "Get contact",
      description: "Read one contact by id.",
    }),
    searchTool(CONTACTS, {
      name: "search_contacts",
      title: "Search contacts",
      description: "Find contacts by name or email text, company, exact email or active state.",
      textFields: ["firstName", "lastName", "emailAddress"],
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
    createTool(CONTACTS, {
      name: "create_contact",
      title: "Create contact",
      description: "Create a contact at a company (active unless isActive is false).",
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
      parent: { entity: "Companies", field: "companyID" },
      record: (args) => Promise.resolve(defined({ ...args, isActive: activeFlag(args.isActive) })),
      resolvePicklists: false,
      readBack: ["id", "firstName", "lastName", "emailAddress", "companyID", "isActive"],
    }),
    updateTool(CONTACTS, {
      name: "update_contact",
      title: "Update contact",
      description: "Change fields of a contact (isActive is 1 or 0).",
      toolset: "updates",
    }),
  ],
};
