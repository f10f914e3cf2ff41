/** Projects: get, search, create and update projects for a company. */

import * as z from "zod";
import {
  addDays,
  autotaskInstantOf,
  formatLocal,
  localDate,
  localWallTime,
  parseInstant,
  showInstant,
} from "../lib/dates.ts";
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

/** How long a new project runs when no end is given. */
const DEFAULT_PROJECT_DAYS = 30;

/**
 * The instant `days` calendar days after `start` at the same local wall-clock time, so a
 * project starting at local midnight ends at local midnight across a DST change.
 */
function daysAfter(start: string, days: number, timeZone: string): string {
  const ms = parseInstant(start);
  const wall = formatLocal(ms, timeZone).slice(11, 19);
  return autotaskInstantOf(localWallTime(addDays(localDate(ms, timeZone), days), wall, timeZone));
}

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
      description:
        "Create a project for a company. Defaults: status New, projectType Client, end = start + 30 days.",
      input: z.object({
        projectName: z.string().trim().min(1).max(100),
        companyID: idSchema,
        startDateTime: dateTimeSchema,
        endDateTime: dateTimeSchema.optional(),
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
      references: ["companyID"],
      record: async (args, ctx, notes) => {
        const record = defined({ ...args });
        if (record.endDateTime === undefined) {
          record.endDateTime = daysAfter(args.startDateTime, DEFAULT_PROJECT_DAYS, ctx.timeZone);
          notes.push(
            `endDateTime defaulted to ${
              showInstant(record.endDateTime as string, ctx.timeZone)
            }, ${DEFAULT_PROJECT_DAYS} days after the start: pass endDateTime for another end`,
          );
        }
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
