/** Project phase tools: search a project's phases and create one under its project. */

import * as z from "zod";
import {
  assertInOrder,
  createAndReport,
  dateTimeSchema,
  defined,
  getRecord,
  idSchema,
  searchTool,
  writeOutput,
} from "../lib/mcp/common.ts";
import { defineTool, InputError, type ToolDef } from "../lib/mcp/tool.ts";

const SEARCH_FIELDS = [
  "id",
  "title",
  "phaseNumber",
  "projectID",
  "parentPhaseID",
  "startDate",
  "dueDate",
  "estimatedHours",
  "isScheduled",
];

/** The phases toolset. */
export const phaseTools: ToolDef[] = [
  searchTool({
    name: "search_phases",
    title: "Search phases",
    description: "Find project phases by project or text in the title.",
    entity: "Phases",
    toolset: "phases",
    openWorld: false,
    textFields: ["title"],
    fields: SEARCH_FIELDS,
    filters: {
      projectID: { field: "projectID", schema: idSchema },
      parentPhaseID: { field: "parentPhaseID", schema: idSchema },
    },
  }),
  defineTool({
    name: "create_phase",
    title: "Create phase",
    description: "Create a phase in a project (optionally under a parent phase); tasks join it " +
      "through their phaseID.",
    kind: "create",
    toolset: "phases",
    openWorld: false,
    input: z.object({
      projectID: idSchema,
      title: z.string().trim().min(1).max(255),
      description: z.string().trim().min(1).max(8000).optional(),
      startDate: dateTimeSchema.optional(),
      dueDate: dateTimeSchema.optional(),
      estimatedHours: z.number().min(0).max(100_000).optional(),
      parentPhaseID: idSchema.optional(),
    }),
    output: writeOutput,
    handler: async (args, ctx) => {
      assertInOrder({ field: "startDate", value: args.startDate }, {
        field: "dueDate",
        value: args.dueDate,
      });
      await getRecord(ctx, "Projects", args.projectID, "Project");
      if (args.parentPhaseID !== undefined) {
        const parent = await getRecord(ctx, "Phases", args.parentPhaseID, "Parent phase");
        if (parent.projectID !== args.projectID) {
          throw new InputError(
            `Phase ${args.parentPhaseID} belongs to project ${parent.projectID}, not ` +
              `${args.projectID}: pick a parent phase of the same project (search_phases)`,
          );
        }
      }
      return await createAndReport(ctx, "Phases", defined({ ...args }), {
        parentId: args.projectID,
        readBack: [
          "id",
          "title",
          "phaseNumber",
          "projectID",
          "parentPhaseID",
          "startDate",
          "dueDate",
        ],
      });
    },
  }),
];
