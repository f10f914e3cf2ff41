/** Time entries: log time on a ticket, a task or as regular time; search, correct and delete logged time. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import type { Filter } from "../lib/autotask/query.ts";
import { chooseRole, type RoleChoice, usableRoles, type WorkItem } from "../lib/autotask/roles.ts";
import {
  isoSeconds,
  localDate,
  localWallTime,
  parseInstant,
  parseLocalInstant,
  utcDate,
  utcMidnight,
} from "../lib/dates.ts";
import {
  createAndReport,
  dateSchema,
  dateTimeSchema,
  defined,
  defineTool,
  enrich,
  extraSchema,
  getRecord,
  idSchema,
  InputError,
  prepareExtra,
  type ResourceDescriptor,
  searchTool,
  type ToolContext,
  type ToolModule,
  updateTool,
  writeOutput,
} from "../lib/mcp/mod.ts";

/** When no startDateTime is given, ticket and task work starts at this local time of day. */
const DEFAULT_START_TIME = "08:00:00";
/** Longest summary or internal note Autotask stores on a time entry. */
const MAX_NOTES = 32_000;

/** Time entries: their notes may reach the customer on invoices. */
export const TIME_ENTRIES = {
  entity: "TimeEntries",
  label: "Time entry",
  toolset: "time",
  openWorld: true,
  searchView: [
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
  ],
  untrusted: ["summaryNotes", "internalNotes"],
  lister: "search_time_entries",
  watermark: "lastModifiedDateTime",
  bulkFixed: {
    hoursWorked: "update_time_entry keeps each entry's hours, start and end consistent",
    startDateTime: "update_time_entry keeps each entry's hours, start and end consistent",
    endDateTime: "update_time_entry keeps each entry's hours, start and end consistent",
    dateWorked: "it follows each entry's start: update_time_entry moves them together",
    hoursToBill: "Autotask computes it from hoursWorked (and offsetHours)",
  },
} satisfies ResourceDescriptor;

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

const HOUR_MS = 3_600_000;

/** Hours between two instants, to the hundredth (Autotask's precision). */
function hoursBetween(start: number, end: number): number {
  return Math.round((end - start) / 36_000) / 100;
}

/**
 * Keeps startDateTime, endDateTime and hoursWorked of a time entry consistent:
 * new hours move the end (or the start, when the end is given too), a new
 * start keeps the duration, a new end changes the hours, and dateWorked
 * follows a start moved to another day. Returns notes on what was adjusted.
 */
function alignTimes(existing: AutotaskRecord, record: AutotaskRecord): string[] {
  const notes: string[] = [];
  const has = (key: string) => key in record && record[key] !== null;
  const cleared = (key: string) => key in record && record[key] === null;
  const time = (value: unknown) => typeof value === "string" ? parseInstant(value) : undefined;
  if (cleared("hoursWorked")) {
    throw new InputError(
      "hoursWorked cannot be cleared: give the new hours (more than 0, at most 24)",
    );
  }
  if (cleared("startDateTime") !== cleared("endDateTime")) {
    throw new InputError("Clear startDateTime and endDateTime together, or neither");
  }
  const inRange = (hours: unknown) => typeof hours === "number" && hours > 0 && hours <= 24;
  if (has("hoursWorked") && !inRange(record.hoursWorked)) {
    throw new InputError(
      `hoursWorked must be more than 0 and at most 24 (given ${record.hoursWorked})`,
    );
  }
  const start = time(has("startDateTime") ? record.startDateTime : existing.startDateTime);
  if (cleared("startDateTime") || start === undefined) return notes; // no times to keep in step
  let end = time(has("endDateTime") ? record.endDateTime : existing.endDateTime);
  const [h, s, e] = [has("hoursWorked"), has("startDateTime"), has("endDateTime")];
  let newStart = start;
  if (h && s && e) {
    if (
      end !== undefined && Math.abs(hoursBetween(start, end) - Number(record.hoursWorked)) > 0.01
    ) {
      throw new InputError(
        `startDateTime to endDateTime is ${hoursBetween(start, end)} hours but hoursWorked is ` +
          `${record.hoursWorked}: give two of the three and the third follows`,
      );
    }
  } else if (h && e && end !== undefined) {
    newStart = end - Number(record.hoursWorked) * HOUR_MS;
    record.startDateTime = isoSeconds(newStart);
    notes.push(`startDateTime moved to ${record.startDateTime} to match hoursWorked`);
  } else if (h) {
    end = start + Number(record.hoursWorked) * HOUR_MS;
    record.endDateTime = isoSeconds(end);
    notes.push(`endDateTime moved to ${record.endDateTime} to match hoursWorked`);
  } else if (s && e && end !== undefined) {
    record.hoursWorked = hoursBetween(start, end);
    notes.push(`hoursWorked set to ${record.hoursWorked} from the new start and end`);
  } else if (s && typeof existing.hoursWorked === "number") {
    end = start + existing.hoursWorked * HOUR_MS;
    record.endDateTime = isoSeconds(end);
    notes.push(`endDateTime moved to ${record.endDateTime} to keep ${existing.hoursWorked} hours`);
  } else if (e && end !== undefined) {
    record.hoursWorked = hoursBetween(start, end);
    notes.push(`hoursWorked set to ${record.hoursWorked} from the new end`);
  }
  if (end !== undefined && end <= newStart) {
    throw new InputError("endDateTime must be after startDateTime");
  }
  if ("hoursWorked" in record && !inRange(record.hoursWorked)) {
    throw new InputError(
      `The new times give ${record.hoursWorked} hours: a time entry is more than 0 and at most 24 hours`,
    );
  }
  if ("startDateTime" in record && !("dateWorked" in record)) {
    const day = utcDate(newStart);
    const current = typeof existing.dateWorked === "string" ? existing.dateWorked.slice(0, 10) : "";
    if (day !== current) {
      record.dateWorked = utcMidnight(day);
      notes.push(`dateWorked moved to ${day} with the start`);
    }
  }
  return notes;
}

