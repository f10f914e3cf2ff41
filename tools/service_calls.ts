/** Service calls: schedule onsite visits, put tickets and project tasks on them, send technicians. */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { eq, type Filter, inList, MAX_OR_CONDITIONS } from "../lib/autotask/query.ts";
import { chooseRole } from "../lib/autotask/roles.ts";
import { isoInstant, parseInstant } from "../lib/dates.ts";
import {
  addNotes,
  createAndReport,
  createTool,
  dateTimeSchema,
  defined,
  defineTool,
  enrich,
  extraSchema,
  getOutput,
  getRecord,
  getViewOf,
  givenRecord,
  idSchema,
  InputError,
  linkTool,
  pagingShape,
  picklistSchema,
  readOne,
  type ResourceDescriptor,
  runSearch,
  searchOutput,
  selectFields,
  shapedItem,
  type ToolContext,
  type ToolModule,
  updateTool,
  viewShape,
  writeOutput,
} from "../lib/mcp/mod.ts";

/** Service calls: scheduled onsite visits. */
export const SERVICE_CALLS = {
  entity: "ServiceCalls",
  label: "Service call",
  toolset: "service_calls",
  openWorld: true,
  searchView: [
    "id",
    "companyID",
    "startDateTime",
    "endDateTime",
    "duration",
    "status",
    "isComplete",
    "description",
  ],
  getView: [
    "companyLocationID",
    "canceledDateTime",
    "canceledByResourceID",
    "createDateTime",
    "creatorResourceID",
    "lastModifiedDateTime",
  ],
  untrusted: ["description"],
  lister: "search_service_calls",
  bulkFixed: {
    startDateTime: "update_service_call keeps each visit's length when its start moves",
    endDateTime: "update_service_call checks each visit ends after it starts",
  },
} satisfies ResourceDescriptor;

/** A ticket on a service call (the link the visit's resources are sent for). */
export const SERVICE_CALL_TICKETS = {
  entity: "ServiceCallTickets",
  label: "Service call ticket",
  toolset: "service_calls",
} satisfies ResourceDescriptor;

/** A project task on a service call. */
export const SERVICE_CALL_TASKS = {
  entity: "ServiceCallTasks",
  label: "Service call task",
  toolset: "service_calls",
} satisfies ResourceDescriptor;

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

