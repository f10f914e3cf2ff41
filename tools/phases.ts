/** Project phases: search a project's phases and create one under its project. */

import * as z from "zod";
import {
  assertInOrder,
  createTool,
  dateTimeSchema,
  defined,
  getRecord,
  idSchema,
  InputError,
  type ResourceDescriptor,
  searchTool,
  type ToolModule,
} from "../lib/mcp/mod.ts";

/** Project phases: the groups a project's tasks join through their phaseID. */
export const PHASES = {
  entity: "Phases",
  label: "Phase",
  toolset: "phases",
  openWorld: false,
  nameFields: ["title"],
  numberField: "phaseNumber",
  searchView: [
    "id",
    "title",
    "phaseNumber",
    "projectID",
    "parentPhaseID",
    "startDate",
    "dueDate",
    "estimatedHours",
    "isScheduled",
  ],
  lister: "search_phases",
} satisfies ResourceDescriptor;

/** The phase tools. */
export const phases: ToolModule = {
  resources: [PHASES],
  tools: [
    searchTool(PHASES, {
      name: "search_phases",
      title: "Search phases",
      description: "Find project phases by project or text in the title.",
      textFields: ["title"],
      filters: {
        projectID: { field: "projectID", schema: idSchema },
        parentPhaseID: { field: "parentPhaseID", schema: idSchema },
      },
    }),
    createTool(PHASES, {
      name: "create_phase",
      title: "Create phase",
      description: "Create a phase in a project (optionally under a parent phase); tasks join it " +
        "through their phaseID.",
      input: z.object({
        projectID: idSchema,
        title: z.string().trim().min(1).max(255),
        description: z.string().trim().min(1).max(8000).optional(),
        startDate: dateTimeSchema.optional(),
        dueDate: dateTimeSchema.optional(),
        estimatedHours: z.number().min(0).max(100_000).optional(),
        parentPhaseID: idSchema.optional(),
      }),
      check: (args) =>
        assertInOrder({ field: "startDate", value: args.startDate }, {
          field: "dueDate",
          value: args.dueDate,
        }),
      parent: { entity: "Projects", field: "projectID" },
      record: async (args, ctx) => {
        if (args.parentPhaseID !== undefined) {
          const parent = await getRecord(ctx, {
            entity: "Phases",
            id: args.parentPhaseID,
            label: "Parent phase",
          });
          if (parent.projectID !== args.projectID) {
            throw new InputError(
              `Phase ${args.parentPhaseID} belongs to project ${parent.projectID}, not ` +
                `${args.projectID}: pick a parent phase of the same project (search_phases)`,
            );
          }
        }
        return defined({ ...args });
      },
      resolvePicklists: false,
      readBack: [
        "id",
        "title",
        "phaseNumber",
        "projectID",
        "parentPhaseID",
        "startDate",
        "dueDate",
      ],
    }),
  ],
};
