/** Projects: get, search, create and update projects for a company. */

import * as z from "zod";
import {
  assertInOrder,
  createTool,
  dateTimeSchema,
  defined,
  getTool,
  idSchema,
  pickDefault,
  picklistSchema,
  type ResourceDescriptor,
  searchTool,
  type ToolModule,
  updateTool,
} from "../lib/mcp/mod.ts";

/** Projects. */
export const PROJECTS = {
  entity: "Projects",
  label: "Project",
  toolset: "projects",
  openWorld: true,
  nameFields: ["projectName"],
  numberField: "projectNumber",
  searchView: [
    "id",
    "projectNumber",
    "projectName",
    "status",
    "projectType",
    "companyID",
    "projectLeadResourceID",
    "startDateTime",
    "endDateTime",
    "completedPercentage",
  ],
  getView: [
    "description",
    "contractID",
    "estimatedTime",
    "actualHours",
    "completedDateTime",
    "lastActivityDateTime",
  ],
  untrusted: ["projectName", "description"],
  // The same in every tenant: Autotask documents them as system values.
  system: { status: { new: 1, complete: 5 }, projectType: { client: 5 } },
  lister: "search_projects",
} satisfies ResourceDescriptor;

/** The project tools. */
export const projects: ToolModule = {
  resources: [PROJECTS],
  tools: [
    getTool(PROJECTS, {
      name: "get_project",
      title: "Get project",
      description: "Read one project by id.",
    }),
    searchTool(PROJECTS, {
      name: "search_projects",
      title: "Search projects",
      description: "Find projects by name, company, status, type, lead or start date.",
      textFields: ["projectName"],
      filters: {
        companyID: { field: "companyID", schema: idSchema },
        status: {
          field: "status",
          picklist: true,
          schema: picklistSchema,
        },
        projectType: {
          field: "projectType",
          picklist: true,
          schema: picklistSchema,
        },
        projectLeadResourceID: {
          field: "projectLeadResourceID",
          schema: idSchema,
        },
        openOnly: {
          field: "status",
          schema: z.boolean().describe("Not Complete"),
          toFilter: (value) =>
            value === true
              ? { op: "noteq", field: "status", value: PROJECTS.system.status.complete }
              : undefined,
        },
        startAfter: {
          field: "startDateTime",
          op: "gte",
          schema: dateTimeSchema,
        },
        startBefore: {
          field: "startDateTime",
          op: "lt",
          schema: dateTimeSchema,
        },
      },
    }),
    createTool(PROJECTS, {
      name: "create_project",
      title: "Create project",
      description: "Create a project for a company. Defaults: status New, projectType Client.",
      input: z.object({
        projectName: z.string().trim().min(1).max(100),
        companyID: idSchema,
        startDateTime: dateTimeSchema,
        endDateTime: dateTimeSchema,
        projectType: picklistSchema.optional(),
        status: picklistSchema.optional(),
        description: z.string().max(8000).optional(),
        projectLeadResourceID: idSchema.optional(),
        contractID: idSchema.optional(),
      }),
      check: (args) =>
        assertInOrder(
          { field: "startDateTime", value: args.startDateTime },
          { field: "endDateTime", value: args.endDateTime },
        ),
      record: async (args, ctx) => {
        const record = defined({ ...args });
        if (record.projectType === undefined) {
          // Client is Autotask's system value; a tenant's other default is not assumed.
          record.projectType = await pickDefault(ctx, "projectType", {
            entity: "Projects",
            system: PROJECTS.system.projectType.client,
            tenantDefault: false,
          });
        }
        if (record.status === undefined) {
          record.status = await pickDefault(ctx, "status", {
            entity: "Projects",
            system: PROJECTS.system.status.new,
          });
        }
        return record;
      },
      readBack: [
        "id",
        "projectNumber",
        "projectName",
        "status",
        "projectType",
        "companyID",
        "startDateTime",
        "endDateTime",
      ],
    }),
    updateTool(PROJECTS, {
      name: "update_project",
      title: "Update project",
      description: "Change fields of a project.",
      toolset: "updates",
    }),
  ],
};