/** An ISO-8601 date-time as UTC with milliseconds (a zoneless one is UTC, as Autotask reads it). */
function utc(text: string): string {
  return isoInstant(parseInstant(text));
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
 * What a visit works: tickets and project tasks. Autotask links each to the call with its own
 * entity, and sends resources per link.
 */
interface Work {
  /** The worked record's id field on the link, and the tool argument (ticketID). */
  itemField: "ticketID" | "taskID";
  /** The link entity and its id as the resource rows name it. */
  links: "ServiceCallTickets" | "ServiceCallTasks";
  linkField: "serviceCallTicketID" | "serviceCallTaskID";
  resources: "ServiceCallTicketResources" | "ServiceCallTaskResources";
  /** The worked entity, and its noun in messages (enrich names it `<noun>Name`). */
  entity: "Tickets" | "Tasks";
  noun: "ticket" | "task";
  /** The tool that puts one on a call. */
  linkTool: string;
}

const TICKET_WORK: Work = {
  itemField: "ticketID",
  links: "ServiceCallTickets",
  linkField: "serviceCallTicketID",
  resources: "ServiceCallTicketResources",
  entity: "Tickets",
  noun: "ticket",
  linkTool: "link_ticket_to_service_call",
};
const TASK_WORK: Work = {
  itemField: "taskID",
  links: "ServiceCallTasks",
  linkField: "serviceCallTaskID",
  resources: "ServiceCallTaskResources",
  entity: "Tasks",
  noun: "task",
  linkTool: "link_task_to_service_call",
};
const WORK = [TICKET_WORK, TASK_WORK];

/** "1 ticket", "2 tasks". */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * The service calls a resource is sent on. Autotask keeps the assignment two
 * links away from the call (per ticket and per task), so this is a join: from
 * the calls the other filters select when they are few (a date window), else
 * from the resource's assignments (capped, with a note when the cap cut them).
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
      const found: unknown[] = [];
      for (const work of WORK) {
        const links = await allIn(ctx, work.links, "serviceCallID", ids(calls.items), {
          fields: ["serviceCallID"],
        });
        const sent = await allIn(ctx, work.resources, work.linkField, ids(links), {
          also: [eq("resourceID", resourceID)],
          fields: [work.linkField],
        });
        const callOf = new Map(links.map((l) => [l.id, l.serviceCallID]));
        found.push(...sent.map((r) => callOf.get(r[work.linkField] as number)));
      }
      const callIds = unique(found);
      return { filter: callIds.length > 0 ? inList("id", callIds) : NOTHING };
    }
  }
  const found: unknown[] = [];
  let truncated = false;
  for (const work of WORK) {
    const scan = await ctx.client.queryAll(work.resources, {
      filter: [eq("resourceID", resourceID)],
      includeFields: [work.linkField],
      cap: RESOURCE_SCAN_CAP,
      signal: ctx.signal,
    });
    truncated ||= scan.truncated;
    const linkIds = unique(scan.items.map((r) => r[work.linkField]));
    const links = await allIn(ctx, work.links, "id", linkIds, { fields: ["serviceCallID"] });
    found.push(...links.map((l) => l.serviceCallID));
  }
  const callIds = unique(found);
  if (callIds.length === 0) return { filter: NOTHING };
  const kept = callIds.slice(0, MAX_OR_CONDITIONS);
  const note = truncated || kept.length < callIds.length
    ? `resourceID ${resourceID} is on too many service calls to search at once: only ` +
      `${kept.length} were searched; add startAfter and startBefore (a window of at most ` +
      `${WINDOW_CAP} calls) to search them all`
    : undefined;
  return { filter: inList("id", kept), note };
}

/** The service calls a ticket or task is on. */
async function callsOf(ctx: ToolContext, work: Work, id: number): Promise<Filter> {
  const links = await ctx.client.query(work.links, {
    filter: [eq(work.itemField, id)],
    includeFields: ["serviceCallID"],
    maxRecords: MAX_OR_CONDITIONS,
    signal: ctx.signal,
  });
  const callIds = unique(links.items.map((l) => l.serviceCallID));
  return callIds.length > 0 ? inList("id", callIds) : NOTHING;
}

/** The tickets (or tasks) on a call, each with the resources sent for it. */
async function workOf(
  ctx: ToolContext,
  work: Work,
  callId: number,
): Promise<Record<string, unknown>[]> {
  const links = (await ctx.client.query(work.links, {
    filter: [eq("serviceCallID", callId)],
    includeFields: [work.itemField],
    maxRecords: MAX_LINKS,
    signal: ctx.signal,
  })).items;
  if (links.length === 0) return [];
  const assigned = (await ctx.client.queryAll(work.resources, {
    filter: [inList(work.linkField, links.map((l) => l.id as number))],
    cap: 500,
    signal: ctx.signal,
  })).items;
  const [named, resources] = await Promise.all([
    enrich(ctx, links, { entity: work.links }),
    enrich(ctx, assigned, { entity: work.resources }),
  ]);
  return named.map(({ id, ...link }) => ({
    [work.linkField]: id,
    ...link,
    resources: resources
      .filter((r) => r[work.linkField] === id)
      .map((r) => {
        const { [work.linkField]: _, userDefinedFields: __, ...rest } = r;
        return rest;
      }),
  }));
}

/** Where a resource is sent: a ticket's or a task's link on the call. */
interface Link {
  work: Work;
  record: AutotaskRecord;
}

/** The arguments that name a link, directly or through the call. */
interface LinkArgs {
  serviceCallID?: number;
  ticketID?: number;
  taskID?: number;
  serviceCallTicketID?: number;
  serviceCallTaskID?: number;
}

