/** Tickets: get, search, create, update, internal-by-default notes, and the ticket summary report. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { eq, type Filter } from "../lib/autotask/query.ts";
import {
  createTool,
  dateTimeSchema,
  defined,
  defineTool,
  enrich,
  extraSchema,
  getOutput,
  getViewOf,
  givenRecord,
  idSchema,
  pickDefault,
  picklistSchema,
  readOne,
  type ResourceDescriptor,
  searchTool,
  selectFields,
  shapedItem,
  type ToolContext,
  type ToolModule,
  untrustedFieldsIn,
  updateTool,
  viewShape,
  withAssignmentRole,
} from "../lib/mcp/mod.ts";
import { internalPublish, TICKET_NOTES } from "./notes.ts";

/** Tickets: the service desk's work, much of it written by customers. */
export const TICKETS = {
  entity: "Tickets",
  label: "Ticket",
  toolset: "tickets",
  openWorld: true,
  nameFields: ["ticketNumber", "title"],
  numberField: "ticketNumber",
  searchView: [
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
  ],
  getView: [
    "description",
    "resolution",
    "ticketType",
    "source",
    "issueType",
    "subIssueType",
    "ticketCategory",
    "assignedResourceRoleID",
    "contractID",
    "configurationItemID",
    "projectID",
    "estimatedHours",
    "completedDate",
    "serviceLevelAgreementID",
    "createDate",
    "lastActivityDate",
    "lastTrackedModificationDateTime",
  ],
  untrusted: ["title", "description", "resolution"],
  // The same in every tenant: Autotask documents them as system values.
  system: { status: { new: 1, complete: 5 } },
  lister: "search_tickets",
  watermark: "lastTrackedModificationDateTime",
} satisfies ResourceDescriptor;

/** What a ticket note says and who sees it: add_ticket_note's fields besides the ticket. */
export const ticketNoteShape = {
  description: z.string().trim().min(1).max(32_000),
  title: z.string().trim().min(1).max(250).optional(),
  noteType: picklistSchema.optional(),
  publish: picklistSchema.optional().describe(
    "Default 2 (internal); 1 shows the note to the customer",
  ),
};

/**
 * The ticket note to send: internal unless `publish` says otherwise (never the tenant's default
 * publish level, which can be the public one), the tenant's first note type unless given. Shared
 * by add_ticket_note and bulk_add_ticket_notes.
 */
export async function ticketNoteRecord(
  ctx: ToolContext,
  args: Record<string, unknown>,
): Promise<AutotaskRecord> {
  const record = defined({ ...args });
  record.publish ??= await internalPublish(ctx, TICKET_NOTES);
  record.noteType ??= await pickDefault(ctx, "noteType", {
    entity: TICKET_NOTES.entity,
    firstActive: true,
  });
  return record;
}

