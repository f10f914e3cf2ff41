/** Service call tools: schedule onsite visits, put tickets on them and send technicians. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { eq, type Filter, inList, MAX_OR_CONDITIONS } from "../lib/autotask/query.ts";
import { chooseRole } from "../lib/autotask/roles.ts";
import { changesSchema, checkChanges, extraSchema, prepareExtra } from "../lib/mcp/changes.ts";
import {
  createAndReport,
  dateTimeSchema,
  defined,
  getOutput,
  getRecord,
  idSchema,
  pagingShape,
  picklistSchema,
  readOne,
  resolvePicklists,
  runSearch,
  searchOutput,
  shapedItem,
  viewShape,
  writeOutput,
} from "../lib/mcp/common.ts";
import { enrich, selectFields } from "../lib/mcp/shape.ts";
import { defineTool, InputError, type ToolContext, type ToolDef } from "../lib/mcp/tool.ts";

const SEARCH_FIELDS = [
  "id",
  "companyID",
  "startDateTime",
  "endDateTime",
  "duration",
  "status",
  "isComplete",
  "description",
];
const GET_FIELDS = [
  ...SEARCH_FIELDS,
  "companyLocationID",
  "canceledDateTime",
  "canceledByResourceID",
  "createDateTime",
  "creatorResourceID",
  "lastModifiedDateTime",
];
/** Longest visit accepted, in hours: catches a wrong month, not a long job. */
const MAX_HOURS = 24 * 14;
/** Most ticket links one call lists (Autotask puts a handful on a visit). */
const MAX_LINKS = 100;
/** Assignment rows read to find a resource's calls when no window narrows them. */
const RESOURCE_SCAN_CAP = 2_500;
/** Most calls a search window may hold for the resource join to start from the calls. */
const WINDOW_CAP = MAX_OR_CONDITIONS;
/** A filter no record matches (Autotask ids are never negative). */
const NOTHING: Filter = { op: "lt", field: "id", value: 0 };

const HOUR = 3_600_000;

/** Milliseconds of an ISO-8601 text; a date-time without a zone is read as UTC, as Autotask does. */
function utcMs(text: string): number {
  const zoned = /[zZ]$|[+-]\d{2}:?\d{2}$/.test(text) || !/T\d{2}:\d{2}/.test(text);
  return Date.parse(zoned ? text : `${text}Z`);
}

function utc(text: string): string {
  return new Date(utcMs(text)).toISOString();
}

function unique(values: unknown[]): number[] {
  return [...new Set(values.filter((v): v is number => typeof v === "number"))];
}

function ids(records: AutotaskRecord[]): number[] {
  return records.map((r) => r.id as number);
}

/** Every record of `entity` whose `field` is one of `values` (`in` lists of at most 500). */
async function allIn(
  ctx: ToolContext,
  entity: string,
  field: string,
  values: number[],
  options: { also?: Filter[]; fields: string[] },
): Promise<AutotaskRecord[]> {
  const out: AutotaskRecord[] = [];
  for (let i = 0; i < values.length; i += MAX_OR_CONDITIONS) {
    const { items } = await ctx.client.queryAll(entity, {
      filter: [inList(field, values.slice(i, i + MAX_OR_CONDITIONS)), ...(options.also ?? [])],
      includeFields: options.fields,
      cap: RESOURCE_SCAN_CAP,
      signal: ctx.signal,
    });
    out.push(...items);
  }
  return out;
}

/**
 * The service calls a resource is sent on. Autotask keeps the assignment two
 * links away from the call, so this is a join: from the calls the other
 * filters select when they are few (a date window), else from the resource's
 * assignments (capped, with a note when the cap cut them).
 */