/** Why a call's links do not name one: none at all, or several to choose from. */
async function noSingleLink(
  ctx: ToolContext,
  callId: number,
  found: { work: Work; items: AutotaskRecord[] }[],
): Promise<InputError> {
  const choices = await Promise.all(
    found.filter(({ items }) => items.length > 0).map(async ({ work, items }) => {
      const links = await enrich(ctx, items, { entity: work.links });
      const name = `${work.noun}Name`;
      const listed = links.map((l) => `${l[work.itemField]}${l[name] ? ` (${l[name]})` : ""}`);
      return {
        counted: count(items.length, work.noun),
        pass: `${work.itemField}, one of ${listed.join(", ")}`,
      };
    }),
  );
  if (choices.length === 0) {
    await getRecord(ctx, { entity: "ServiceCalls", id: callId });
    return new InputError(
      `Service call ${callId} has no tickets or tasks, and Autotask sends resources per ` +
        "ticket or task: add one with link_ticket_to_service_call or " +
        "link_task_to_service_call first",
    );
  }
  return new InputError(
    `Service call ${callId} has ${choices.map((c) => c.counted).join(" and ")}: pass ${
      choices.map((c) => c.pass).join("; or ")
    }`,
  );
}

/**
 * The link a resource is sent for: the one given, or the call's link for
 * `ticketID` or `taskID`, or the only ticket or task on the call.
 */
async function findLink(ctx: ToolContext, args: LinkArgs): Promise<Link> {
  for (const work of WORK) {
    const linkId = args[work.linkField];
    if (linkId !== undefined) {
      return { work, record: await getRecord(ctx, { entity: work.links, id: linkId }) };
    }
  }
  const callId = args.serviceCallID as number;
  const named = WORK.filter((work) => args[work.itemField] !== undefined);
  if (named.length > 1) throw new InputError("Give ticketID or taskID, not both");
  const found = await Promise.all((named.length > 0 ? named : WORK).map(async (work) => {
    const filter = [eq("serviceCallID", callId)];
    const item = args[work.itemField];
    if (item !== undefined) filter.push(eq(work.itemField, item));
    const { items } = await ctx.client.query(work.links, {
      filter,
      maxRecords: MAX_LINKS,
      signal: ctx.signal,
    });
    return { work, items };
  }));
  const all = found.flatMap(({ work, items }) => items.map((record) => ({ work, record })));
  if (all.length === 1) return all[0];
  const work = named[0];
  if (all.length === 0 && work !== undefined) {
    await getRecord(ctx, { entity: "ServiceCalls", id: callId });
    throw new InputError(
      `${work.noun === "ticket" ? "Ticket" : "Task"} ${
        args[work.itemField]
      } is not on service call ${callId}: add it with ${work.linkTool} first`,
    );
  }
  throw await noSingleLink(ctx, callId, found);
}

/** The company a task's project belongs to (tasks carry no companyID of their own). */
async function taskCompany(ctx: ToolContext, taskID: number): Promise<number | undefined> {
  const task = await readOne(ctx, { entity: "Tasks", id: taskID, fields: ["projectID"] });
  const project = await ctx.client.get("Projects", task.projectID as number, {
    signal: ctx.signal,
  });
  return project?.companyID as number | undefined;
}

/** The start and end of a new visit: endDateTime, or start plus durationHours. */
function visitTimes(args: {
  startDateTime: string;
  endDateTime?: string;
  durationHours?: number;
}): { start: number; end: number } {
  if (args.endDateTime !== undefined && args.durationHours !== undefined) {
    throw new InputError("Give endDateTime or durationHours, not both");
  }
  if (args.endDateTime === undefined && args.durationHours === undefined) {
    throw new InputError("Give endDateTime or durationHours: Autotask needs the end of the visit");
  }
  const start = parseInstant(args.startDateTime);
  const end = args.endDateTime !== undefined
    ? parseInstant(args.endDateTime)
    : start + (args.durationHours as number) * HOUR;
  if (end <= start) throw new InputError("endDateTime must be after startDateTime");
  if (end - start > MAX_HOURS * HOUR) {
    throw new InputError(`A visit lasts at most ${MAX_HOURS} hours: check the dates`);
  }
  return { start, end };
}

