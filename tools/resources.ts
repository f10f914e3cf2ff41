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
    description: "Read one resource (staff member or API user) by id.",
    entity: "Resources",
    label: "Resource",
    toolset: "crm",
    openWorld: false,
    fields: SEARCH_FIELDS,
  }),
  searchTool({
    name: "search_resources",
    title: "Search resources",
    description:
      "Find resources (staff, API users) by name or email, active state or license type.",
    entity: "Resources",
    toolset: "crm",
    openWorld: false,
    textFields: ["firstName", "lastName", "email"],
    fields: SEARCH_FIELDS,
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
];