function dateFilter(op: "gte" | "lte"): (value: unknown) => Filter {
  return (value) => ({ op, field: "dateWorked", value: utcMidnight(value as string) });
}

/** The arguments of create_time_entry, and one entry of a bulk timesheet. */
export const timeEntryInput = z.object({
  resourceID: idSchema,
  ticketID: idSchema.optional(),
  taskID: idSchema.optional(),
  hoursWorked: z.number().positive().max(24),
  dateWorked: dateSchema.optional().describe("Default: today (local)"),
  startDateTime: dateTimeSchema.optional().describe("End = start + hoursWorked; no zone: local"),
  summaryNotes: z.string().trim().min(1).max(MAX_NOTES).describe("May reach the customer"),
  internalNotes: z.string().trim().min(1).max(MAX_NOTES).optional(),
  roleID: idSchema.optional(),
  billingCodeID: idSchema.optional().describe("Work type"),
  extra: extraSchema.optional(),
});

/** One time entry as a caller gives it (see {@linkcode timeEntryInput}). */
export type TimeEntryInput = z.infer<typeof timeEntryInput>;

/** A time entry checked and completed (role, times, dates), ready to create. */
export interface PreparedTimeEntry {
  /** The body of `POST TimeEntries`. */
  record: AutotaskRecord;
  /** What was chosen or assumed, for the result's note. */
  notes: string[];
  /** The ticket or task the time is logged on (none for regular time). */
  work?: WorkItem;
  /** "ticket 42", "task 7", or "" for regular time. */
  label: string;
  /** The note about regular time's role, completed with the role Autotask chose once created. */
  regularNote?: number;
}

/** Options of {@linkcode prepareTimeEntry}. */
export interface PrepareTimeEntryOptions {
  /**
   * Work items already read in this call, by `Tickets:42` / `Tasks:7`: a timesheet with several
   * entries on one ticket reads it once.
   */
  workItems?: Map<string, Promise<AutotaskRecord>>;
}

/** An instant a person gave: a zoneless date-time is wall-clock time in the user's zone. */
function localStart(ctx: ToolContext, text: string): number {
  const local = parseLocalInstant(text, { timeZone: ctx.timeZone, now: ctx.now() });
  return Number.isNaN(local) ? parseInstant(text) : local;
}

/**
 * Checks one time entry and completes it the way Autotask needs it: the ticket or task exists,
 * the role follows Autotask's rule (chosen when not given, dropped for regular time), dates are
 * the user's local days, the start defaults to 08:00 local time on the day worked, the end
 * follows the hours, and `extra` fields and the tenant's required picklists are filled. Nothing
 * is written: create_time_entry and bulk_create_time_entries both send what this returns.
 */
