/** Ticket tools: get, search, create, update, and internal-by-default notes. */

import * as z from "zod";
import { chooseRole } from "../lib/autotask/roles.ts";
import {
  createAndReport,
  dateTimeSchema,
  defined,
  getRecord,
  getTool,
  idSchema,
  picklistSchema,
  resolvePicklists,
  searchTool,
  writeOutput,
} from "../lib/mcp/common.ts";
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
  "createDate",
  "lastActivityDate",
];

const ticketFields = {
  title: z.string().trim().min(1).max(255).describe("Short summary (max 255 characters)"),
  description: z.string().max(8000).describe("Details (plain text, max 8000 characters)"),
  status: picklistSchema.describe("Status value or tenant label"),
  priority: picklistSchema.describe("Priority value or tenant label"),
  queueID: picklistSchema.describe("Queue value or tenant label"),
  dueDateTime: dateTimeSchema.describe("Due date-time, ISO-8601 (UTC)"),
  contactID: idSchema.describe("Contact id (the requester)"),
  assignedResourceID: idSchema.describe(
    "Resource to assign; a role is chosen when assignedResourceRoleID is absent",
  ),
  assignedResourceRoleID: idSchema.describe("Role of the assigned resource"),
  ticketType: picklistSchema.describe("Ticket type value or label"),
  source: picklistSchema.describe("Source value or label (e.g. phone, email)"),
  issueType: picklistSchema.describe("Issue type value or label"),
  subIssueType: picklistSchema.describe("Sub-issue type value or label (within issueType)"),
  ticketCategory: picklistSchema.describe("Ticket category value or label"),
  configurationItemID: idSchema.describe("Configuration item id"),
  contractID: idSchema.describe("Contract id"),
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
  getTool({
    name: "get_ticket",
    title: "Get ticket",
    description: "Read one ticket by id, with all its fields.",
    entity: "Tickets",
    label: "Ticket",
    toolset: "tickets",
    openWorld: true,
  }),
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
      companyID: { field: "companyID", schema: idSchema.describe("Company id") },
      contactID: { field: "contactID", schema: idSchema.describe("Contact id") },
      status: {
        field: "status",
        picklist: true,
        schema: picklistSchema.describe("Status value or label"),
      },
      priority: {
        field: "priority",
        picklist: true,
        schema: picklistSchema.describe("Priority value or label"),
      },
      queueID: {
        field: "queueID",
        picklist: true,
        schema: picklistSchema.describe("Queue value or label"),
      },
      assignedResourceID: {
        field: "assignedResourceID",
        schema: idSchema.describe("Assigned resource id"),
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
      id: idSchema.describe("Ticket id"),
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
      ticketID: idSchema.describe("Ticket id"),
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