/**
 * A visit's new times, kept consistent: given times become UTC, a start moved alone keeps the
 * visit's length, and the end stays after the start. Returns notes on what it moved.
 */
async function alignVisit(ctx: ToolContext, record: AutotaskRecord, id: number): Promise<string[]> {
  const current = await getRecord(ctx, { entity: "ServiceCalls", id });
  const notes: string[] = [];
  for (const field of ["startDateTime", "endDateTime"]) {
    if (typeof record[field] === "string") record[field] = utc(record[field] as string);
  }
  if (
    typeof record.startDateTime === "string" && record.endDateTime === undefined &&
    typeof current.startDateTime === "string" && typeof current.endDateTime === "string"
  ) {
    const length = parseInstant(current.endDateTime) - parseInstant(current.startDateTime);
    record.endDateTime = isoInstant(parseInstant(record.startDateTime) + length);
    notes.push(`endDateTime moved to ${record.endDateTime} to keep the visit's length`);
  }
  const start = parseInstant(String(record.startDateTime ?? current.startDateTime));
  const end = parseInstant(String(record.endDateTime ?? current.endDateTime));
  if (!(end > start)) {
    throw new InputError(
      `endDateTime must be after startDateTime (the visit would run ${isoInstant(start)} to ${
        isoInstant(end)
      })`,
    );
  }
  return notes;
}

/** The company of a ticket, named when it is not the call's: why a link is refused. */
async function companyMismatch(
  ctx: ToolContext,
  companyID: unknown,
  entity: string,
): Promise<string> {
  const [named] = await enrich(ctx, [{ companyID }], { entity });
  return `${companyID}${named.companyName ? ` (${named.companyName})` : ""}`;
}