export async function prepareTimeEntry(
  ctx: ToolContext,
  args: TimeEntryInput,
  options: PrepareTimeEntryOptions = {},
): Promise<PreparedTimeEntry> {
  if (args.ticketID !== undefined && args.taskID !== undefined) {
    throw new InputError(
      "Give ticketID or taskID, not both: a time entry belongs to one work item",
    );
  }
  const start = args.startDateTime === undefined ? undefined : localStart(ctx, args.startDateTime);
  if (start !== undefined && Number.isNaN(start)) {
    throw new InputError(
      `startDateTime ${args.startDateTime} is not a date-time: use e.g. 2026-11-24T14:00:00Z`,
    );
  }
  const dateWorked = args.dateWorked ?? localDate(start ?? ctx.now(), ctx.timeZone);

  const read = (entity: "Tickets" | "Tasks", id: number): Promise<AutotaskRecord> => {
    const key = `${entity}:${id}`;
    let record = options.workItems?.get(key);
    if (!record) {
      record = getRecord(ctx, { entity, id });
      options.workItems?.set(key, record);
    }
    return record;
  };
  let work: WorkItem | undefined;
  let label = "";
  if (args.ticketID !== undefined) {
    work = { entity: "Tickets", id: args.ticketID, record: await read("Tickets", args.ticketID) };
    label = `ticket ${args.ticketID}`;
  } else if (args.taskID !== undefined) {
    work = { entity: "Tasks", id: args.taskID, record: await read("Tasks", args.taskID) };
    label = `task ${args.taskID}`;
  }

  const notes: string[] = [];
  let roleID = args.roleID;
  if (roleID === undefined && work) {
    const choice = await chooseRole(ctx.client, args.resourceID, { work, signal: ctx.signal });
    roleID = choice.roleID;
    notes.push(`roleID ${roleID} chosen: ${roleReason(choice, label)}`);
  }
  let regularNote: number | undefined;
  if (!work) {
    // Autotask gives regular time the resource's default role whatever is sent.
    regularNote = notes.length;
    notes.push(
      (roleID === undefined ? "" : `roleID ${roleID} was not sent: `) +
        "regular time gets the resource's default role from Autotask",
    );
    roleID = undefined;
  }

  let startDateTime: string | undefined;
  let endDateTime: string | undefined;
  const begin = start ??
    (work ? localWallTime(dateWorked, DEFAULT_START_TIME, ctx.timeZone) : undefined);
  if (begin !== undefined) {
    startDateTime = isoSeconds(begin);
    endDateTime = isoSeconds(begin + args.hoursWorked * HOUR_MS);
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
  Object.assign(
    record,
    await prepareExtra(ctx, args.extra, { entity: "TimeEntries", explicit: record }),
  );
  return { record, notes, work, label, regularNote };
}

/** What create_time_entry reads back of the entry it created. */
const READ_BACK = [
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
];

/** The time entry tools (update and delete are in the updates toolset). */
export const timeEntries: ToolModule = {
  resources: [TIME_ENTRIES],
  tools: [
    defineTool({
      name: "create_time_entry",
      title: "Log time",
      description:
        "Log hours on a ticket or task (or regular time); roleID is chosen when omitted; work starts 08:00 local unless startDateTime.",
      kind: "create",
      toolset: "time",
      openWorld: false,
      entity: "TimeEntries",
      input: timeEntryInput,
      output: writeOutput,
      handler: async (args, ctx) => {
        const { record, notes, work, label, regularNote } = await prepareTimeEntry(ctx, args);
        let result: Record<string, unknown>;
        try {
          result = await createAndReport(ctx, record, {
            entity: "TimeEntries",
            readBack: READ_BACK,
          });
        } catch (error) {
          if (!work || !isRoleRefusal(error)) throw error;
          throw await roleRefused(ctx, error, {
            resourceID: args.resourceID,
            roleID: record.roleID as number | undefined,
            work,
            label,
          });
        }
        const created = result.item as AutotaskRecord | undefined;
        if (regularNote !== undefined && typeof created?.roleID === "number") {
          notes[regularNote] += ` (roleID ${created.roleID})`;
        }
        if (notes.length > 0) result.note = [result.note, ...notes].filter(Boolean).join("; ");
        return result;
      },
    }),
    searchTool(TIME_ENTRIES, {
      name: "search_time_entries",
      title: "Search time entries",
      description: "Find logged time by resource, ticket, task, date range or text in the summary.",
      textFields: ["summaryNotes"],
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
    updateTool(TIME_ENTRIES, {
      name: "update_time_entry",
      title: "Update time entry",
      description: "Change a time entry. hoursWorked, startDateTime and endDateTime stay " +
        "consistent (new hours move the end); hoursToBill is Autotask's to compute.",
      toolset: "updates",
      fixed: { hoursToBill: "Autotask computes it from hoursWorked (and offsetHours)" },
      prepare: async (record, ctx, { id }) => {
        const existing = await getRecord(ctx, { entity: "TimeEntries", id });
        return alignTimes(existing, record);
      },
    }),
    defineTool({
      name: "delete_time_entry",
      title: "Delete time entry",
      description: "Delete a time entry for good; the result shows what was deleted.",
      kind: "delete",
      toolset: "updates",
      openWorld: false,
      input: z.object({ id: idSchema }),
      output: writeOutput,
      handler: async ({ id }, ctx) => {
        const existing = await getRecord(ctx, { entity: "TimeEntries", id });
        await ctx.client.delete("TimeEntries", id, { signal: ctx.signal });
        const kept = [
          "resourceID",
          "ticketID",
          "taskID",
          "dateWorked",
          "hoursWorked",
          "roleID",
        ];
        const summary: AutotaskRecord = { id };
        for (const key of kept) if (existing[key] != null) summary[key] = existing[key];
        const [item] = await enrich(ctx, [summary], { entity: "TimeEntries" });
        return { id, entity: "TimeEntries", deleted: true, item };
      },
    }),
  ],
  instructions: [{
    text: "Time on a ticket or task needs a role: create_time_entry picks one when roleID is " +
      "omitted and says which.",
    needs: ["create_time_entry"],
  }],
};