async function callsOfResource(
  ctx: ToolContext,
  resourceID: number,
  callFilter: Filter[],
): Promise<{ filter: Filter; note?: string }> {
  if (callFilter.length > 0) {
    const calls = await ctx.client.queryAll("ServiceCalls", {
      filter: callFilter,
      includeFields: ["id"],
      cap: WINDOW_CAP,
      signal: ctx.signal,
    });
    if (!calls.truncated) {
      const links = await allIn(ctx, "ServiceCallTickets", "serviceCallID", ids(calls.items), {
        fields: ["serviceCallID"],
      });
      const sent = await allIn(
        ctx,
        "ServiceCallTicketResources",
        "serviceCallTicketID",
        ids(links),
        {
          also: [eq("resourceID", resourceID)],
          fields: ["serviceCallTicketID"],
        },
      );
      const callOf = new Map(links.map((l) => [l.id, l.serviceCallID]));
      const found = unique(sent.map((r) => callOf.get(r.serviceCallTicketID as number)));
      return { filter: found.length > 0 ? inList("id", found) : NOTHING };
    }
  }
  const { items, truncated } = await ctx.client.queryAll("ServiceCallTicketResources", {
    filter: [eq("resourceID", resourceID)],
    includeFields: ["serviceCallTicketID"],
    cap: RESOURCE_SCAN_CAP,
    signal: ctx.signal,
  });
  const linkIds = unique(items.map((r) => r.serviceCallTicketID));
  if (linkIds.length === 0) return { filter: NOTHING };
  const links = await allIn(ctx, "ServiceCallTickets", "id", linkIds, {
    fields: ["serviceCallID"],
  });
  const callIds = unique(links.map((l) => l.serviceCallID));
  const kept = callIds.slice(0, MAX_OR_CONDITIONS);
  const note = truncated || kept.length < callIds.length
    ? `resourceID ${resourceID} is on too many service calls to search at once: only ` +
      `${kept.length} were searched; add startAfter and startBefore (a window of at most ` +
      `${WINDOW_CAP} calls) to search them all`
    : undefined;
  return { filter: kept.length > 0 ? inList("id", kept) : NOTHING, note };
}

/** The service calls a ticket is on. */
async function callsOfTicket(ctx: ToolContext, ticketID: number): Promise<Filter> {
  const links = await ctx.client.query("ServiceCallTickets", {
    filter: [eq("ticketID", ticketID)],
    includeFields: ["serviceCallID"],
    maxRecords: MAX_OR_CONDITIONS,
    signal: ctx.signal,
  });
  const ids = unique(links.items.map((l) => l.serviceCallID));
  return ids.length > 0 ? inList("id", ids) : NOTHING;
}

/** The tickets on a call, each with the resources sent for it. */
async function ticketsOf(ctx: ToolContext, callId: number): Promise<Record<string, unknown>[]> {
  const links = (await ctx.client.query("ServiceCallTickets", {
    filter: [eq("serviceCallID", callId)],
    includeFields: ["ticketID"],
    maxRecords: MAX_LINKS,
    signal: ctx.signal,
  })).items;
  if (links.length === 0) return [];
  const assigned = (await ctx.client.queryAll("ServiceCallTicketResources", {
    filter: [inList("serviceCallTicketID", links.map((l) => l.id as number))],
    cap: 500,
    signal: ctx.signal,
  })).items;
  const [tickets, resources] = await Promise.all([
    enrich(ctx, "ServiceCallTickets", links),
    enrich(ctx, "ServiceCallTicketResources", assigned),
  ]);
  return tickets.map(({ id, ...link }) => ({
    serviceCallTicketID: id,
    ...link,
    resources: resources
      .filter((r) => r.serviceCallTicketID === id)
      .map(({ serviceCallTicketID: _, userDefinedFields: __, ...r }) => r),
  }));
}

/**
 * The ticket link a resource is sent for: the one given, or the only ticket
 * on the call, or the call's link for `ticketID`.
 */
async function findLink(
  ctx: ToolContext,
  args: { serviceCallTicketID?: number; serviceCallID?: number; ticketID?: number },
): Promise<AutotaskRecord> {
  if (args.serviceCallTicketID !== undefined) {
    return await getRecord(
      ctx,
      "ServiceCallTickets",
      args.serviceCallTicketID,
      "Service call ticket",
    );
  }
  const callId = args.serviceCallID as number;
  const filter = [eq("serviceCallID", callId)];
  if (args.ticketID !== undefined) filter.push(eq("ticketID", args.ticketID));
  const links = (await ctx.client.query("ServiceCallTickets", {
    filter,
    maxRecords: MAX_LINKS,
    signal: ctx.signal,
  })).items;
  if (links.length === 1) return links[0];
  if (links.length === 0) {
    await getRecord(ctx, "ServiceCalls", callId, "Service call");
    throw new InputError(
      args.ticketID !== undefined
        ? `Ticket ${args.ticketID} is not on service call ${callId}: add it with link_ticket_to_service_call first`
        : `Service call ${callId} has no tickets, and Autotask sends resources per ticket: ` +
          `add one with link_ticket_to_service_call first`,
    );
  }
  const named = await enrich(ctx, "ServiceCallTickets", links);
  throw new InputError(
    `Service call ${callId} has ${links.length} tickets: pass ticketID, one of ${
      named.map((l) => `${l.ticketID}${l.ticketName ? ` (${l.ticketName})` : ""}`).join(", ")
    }`,
  );
}

