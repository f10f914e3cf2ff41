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
  picklistSchema,
  readOne,
  resolvePicklists,
  searchTool,
  shapedItem,
  viewShape,
  writeOutput,
} from "../lib/mcp/common.ts";
import { enrich, selectFields, untrustedFieldsIn } from "../lib/mcp/shape.ts";
import { defineTool, InputError, type ToolContext, type ToolDef } from "../lib/mcp/tool.ts";
import type { AutotaskRecord } from "../lib/autotask/client.ts";

/** Autotask's system value for a completed ticket (the same in every tenant). */
const STATUS_COMPLETE = 5;
/** Autotask's system value for a new ticket. */
const STATUS_NEW = 1;
/** Default due date when none is given: this many hours from now. */
const DEFAULT_DUE_HOURS = 24;
/** `publish` value for "Internal Project Team": never visible to the customer. */
const PUBLISH_INTERNAL = 2;

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
  title: z.string().trim().min(1).max(255).describe("Short summary (max 255 characters)"),
  description: z.string().max(8000).describe("Details (plain text, max 8000 characters)"),
  status: picklistSchema,
  priority: picklistSchema,
  queueID: picklistSchema,
  dueDateTime: dateTimeSchema.describe("Due date-time, ISO-8601 (UTC)"),
  contactID: idSchema.describe("Contact id (the requester)"),
  assignedResourceID: idSchema.describe(
    "Resource to assign; a role is chosen when assignedResourceRoleID is absent",
  ),
  assignedResourceRoleID: idSchema.describe("Role of the assigned resource"),
  ticketType: picklistSchema,
  source: picklistSchema.describe("Source value or label (e.g. phone, email)"),
  issueType: picklistSchema,
  subIssueType: picklistSchema.describe("Sub-issue type value or label (within issueType)"),
  ticketCategory: picklistSchema,
  configurationItemID: idSchema,
  contractID: idSchema,
  estimatedHours: z.number().min(0).max(10_000).describe("Estimated hours"),
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

