/** Project tools: get, search and create projects for a company. */

import * as z from "zod";
import {
  assertInOrder,
  createAndReport,
  dateTimeSchema,
  defined,
  getTool,
  idSchema,
  pickDefault,
  picklistSchema,
  resolvePicklists,
  searchTool,
  writeOutput,
} from "../lib/mcp/common.ts";
import { defineTool, type ToolDef } from "../lib/mcp/tool.ts";

/** Autotask's system value for a new project (the same in every tenant). */
const STATUS_NEW = 1;
/** Autotask's system value for a completed project. */
const STATUS_COMPLETE = 5;
/** Autotask's system projectType value for a client project. */
const TYPE_CLIENT = 5;

const SEARCH_FIELDS = [
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
];

/** The project toolset. */
export const projectTools: ToolDef[] = [
  getTool({
    name: "get_project",
    title: "Get project",
    description: "Read one project by id.",
    entity: "Projects",
    label: "Project",
    toolset: "projects",
    openWorld: true,
    fields: SEARCH_FIELDS,
  }),
  searchTool({
    name: "search_projects",
    title: "Search projects",
    description: "Find projects by name, company, status, type, lead or start date.",
    entity: "Projects",
    toolset: "projects",
    openWorld: true,
    textFields: ["projectName"],
    fields: SEARCH_FIELDS,
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
          value === true ? { op: "noteq", field: "status", value: STATUS_COMPLETE } : undefined,
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
  defineTool({
    name: "create_project",
    title: "Create project",
    description: "Create a project for a company. Defaults: status New, projectType Client.",
    kind: "create",
    toolset: "projects",
    openWorld: false,
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
    output: writeOutput,
    handler: async (args, ctx) => {
      assertInOrder(
        { field: "startDateTime", value: args.startDateTime },
        { field: "endDateTime", value: args.endDateTime },
      );
      const record = defined({ ...args });
      if (record.projectType === undefined) {
        // Client (5) is Autotask's system value; a tenant's other default is not assumed.
        record.projectType = await pickDefault(ctx, "Projects", "projectType", {
          system: TYPE_CLIENT,
          tenantDefault: false,
        });
      }
      if (record.status === undefined) {
        record.status = await pickDefault(ctx, "Projects", "status", { system: STATUS_NEW });
      }
      const resolved = await resolvePicklists(ctx, "Projects", record);
      return await createAndReport(ctx, "Projects", resolved, {
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
      });
    },
  }),
];