/** The service call toolset. */
export const serviceCalls: ToolModule = {
  resources: [SERVICE_CALLS, SERVICE_CALL_TICKETS, SERVICE_CALL_TASKS],
  tools: [
    defineTool({
      name: "search_service_calls",
      title: "Search service calls",
      description:
        "Find scheduled visits by company, status, start date, technician, ticket or task, in id order.",
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
        taskID: idSchema.optional(),
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
        for (const work of WORK) {
          const item = args[work.itemField];
          if (item !== undefined && !args.cursor) filter.push(await callsOf(ctx, work, item));
        }
        if (args.resourceID !== undefined && !args.cursor) {
          const found = await callsOfResource(ctx, args.resourceID, [...filter]);
          filter.push(found.filter);
          if (found.note) notes.push(found.note);
        }
        const selection = await selectFields(ctx, "ServiceCalls", {
          fields: args.fields,
          detail: args.detail,
          defaults: SERVICE_CALLS.searchView,
        });
        const result = await runSearch(ctx, "ServiceCalls", {
          filter,
          limit: args.limit,
          cursor: args.cursor,
          fields: selection.fields,
          openWorld: true,
        });
        addNotes(result, notes);
        return result;
      },
    }),
    defineTool({
      name: "get_service_call",
      title: "Get service call",
      description:
        "Read one service call with its tickets and project tasks and the resources sent for each.",
      kind: "read",
      toolset: "service_calls",
      openWorld: true,
      input: z.object({ id: idSchema, ...viewShape }),
      output: getOutput.extend({
        tickets: z.array(z.record(z.string(), z.unknown())),
        tasks: z.array(z.record(z.string(), z.unknown())),
      }),
      handler: async ({ id, fields, detail }, ctx) => {
        const selection = await selectFields(ctx, "ServiceCalls", {
          fields,
          detail,
          defaults: getViewOf(SERVICE_CALLS),
        });
        const call = await readOne(ctx, { entity: "ServiceCalls", id, fields: selection.fields });
        const result = await shapedItem(ctx, call, { entity: "ServiceCalls", openWorld: true });
        [result.tickets, result.tasks] = await Promise.all([
          workOf(ctx, TICKET_WORK, id),
          workOf(ctx, TASK_WORK, id),
        ]);
        // Ticket and task names carry titles, which customers may write.
        const untrusted = [
          ...(result.tickets as unknown[]).length > 0 ? ["tickets.ticketName"] : [],
          ...(result.tasks as unknown[]).length > 0 ? ["tasks.taskName"] : [],
        ];
        if (untrusted.length > 0) {
          result.untrustedFields = [
            ...(result.untrustedFields as string[] | undefined ?? []),
            ...untrusted,
          ];
        }
        return result;
      },
    }),
    createTool(SERVICE_CALLS, {
      name: "create_service_call",
      title: "Create service call",
      description: "Schedule a visit for a company (endDateTime or durationHours; status " +
        "defaults to the tenant's), then link tickets and assign resources to it.",
      input: z.object({
        companyID: idSchema,
        startDateTime: dateTimeSchema,
        endDateTime: dateTimeSchema.optional(),
        durationHours: z.number().positive().max(MAX_HOURS).optional(),
        description: z.string().trim().max(2000).optional(),
        status: picklistSchema.optional(),
        extra: extraSchema.optional(),
      }),
      check: (args) => void visitTimes(args),
      record: async (args, ctx) => {
        const { start, end } = visitTimes(args);
        // durationHours is this tool's, not a field: Autotask gets the end it gives.
        const { durationHours: _, ...given } = await givenRecord(ctx, args, {
          entity: "ServiceCalls",
        });
        const record: AutotaskRecord = {
          ...given,
          startDateTime: isoInstant(start),
          endDateTime: isoInstant(end),
        };
        if (record.status === undefined) {
          const status = await ctx.picklists.defaultValue("ServiceCalls", "status", ctx.signal);
          if (status !== undefined) record.status = status;
        }
        return record;
      },
      readBack: ["id", "companyID", "startDateTime", "endDateTime", "duration", "status"],
      finish: async (result, ctx) => {
        if (result.item) {
          [result.item] = await enrich(ctx, [result.item as AutotaskRecord], {
            entity: "ServiceCalls",
          });
        }
      },
    }),
    updateTool(SERVICE_CALLS, {
      name: "update_service_call",
      title: "Update service call",
      description: "Change a service call's fields, sending only those (moving startDateTime " +
        "alone keeps the visit's length; isComplete 1 completes it).",
      prepare: (record, ctx, { id }) => alignVisit(ctx, record, id),
    }),
    linkTool(SERVICE_CALL_TICKETS, {
      name: "link_ticket_to_service_call",
      title: "Link ticket to service call",
      description: "Put a ticket of the same company on a service call (the visit works it).",
      parent: { field: "serviceCallID", noun: "service call" },
      item: { field: "ticketID" },
      idField: "serviceCallTicketID",
      check: async (ctx, ids) => {
        const [call, ticket] = await Promise.all([
          readOne(ctx, { entity: "ServiceCalls", id: ids.parent, fields: ["companyID"] }),
          readOne(ctx, { entity: "Tickets", id: ids.item, fields: ["companyID", "ticketNumber"] }),
        ]);
        if (call.companyID !== ticket.companyID) {
          throw new InputError(
            `Ticket ${ids.item} belongs to company ${await companyMismatch(
              ctx,
              ticket.companyID,
              "Tickets",
            )}, service call ${ids.parent} to company ${call.companyID}: ` +
              `link a ticket of the service call's company, or create a service call for that company`,
          );
        }
        return `ticket ${ticket.ticketNumber}`;
      },
    }),
    linkTool(SERVICE_CALL_TASKS, {
      name: "link_task_to_service_call",
      title: "Link task to service call",
      description: "Put a project task of the same company on a service call (the visit works it).",
      parent: { field: "serviceCallID", noun: "service call" },
      item: { field: "taskID" },
      idField: "serviceCallTaskID",
      check: async (ctx, ids) => {
        const [call, companyID] = await Promise.all([
          readOne(ctx, { entity: "ServiceCalls", id: ids.parent, fields: ["companyID"] }),
          taskCompany(ctx, ids.item),
        ]);
        if (companyID !== undefined && call.companyID !== companyID) {
          throw new InputError(
            `Task ${ids.item} is on a project of company ${await companyMismatch(
              ctx,
              companyID,
              "ServiceCalls",
            )}, service call ${ids.parent} is for company ${call.companyID}: ` +
              `link a task of the service call's company, or create a service call for that company`,
          );
        }
        return `task ${ids.item}`;
      },
    }),
    defineTool({
      name: "assign_resource_to_service_call",
      title: "Assign resource to service call",
      description: "Send a technician on a service call's ticket or project task; the role is " +
        "chosen from the resource's roles when roleID is absent.",
      kind: "create",
      toolset: "service_calls",
      openWorld: false,
      input: z.object({
        serviceCallID: idSchema.optional(),
        ticketID: idSchema.optional().describe("Which ticket, when the call has several"),
        taskID: idSchema.optional().describe("Which project task, when the call has several"),
        serviceCallTicketID: idSchema.optional().describe("Instead of serviceCallID and ticketID"),
        serviceCallTaskID: idSchema.optional().describe("Instead of serviceCallID and taskID"),
        resourceID: idSchema,
        roleID: idSchema.optional(),
      }),
      output: writeOutput,
      handler: async (args, ctx) => {
        if (
          args.serviceCallID === undefined && args.serviceCallTicketID === undefined &&
          args.serviceCallTaskID === undefined
        ) {
          throw new InputError(
            "Give serviceCallID (and ticketID or taskID when the call has several), " +
              "serviceCallTicketID or serviceCallTaskID",
          );
        }
        const { work, record: link } = await findLink(ctx, args);
        const linkId = link.id as number;
        const existing = (await ctx.client.query(work.resources, {
          filter: [eq(work.linkField, linkId), eq("resourceID", args.resourceID)],
          maxRecords: 1,
          signal: ctx.signal,
        })).items[0];
        const notes: string[] = [];
        // Older tenants keep no role on a visit's resources: send one only where the field exists.
        const fields = await ctx.client.fields(work.resources, { signal: ctx.signal });
        const takesRole = fields.some((f) => f.name === "roleID");
        if (!takesRole && args.roleID !== undefined) {
          throw new InputError(`This tenant's ${work.resources} have no roleID: leave it out`);
        }
        let roleID = args.roleID ?? existing?.roleID as number | undefined;
        if (takesRole && roleID === undefined) {
          const item = await ctx.client.get(work.entity, link[work.itemField] as number, {
            signal: ctx.signal,
          });
          const choice = await chooseRole(ctx.client, args.resourceID, {
            workItem: item,
            signal: ctx.signal,
          });
          roleID = choice.roleID;
          notes.push(`roleID ${roleID} chosen from the resource's ${choice.source}`);
        }
        const record = defined({ [work.linkField]: linkId, resourceID: args.resourceID, roleID });
        let result: Record<string, unknown>;
        if (existing) {
          result = { id: existing.id, entity: work.resources };
          notes.splice(
            0,
            notes.length,
            `the resource was already assigned to this ${work.noun}'s visit`,
          );
        } else {
          result = await createAndReport(ctx, record, { entity: work.resources, parentId: linkId });
        }
        const [item] = await enrich(ctx, [{
          serviceCallID: link.serviceCallID,
          [work.itemField]: link[work.itemField],
          ...record,
        }], { entity: work.resources });
        result.item = item;
        addNotes(result, notes);
        return result;
      },
    }),
  ],
};
