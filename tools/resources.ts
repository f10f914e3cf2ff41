/** Resource tools: read and search the people (and API users) who work in Autotask. */

import * as z from "zod";
import { getTool, picklistSchema, searchTool } from "../lib/mcp/common.ts";
import type { ToolDef } from "../lib/mcp/tool.ts";

// Resources carry no secret fields (no passwords or API secrets), so records go out whole.
const SEARCH_FIELDS = [
  "id",
  "firstName",
  "lastName",
  "email",
  "userName",
  "title",
  "isActive",
  "licenseType",
  "defaultServiceDeskRoleID",
];

/** The resource toolset. */
export const resourceTools: ToolDef[] = [
  getTool({
    name: "get_resource",
    title: "Get resource",
    description: "Read one resource (staff member or API user) by id, with all its fields.",
    entity: "Resources",
    label: "Resource",
    toolset: "crm",
    openWorld: false,
    fields: SEARCH_FIELDS,
  }),
  searchTool({
    name: "search_resources",
    title: "Search resources",
    description: "Find resources (staff members and API users) by name or email text, " +
      "exact email or user name, active state or license type.",
    entity: "Resources",
    toolset: "crm",
    openWorld: false,
    textFields: ["firstName", "lastName", "email"],
    fields: SEARCH_FIELDS,
    filters: {
      isActive: { field: "isActive", schema: z.boolean().describe("true: active resources only") },
      email: {
        field: "email",
        schema: z.string().trim().min(1).max(254).describe("Exact email address"),
      },
      userName: {
        field: "userName",
        schema: z.string().trim().min(1).max(100).describe("Exact Autotask user name"),
      },
      licenseType: {
        field: "licenseType",
        picklist: true,
        schema: picklistSchema.describe("License type value or tenant label (7 marks API users)"),
      },
    },
  }),
];
