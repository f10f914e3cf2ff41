/** Project tools: get, search and create projects for a company. */

import * as z from "zod";
import {
  createAndReport,
  dateTimeSchema,
  defined,
  getTool,
  idSchema,
  picklistSchema,
  resolvePicklists,
  searchTool,
  writeOutput,
} from "../lib/mcp/common.ts";
import { defineTool, InputError, type ToolContext, type ToolDef } from "../lib/mcp/tool.ts";

/** Autotask's system value for a new project (the same in every tenant). */
const STATUS_NEW = 1;
/** Autotask's system value for a completed project. */
const STATUS_COMPLETE = 5;
/** Autotask's system projectType value for a client project. */
const TYPE_CLIENT = 5;

/** "2 (Proposal), 5 (Client)": the tenant's active values, for error messages. */
async function choices(ctx: ToolContext, field: string): Promise<string> {
  const values = await ctx.picklists.values("Projects", field, { signal: ctx.signal });
  return values.map((v) => `${v.value} (${v.label})`).join(", ");
}

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
      if (Date.parse(args.endDateTime) < Date.parse(args.startDateTime)) {
        throw new InputError(
          `endDateTime ${args.endDateTime} is before startDateTime ${args.startDateTime}: ` +
            "give an end on or after the start",
        );
      }
      const record = defined({ ...args });
      if (record.projectType === undefined) {
        if (!await ctx.picklists.has("Projects", "projectType", TYPE_CLIENT, ctx.signal)) {
          throw new InputError(
            "This tenant has no Client project type (5): pass projectType, one of " +
              await choices(ctx, "projectType"),
          );
        }
        record.projectType = TYPE_CLIENT;
      }
      if (record.status === undefined) {
        const status = await ctx.picklists.has("Projects", "status", STATUS_NEW, ctx.signal)
          ? STATUS_NEW
          : await ctx.picklists.defaultValue("Projects", "status", ctx.signal);
        if (status === undefined) {
          throw new InputError(
            "This tenant has no New project status (1) and no default: pass status, one of " +
              await choices(ctx, "status"),
          );
        }
        record.status = status;
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
  }) as unknown as ToolDef,
];
