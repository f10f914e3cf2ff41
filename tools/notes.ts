/** Notes: a ticket's notes, company notes and project notes, and the policy that a note is internal unless published. */

import * as z from "zod";
import {
  createTool,
  dateTimeSchema,
  defined,
  defineTool,
  getTool,
  idSchema,
  InputError,
  pagingShape,
  pickDefault,
  picklistChoices,
  picklistSchema,
  type ResourceDescriptor,
  searchChildren,
  searchOutput,
  searchTool,
  type ToolContext,
  type ToolModule,
} from "../lib/mcp/mod.ts";

/** Autotask's documented publish levels of notes and attachments (there is no 3). */
const PUBLISH = { all: 1, internal: 2, coManaged: 4 } as const;

/** A ticket's notes: the customer's emails and portal entries land here. */
export const TICKET_NOTES = {
  entity: "TicketNotes",
  label: "Ticket note",
  toolset: "notes",
  openWorld: true,
  searchView: [
    "id",
    "ticketID",
    "title",
    "description",
    "noteType",
    "publish",
    "createDateTime",
    "creatorResourceID",
  ],
  untrusted: ["title", "description"],
  system: { publish: PUBLISH },
  lister: "list_ticket_notes",
  neverDefault: ["publish"],
} satisfies ResourceDescriptor;

/** Company notes: calls, meetings and visits recorded on a company. */
export const COMPANY_NOTES = {
  entity: "CompanyNotes",
  label: "Company note",
  toolset: "notes",
  openWorld: true,
  searchView: [
    "id",
    "companyID",
    "name",
    "note",
    "actionType",
    "contactID",
    "assignedResourceID",
    "startDateTime",
    "createDateTime",
  ],
  untrusted: ["name", "note"],
  lister: "search_company_notes",
} satisfies ResourceDescriptor;

/** Project notes. */
export const PROJECT_NOTES = {
  entity: "ProjectNotes",
  label: "Project note",
  toolset: "notes",
  openWorld: true,
  searchView: [
    "id",
    "projectID",
    "title",
    "description",
    "noteType",
    "publish",
    "isAnnouncement",
    "createDateTime",
    "creatorResourceID",
  ],
  untrusted: ["title", "description"],
  system: { publish: PUBLISH },
  lister: "search_project_notes",
  neverDefault: ["publish"],
} satisfies ResourceDescriptor;

/** Task notes: no tools of their own; query_entities marks their customer text. */
export const TASK_NOTES = {
  entity: "TaskNotes",
  label: "Task note",
  untrusted: ["title", "description"],
} satisfies ResourceDescriptor;

/**
 * The publish level of a note or attachment the caller did not publish: internal (Autotask's
 * "Internal Project Team"), refusing to guess when the tenant lacks it. Never the tenant's
 * `isDefaultValue`, which can be the public level.
 */
export async function internalPublish(
  ctx: ToolContext,
  resource: ResourceDescriptor & { system: { publish: { internal: number } } },
): Promise<number> {
  const internal = resource.system.publish.internal;
  if (!await ctx.picklists.has(resource.entity, "publish", internal, ctx.signal)) {
    throw new InputError(
      `This tenant has no internal publish level ${internal} for ${resource.entity}: pass ` +
        `publish explicitly (${await picklistChoices(ctx, "publish", {
          entity: resource.entity,
        })})`,
    );
  }
  return internal;
}

/** Adds the tenant's labels of the given picklist fields of `record` to `item`. */
async function withLabels(
  ctx: ToolContext,
  record: Record<string, unknown>,
  options: { entity: string; fields: string[] },
): Promise<Record<string, unknown>> {
  const item: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    item[key] = value;
    if (options.fields.includes(key)) {
      const label = await ctx.picklists.label(options.entity, key, value, ctx.signal);
      if (label) item[`${key}Label`] = label;
    }
  }
  return item;
}

/** The notes toolset. */
export const notes: ToolModule = {
  resources: [TICKET_NOTES, COMPANY_NOTES, PROJECT_NOTES, TASK_NOTES],
  tools: [
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
        searchChildren(ctx, TICKET_NOTES.entity, {
          parent: { entity: "Tickets", field: "ticketID", id: ticketID },
          limit,
          cursor,
          fields: TICKET_NOTES.searchView,
          openWorld: true,
        }),
    }),
    getTool(TICKET_NOTES, {
      name: "get_ticket_note",
      title: "Get ticket note",
      description: "Read one ticket note by id, with note type and publish labels.",
    }),
    searchTool(COMPANY_NOTES, {
      name: "search_company_notes",
      title: "Search company notes",
      description:
        "Find company notes (calls, meetings, QBRs) by company, contact, action type or text.",
      textFields: ["name", "note"],
      filters: {
        companyID: { field: "companyID", schema: idSchema },
        contactID: { field: "contactID", schema: idSchema },
        actionType: { field: "actionType", picklist: true, schema: picklistSchema },
      },
    }),
    createTool(COMPANY_NOTES, {
      name: "create_company_note",
      title: "Create company note",
      description: "Record a note on a company (a call, meeting or visit) with its action type.",
      input: z.object({
        companyID: idSchema,
        name: z.string().trim().min(1).max(250).describe("Title"),
        note: z.string().trim().min(1).max(32_000),
        actionType: picklistSchema.optional().describe("e.g. Phone Call, Meeting"),
        contactID: idSchema.optional(),
        startDateTime: dateTimeSchema.optional(),
      }),
      parent: { entity: "Companies", field: "companyID" },
      record: async (args, ctx) => {
        const record = defined({ ...args });
        record.actionType ??= await pickDefault(ctx, "actionType", {
          entity: COMPANY_NOTES.entity,
        });
        return record;
      },
      finish: async (result, ctx, { record, args }) => {
        result.item = await withLabels(ctx, {
          companyID: args.companyID,
          name: record.name,
          actionType: record.actionType,
        }, { entity: COMPANY_NOTES.entity, fields: ["actionType"] });
      },
    }),
    searchTool(PROJECT_NOTES, {
      name: "search_project_notes",
      title: "Search project notes",
      description: "Find project notes by project, note type or text in the title or description.",
      textFields: ["title", "description"],
      filters: {
        projectID: { field: "projectID", schema: idSchema },
        noteType: { field: "noteType", picklist: true, schema: picklistSchema },
      },
    }),
    createTool(PROJECT_NOTES, {
      name: "create_project_note",
      title: "Create project note",
      description: "Add a note to a project. INTERNAL unless publish says otherwise; publish 1 " +
        "(All Autotask Users) shows it to the customer.",
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
      parent: { entity: "Projects", field: "projectID" },
      record: async (args, ctx) => {
        const record = defined({ ...args });
        record.publish ??= await internalPublish(ctx, PROJECT_NOTES);
        record.noteType ??= await pickDefault(ctx, "noteType", {
          entity: PROJECT_NOTES.entity,
          firstActive: true,
        });
        record.isAnnouncement ??= false;
        return record;
      },
      finish: async (result, ctx, { record, args }) => {
        result.item = await withLabels(ctx, {
          projectID: args.projectID,
          publish: record.publish,
          noteType: record.noteType,
          isAnnouncement: record.isAnnouncement,
        }, { entity: PROJECT_NOTES.entity, fields: ["publish", "noteType"] });
      },
    }),
  ],
};
