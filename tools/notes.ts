/** Note tools: a ticket's notes, company notes and project notes (project notes internal by default). */

import * as z from "zod";
import {
  createAndReport,
  dateTimeSchema,
  defined,
  getRecord,
  getTool,
  idSchema,
  internalPublish,
  pagingShape,
  pickDefault,
  picklistSchema,
  resolvePicklists,
  searchOutput,
  searchTicketChildren,
  searchTool,
  writeOutput,
} from "../lib/mcp/common.ts";
import { defineTool, type ToolContext, type ToolDef } from "../lib/mcp/tool.ts";

const TICKET_NOTE_FIELDS = [
  "id",
  "ticketID",
  "title",
  "description",
  "noteType",
  "publish",
  "createDateTime",
  "creatorResourceID",
];

const COMPANY_NOTE_FIELDS = [
  "id",
  "companyID",
  "name",
  "note",
  "actionType",
  "contactID",
  "assignedResourceID",
  "startDateTime",
  "createDateTime",
];

const PROJECT_NOTE_FIELDS = [
  "id",
  "projectID",
  "title",
  "description",
  "noteType",
  "publish",
  "isAnnouncement",
  "createDateTime",
  "creatorResourceID",
];

/** Adds the tenant's labels of the given picklist fields of `record` to `item`. */
async function withLabels(
  ctx: ToolContext,
  entity: string,
  record: Record<string, unknown>,
  fields: string[],
): Promise<Record<string, unknown>> {
  const item: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    item[key] = value;
    if (fields.includes(key)) {
      const label = await ctx.picklists.label(entity, key, value, ctx.signal);
      if (label) item[`${key}Label`] = label;
    }
  }
  return item;
}

/** The notes toolset. */
export const noteTools: ToolDef[] = [
  defineTool({
    name: "list_ticket_notes",
    title: "List ticket notes",
    description: "A ticket's notes with note type and publish labels, oldest first: Autotask " +
      "orders by id and cannot sort newest first (get_ticket include notes has the latest).",
    kind: "read",
    toolset: "notes",
    openWorld: true,
    input: z.object({ ticketID: idSchema, ...pagingShape }),
    output: searchOutput,
    handler: ({ ticketID, limit, cursor }, ctx) =>
      searchTicketChildren(ctx, "TicketNotes", ticketID, {
        limit,
        cursor,
        fields: TICKET_NOTE_FIELDS,
        openWorld: true,
      }),
  }),
  getTool({
    name: "get_ticket_note",
    title: "Get ticket note",
    description: "Read one ticket note by id, with note type and publish labels.",
    entity: "TicketNotes",
    label: "Ticket note",
    toolset: "notes",
    openWorld: true,
    fields: TICKET_NOTE_FIELDS,
  }),
  searchTool({
    name: "search_company_notes",
    title: "Search company notes",
    description:
      "Find company notes (calls, meetings, QBRs) by company, contact, action type or text.",
    entity: "CompanyNotes",
    toolset: "notes",
    openWorld: true,
    textFields: ["name", "note"],
    fields: COMPANY_NOTE_FIELDS,
    filters: {
      companyID: { field: "companyID", schema: idSchema },
      contactID: { field: "contactID", schema: idSchema },
      actionType: { field: "actionType", picklist: true, schema: picklistSchema },
    },
  }),
  defineTool({
    name: "create_company_note",
    title: "Create company note",
    description: "Record a note on a company (a call, meeting or visit) with its action type.",
    kind: "create",
    toolset: "notes",
    openWorld: false,
    input: z.object({
      companyID: idSchema,
      name: z.string().trim().min(1).max(250).describe("Title"),
      note: z.string().trim().min(1).max(32_000),
      actionType: picklistSchema.optional().describe("e.g. Phone Call, Meeting"),
      contactID: idSchema.optional(),
      startDateTime: dateTimeSchema.optional(),
    }),
    output: writeOutput,
    handler: async (args, ctx) => {
      await getRecord(ctx, "Companies", args.companyID, "Company");
      const record = defined({ ...args });
      record.actionType ??= await pickDefault(ctx, "CompanyNotes", "actionType");
      const resolved = await resolvePicklists(ctx, "CompanyNotes", record);
      const result = await createAndReport(ctx, "CompanyNotes", resolved, {
        parentId: args.companyID,
      });
      result.item = await withLabels(ctx, "CompanyNotes", {
        companyID: args.companyID,
        name: resolved.name,
        actionType: resolved.actionType,
      }, ["actionType"]);
      return result;
    },
  }),
  searchTool({
    name: "search_project_notes",
    title: "Search project notes",
    description: "Find project notes by project, note type or text in the title or description.",
    entity: "ProjectNotes",
    toolset: "notes",
    openWorld: true,
    textFields: ["title", "description"],
    fields: PROJECT_NOTE_FIELDS,
    filters: {
      projectID: { field: "projectID", schema: idSchema },
      noteType: { field: "noteType", picklist: true, schema: picklistSchema },
    },
  }),
  defineTool({
    name: "create_project_note",
    title: "Create project note",
    description: "Add a note to a project. INTERNAL unless publish says otherwise; publish 1 " +
      "(All Autotask Users) shows it to the customer.",
    kind: "create",
    toolset: "notes",
    openWorld: false,
    input: z.object({
      projectID: idSchema,
      title: z.string().trim().min(1).max(250),
      description: z.string().trim().min(1).max(32_000),
      noteType: picklistSchema.optional(),
      publish: picklistSchema.optional().describe(
        "Default 2 (internal); 1 shows the note to the customer",
      ),
      isAnnouncement: z.boolean().optional(),
    }),
    output: writeOutput,
    handler: async (args, ctx) => {
      await getRecord(ctx, "Projects", args.projectID, "Project");
      const record = defined({ ...args });
      // Never the tenant's isDefaultValue: here it is the public level.
      record.publish ??= await internalPublish(ctx, "ProjectNotes");
      record.noteType ??= await pickDefault(ctx, "ProjectNotes", "noteType", { firstActive: true });
      record.isAnnouncement ??= false;
      const resolved = await resolvePicklists(ctx, "ProjectNotes", record);
      const result = await createAndReport(ctx, "ProjectNotes", resolved, {
        parentId: args.projectID,
      });
      result.item = await withLabels(ctx, "ProjectNotes", {
        projectID: args.projectID,
        publish: resolved.publish,
        noteType: resolved.noteType,
        isAnnouncement: resolved.isAnnouncement,
      }, ["publish", "noteType"]);
      return result;
    },
  }),
];