/** The service call toolset. */
export const serviceCallTools: ToolDef[] = [
  defineTool({
    name: "search_service_calls",
    title: "Search service calls",
    description:
      "Find scheduled visits by company, status, start date, technician or ticket, in id order.",
    kind: "read",
    toolset: "service_calls",
    openWorld: true,
    input: z.object({
      companyID: idSchema.optional(),
      status: picklistSchema.optional(),
      startAfter: dateTimeSchema.optional(),
      startBefore: dateTimeSchema.optional(),
      resourceID: idSchema.optional(),
      ticketID: idSchema.optional(),
      isComplete: z.boolean().optional(),
      ...pagingShape,
      ...viewShape,
    }),
    output: searchOutput,
    handler: async (args, ctx) => {
      const filter: Filter[] = [];
      const notes: string[] = [];
      if (args.companyID !== undefined) filter.push(eq("companyID", args.companyID));
      if (args.status !== undefined) {
        const status = await ctx.picklists.resolve("ServiceCalls", "status", args.status, {
          signal: ctx.signal,
        });
        filter.push(eq("status", status));
      }
      if (args.startAfter) {
        filter.push({ op: "gte", field: "startDateTime", value: utc(args.startAfter) });
      }
      if (args.startBefore) {
        filter.push({ op: "lt", field: "startDateTime", value: utc(args.startBefore) });
      }
      if (args.isComplete !== undefined) filter.push(eq("isComplete", args.isComplete ? 1 : 0));
      if (args.ticketID !== undefined && !args.cursor) {
        filter.push(await callsOfTicket(ctx, args.ticketID));
      }
      if (args.resourceID !== undefined && !args.cursor) {
        const found = await callsOfResource(ctx, args.resourceID, [...filter]);
        filter.push(found.filter);
        if (found.note) notes.push(found.note);
      }
      const selection = await selectFields(ctx, "ServiceCalls", {
        fields: args.fields,
        detail: args.detail,
        defaults: SEARCH_FIELDS,
      });
      const result = await runSearch(ctx, "ServiceCalls", {
        filter,
        limit: args.limit,
        cursor: args.cursor,
        fields: selection.fields,
        openWorld: true,
      });
      if (notes.length > 0) result.note = [result.note, ...notes].filter(Boolean).join("; ");
      return result;
    },
  }) as unknown as ToolDef,
  defineTool({
    name: "get_service_call",
    title: "Get service call",
    description: "Read one service call with its tickets and the resources sent for each.",
    kind: "read",
    toolset: "service_calls",
    openWorld: true,
    input: z.object({ id: idSchema, ...viewShape }),
    output: getOutput.extend({ tickets: z.array(z.record(z.string(), z.unknown())) }),
    handler: async ({ id, fields, detail }, ctx) => {
      const selection = await selectFields(ctx, "ServiceCalls", {
        fields,
        detail,
        defaults: GET_FIELDS,
      });
      const call = await readOne(ctx, "ServiceCalls", id, {
        label: "Service call",
        fields: selection.fields,
      });
      const result = await shapedItem(ctx, "ServiceCalls", call, true);
      result.tickets = await ticketsOf(ctx, id);
      // Ticket names carry ticket titles, which customers write.
      if ((result.tickets as unknown[]).length > 0) {
        result.untrustedFields = [
          ...(result.untrustedFields as string[] | undefined ?? []),
          "tickets.ticketName",
        ];
      }
      return result;
    },
  }) as unknown as ToolDef,
  defineTool({
    name: "create_service_call",
    title: "Create service call",
    description: "Schedule a visit for a company (endDateTime or durationHours; status " +
      "defaults to the tenant's), then link tickets and assign resources to it.",
    kind: "create",
    toolset: "service_calls",
    openWorld: false,
    input: z.object({
      companyID: idSchema,
      startDateTime: dateTimeSchema,
      endDateTime: dateTimeSchema.optional(),
      durationHours: z.number().positive().max(MAX_HOURS).optional(),
      description: z.string().trim().max(2000).optional(),
      status: picklistSchema.optional(),
      extra: extraSchema.optional(),
    }),
    output: writeOutput,
    handler: async ({ extra, durationHours, ...args }, ctx) => {
      const start = utcMs(args.startDateTime);
      if (args.endDateTime !== undefined && durationHours !== undefined) {
        throw new InputError("Give endDateTime or durationHours, not both");
      }
      if (args.endDateTime === undefined && durationHours === undefined) {
        throw new InputError(
          "Give endDateTime or durationHours: Autotask needs the end of the visit",
        );
      }
      const end = args.endDateTime !== undefined
        ? utcMs(args.endDateTime)
        : start + (durationHours as number) * HOUR;
      if (end <= start) throw new InputError("endDateTime must be after startDateTime");
      if (end - start > MAX_HOURS * HOUR) {
        throw new InputError(`A visit lasts at most ${MAX_HOURS} hours: check the dates`);
      }
      const record: AutotaskRecord = {
        ...await prepareExtra(ctx, "ServiceCalls", extra, { ...args, durationHours }),
        ...defined({ ...args }),
        startDateTime: new Date(start).toISOString(),
        endDateTime: new Date(end).toISOString(),
      };
      if (record.status === undefined) {
        const status = await ctx.picklists.defaultValue("ServiceCalls", "status", ctx.signal);
        if (status !== undefined) record.status = status;
      }
      const resolved = await resolvePicklists(ctx, "ServiceCalls", record);
      const result = await createAndReport(ctx, "ServiceCalls", resolved, {
        readBack: ["id", "companyID", "startDateTime", "endDateTime", "duration", "status"],
      });
      if (result.item) {
        [result.item] = await enrich(ctx, "ServiceCalls", [result.item as AutotaskRecord]);
      }
      return result;
    },
  }) as unknown as ToolDef,
  defineTool({
    name: "update_service_call",
    title: "Update service call",
    description: "Change a service call's fields, sending only those (moving startDateTime " +
      "alone keeps the visit's length; isComplete 1 completes it).",
    kind: "update",
    toolset: "service_calls",
    openWorld: false,
    input: z.object({ id: idSchema, changes: changesSchema }),
    output: writeOutput,
    handler: async ({ id, changes }, ctx) => {
      const record = await checkChanges(ctx, "ServiceCalls", changes);
      const current = await getRecord(ctx, "ServiceCalls", id, "Service call");
      const notes: string[] = [];
      for (const field of ["startDateTime", "endDateTime"]) {
        if (typeof record[field] === "string") record[field] = utc(record[field] as string);
      }
      if (
        typeof record.startDateTime === "string" && record.endDateTime === undefined &&
        typeof current.startDateTime === "string" && typeof current.endDateTime === "string"
      ) {
        const length = Date.parse(current.endDateTime) - Date.parse(current.startDateTime);
        record.endDateTime = new Date(Date.parse(record.startDateTime) + length).toISOString();
        notes.push(`endDateTime moved to ${record.endDateTime} to keep the visit's length`);
      }
      const start = Date.parse(String(record.startDateTime ?? current.startDateTime));
      const end = Date.parse(String(record.endDateTime ?? current.endDateTime));
      if (!(end > start)) {
        throw new InputError(
          `endDateTime must be after startDateTime (the visit would run ${
            new Date(start).toISOString()
          } to ${new Date(end).toISOString()})`,
        );
      }
      await ctx.client.update("ServiceCalls", id, record, { signal: ctx.signal });
      const [item] = await enrich(ctx, "ServiceCalls", [{ id, ...record }]);
      const result: Record<string, unknown> = { id, entity: "ServiceCalls", item };
      if (notes.length > 0) result.note = notes.join("; ");
      return result;
    },
  }) as unknown as ToolDef,
  defineTool({
    name: "link_ticket_to_service_call",
    title: "Link ticket to service call",
    description: "Put a ticket of the same company on a service call (the visit works it).",
    kind: "create",
    toolset: "service_calls",
    openWorld: false,
    input: z.object({ serviceCallID: idSchema, ticketID: idSchema }),
    output: writeOutput,
    handler: async ({ serviceCallID, ticketID }, ctx) => {
      const [call, ticket] = await Promise.all([
        readOne(ctx, "ServiceCalls", serviceCallID, {
          label: "Service call",
          fields: ["companyID"],
        }),
        readOne(ctx, "Tickets", ticketID, {
          label: "Ticket",
          fields: ["companyID", "ticketNumber"],
        }),
      ]);
      if (call.companyID !== ticket.companyID) {
        const [named] = await enrich(ctx, "Tickets", [{ companyID: ticket.companyID }]);
        throw new InputError(
          `Ticket ${ticketID} belongs to company ${ticket.companyID}${
            named.companyName ? ` (${named.companyName})` : ""
          }, service call ${serviceCallID} to company ${call.companyID}: ` +
            `link a ticket of the service call's company, or create a service call for that company`,
        );
      }
      const existing = (await ctx.client.query("ServiceCallTickets", {
        filter: [eq("serviceCallID", serviceCallID), eq("ticketID", ticketID)],
        maxRecords: 1,
        signal: ctx.signal,
      })).items[0];
      const record = { serviceCallID, ticketID };
      const result = existing
        ? {
          id: existing.id as number,
          entity: "ServiceCallTickets",
          note: `ticket ${ticket.ticketNumber} was already on service call ${serviceCallID}`,
        }
        : await createAndReport(ctx, "ServiceCallTickets", record, { parentId: serviceCallID });
      const [item] = await enrich(ctx, "ServiceCallTickets", [record]);
      return { ...result, item: { serviceCallTicketID: result.id, ...item } };
    },
  }) as unknown as ToolDef,
  defineTool({
    name: "assign_resource_to_service_call",
    title: "Assign resource to service call",
    description: "Send a technician on a service call's ticket; the role is chosen from the " +
      "resource's service-desk roles when roleID is absent.",
    kind: "create",
    toolset: "service_calls",
    openWorld: false,
    input: z.object({
      serviceCallID: idSchema.optional(),
      ticketID: idSchema.optional().describe("Which ticket, when the call has several"),
      serviceCallTicketID: idSchema.optional().describe("Instead of serviceCallID and ticketID"),
      resourceID: idSchema,
      roleID: idSchema.optional(),
    }),
    output: writeOutput,
    handler: async (args, ctx) => {
      if (args.serviceCallTicketID === undefined && args.serviceCallID === undefined) {
        throw new InputError(
          "Give serviceCallID (and ticketID when the call has several tickets) or serviceCallTicketID",
        );
      }
      const link = await findLink(ctx, args);
      const serviceCallTicketID = link.id as number;
      const existing = (await ctx.client.query("ServiceCallTicketResources", {
        filter: [
          eq("serviceCallTicketID", serviceCallTicketID),
          eq("resourceID", args.resourceID),
        ],
        maxRecords: 1,
        signal: ctx.signal,
      })).items[0];
      const notes: string[] = [];
      let roleID = args.roleID ?? existing?.roleID as number | undefined;
      if (roleID === undefined) {
        const ticket = await ctx.client.get("Tickets", link.ticketID as number, {
          signal: ctx.signal,
        });
        const choice = await chooseRole(ctx.client, args.resourceID, {
          workItem: ticket,
          signal: ctx.signal,
        });
        roleID = choice.roleID;
        notes.push(`roleID ${roleID} chosen from the resource's ${choice.source}`);
      }
      const record = { serviceCallTicketID, resourceID: args.resourceID, roleID };
      let result: Record<string, unknown>;
      if (existing) {
        result = { id: existing.id, entity: "ServiceCallTicketResources" };
        notes.splice(0, notes.length, "the resource was already assigned to this ticket's visit");
      } else {
        result = await createAndReport(ctx, "ServiceCallTicketResources", record, {
          parentId: serviceCallTicketID,
        });
      }
      const [item] = await enrich(ctx, "ServiceCallTicketResources", [{
        serviceCallID: link.serviceCallID,
        ticketID: link.ticketID,
        ...record,
      }]);
      result.item = item;
      if (notes.length > 0) result.note = [result.note, ...notes].filter(Boolean).join("; ");
      return result;
    },
  }) as unknown as ToolDef,
];
