/** Resources: read and search the people (and API users) who work in Autotask. */

import * as z from "zod";
import {
  getTool,
  picklistSchema,
  type ResourceDescriptor,
  searchTool,
  type ToolModule,
} from "../lib/mcp/mod.ts";

/**
 * Resources: staff and API users. They carry no secret fields (no passwords or API secrets),
 * so records go out whole.
 */
export const RESOURCES = {
  entity: "Resources",
  label: "Resource",
  toolset: "crm",
  openWorld: false,
  nameFields: ["firstName", "lastName"],
  searchView: [
    "id",
    "firstName",
    "lastName",
    "email",
    "userName",
    "title",
    "isActive",
    "licenseType",
    "defaultServiceDeskRoleID",
  ],
  getView: ["officePhone", "mobilePhone", "locationID", "resourceType", "hireDate"],
  lister: "search_resources",
} satisfies ResourceDescriptor;

/** The resource tools. */
export const resources: ToolModule = {
  resources: [RESOURCES],
  tools: [
    getTool(RESOURCES, {
      name: "get_resource",
      title: "Get resource",
      description: "Read one resource (staff member or API user) by id.",
    }),
    searchTool(RESOURCES, {
      name: "search_resources",
      title: "Search resources",
      description:
        "Find resources (staff, API users) by name or email, active state or license type.",
      textFields: ["firstName", "lastName", "email"],
      filters: {
        isActive: { field: "isActive", schema: z.boolean() },
        email: {
          field: "email",
          schema: z.string().trim().min(1).max(254),
        },
        licenseType: {
          field: "licenseType",
          picklist: true,
          schema: picklistSchema.describe("7 marks API users"),
        },
      },
    }),
  ],
};
