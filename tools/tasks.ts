/** Project task tools: get, search and create tasks (created under their project). */

import * as z from "zod";
import { chooseRole } from "../lib/autotask/roles.ts";
import {
  assertInOrder,
  createAndReport,
  dateTimeSchema,
  defined,
  getRecord,
  getTool,
  idSchema,
  pickDefault,
  picklistSchema,
  resolvePicklists,
  searchTool,
  writeOutput,
} from "../lib/mcp/common.ts";
import { defineTool, InputError, type ToolDef } from "../lib/mcp/tool.ts";

/** Autotask's system taskType value for Fixed Work. */
const TYPE_FIXED_WORK = 1;
/** Autotask's usual value for a new task; used only when the tenant marks no default. */
const STATUS_NEW = 1;

const SEARCH_FIELDS = [
  "id",
  "taskNumber",
  "title",
  "status",
  "taskType",
  "projectID",
  "phaseID",
  "assignedResourceID",
  "startDateTime",
  "endDateTime",
  "estimatedHours",
  "remainingHours",
];

/** The task toolset. */
export const taskTools: ToolDef[] = [
  getTool({
    name: "get_task",
    title: "Get task",
    description: "Read one project task by id.",
    entity: "Tasks",
    label: "Task",
    toolset: "projects",
    openWorld: true,
    fields: SEARCH_FIELDS,
  }),
  searchTool({
    name: "search_tasks",
    title: "Search tasks",
    description: "Find project tasks by title text, project, phase, status or assignee.",
    entity: "Tasks",
    toolset: "projects",
    openWorld: true,
    textFields: ["title"],
    fields: SEARCH_FIELDS,
    filters: {
      projectID: { field: "projectID", schema: idSchema },
      status: {
        field: "status",
        picklist: true,
        schema: picklistSchema,
      },
      assignedResourceID: {
        field: "assignedResourceID",
        schema: idSchema,
      },
      phaseID: { field: "phaseID", schema: idSchema },
    },
  }),
  defineTool({
    name: "create_task",
    title: "Create task",
    description:
      "Create a task in a project. Defaults: the tenant's status, taskType Fixed Work; an assignee's role is chosen.",
    kind: "create",
    toolset: "projects",
    openWorld: false,
    input: z.object({
      projectID: idSchema,
      title: z.string().trim().min(1).max(255),
      status: picklistSchema.optional(),
      taskType: picklistSchema.optional(),
      description: z.string().max(8000).optional(),
      phaseID: idSchema.optional(),
      assignedResourceID: idSchema.optional(),
      assignedResourceRoleID: idSchema.optional(),
      estimatedHours: z.number().min(0).max(10_000).optional(),
      startDateTime: dateTimeSchema.optional(),
      endDateTime: dateTimeSchema.optional(),
    }),
    output: writeOutput,
    handler: async (args, ctx) => {
      assertInOrder(
        { field: "startDateTime", value: args.startDateTime },
        { field: "endDateTime", value: args.endDateTime },
      );
      if (args.assignedResourceRoleID !== undefined && args.assignedResourceID === undefined) {
        throw new InputError(
          "assignedResourceRoleID needs assignedResourceID: give the resource too, or drop the role",
        );
      }
      await getRecord(ctx, "Projects", args.projectID, "Project");
      const notes: string[] = [];
      const record = defined({ ...args });
      if (record.status === undefined) {
        // Task status is not one of the system values Autotask documents: the
        // tenant's own default wins, 1 is only the fallback.
        record.status = await pickDefault(ctx, "Tasks", "status", {
          system: STATUS_NEW,
          tenantFirst: true,
        });
      }
      if (record.taskType === undefined) {
        record.taskType = await pickDefault(ctx, "Tasks", "taskType", { system: TYPE_FIXED_WORK });
      }
      if (
        typeof record.assignedResourceID === "number" && record.assignedResourceRoleID === undefined
      ) {
        const choice = await chooseRole(ctx.client, record.assignedResourceID, {
          signal: ctx.signal,
        });
        record.assignedResourceRoleID = choice.roleID;
        notes.push(
          `assignedResourceRoleID ${choice.roleID} chosen from the resource's ${choice.source}`,
        );
      }
      const resolved = await resolvePicklists(ctx, "Tasks", record);
      const result = await createAndReport(ctx, "Tasks", resolved, {
        parentId: args.projectID,
        readBack: [
          "id",
          "taskNumber",
          "title",
          "status",
          "taskType",
          "projectID",
          "phaseID",
          "assignedResourceID",
          "assignedResourceRoleID",
        ],
      });
      if (notes.length > 0) result.note = [result.note, ...notes].filter(Boolean).join("; ");
      return result;
    },
  }),
];
