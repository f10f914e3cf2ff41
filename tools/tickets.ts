/** Ticket tools: get, search, create, update, and internal-by-default notes. */

import * as z from "zod";
import { chooseRole } from "../lib/autotask/roles.ts";
import {
  createAndReport,
  dateTimeSchema,
  defined,
  getOutput,
  getRecord,
  getView,
  idSchema,
  internalPublish,
  pickDefault,
  picklistSchema,
  readOne,
  resolvePicklists,
  searchTool,
  shapedItem,
  viewShape,
  writeOutput,
} from "../lib/mcp/common.ts";
import { changesSchema, checkChanges, extraSchema, prepareExtra } from "../lib/mcp/changes.ts";
import { enrich, selectFields, untrustedFieldsIn } from "../lib/mcp/shape.ts";
import { defineTool, type ToolContext, type ToolDef } from "../lib/mcp/tool.ts";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { eq, type Filter } from "../lib/autotask/query.ts";

/** Autotask's system value for a completed ticket (the same in every tenant). */
const STATUS_COMPLETE = 5;
/** Autotask's system value for a new ticket. */
const STATUS_NEW = 1;
/** Default due date when none is given: this many hours from now. */
const DEFAULT_DUE_HOURS = 24;

const SEARCH_FIELDS = [
  "id",
  "ticketNumber",
  "title",
  "status",
  "priority",
  "queueID",
  "companyID",
  "contactID",
  "assignedResourceID",
  "dueDateTime",
];

/** How many of a ticket's latest notes and time entries `include` adds. */
const RELATED_LIMIT = 5;
const NOTE_FIELDS = [
  "id",
  "title",
  "description",
  "noteType",
  "publish",
  "createDateTime",
  "creatorResourceID",
];
const TIME_FIELDS = ["id", "resourceID", "dateWorked", "hoursWorked", "roleID", "summaryNotes"];
const CONTACT_FIELDS = [
  "id",
  "firstName",
  "lastName",
  "emailAddress",
  "phone",
  "mobilePhone",
  "title",
  "companyID",
];

/**
 * The newest records of a ticket's notes or time entries. Autotask returns id
 * order (oldest first), so read the ticket's few pages and keep the tail.
 */
async function latest(
  ctx: ToolContext,
  entity: string,
  ticketID: number,
  fields: string[],
): Promise<AutotaskRecord[]> {
  const { items } = await ctx.client.queryAll(entity, {
    filter: [{ op: "eq", field: "ticketID", value: ticketID }],
    includeFields: fields,
    cap: 2_500,
    signal: ctx.signal,
  });
  return items.slice(-RELATED_LIMIT).reverse();
}

const ticketFields = {
  title: z.string().trim().min(1).max(255),
  description: z.string().max(8000),
  status: picklistSchema,
  priority: picklistSchema,
  queueID: picklistSchema,
  dueDateTime: dateTimeSchema,
  contactID: idSchema,
  assignedResourceID: idSchema.describe("Role chosen unless extra has assignedResourceRoleID"),
};

async function withAssignmentRole(
  ctx: ToolContext,
  record: AutotaskRecord,
): Promise<string | undefined> {
  if (
    typeof record.assignedResourceID !== "number" || record.assignedResourceRoleID !== undefined
  ) {
    return undefined;
  }
  const choice = await chooseRole(ctx.client, record.assignedResourceID, { signal: ctx.signal });
  record.assignedResourceRoleID = choice.roleID;
  return `assignedResourceRoleID ${choice.roleID} chosen from the resource's ${choice.source}`;
}

function plusHours(hours: number): string {
  const due = new Date(Date.now() + hours * 3600_000);
  due.setUTCMinutes(0, 0, 0);
  return due.toISOString();
}

/** Most groups ticket_summary counts one by one (each group is one count request). */
const MAX_SUMMARY_GROUPS = 60;

