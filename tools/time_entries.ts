/** Time entry tools: log time on a ticket, a task or as regular time, and search logged time. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import type { Filter } from "../lib/autotask/query.ts";
import { chooseRole, type RoleChoice } from "../lib/autotask/roles.ts";
import {
  createAndReport,
  dateTimeSchema,
  defined,
  getRecord,
  idSchema,
  searchTool,
  writeOutput,
} from "../lib/mcp/common.ts";
import { extraSchema, prepareExtra } from "../lib/mcp/changes.ts";
import { defineTool, InputError, type ToolDef } from "../lib/mcp/tool.ts";

/** When no startDateTime is given, ticket and task work is placed at this UTC time of day. */
const DEFAULT_START_TIME = "08:00:00";
/** Longest summary or internal note Autotask stores on a time entry. */
const MAX_NOTES = 32_000;

const SEARCH_FIELDS = [
  "id",
  "resourceID",
  "ticketID",
  "taskID",
  "dateWorked",
  "hoursWorked",
  "roleID",
  "billingCodeID",
  "isNonBillable",
  "summaryNotes",
];

/** A calendar date, checked to exist (no 2026-02-30). */
const dateSchema = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, {
  message: "Expected a date as YYYY-MM-DD, e.g. 2026-11-24",
}).refine((text) => {
  const day = new Date(midnight(text));
  return !Number.isNaN(day.getTime()) && utcDate(day) === text;
}, {
  message: "Not a calendar date: expected YYYY-MM-DD, e.g. 2026-11-24",
});

/** `dateWorked` as Autotask holds it: the date at midnight UTC. */
function midnight(date: string): string {
  return `${date}T00:00:00Z`;
}

/** The UTC calendar date of `when`, YYYY-MM-DD. */
function utcDate(when: Date): string {
  return when.toISOString().slice(0, 10);
}

/** ISO-8601 without milliseconds, UTC. */
function isoSeconds(when: Date): string {
  return when.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Parses an ISO-8601 date or date-time; one without a zone is taken as UTC. */
function parseUtc(text: string): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return new Date(midnight(text));
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) return new Date(`${text}Z`);
  return new Date(text);
}

/** Why the role was chosen, in words for the result's note. */
function roleReason(choice: RoleChoice, item: string): string {
  switch (choice.source) {
    case "assignment":
      return `the resource is assigned to ${item} in this role`;
    case "service desk role":
      return "the resource's default (or only active) service-desk role";
    case "default service desk role":
      return "the resource's defaultServiceDeskRoleID";
    case "resource role":
      return "an active role the resource holds (it has no service-desk role)";
  }
}

function dateFilter(op: "gte" | "lte"): (value: unknown) => Filter {
  return (value) => ({ op, field: "dateWorked", value: midnight(value as string) });
}

/** The time entry toolset. */
export const timeEntryTools: ToolDef[] = [
  defineTool({
    name: "create_time_entry",
    title: "Log time",
    description:
      "Log hours on a ticket or task (or regular time); roleID is chosen when omitted; work starts 08:00Z unless startDateTime.",
    kind: "create",
    toolset: "time",
    openWorld: false,
    input: z.object({
      resourceID: idSchema,
      ticketID: idSchema.optional(),
      taskID: idSchema.optional(),
      hoursWorked: z.number().positive().max(24),
      dateWorked: dateSchema.optional().describe("Default: today (UTC)"),
      startDateTime: dateTimeSchema.optional().describe("End = start + hoursWorked"),
      summaryNotes: z.string().trim().min(1).max(MAX_NOTES).describe("May reach the customer"),
      internalNotes: z.string().trim().min(1).max(MAX_NOTES).optional(),
      roleID: idSchema.optional(),
      billingCodeID: idSchema.optional().describe("Work type"),
      extra: extraSchema.optional(),
    }),
    output: writeOutput,
    handler: async (args, ctx) => {
      if (args.ticketID !== undefined && args.taskID !== undefined) {
        throw new InputError(
          "Give ticketID or taskID, not both: a time entry belongs to one work item",
        );
      }
      const start = args.startDateTime === undefined ? undefined : parseUtc(args.startDateTime);
      if (start && Number.isNaN(start.getTime())) {
        throw new InputError(
          `startDateTime ${args.startDateTime} is not a date-time: use e.g. 2026-11-24T14:00:00Z`,
        );
      }
      const dateWorked = args.dateWorked ?? utcDate(start ?? new Date());

      let workItem: AutotaskRecord | undefined;
      let itemLabel = "";
      if (args.ticketID !== undefined) {
        workItem = await getRecord(ctx, "Tickets", args.ticketID, "Ticket");
        itemLabel = `ticket ${args.ticketID}`;
      } else if (args.taskID !== undefined) {
        workItem = await getRecord(ctx, "Tasks", args.taskID, "Task");
        itemLabel = `task ${args.taskID}`;
      }

      const notes: string[] = [];
      let roleID = args.roleID;
      if (roleID === undefined && workItem) {
        const choice = await chooseRole(ctx.client, args.resourceID, {
          workItem,
          signal: ctx.signal,
        });
        roleID = choice.roleID;
        notes.push(`roleID ${roleID} chosen: ${roleReason(choice, itemLabel)}`);
      }

      let startDateTime: string | undefined;
      let endDateTime: string | undefined;
      const begin = start ??
        (workItem ? new Date(`${dateWorked}T${DEFAULT_START_TIME}Z`) : undefined);
      if (begin) {
        startDateTime = isoSeconds(begin);
        endDateTime = isoSeconds(new Date(begin.getTime() + args.hoursWorked * 3600_000));
        if (!start) notes.push(`startDateTime defaulted to ${startDateTime}`);
      }

      const record = defined({
        resourceID: args.resourceID,
        ticketID: args.ticketID,
        taskID: args.taskID,
        roleID,
        dateWorked: midnight(dateWorked),
        startDateTime,
        endDateTime,
        hoursWorked: args.hoursWorked,
        summaryNotes: args.summaryNotes,
        internalNotes: args.internalNotes,
        billingCodeID: args.billingCodeID,
      });
      Object.assign(record, await prepareExtra(ctx, "TimeEntries", args.extra, record));
      const result = await createAndReport(ctx, "TimeEntries", record, {
        readBack: [
          "id",
          "resourceID",
          "ticketID",
          "taskID",
          "roleID",
          "dateWorked",
          "startDateTime",
          "endDateTime",
          "hoursWorked",
          "hoursToBill",
        ],
      });
      if (notes.length > 0) result.note = [result.note, ...notes].filter(Boolean).join("; ");
      return result;
    },
  }) as unknown as ToolDef,
  searchTool({
    name: "search_time_entries",
    title: "Search time entries",
    description: "Find logged time by resource, ticket, task, date range or text in the summary.",
    entity: "TimeEntries",
    toolset: "time",
    openWorld: true,
    textFields: ["summaryNotes"],
    fields: SEARCH_FIELDS,
    filters: {
      resourceID: { field: "resourceID", schema: idSchema },
      ticketID: { field: "ticketID", schema: idSchema },
      taskID: { field: "taskID", schema: idSchema },
      dateWorkedFrom: {
        field: "dateWorked",
        schema: dateSchema,
        toFilter: dateFilter("gte"),
      },
      dateWorkedTo: {
        field: "dateWorked",
        schema: dateSchema,
        toFilter: dateFilter("lte"),
      },
    },
  }),
];