/** Default due date when none is given: this many hours from now. */
const DEFAULT_DUE_HOURS = 24;

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
  options: { ticketID: number; fields: string[] },
): Promise<AutotaskRecord[]> {
  const { items } = await ctx.client.queryAll(entity, {
    filter: [{ op: "eq", field: "ticketID", value: options.ticketID }],
    includeFields: options.fields,
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

function plusHours(hours: number): string {
  const due = new Date(Date.now() + hours * 3600_000);
  due.setUTCMinutes(0, 0, 0);
  return due.toISOString();
}

/** Not Complete: Autotask's system status for a finished ticket. */
function notComplete(): Filter {
  return { op: "noteq", field: "status", value: TICKETS.system.status.complete };
}

/** Most groups ticket_summary counts one by one (each group is one count request). */
const MAX_SUMMARY_GROUPS = 60;

const ticketSummary = defineTool({
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
    if (args.openOnly) base.push(notComplete());
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
        `(inactive values${args.groupBy === "assignedResourceID" ? " or inactive resources" : ""})`;
    }
    return result;
  },
});

const getTicket = defineTool({
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
    const defaults = getViewOf(TICKETS);
    const selection = await selectFields(ctx, "Tickets", { fields, detail, defaults });
    // The contact needs contactID even when the caller's fields leave it out.
    const fetchFields = selection.fields && wanted.has("contact")
      ? [...new Set([...selection.fields, "contactID"])]
      : selection.fields;
    const [ticket, notes, timeEntries] = await Promise.all([
      readOne(ctx, { entity: "Tickets", id, fields: fetchFields }),
      wanted.has("notes")
        ? latest(ctx, "TicketNotes", { ticketID: id, fields: NOTE_FIELDS })
        : undefined,
      wanted.has("timeEntries")
        ? latest(ctx, "TimeEntries", { ticketID: id, fields: TIME_FIELDS })
        : undefined,
    ]);
    const result = await shapedItem(ctx, ticket, { entity: "Tickets", openWorld: true });
    const untrusted = new Set(result.untrustedFields as string[] | undefined);
    if (notes) {
      result.notes = await enrich(ctx, notes, { entity: "TicketNotes" });
      untrustedFieldsIn(ctx, notes, { entity: "TicketNotes" }).forEach((f) =>
        untrusted.add(`notes.${f}`)
      );
    }
    if (timeEntries) {
      result.timeEntries = await enrich(ctx, timeEntries, { entity: "TimeEntries" });
      untrustedFieldsIn(ctx, timeEntries, { entity: "TimeEntries" }).forEach((f) =>
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
      result.contact = contact ? (await enrich(ctx, [contact], { entity: "Contacts" }))[0] : null;
      if (contact) {
        untrustedFieldsIn(ctx, [contact], { entity: "Contacts" }).forEach((f) =>
          untrusted.add(`contact.${f}`)
        );
      }
    }
    if (untrusted.size > 0) result.untrustedFields = [...untrusted];
    return result;
  },
});

/** The ticket toolset (and the ticket summary report). */
export const tickets: ToolModule = {
  resources: [TICKETS],
  tools: [
    ticketSummary,
    getTicket,
    searchTool(TICKETS, {
      name: "search_tickets",
      title: "Search tickets",
      description:
        "Find tickets by company, status, priority, queue, assignee, dates or title text (in id order).",
      textFields: ["title", "ticketNumber"],
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
          toFilter: (value) => value === true ? notComplete() : undefined,
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
    createTool(TICKETS, {
      name: "create_ticket",
      title: "Create ticket",
      description:
        "Create a ticket for a company. Defaults: status New, the tenant's priority and queue, due in 24 h.",
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
      record: async (args, ctx, notes) => {
        const record = await givenRecord(ctx, args, { entity: "Tickets" });
        record.status ??= await pickDefault(ctx, "status", {
          entity: "Tickets",
          system: TICKETS.system.status.new,
        });
        record.priority ??= await pickDefault(ctx, "priority", { entity: "Tickets" });
        if (record.dueDateTime === undefined) {
          record.dueDateTime = plusHours(DEFAULT_DUE_HOURS);
          notes.push(`dueDateTime defaulted to ${record.dueDateTime}`);
        }
        const roleNote = await withAssignmentRole(ctx, record);
        if (roleNote) notes.push(roleNote);
        return record;
      },
      readBack: ["id", "ticketNumber", "title", "status", "priority", "dueDateTime", "companyID"],
    }),
    updateTool(TICKETS, {
      name: "update_ticket",
      title: "Update ticket",
      description:
        "Change a ticket: changes maps Autotask field names to new values (labels accepted; " +
        'only these are sent). Close it with {"status": 5}.',
      prepare: async (record, ctx) => {
        const roleNote = await withAssignmentRole(ctx, record);
        return roleNote ? [roleNote] : [];
      },
    }),
    createTool(TICKET_NOTES, {
      name: "add_ticket_note",
      title: "Add ticket note",
      description:
        "Add a note to a ticket. Internal unless publish says otherwise (publish 1 shows it to the customer).",
      toolset: "tickets",
      input: z.object({ ticketID: idSchema, ...ticketNoteShape }),
      parent: { entity: "Tickets", field: "ticketID" },
      record: (args, ctx) => ticketNoteRecord(ctx, args),
      finish: async (result, ctx, { record, args }) => {
        const label = await ctx.picklists.label(
          TICKET_NOTES.entity,
          "publish",
          record.publish,
          ctx.signal,
        );
        result.item = {
          ticketID: args.ticketID,
          publish: record.publish,
          publishLabel: label,
          noteType: record.noteType,
        };
      },
    }),
  ],
  instructions: [
    {
      text: "get_ticket include adds latest notes, time entries and the contact.",
      needs: ["get_ticket"],
    },
    {
      text: "Ticket notes are internal by default (publish 2); publish 1 makes a note visible to " +
        "the customer: only when the user asks.",
      needs: ["add_ticket_note"],
    },
  ],
};