/** The ticket toolset. */
export const ticketTools: ToolDef[] = [
  defineTool({
    name: "ticket_summary",
    title: "Ticket summary",
    description:
      "Count tickets per status, priority, queue or assignee, optionally for a company or creation dates (Autotask counts; nothing is downloaded).",
    kind: "read",
    toolset: "reports",
    openWorld: false,
    input: z.object({
      groupBy: z.enum(["status", "priority", "queueID", "assignedResourceID"]),
      companyID: idSchema.optional(),
      openOnly: z.boolean().optional(),
      createdAfter: dateTimeSchema.optional(),
      createdBefore: dateTimeSchema.optional(),
    }),
    output: z.looseObject({
      total: z.number(),
      groups: z.array(z.record(z.string(), z.unknown())),
    }),
    handler: async (args, ctx) => {
      const base: Filter[] = [];
      if (args.companyID !== undefined) base.push(eq("companyID", args.companyID));
      if (args.openOnly) base.push({ op: "noteq", field: "status", value: STATUS_COMPLETE });
      if (args.createdAfter) {
        base.push({ op: "gte", field: "createDate", value: args.createdAfter });
      }
      if (args.createdBefore) {
        base.push({ op: "lt", field: "createDate", value: args.createdBefore });
      }
      let buckets: { value: number | null; label: string }[];
      if (args.groupBy === "assignedResourceID") {
        const resources = await ctx.client.query("Resources", {
          filter: [eq("isActive", true)],
          includeFields: ["firstName", "lastName"],
          maxRecords: MAX_SUMMARY_GROUPS,
          signal: ctx.signal,
        });
        buckets = resources.items.map((r) => ({
          value: r.id as number,
          label: `${r.firstName ?? ""} ${r.lastName ?? ""}`.trim(),
        }));
        buckets.push({ value: null, label: "(unassigned)" });
      } else {
        const values = await ctx.picklists.values("Tickets", args.groupBy, { signal: ctx.signal });
        buckets = values.slice(0, MAX_SUMMARY_GROUPS).map((v) => ({
          value: Number(v.value),
          label: v.label,
        }));
        if (args.groupBy === "queueID") buckets.push({ value: null, label: "(no queue)" });
      }
      const total = await ctx.client.count("Tickets", { filter: base, signal: ctx.signal });
      const groups: { value: number | null; label: string; count: number }[] = [];
      let done = 0;
      // The client's gate keeps these at 3 in flight; progress goes to callers that asked.
      await Promise.all(buckets.map(async (bucket) => {
        const condition: Filter = bucket.value === null
          ? { op: "notExist", field: args.groupBy }
          : eq(args.groupBy, bucket.value);
        const count = await ctx.client.count("Tickets", {
          filter: [...base, condition],
          signal: ctx.signal,
        });
        if (count > 0) groups.push({ ...bucket, count });
        await ctx.progress(++done, buckets.length, `counted ${bucket.label}`);
      }));
      groups.sort((a, b) => b.count - a.count);
      const result: Record<string, unknown> = { groupBy: args.groupBy, total, groups };
      const counted = groups.reduce((sum, g) => sum + g.count, 0);
      if (counted < total) {
        result.note = `${total - counted} tickets have a value outside the listed groups ` +
          `(inactive values${
            args.groupBy === "assignedResourceID" ? " or inactive resources" : ""
          })`;
      }
      return result;
    },
  }),
  defineTool({
    name: "get_ticket",
    title: "Get ticket",
    description: "Read one ticket by id; include adds its latest notes, time entries and contact.",
    kind: "read",
    toolset: "tickets",
    openWorld: true,
    input: z.object({
      id: idSchema,
      ...viewShape,
      include: z.array(z.enum(["notes", "timeEntries", "contact"])).max(3).optional().describe(
        `Latest ${RELATED_LIMIT} notes and time entries, the contact`,
      ),
    }),
    output: getOutput,
    handler: async ({ id, fields, detail, include }, ctx) => {
      const wanted = new Set(include ?? []);
      const defaults = getView("Tickets", SEARCH_FIELDS);
      const selection = await selectFields(ctx, "Tickets", { fields, detail, defaults });
      // The contact needs contactID even when the caller's fields leave it out.
      const fetchFields = selection.fields && wanted.has("contact")
        ? [...new Set([...selection.fields, "contactID"])]
        : selection.fields;
      const [ticket, notes, timeEntries] = await Promise.all([
        readOne(ctx, "Tickets", id, { label: "Ticket", fields: fetchFields }),
        wanted.has("notes") ? latest(ctx, "TicketNotes", id, NOTE_FIELDS) : undefined,
        wanted.has("timeEntries") ? latest(ctx, "TimeEntries", id, TIME_FIELDS) : undefined,
      ]);
      const result = await shapedItem(ctx, "Tickets", ticket, true);
      const untrusted = new Set(result.untrustedFields as string[] | undefined);
      if (notes) {
        result.notes = await enrich(ctx, "TicketNotes", notes);
        untrustedFieldsIn("TicketNotes", notes).forEach((f) => untrusted.add(`notes.${f}`));
      }
      if (timeEntries) {
        result.timeEntries = await enrich(ctx, "TimeEntries", timeEntries);
        untrustedFieldsIn("TimeEntries", timeEntries).forEach((f) =>
          untrusted.add(`timeEntries.${f}`)
        );
      }
      if (wanted.has("contact")) {
        const contactID = ticket.contactID;
        const contact = typeof contactID === "number"
          ? (await ctx.client.query("Contacts", {
            filter: [{ op: "eq", field: "id", value: contactID }],
            includeFields: CONTACT_FIELDS,
            maxRecords: 1,
            signal: ctx.signal,
          })).items[0]
          : undefined;
        result.contact = contact ? (await enrich(ctx, "Contacts", [contact]))[0] : null;
        if (contact) {
          untrustedFieldsIn("Contacts", [contact]).forEach((f) => untrusted.add(`contact.${f}`));
        }
      }
      if (untrusted.size > 0) result.untrustedFields = [...untrusted];
      return result;
    },
  }),
  searchTool({
    name: "search_tickets",
    title: "Search tickets",
    description:
      "Find tickets by company, status, priority, queue, assignee, dates or title text (in id order).",
    entity: "Tickets",
    toolset: "tickets",
    openWorld: true,
    textFields: ["title", "ticketNumber"],
    fields: SEARCH_FIELDS,
    filters: {
      companyID: { field: "companyID", schema: idSchema },
      contactID: { field: "contactID", schema: idSchema },
      status: {
        field: "status",
        picklist: true,
        schema: picklistSchema,
      },
      priority: {
        field: "priority",
        picklist: true,
        schema: picklistSchema,
      },
      queueID: {
        field: "queueID",
        picklist: true,
        schema: picklistSchema,
      },
      assignedResourceID: {
        field: "assignedResourceID",
        schema: idSchema,
      },
      ticketNumber: {
        field: "ticketNumber",
        schema: z.string().trim().min(1).max(50),
      },
      openOnly: {
        field: "status",
        schema: z.boolean().describe("Not Complete"),
        toFilter: (value) =>
          value === true ? { op: "noteq", field: "status", value: STATUS_COMPLETE } : undefined,
      },
      createdAfter: {
        field: "createDate",
        op: "gte",
        schema: dateTimeSchema,
      },
      createdBefore: {
        field: "createDate",
        op: "lt",
        schema: dateTimeSchema,
      },
    },
  }),
  defineTool({
    name: "create_ticket",
    title: "Create ticket",
    description:
      "Create a ticket for a company. Defaults: status New, the tenant's priority and queue, due in 24 h.",
    kind: "create",
    toolset: "tickets",
    openWorld: false,
    entity: "Tickets",
    input: z.object({
      companyID: idSchema,
      title: ticketFields.title,
      description: ticketFields.description.optional(),
      status: ticketFields.status.optional(),
      priority: ticketFields.priority.optional(),
      queueID: ticketFields.queueID.optional(),
      dueDateTime: ticketFields.dueDateTime.optional(),
      contactID: ticketFields.contactID.optional(),
      assignedResourceID: ticketFields.assignedResourceID.optional(),
      extra: extraSchema.optional(),
    }),
    output: writeOutput,
    handler: async ({ extra, ...args }, ctx) => {
      const notes: string[] = [];
      const record = {
        ...await prepareExtra(ctx, "Tickets", extra, args),
        ...defined({ ...args }),
      };
      record.status ??= await pickDefault(ctx, "Tickets", "status", { system: STATUS_NEW });
      record.priority ??= await pickDefault(ctx, "Tickets", "priority");
      if (record.dueDateTime === undefined) {
        record.dueDateTime = plusHours(DEFAULT_DUE_HOURS);
        notes.push(`dueDateTime defaulted to ${record.dueDateTime}`);
      }
      const roleNote = await withAssignmentRole(ctx, record);
      if (roleNote) notes.push(roleNote);
      const resolved = await resolvePicklists(ctx, "Tickets", record);
      const result = await createAndReport(ctx, "Tickets", resolved, {
        readBack: ["id", "ticketNumber", "title", "status", "priority", "dueDateTime", "companyID"],
      });
      if (notes.length > 0) result.note = [result.note, ...notes].filter(Boolean).join("; ");
      return result;
    },
  }),
  defineTool({
    name: "update_ticket",
    title: "Update ticket",
    description:
      "Change a ticket: changes maps Autotask field names to new values (labels accepted; " +
      'only these are sent). Close it with {"status": 5}.',
    kind: "update",
    toolset: "tickets",
    openWorld: false,
    entity: "Tickets",
    input: z.object({ id: idSchema, changes: changesSchema }),
    output: writeOutput,
    handler: async ({ id, changes }, ctx) => {
      const record = await checkChanges(ctx, "Tickets", changes);
      const notes: string[] = [];
      const roleNote = await withAssignmentRole(ctx, record);
      if (roleNote) notes.push(roleNote);
      await ctx.client.update("Tickets", id, record, { signal: ctx.signal });
      const [item] = await enrich(ctx, "Tickets", [{ id, ...record }]);
      // Cleared UDFs stay visible as null (enrich leaves unset ones out).
      if (record.userDefinedFields) item.userDefinedFields = record.userDefinedFields;
      const result: Record<string, unknown> = { id, entity: "Tickets", item };
      if (notes.length > 0) result.note = notes.join("; ");
      return result;
    },
  }),
  defineTool({
    name: "add_ticket_note",
    title: "Add ticket note",
    description:
      "Add a note to a ticket. Internal unless publish says otherwise (publish 1 shows it to the customer).",
    kind: "create",
    toolset: "tickets",
    openWorld: false,
    input: z.object({
      ticketID: idSchema,
      description: z.string().trim().min(1).max(32_000),
      title: z.string().trim().min(1).max(250).optional(),
      noteType: picklistSchema.optional(),
      publish: picklistSchema.optional().describe(
        "Default 2 (internal); 1 shows the note to the customer",
      ),
    }),
    output: writeOutput,
    handler: async (args, ctx) => {
      await getRecord(ctx, "Tickets", args.ticketID, "Ticket");
      const record = defined({ ...args });
      record.publish ??= await internalPublish(ctx, "TicketNotes");
      record.noteType ??= await pickDefault(ctx, "TicketNotes", "noteType", { firstActive: true });
      const resolved = await resolvePicklists(ctx, "TicketNotes", record);
      const result = await createAndReport(ctx, "TicketNotes", resolved, {
        parentId: args.ticketID,
      });
      const label = await ctx.picklists.label(
        "TicketNotes",
        "publish",
        resolved.publish,
        ctx.signal,
      );
      result.item = {
        ticketID: args.ticketID,
        publish: resolved.publish,
        publishLabel: label,
        noteType: resolved.noteType,
      };
      return result;
    },
  }),
];
