/** Project tasks: get, search, create (under their project) and update. */

import * as z from "zod";
import {
  assertInOrder,
  createTool,
  dateTimeSchema,
  defined,
  getTool,
  idSchema,
  InputError,
  pickDefault,
  picklistSchema,
  type ResourceDescriptor,
  searchTool,
  type ToolModule,
  updateTool,
  withAssignmentRole,
} from "../lib/mcp/mod.ts";

/** Project tasks. */
export const TASKS = {
  entity: "Tasks",
  label: "Task",
  toolset: "projects",
  openWorld: true,
  nameFields: ["title"],
  numberField: "taskNumber",
  searchView: [
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
  ],
  getView: [
    "description",
    "assignedResourceRoleID",
    "priorityLabel",
    "completedDateTime",
    "lastActivityDateTime",
  ],
  untrusted: ["title", "description"],
  system: { taskType: { fixedWork: 1 } },
  lister: "search_tasks",
} satisfies ResourceDescriptor;

/**
 * Autotask's usual value for a new task. Task status is not one of the system values Autotask
 * documents: the tenant's own default wins, this is only the fallback.
 */
const STATUS_NEW = 1;

/** The task tools. */
export const tasks: ToolModule = {
  resources: [TASKS],
  tools: [
    getTool(TASKS, {
      name: "get_task",
      title: "Get task",
      description: "Read one project task by id.",
    }),
    searchTool(TASKS, {
      name: "search_tasks",
      title: "Search tasks",
      description: "Find project tasks by title text, project, phase, status or assignee.",
      textFields: ["title"],
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
    createTool(TASKS, {
      name: "create_task",
      title: "Create task",
      description:
        "Create a task in a project. Defaults: the tenant's status, taskType Fixed Work; an assignee's role is chosen.",
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
      check: (args) => {
        assertInOrder(
          { field: "startDateTime", value: args.startDateTime },
          { field: "endDateTime", value: args.endDateTime },
        );
        if (args.assignedResourceRoleID !== undefined && args.assignedResourceID === undefined) {
          throw new InputError(
            "assignedResourceRoleID needs assignedResourceID: give the resource too, or drop the role",
          );
        }
      },
      parent: { entity: "Projects", field: "projectID" },
      record: async (args, ctx, notes) => {
        const record = defined({ ...args });
        if (record.status === undefined) {
          record.status = await pickDefault(ctx, "status", {
            entity: "Tasks",
            system: STATUS_NEW,
            tenantFirst: true,
          });
        }
        if (record.taskType === undefined) {
          record.taskType = await pickDefault(ctx, "taskType", {
            entity: "Tasks",
            system: TASKS.system.taskType.fixedWork,
          });
        }
        const roleNote = await withAssignmentRole(ctx, record);
        if (roleNote) notes.push(roleNote);
        return record;
      },
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
    }),
    updateTool(TASKS, {
      name: "update_task",
      title: "Update task",
      description: "Change fields of a project task.",
      toolset: "updates",
    }),
  ],
};