/** The ticket toolset. */
export const ticketTools: ToolDef[] = [
  defineTool({
    name: "get_ticket",
    title: "Get ticket",
    description: "Read one ticket by id with labels and names inline; include adds its latest " +
      "notes, time entries and the contact in the same call.",
    kind: "read",
    toolset: "tickets",
    openWorld: true,
    input: z.object({
      id: idSchema,
      ...viewShape,
      include: z.array(z.enum(["notes", "timeEntries", "contact"])).max(3).optional().describe(
        `Related records to add: the latest ${RELATED_LIMIT} notes and time entries, the contact`,
      ),
    }),
    output: getOutput.extend({
      notes: z.array(z.record(z.string(), z.unknown())).optional(),
      timeEntries: z.array(z.record(z.string(), z.unknown())).optional(),
      contact: z.record(z.string(), z.unknown()).nullable().optional(),
    }),
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
  }) as unknown as ToolDef,
  searchTool({
    name: "search_tickets",
    title: "Search tickets",
    description:
      "Find tickets by company, status, priority, queue, assignee, dates or text in the title. " +
      "Newest-first is not available: results come in id order; use createdAfter to see recent ones.",
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
        schema: z.string().trim().min(1).max(50).describe(
          "Exact ticket number, e.g. T20261123.0001",
        ),
      },
      openOnly: {
        field: "status",
        schema: z.boolean().describe("true: only tickets not Complete"),
        toFilter: (value) =>
          value === true ? { op: "noteq", field: "status", value: STATUS_COMPLETE } : undefined,
      },
      createdAfter: {
        field: "createDate",
        op: "gte",
        schema: dateTimeSchema.describe("Created on or after"),
      },
      createdBefore: {
        field: "createDate",
        op: "lt",
        schema: dateTimeSchema.describe("Created before"),
      },
    },
  }),
  defineTool({
    name: "create_ticket",
    title: "Create ticket",
    description:
      "Create a ticket for a company. Defaults: status New, the tenant's default priority, " +
      "due in 24 hours; picklists accept values or tenant labels.",
    kind: "create",
    toolset: "tickets",
    openWorld: false,
    input: z.object({
      companyID: idSchema.describe("Company id (0 is your own company)"),
      ...ticketFields,
      description: ticketFields.description.optional(),
      status: ticketFields.status.optional(),
      priority: ticketFields.priority.optional(),
      queueID: ticketFields.queueID.optional(),
      dueDateTime: ticketFields.dueDateTime.optional(),
      contactID: ticketFields.contactID.optional(),
      assignedResourceID: ticketFields.assignedResourceID.optional(),
      assignedResourceRoleID: ticketFields.assignedResourceRoleID.optional(),
      ticketType: ticketFields.ticketType.optional(),
      source: ticketFields.source.optional(),
      issueType: ticketFields.issueType.optional(),
      subIssueType: ticketFields.subIssueType.optional(),
      ticketCategory: ticketFields.ticketCategory.optional(),
      configurationItemID: ticketFields.configurationItemID.optional(),
      contractID: ticketFields.contractID.optional(),
      estimatedHours: ticketFields.estimatedHours.optional(),
    }),
    output: writeOutput,
    handler: async (args, ctx) => {
      const notes: string[] = [];
      const record = defined({ ...args });
      if (record.status === undefined) {
        record.status = await ctx.picklists.has("Tickets", "status", STATUS_NEW, ctx.signal)
          ? STATUS_NEW
          : await ctx.picklists.defaultValue("Tickets", "status", ctx.signal);
      }
      if (record.priority === undefined) {
        const priority = await ctx.picklists.defaultValue("Tickets", "priority", ctx.signal);
        if (priority === undefined) {
          throw new InputError(
            "This tenant has no default ticket priority: pass priority (list_field_values shows them)",
          );
        }
        record.priority = priority;
      }
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
  }) as unknown as ToolDef,
  defineTool({
    name: "update_ticket",
    title: "Update ticket",
    description:
      "Change fields of a ticket (only the fields given are sent). Set status to Complete (5) to close it.",
    kind: "update",
    toolset: "tickets",
    openWorld: false,
    input: z.object({
      id: idSchema,
      ...Object.fromEntries(Object.entries(ticketFields).map(([k, v]) => [k, v.optional()])),
      companyID: idSchema.optional().describe("Move the ticket to another company"),
    }),
    output: writeOutput,
    handler: async (args: Record<string, unknown>, ctx) => {
      const { id, ...changes } = args as { id: number } & Record<string, unknown>;
      const record = defined(changes);
      if (Object.keys(record).length === 0) {
        throw new InputError("Nothing to update: give at least one field to change besides id");
      }
      const notes: string[] = [];
      const roleNote = await withAssignmentRole(ctx, record);
      if (roleNote) notes.push(roleNote);
      const resolved = await resolvePicklists(ctx, "Tickets", record);
      await ctx.client.update("Tickets", id, resolved, { signal: ctx.signal });
      const result: Record<string, unknown> = { id, entity: "Tickets", item: { id, ...resolved } };
      if (notes.length > 0) result.note = notes.join("; ");
      return result;
    },
  }) as unknown as ToolDef,
  defineTool({
    name: "add_ticket_note",
    title: "Add ticket note",
    description: "Add a note to a ticket. Notes are INTERNAL unless publish says otherwise; " +
      "publish 1 (All Autotask Users) makes the note visible to the customer.",
    kind: "create",
    toolset: "tickets",
    openWorld: false,
    input: z.object({
      ticketID: idSchema,
      description: z.string().trim().min(1).max(32_000).describe("Note text (plain text)"),
      title: z.string().trim().min(1).max(250).optional().describe("Note title"),
      noteType: picklistSchema.optional().describe(
        "Note type value or label (default: the tenant's default)",
      ),
      publish: picklistSchema.optional().describe(
        "Who sees it: value or label; default 2 (Internal Project Team). 1 = visible to the customer",
      ),
    }),
    output: writeOutput,
    handler: async (args, ctx) => {
      await getRecord(ctx, "Tickets", args.ticketID, "Ticket");
      const record = defined({ ...args });
      if (record.publish === undefined) {
        if (!await ctx.picklists.has("TicketNotes", "publish", PUBLISH_INTERNAL, ctx.signal)) {
          throw new InputError(
            "This tenant has no internal publish level 2: pass publish explicitly (list_field_values shows them)",
          );
        }
        record.publish = PUBLISH_INTERNAL;
      }
      if (record.noteType === undefined) {
        const noteType = await ctx.picklists.defaultValue("TicketNotes", "noteType", ctx.signal) ??
          (await ctx.picklists.values("TicketNotes", "noteType", { signal: ctx.signal }))[0]?.value;
        if (noteType === undefined) {
          throw new InputError("Pass noteType: this tenant has no default note type");
        }
        record.noteType = noteType;
      }
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
  }) as unknown as ToolDef,
];
