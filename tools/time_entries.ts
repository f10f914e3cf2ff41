/** Time entry tools: log time on a ticket, a task or as regular time, and search logged time. */

import * as z from "zod";
import { isCalendarDate, isoSeconds, parseInstant, utcDate, utcMidnight } from "../lib/dates.ts";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import type { Filter } from "../lib/autotask/query.ts";
import { chooseRole, type RoleChoice, usableRoles, type WorkItem } from "../lib/autotask/roles.ts";
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
import { defineTool, InputError, type ToolContext, type ToolDef } from "../lib/mcp/tool.ts";

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
}).refine(isCalendarDate, {
  message: "Not a calendar date: expected YYYY-MM-DD, e.g. 2026-11-24",
});

/** Why the role was chosen, in words for the result's note. */
function roleReason(choice: RoleChoice, item: string): string {
  switch (choice.source) {
    case "assignment":
      return `the resource is the primary resource of ${item} in this role`;
    case "secondary assignment":
      return `the resource is a secondary resource of ${item} in this role`;
    case "service desk role":
      return `the resource is not assigned to ${item}: its default (or only active) service-desk role`;
    case "default service desk role":
      return `the resource is not assigned to ${item}: its defaultServiceDeskRoleID`;
    case "resource role":
      return `the resource is not assigned to ${item}: an active role it holds (it has no service-desk role)`;
  }
}

/** True when Autotask refused the time entry because of its role. */
function isRoleRefusal(error: unknown): error is AutotaskError {
  return error instanceof AutotaskError && error.category === "validation" &&
    /\brole(id)?\b/i.test(error.errors.join(" ") || error.message);
}

/**
 * Autotask refused the role: the error lists the roles the resource can log
 * time in on that ticket or task, by name, so the next call can pass one.
 */
async function roleRefused(
  ctx: ToolContext,
  error: AutotaskError,
  options: { resourceID: number; roleID?: number; work: WorkItem; label: string },
): Promise<InputError> {
  const said = (error.errors.length > 0 ? error.errors.join(" | ") : error.message)
    .trim().replace(/[.\s]+$/, "");
  let choices: string;
  try {
    const roles = await usableRoles(ctx.client, options.resourceID, {
      work: options.work,
      signal: ctx.signal,
    });
    choices = roles.length > 0
      ? `roles resource ${options.resourceID} can use on ${options.label}: ${
        roles.map((r) => `${r.roleID}${r.name ? ` (${r.name}, ${r.why})` : ` (${r.why})`}`)
          .join(", ")
      }; pass one as roleID`
      : `resource ${options.resourceID} holds no active ${
        options.work.entity === "Tickets" ? "service-desk " : ""
      }role that could log time on ${options.label}: give it one in Autotask or log the time as ` +
        "the ticket's or task's assignee";
  } catch (lookup) {
    if (!(lookup instanceof AutotaskError) || lookup.category === "cancelled") throw lookup;
    choices = `the resource's roles could not be read (${lookup.message}): ` +
      "list_resource_roles lists them";
  }
  return new InputError(
    `Autotask refused the time entry${
      options.roleID === undefined ? "" : ` with roleID ${options.roleID}`
    } (nothing was created): ${said}. The ${choices}`,
  );
}

function dateFilter(op: "gte" | "lte"): (value: unknown) => Filter {
  return (value) => ({ op, field: "dateWorked", value: utcMidnight(value as string) });
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
    entity: "TimeEntries",
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
      const start = args.startDateTime === undefined ? undefined : parseInstant(args.startDateTime);
      if (start !== undefined && Number.isNaN(start)) {
        throw new InputError(
          `startDateTime ${args.startDateTime} is not a date-time: use e.g. 2026-11-24T14:00:00Z`,
        );
      }
      const dateWorked = args.dateWorked ?? utcDate(start ?? Date.now());

      let work: WorkItem | undefined;
      let itemLabel = "";
      if (args.ticketID !== undefined) {
        const record = await getRecord(ctx, "Tickets", args.ticketID, "Ticket");
        work = { entity: "Tickets", id: args.ticketID, record };
        itemLabel = `ticket ${args.ticketID}`;
      } else if (args.taskID !== undefined) {
        const record = await getRecord(ctx, "Tasks", args.taskID, "Task");
        work = { entity: "Tasks", id: args.taskID, record };
        itemLabel = `task ${args.taskID}`;
      }
      const workItem = work?.record;

      const notes: string[] = [];
      let roleID = args.roleID;
      if (roleID === undefined && work) {
        const choice = await chooseRole(ctx.client, args.resourceID, {
          work,
          signal: ctx.signal,
        });
        roleID = choice.roleID;
        notes.push(`roleID ${roleID} chosen: ${roleReason(choice, itemLabel)}`);
      }
      const regularNote = notes.length;
      if (!work) {
        // Autotask gives regular time the resource's default role whatever is sent.
        notes.push(
          (roleID === undefined ? "" : `roleID ${roleID} was not sent: `) +
            "regular time gets the resource's default role from Autotask",
        );
        roleID = undefined;
      }

      let startDateTime: string | undefined;
      let endDateTime: string | undefined;
      const begin = start ??
        (workItem ? parseInstant(`${dateWorked}T${DEFAULT_START_TIME}`) : undefined);
      if (begin !== undefined) {
        startDateTime = isoSeconds(begin);
        endDateTime = isoSeconds(begin + args.hoursWorked * 3600_000);
        if (start === undefined) notes.push(`startDateTime defaulted to ${startDateTime}`);
      }

      const record = defined({
        resourceID: args.resourceID,
        ticketID: args.ticketID,
        taskID: args.taskID,
        roleID,
        dateWorked: utcMidnight(dateWorked),
        startDateTime,
        endDateTime,
        hoursWorked: args.hoursWorked,
        summaryNotes: args.summaryNotes,
        internalNotes: args.internalNotes,
        billingCodeID: args.billingCodeID,
      });
      Object.assign(record, await prepareExtra(ctx, "TimeEntries", args.extra, record));
      const create = () =>
        createAndReport(ctx, "TimeEntries", record, {
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
      let result: Record<string, unknown>;
      try {
        result = await create();
      } catch (error) {
        if (!work || !isRoleRefusal(error)) throw error;
        throw await roleRefused(ctx, error, {
          resourceID: args.resourceID,
          roleID: record.roleID as number | undefined,
          work,
          label: itemLabel,
        });
      }
      if (!work && typeof (result.item as AutotaskRecord | undefined)?.roleID === "number") {
        notes[regularNote] += ` (roleID ${(result.item as AutotaskRecord).roleID})`;
      }
      if (notes.length > 0) result.note = [result.note, ...notes].filter(Boolean).join("; ");
      return result;
    },
  }),
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
