/** Webhooks: manage Autotask's webhooks, read failed deliveries, and what changed (recent_changes, record resources). */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import { eq, type Filter, inList, MAX_OR_CONDITIONS } from "../lib/autotask/query.ts";
import {
  type CalloutValue,
  parseCallout,
  WEBHOOK_ERROR_LOG,
  type WebhookKind,
  webhookKind,
} from "../lib/autotask/webhooks.ts";
import { parseInstant } from "../lib/dates.ts";
import {
  cleanValue,
  dateTimeSchema,
  defineTool,
  enrich,
  idSchema,
  InputError,
  type RecordResource,
  recordUriOf,
  type ToolContext,
  type ToolModule,
} from "../lib/mcp/mod.ts";
import { closest } from "../lib/similar.ts";
import type { ChangeEvent } from "../lib/webhooks/mod.ts";

/** The entities Autotask has webhooks for, by their API names. */
const WATCHED = ["Tickets", "TicketNotes", "Companies", "Contacts", "ConfigurationItems"] as const;

/**
 * Where Autotask may call: https on port 443 only (autotask-api.md), so anything else is refused
 * before it is sent. Plain http to a loopback address is let through, for a local test.
 */
const calloutUrl = z.url({ protocol: /^https?$/ }).max(500).refine(
  (text) => {
    const url = new URL(text);
    if (url.protocol === "https:") return url.port === "";
    return ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  },
  "Autotask calls webhooks over https on port 443 only: give an https:// URL without another port",
);

const entitySchema = z.enum(WATCHED);
const eventSchema = z.enum(["create", "update", "delete"]);
const namesSchema = z.array(z.string().trim().min(1).max(100)).max(100);

/** The webhook's own fields a read returns; `secretKey` never leaves the server. */
const HOOK_FIELDS = [
  "name",
  "webhookUrl",
  "deactivationUrl",
  "isActive",
  "isReady",
  "isSubscribedToCreateEvents",
  "isSubscribedToUpdateEvents",
  "isSubscribedToDeleteEvents",
  "notificationEmailAddress",
  "ownerResourceID",
  "webhookGUID",
];

/** The flag of each event. */
const EVENT_FLAGS = {
  create: "isSubscribedToCreateEvents",
  update: "isSubscribedToUpdateEvents",
  delete: "isSubscribedToDeleteEvents",
} as const;

/** Records the webhook tools serve as MCP resources, readable while recent_changes is enabled. */
const RECORDS: RecordResource[] = [
  ["ticket", "Tickets", "tickets", "Ticket"],
  ["ticket-note", "TicketNotes", "ticket-notes", "Ticket note"],
  ["company", "Companies", "companies", "Company"],
  ["contact", "Contacts", "contacts", "Contact"],
  ["configuration-item", "ConfigurationItems", "configuration-items", "Configuration item"],
].map(([name, entity, path, title]) => ({
  name,
  entity,
  path,
  title,
  description: `An Autotask ${title.toLowerCase()} by id, labels and names inline. Subscribe ` +
    "to hear when a webhook callout reports a change to it (HTTP mode).",
  needs: ["recent_changes"],
}));

function kindOf(entity: string): WebhookKind {
  const kind = webhookKind(entity);
  if (!kind) throw new InputError(`Autotask has no webhooks for ${entity}`);
  return kind;
}

/** Autotask's permission refusal, with what webhooks need besides the entity's rights. */
function webhookError(error: unknown): unknown {
  if (!(error instanceof AutotaskError) || error.category !== "permission") return error;
  return new AutotaskError(
    `${error.message} Webhooks need two settings of the API user's security level (Admin > ` +
      'Security Levels), both off by default: "Can create WebHooks" turned on, and a webhook ' +
      "limit of at least 1; the level also needs rights on the watched entity",
    { category: "permission", operation: error.operation, entity: error.entity },
  );
}

async function withHint<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw webhookError(error);
  }
}

/** Every record of `entity` whose `field` is one of `ids` (split at Autotask's 500 conditions). */
async function byIds(
  ctx: ToolContext,
  entity: string,
  options: { field: string; ids: readonly number[]; fields: string[] },
): Promise<AutotaskRecord[]> {
  const out: AutotaskRecord[] = [];
  const ids = [...new Set(options.ids)];
  for (let i = 0; i < ids.length; i += MAX_OR_CONDITIONS) {
    const { items } = await ctx.client.queryAll(entity, {
      filter: [inList(options.field, ids.slice(i, i + MAX_OR_CONDITIONS))],
      includeFields: options.fields,
      signal: ctx.signal,
    });
    out.push(...items);
  }
  return out;
}

/** id -> label of a webhook child's field picklist (`fieldID`: the entity's field names). */
async function picklistNames(
  ctx: ToolContext,
  entity: string,
  field: string,
): Promise<Map<number, string>> {
  const info = await ctx.picklists.field(entity, field, ctx.signal);
  return new Map((info.picklistValues ?? []).map((v) => [Number(v.value), v.label]));
}

/** Names of the fields `rows` hold, subscribed and always-shown apart. */
function fieldLists(
  rows: AutotaskRecord[],
  options: { idField: string; names: Map<number, string> },
): { subscribed: string[]; always: string[] } {
  const name = (row: AutotaskRecord) =>
    options.names.get(row[options.idField] as number) ?? String(row[options.idField]);
  return {
    subscribed: rows.filter((r) => r.isSubscribedField === true).map(name),
    always: rows.filter((r) => r.isDisplayAlwaysField === true).map(name),
  };
}

/** Webhooks of one kind as people read them: fields by name, excluded resources with names. */
async function describeHooks(
  ctx: ToolContext,
  kind: WebhookKind,
  hooks: AutotaskRecord[],
): Promise<Record<string, unknown>[]> {
  if (hooks.length === 0) return [];
  const ids = hooks.map((h) => h.id as number);
  const children = (entity: string, idField: string) =>
    byIds(ctx, entity, {
      field: "webhookID",
      ids,
      fields: ["webhookID", idField, "isSubscribedField", "isDisplayAlwaysField"],
    });
  const [fields, udfs, excluded, fieldNames, udfNames] = await Promise.all([
    children(kind.fields, "fieldID"),
    kind.udfFields ? children(kind.udfFields, "udfFieldID") : Promise.resolve([]),
    byIds(ctx, kind.excluded, { field: "webhookID", ids, fields: ["webhookID", "resourceID"] }),
    picklistNames(ctx, kind.fields, "fieldID"),
    kind.udfFields ? picklistNames(ctx, kind.udfFields, "udfFieldID") : Promise.resolve(new Map()),
  ]);
  const people = new Set<number>();
  for (const row of [...excluded, ...hooks]) {
    for (const value of [row.resourceID, row.ownerResourceID]) {
      if (typeof value === "number") people.add(value);
    }
  }
  const names = await ctx.names.names("Resources", people, { signal: ctx.signal });
  return hooks.map((hook) => {
    const mine = (rows: AutotaskRecord[]) => rows.filter((r) => r.webhookID === hook.id);
    const own = fieldLists(mine(fields), { idField: "fieldID", names: fieldNames });
    const udf = fieldLists(mine(udfs), { idField: "udfFieldID", names: udfNames });
    const row: Record<string, unknown> = {
      entity: kind.entity,
      webhookEntity: kind.hooks,
      id: hook.id,
      name: hook.name,
      webhookUrl: hook.webhookUrl,
      deactivationUrl: hook.deactivationUrl,
      isActive: hook.isActive === true,
      isReady: hook.isReady === true,
      events: (Object.keys(EVENT_FLAGS) as (keyof typeof EVENT_FLAGS)[])
        .filter((e) => hook[EVENT_FLAGS[e]] === true),
      subscribedFields: own.subscribed,
      alwaysShownFields: own.always,
    };
    if (udf.subscribed.length > 0) row.subscribedUdfFields = udf.subscribed;
    if (udf.always.length > 0) row.alwaysShownUdfFields = udf.always;
    row.excludedResources = mine(excluded).map((r) => ({
      resourceID: r.resourceID,
      resourceName: names.get(r.resourceID as number) ?? undefined,
    }));
    if (typeof hook.ownerResourceID === "number") {
      row.ownerResourceID = hook.ownerResourceID;
      row.ownerResourceName = names.get(hook.ownerResourceID) ?? undefined;
    }
    if (hook.notificationEmailAddress) row.notificationEmailAddress = hook.notificationEmailAddress;
    row.webhookGUID = hook.webhookGUID;
    if (!row.isReady) {
      row.note = "Not ready: Autotask sends nothing until the webhook has a subscribed field";
    }
    return cleanValue(row);
  });
}

/** One webhook described, or a clear not-found error. */
async function describeOne(
  ctx: ToolContext,
  kind: WebhookKind,
  id: number,
): Promise<Record<string, unknown>> {
  const page = await withHint(ctx.client.query(kind.hooks, {
    filter: [eq("id", id)],
    includeFields: HOOK_FIELDS,
    maxRecords: 1,
    signal: ctx.signal,
  }));
  if (page.items.length === 0) {
    throw new InputError(
      `${kind.hooks} ${id} was not found in Autotask: list_webhooks shows the webhooks and ids`,
    );
  }
  return (await describeHooks(ctx, kind, page.items))[0];
}

/** One child record to add to a webhook, with how it is called in messages. */
interface ChildPlan {
  entity: string;
  record: AutotaskRecord;
  /** "field status (subscribed)" */
  label: string;
  /** Where it goes in an update_webhook call that finishes the job. */
  arg:
    | "addFields"
    | "addAlwaysShownFields"
    | "addUdfFields"
    | "addAlwaysShownUdfFields"
    | "excludeResourceIDs";
  value: string | number;
}

/** Resolves field names (or labels, any case, or ids) through a `fieldID`-style picklist. */
async function resolveNames(
  ctx: ToolContext,
  options: { entity: string; field: string; names: readonly string[]; what: string },
): Promise<Map<string, number>> {
  const resolved = new Map<string, number>();
  if (options.names.length === 0) return resolved;
  const info = await ctx.picklists.field(options.entity, options.field, ctx.signal);
  const values = info.picklistValues ?? [];
  const byLabel = new Map(values.map((v) => [v.label.toLowerCase(), v]));
  const byValue = new Map(values.map((v) => [v.value, v]));
  const unknown: string[] = [];
  for (const given of options.names) {
    const hit = byLabel.get(given.toLowerCase()) ?? byValue.get(given);
    if (hit) resolved.set(hit.label, Number(hit.value));
    else unknown.push(given);
  }
  if (unknown.length > 0) {
    const labels = values.map((v) => v.label);
    const hints = unknown.map((u) => {
      const near = closest(u, labels);
      return near.length > 0 ? `"${u}" (did you mean ${near.join(", ")}?)` : `"${u}"`;
    });
    throw new InputError(
      `Unknown ${options.what}: ${hints.join("; ")}. Give field names as Autotask spells them ` +
        `(describe_entity lists them)`,
    );
  }
  return resolved;
}

/** Which fields and resources to add to a webhook. */
interface ChildRequest {
  fields?: readonly string[];
  alwaysShownFields?: readonly string[];
  udfFields?: readonly string[];
  alwaysShownUdfFields?: readonly string[];
  excludeResourceIDs?: readonly number[];
}

/** The child records a request adds, checked against the tenant's picklists before anything is sent. */
async function planChildren(
  ctx: ToolContext,
  kind: WebhookKind,
  request: ChildRequest,
): Promise<ChildPlan[]> {
  const plans: ChildPlan[] = [];
  const fieldIds = await resolveNames(ctx, {
    entity: kind.fields,
    field: "fieldID",
    names: [...request.fields ?? [], ...request.alwaysShownFields ?? []],
    what: `${kind.entity} field`,
  });
  const subscribed = new Set((request.fields ?? []).map((n) => n.toLowerCase()));
  const always = new Set((request.alwaysShownFields ?? []).map((n) => n.toLowerCase()));
  for (const [name, fieldID] of fieldIds) {
    const sub = subscribed.has(name.toLowerCase()) || subscribed.has(String(fieldID));
    const show = always.has(name.toLowerCase()) || always.has(String(fieldID));
    plans.push({
      entity: kind.fields,
      record: { fieldID, isSubscribedField: sub, isDisplayAlwaysField: show },
      label: `field ${name} (${
        [sub && "subscribed", show && "always shown"].filter(Boolean).join(", ")
      })`,
      arg: sub ? "addFields" : "addAlwaysShownFields",
      value: name,
    });
  }
  const udfNames = [...request.udfFields ?? [], ...request.alwaysShownUdfFields ?? []];
  if (udfNames.length > 0) {
    if (!kind.udfFields) {
      throw new InputError(`${kind.entity} have no user-defined fields: leave udfFields out`);
    }
    const udfIds = await resolveNames(ctx, {
      entity: kind.udfFields,
      field: "udfFieldID",
      names: udfNames,
      what: `${kind.entity} user-defined field`,
    });
    const udfSubscribed = new Set((request.udfFields ?? []).map((n) => n.toLowerCase()));
    for (const [name, udfFieldID] of udfIds) {
      const sub = udfSubscribed.has(name.toLowerCase()) || udfSubscribed.has(String(udfFieldID));
      const show = (request.alwaysShownUdfFields ?? []).some((n) =>
        n.toLowerCase() === name.toLowerCase() || n === String(udfFieldID)
      );
      plans.push({
        entity: kind.udfFields,
        record: { udfFieldID, isSubscribedField: sub, isDisplayAlwaysField: show },
        label: `user-defined field ${name} (${sub ? "subscribed" : "always shown"})`,
        arg: sub ? "addUdfFields" : "addAlwaysShownUdfFields",
        value: name,
      });
    }
  }
  for (const resourceID of new Set(request.excludeResourceIDs ?? [])) {
    plans.push({
      entity: kind.excluded,
      record: { resourceID },
      label: `excluded resource ${resourceID}`,
      arg: "excludeResourceIDs",
      value: resourceID,
    });
  }
  return plans;
}

/** The API user's own Resources record: its changes are left out so the server's writes do not echo. */
async function apiUserResourceId(ctx: ToolContext): Promise<number> {
  const username = ctx.client.apiUsername();
  for (const field of ["userName", "email"]) {
    const page = await ctx.client.query("Resources", {
      filter: [eq(field, username)],
      includeFields: ["userName", "email"],
      maxRecords: 2,
      signal: ctx.signal,
    });
    if (page.items.length === 1) return page.items[0].id as number;
  }
  throw new InputError(
    `The API user's own resource (userName ${username}) was not found among Resources, so its ` +
      "changes cannot be excluded: give its id in excludeResourceIDs, or pass excludeApiUser: " +
      "false to have the server's own writes reported too",
  );
}

/** What adding children achieved: those added, and the first failure with what was left. */
interface ChildOutcome {
  added: string[];
  failure?: { plan: ChildPlan; error: unknown; remaining: ChildPlan[] };
}

async function addChildren(
  ctx: ToolContext,
  hookId: number,
  plans: ChildPlan[],
): Promise<ChildOutcome> {
  const added: string[] = [];
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i];
    try {
      await ctx.client.create(plan.entity, { webhookID: hookId, ...plan.record }, {
        parentId: hookId,
        signal: ctx.signal,
      });
      added.push(plan.label);
    } catch (error) {
      if (!(error instanceof AutotaskError)) throw error;
      return { added, failure: { plan, error: webhookError(error), remaining: plans.slice(i) } };
    }
  }
  return { added };
}

/** The update_webhook arguments that add `plans`. */
function finishingArgs(plans: ChildPlan[]): Record<string, (string | number)[]> {
  const args: Record<string, (string | number)[]> = {};
  for (const plan of plans) (args[plan.arg] ??= []).push(plan.value);
  return args;
}

/** The message of a webhook left half-configured: what exists, and how to finish or remove it. */
function partialMessage(
  kind: WebhookKind,
  hook: { id: number; name: string; active: string },
  outcome: ChildOutcome & { failure: NonNullable<ChildOutcome["failure"]> },
  extra: Record<string, unknown> = {},
): string {
  const { plan, error, remaining } = outcome.failure;
  const unsure = error instanceof AutotaskError && error.category === "unknown_outcome";
  const finish = JSON.stringify({
    entity: kind.entity,
    id: hook.id,
    ...finishingArgs(unsure ? remaining.slice(1) : remaining),
    ...extra,
  });
  return `${kind.hooks} ${hook.id} "${hook.name}" exists in Autotask (${hook.active}), but adding ` +
    `${plan.label} failed: ${(error as Error).message} ` +
    `It has now: ${outcome.added.length > 0 ? outcome.added.join(", ") : "no fields"}; missing: ` +
    `${remaining.map((p) => p.label).join(", ")}` +
    (unsure ? ` (${plan.label} may have been added: list_webhooks shows it)` : "") +
    `. To finish it, call update_webhook ${finish}; to remove it, call delete_webhook ` +
    `${JSON.stringify({ entity: kind.entity, id: hook.id })}`;
}

/** The flags of `events` (every one of the three, so a change replaces the set). */
function eventFlags(events: readonly string[]): Record<string, boolean> {
  return Object.fromEntries(
    Object.entries(EVENT_FLAGS).map(([event, flag]) => [flag, events.includes(event)]),
  );
}

function requireSecret(ctx: ToolContext): string {
  const secret = ctx.webhooks?.secret;
  if (secret === undefined) {
    throw new InputError(
      "Creating a webhook needs AUTOTASK_WEBHOOK_SECRET: set it (10 to 64 characters, e.g. " +
        "`openssl rand -hex 24`) in the server's environment and restart it. Autotask signs every " +
        "callout with it, and the server verifies them with it",
    );
  }
  return secret;
}

/** Changes of webhook events, for the feed's rows: picklist labels and names inline. */
async function shownFields(
  ctx: ToolContext,
  entity: string,
  events: ChangeEvent[],
): Promise<Map<number, Record<string, unknown>>> {
  const meta = await ctx.client.fields(entity, { signal: ctx.signal });
  const byLower = new Map(meta.map((f) => [f.name.toLowerCase(), f]));
  const udfs = (await ctx.client.userDefinedFields(entity, { signal: ctx.signal }))
    .map((u) => u.name);
  const synthetic = events.map((event) => {
    const record: AutotaskRecord = { id: event.seq };
    const udfValues: { name: string; value: CalloutValue }[] = [];
    for (const [key, value] of Object.entries(event.fields)) {
      const field = byLower.get(key.toLowerCase());
      if (!field) {
        const udf = udfs.find((n) => n.toLowerCase() === key.toLowerCase()) ?? key;
        udfValues.push({ name: udf, value });
        continue;
      }
      const numeric = ["integer", "long", "short", "byte"].includes(field.dataType) &&
        typeof value === "string" && /^-?\d{1,15}$/.test(value);
      record[field.name] = numeric ? Number(value) : value;
    }
    if (udfValues.length > 0) record.userDefinedFields = udfValues;
    return record;
  });
  const shaped = await enrich(ctx, synthetic, { entity });
  return new Map(shaped.map((record) => {
    const { id, ...fields } = record;
    return [id as number, fields];
  }));
}

/** The current records events name, one batched query per entity type, shaped with labels and names. */
async function currentRecords(
  ctx: ToolContext,
  entity: string,
  ids: number[],
): Promise<Map<number, Record<string, unknown>>> {
  if (ids.length === 0) return new Map();
  const view = ctx.resources.find(entity)?.searchView;
  const found = await byIds(ctx, entity, {
    field: "id",
    ids,
    fields: view ? [...view] : ["id"],
  });
  const shaped = await enrich(ctx, found, { entity });
  return new Map(shaped.map((r) => [r.id as number, r]));
}

/** The company of a changed record, as far as the event and the current record say. */
function companyOf(
  event: ChangeEvent,
  record: Record<string, unknown> | undefined,
  ticketCompanies: Map<number, number>,
): number | undefined {
  if (event.entity === "Companies") return event.id;
  if (typeof record?.companyID === "number") return record.companyID;
  if (event.entity === "TicketNotes") {
    const ticket = typeof record?.ticketID === "number" ? record.ticketID : event.ticketId;
    return ticket === undefined ? undefined : ticketCompanies.get(ticket);
  }
  const given = Object.entries(event.fields).find(([k]) => k.toLowerCase() === "companyid")?.[1];
  return typeof given === "string" && /^\d+$/.test(given) ? Number(given) : undefined;
}

/** Filters of recent_changes that need no Autotask request. */
interface EventFilter {
  entity?: string;
  action?: string;
  id?: number;
  ticketID?: number;
  since?: number;
}

function matches(event: ChangeEvent, filter: EventFilter): boolean {
  if (filter.entity !== undefined && event.entity !== filter.entity) return false;
  if (filter.action !== undefined && event.action.toLowerCase() !== filter.action) return false;
  if (filter.id !== undefined && event.id !== filter.id) return false;
  if (filter.ticketID !== undefined) {
    const ticket = event.entity === "Tickets" ? event.id : event.ticketId;
    if (ticket !== filter.ticketID) return false;
  }
  if (filter.since !== undefined) {
    const at = Date.parse(event.eventTime ?? event.receivedAt);
    if (!(at >= filter.since)) return false;
  }
  return true;
}

/** The rows of one chunk of events: changed fields and the record now, with names and labels. */
async function changeRows(
  ctx: ToolContext,
  events: ChangeEvent[],
  companyID: number | undefined,
): Promise<Record<string, unknown>[]> {
  const byEntity = new Map<string, ChangeEvent[]>();
  for (const event of events) {
    byEntity.set(event.entity, [...byEntity.get(event.entity) ?? [], event]);
  }
  const records = new Map<string, Map<number, Record<string, unknown>>>();
  const fields = new Map<number, Record<string, unknown>>();
  await Promise.all([...byEntity].map(async ([entity, list]) => {
    const live = list.filter((e) => e.action !== "Delete").map((e) => e.id);
    const [now, shown] = await Promise.all([
      currentRecords(ctx, entity, live),
      shownFields(ctx, entity, list),
    ]);
    records.set(entity, now);
    for (const [seq, value] of shown) fields.set(seq, value);
  }));
  const ticketCompanies = new Map<number, number>();
  const notes = byEntity.get("TicketNotes") ?? [];
  if (companyID !== undefined && notes.length > 0) {
    const tickets = notes.map((e) =>
      (records.get("TicketNotes")?.get(e.id)?.ticketID as number | undefined) ?? e.ticketId
    ).filter((t): t is number => typeof t === "number");
    for (
      const ticket of await byIds(ctx, "Tickets", {
        field: "id",
        ids: tickets,
        fields: ["companyID"],
      })
    ) {
      if (typeof ticket.companyID === "number") {
        ticketCompanies.set(ticket.id as number, ticket.companyID);
      }
    }
  }
  const people = await ctx.names.names(
    "Resources",
    events.map((e) => e.personId).filter((p): p is number => p !== undefined),
    { signal: ctx.signal },
  );
  const rows: Record<string, unknown>[] = [];
  for (const event of events) {
    const record = records.get(event.entity)?.get(event.id);
    if (companyID !== undefined && companyOf(event, record, ticketCompanies) !== companyID) {
      continue;
    }
    const row: Record<string, unknown> = {
      action: event.action,
      entity: event.entity,
      id: event.id,
      uri: recordUriOf(RECORDS, event.entity, event.id),
      eventTime: event.eventTime,
      receivedAt: event.receivedAt,
    };
    if (event.ticketId !== undefined) row.ticketID = event.ticketId;
    if (event.personId !== undefined) {
      row.changedByResourceID = event.personId;
      const name = people.get(event.personId);
      if (name) row.changedByName = name;
    }
    row.fields = fields.get(event.seq) ?? {};
    if (event.action === "Delete") row.record = null;
    else if (record) row.record = record;
    else {
      row.record = null;
      row.note =
        "The record is no longer readable (deleted since, or outside the API user's rights)";
    }
    rows.push(row);
  }
  return rows;
}

/** Why recent_changes has nothing to show in this configuration. */
function noFeedMessage(ctx: ToolContext): string {
  const how =
    "Webhook callouts reach this server only in HTTP mode (--http, behind a TLS reverse " +
    "proxy) with AUTOTASK_WEBHOOK_SECRET set, and a webhook created with the server's public URL " +
    "ending in /webhooks/autotask: see Webhooks in the README";
  if (ctx.webhooks?.transport === "http") {
    return `recent_changes has no events: AUTOTASK_WEBHOOK_SECRET is not set. ${how}`;
  }
  return "recent_changes has no events over stdio: there is no inbound endpoint for Autotask to " +
    `call. ${how}. Until then, search tools filter on last-modified dates`;
}

const CHUNK = 100;

/** The webhooks toolset. */
export const webhooks: ToolModule = {
  resources: [],
  records: RECORDS,
  toolsets: {
    webhooks:
      "Autotask webhooks: list, create, change and delete them, failed deliveries, and recent_changes (HTTP mode)",
  },
  tools: [
    defineTool({
      name: "list_webhooks",
      title: "List webhooks",
      description: "Autotask's webhooks (all five kinds, or one) with their events, fields by " +
        "name, excluded resources, isActive and isReady.",
      kind: "read",
      toolset: "webhooks",
      openWorld: false,
      input: z.object({
        entity: entitySchema.optional(),
        id: idSchema.optional().describe("One webhook (with entity)"),
      }),
      output: z.looseObject({ webhooks: z.array(z.record(z.string(), z.unknown())) }),
      handler: async (args, ctx) => {
        if (args.id !== undefined) {
          if (!args.entity) throw new InputError("Give entity with id: a webhook id is per kind");
          return { webhooks: [await describeOne(ctx, kindOf(args.entity), args.id)], count: 1 };
        }
        const kinds = args.entity ? [kindOf(args.entity)] : WATCHED.map(kindOf);
        const lists = await Promise.all(kinds.map(async (kind) => {
          const { items } = await withHint(ctx.client.queryAll(kind.hooks, {
            includeFields: HOOK_FIELDS,
            signal: ctx.signal,
          }));
          return await describeHooks(ctx, kind, items);
        }));
        const all = lists.flat();
        const result: Record<string, unknown> = { webhooks: all, count: all.length };
        const gone = ctx.webhooks?.feed?.deactivations() ?? [];
        if (gone.length > 0) result.deactivations = gone;
        return result;
      },
    }),
    defineTool({
      name: "create_webhook",
      title: "Create webhook",
      description: "Create an Autotask webhook with its URL, events and fields by name; signed " +
        "with AUTOTASK_WEBHOOK_SECRET; the API user's own changes are excluded by default.",
      kind: "create",
      toolset: "webhooks",
      openWorld: false,
      input: z.object({
        entity: entitySchema.describe("The records the webhook watches"),
        name: z.string().trim().min(1).max(50),
        url: calloutUrl.describe(
          "Public https URL Autotask posts to; this server's is https://<public host>/webhooks/autotask",
        ),
        deactivationUrl: calloutUrl.optional().describe(
          "Default: url + /deactivated",
        ),
        events: z.array(eventSchema).min(1).max(3),
        fields: namesSchema.describe("Fields whose change fires the webhook"),
        alwaysShownFields: namesSchema.optional().describe("Fields every callout carries"),
        udfFields: namesSchema.optional().describe("User-defined fields whose change fires it"),
        alwaysShownUdfFields: namesSchema.optional(),
        excludeResourceIDs: z.array(idSchema).max(50).optional().describe(
          "Resources whose changes fire nothing",
        ),
        excludeApiUser: z.boolean().optional().describe("Default true"),
        isActive: z.boolean().optional().describe("Default true"),
        notificationEmailAddress: z.string().trim().max(150).refine(
          (t) => /^[^@\s]+@[^@\s]+$/.test(t),
          {
            message: "Expected an email address",
          },
        ).optional().describe("Who Autotask tells when deliveries fail"),
      }),
      output: z.looseObject({ id: z.number() }),
      handler: async (args, ctx) => {
        const secret = requireSecret(ctx);
        const kind = kindOf(args.entity);
        if (args.fields.length === 0 && (args.udfFields ?? []).length === 0) {
          throw new InputError(
            "Give at least one field in fields (or udfFields): Autotask sends nothing until a " +
              "webhook has a subscribed field",
          );
        }
        const notes: string[] = [];
        const always = [...args.alwaysShownFields ?? []];
        const named = new Set([...args.fields, ...always].map((n) => n.toLowerCase()));
        if (kind.entity === "TicketNotes" && !named.has("ticketid")) {
          // The feed tells subscribers of the ticket without reading every note back.
          always.push("ticketID");
          notes.push("ticketID is always shown, so every note event names its ticket");
        }
        const excluded = [...args.excludeResourceIDs ?? []];
        if (args.excludeApiUser !== false) {
          const apiUser = await apiUserResourceId(ctx);
          if (!excluded.includes(apiUser)) excluded.push(apiUser);
          notes.push(
            `changes made by the API user (resource ${apiUser}), i.e. through this server, are excluded`,
          );
        }
        const plans = await planChildren(ctx, kind, {
          fields: args.fields,
          alwaysShownFields: always,
          udfFields: args.udfFields,
          alwaysShownUdfFields: args.alwaysShownUdfFields,
          excludeResourceIDs: excluded,
        });
        const url = args.url.replace(/\/+$/, "");
        // Created inactive and switched on last, so a half-configured webhook never fires.
        const id = await withHint(ctx.client.create(kind.hooks, {
          name: args.name,
          webhookUrl: url,
          deactivationUrl: args.deactivationUrl ?? `${url}/deactivated`,
          secretKey: secret,
          isActive: false,
          ...eventFlags(args.events),
          ...(args.notificationEmailAddress
            ? { notificationEmailAddress: args.notificationEmailAddress }
            : {}),
        }, { signal: ctx.signal }));
        const active = args.isActive !== false;
        const outcome = await addChildren(ctx, id, plans);
        if (outcome.failure) {
          throw new InputError(partialMessage(
            kind,
            {
              id,
              name: args.name,
              active: "inactive",
            },
            { ...outcome, failure: outcome.failure },
            active ? { isActive: true } : {},
          ));
        }
        if (active) {
          try {
            await ctx.client.update(kind.hooks, id, { isActive: true }, { signal: ctx.signal });
          } catch (error) {
            if (!(error instanceof AutotaskError)) throw error;
            throw new InputError(
              `${kind.hooks} ${id} "${args.name}" was created with all its fields but is still ` +
                `inactive: switching it on failed: ${
                  webhookError(error) instanceof Error
                    ? (webhookError(error) as Error).message
                    : error.message
                } Call update_webhook ${
                  JSON.stringify({ entity: kind.entity, id, isActive: true })
                } to switch it on, or delete_webhook to remove it`,
            );
          }
        }
        notes.push("callouts are signed with AUTOTASK_WEBHOOK_SECRET");
        return {
          id,
          entity: kind.hooks,
          item: await describeOne(ctx, kind, id),
          note: notes.join("; "),
        };
      },
    }),
    defineTool({
      name: "update_webhook",
      title: "Update webhook",
      description: "Activate or deactivate a webhook, change its events or name, or add fields " +
        "and excluded resources to it.",
      kind: "update",
      toolset: "webhooks",
      openWorld: false,
      input: z.object({
        entity: entitySchema,
        id: idSchema,
        isActive: z.boolean().optional(),
        events: z.array(eventSchema).min(1).max(3).optional().describe("Replaces the events"),
        name: z.string().trim().min(1).max(50).optional(),
        addFields: namesSchema.optional(),
        addAlwaysShownFields: namesSchema.optional(),
        addUdfFields: namesSchema.optional(),
        addAlwaysShownUdfFields: namesSchema.optional(),
        excludeResourceIDs: z.array(idSchema).max(50).optional(),
      }),
      output: z.looseObject({ id: z.number() }),
      handler: async (args, ctx) => {
        const kind = kindOf(args.entity);
        const changes: AutotaskRecord = {};
        if (args.name !== undefined) changes.name = args.name;
        if (args.events !== undefined) Object.assign(changes, eventFlags(args.events));
        if (args.isActive !== undefined) changes.isActive = args.isActive;
        const plans = await planChildren(ctx, kind, {
          fields: args.addFields,
          alwaysShownFields: args.addAlwaysShownFields,
          udfFields: args.addUdfFields,
          alwaysShownUdfFields: args.addAlwaysShownUdfFields,
          excludeResourceIDs: args.excludeResourceIDs,
        });
        if (Object.keys(changes).length === 0 && plans.length === 0) {
          throw new InputError(
            "Nothing to change: give isActive, events, name, or fields or resources to add",
          );
        }
        const before = await describeOne(ctx, kind, args.id);
        const outcome = await addChildren(ctx, args.id, plans);
        if (outcome.failure) {
          throw new InputError(partialMessage(
            kind,
            {
              id: args.id,
              name: String(before.name),
              active: before.isActive ? "active" : "inactive",
            },
            { ...outcome, failure: outcome.failure },
            changes,
          ));
        }
        if (Object.keys(changes).length > 0) {
          await withHint(ctx.client.update(kind.hooks, args.id, changes, { signal: ctx.signal }));
        }
        return { id: args.id, entity: kind.hooks, item: await describeOne(ctx, kind, args.id) };
      },
    }),
    defineTool({
      name: "delete_webhook",
      title: "Delete webhook",
      description: "Delete a webhook and its fields for good; Autotask calls its deactivation URL.",
      kind: "delete",
      toolset: "webhooks",
      openWorld: false,
      input: z.object({ entity: entitySchema, id: idSchema }),
      output: z.looseObject({ id: z.number() }),
      handler: async (args, ctx) => {
        const kind = kindOf(args.entity);
        const before = await describeOne(ctx, kind, args.id);
        await withHint(ctx.client.delete(kind.hooks, args.id, { signal: ctx.signal }));
        return {
          id: args.id,
          entity: kind.hooks,
          deleted: { name: before.name, webhookUrl: before.webhookUrl, events: before.events },
        };
      },
    }),
    defineTool({
      name: "list_webhook_errors",
      title: "List failed webhook deliveries",
      description: "Callouts Autotask gave up on after its retries (WebhookEventErrorLogs, kept " +
        "30 days): when, why, and the event they carried.",
      kind: "read",
      toolset: "webhooks",
      openWorld: true,
      input: z.object({
        entity: entitySchema.optional(),
        webhookID: idSchema.optional().describe("One webhook's failures (with entity)"),
        since: dateTimeSchema.optional(),
        limit: z.number().int().refine((n) => n >= 1 && n <= 100, { message: "limit is 1-100" })
          .default(25),
        cursor: z.string().min(1).max(20_000).optional(),
      }),
      output: z.looseObject({ items: z.array(z.unknown()) }),
      handler: async (args, ctx) => {
        if (args.webhookID !== undefined && !args.entity) {
          throw new InputError("Give entity with webhookID: a webhook id is per kind");
        }
        const kind = args.entity ? kindOf(args.entity) : undefined;
        const filter: Filter[] = [];
        if (args.since) {
          filter.push({
            op: "gte",
            field: "createDateTime",
            value: new Date(parseInstant(args.since)).toISOString(),
          });
        }
        let guid: string | undefined;
        if (kind && args.webhookID !== undefined) {
          if (kind.errorLogField) filter.push(eq(kind.errorLogField, args.webhookID));
          else guid = String((await describeOne(ctx, kind, args.webhookID)).webhookGUID);
        }
        const page = args.cursor
          ? await ctx.client.queryNext(WEBHOOK_ERROR_LOG, args.cursor, { signal: ctx.signal })
          : await withHint(ctx.client.query(WEBHOOK_ERROR_LOG, {
            filter,
            maxRecords: args.limit,
            signal: ctx.signal,
          }));
        const items = page.items.map((row) => {
          let event: ReturnType<typeof parseCallout> | undefined;
          try {
            event = parseCallout(JSON.parse(String(row.payload ?? "")));
          } catch {
            event = undefined;
          }
          const out: Record<string, unknown> = {
            id: row.id,
            createDateTime: row.createDateTime,
            sequenceNumber: row.sequenceNumber,
            errorMessage: row.errorMessage,
          };
          for (const k of ["accountWebhookID", "contactWebhookID"]) {
            if (typeof row[k] === "number") out[k] = row[k];
          }
          if (event && typeof event !== "string") {
            const { guid: eventGuid, entityType: _type, ...rest } = event;
            out.event = { ...rest, webhookGUID: eventGuid };
          } else if (row.payload) out.payload = String(row.payload).slice(0, 2_000);
          return { out, event };
        }).filter(({ event }) => {
          if (!event || typeof event === "string") return guid === undefined && !kind;
          if (guid !== undefined && event.guid !== guid.toLowerCase()) return false;
          return !kind || event.entity === kind.entity;
        }).map(({ out }) => cleanValue(out));
        const result: Record<string, unknown> = {
          items,
          count: items.length,
          hasMore: !!page.next,
        };
        if (page.next) result.cursor = page.next;
        const notes: string[] = [];
        if (kind && (!kind.errorLogField || args.webhookID === undefined)) {
          notes.push(
            `rows of other webhooks were left out of this page (${
              page.items.length - items.length
            })`,
          );
        }
        if (items.some((i) => (i as Record<string, unknown>).event)) {
          result.untrustedFields = ["event.fields"];
        }
        if (notes.length > 0 && page.items.length !== items.length) result.note = notes.join("; ");
        return result;
      },
    }),
    defineTool({
      name: "recent_changes",
      title: "Recent changes",
      description: "What changed in Autotask since a cursor, as webhook callouts reported it " +
        "(HTTP mode): each change with the record's current name and labels.",
      kind: "read",
      toolset: "webhooks",
      openWorld: true,
      input: z.object({
        cursor: z.string().min(1).max(200).optional().describe("From the previous result"),
        entity: entitySchema.optional(),
        action: z.enum(["create", "update", "delete"]).optional(),
        id: idSchema.optional().describe("One record's changes"),
        ticketID: idSchema.optional().describe("A ticket's changes and its notes'"),
        companyID: idSchema.optional(),
        since: dateTimeSchema.optional(),
        limit: z.number().int().refine((n) => n >= 1 && n <= 100, { message: "limit is 1-100" })
          .default(25),
      }),
      output: z.looseObject({ changes: z.array(z.unknown()), cursor: z.string() }),
      handler: async (args, ctx) => {
        const feed = ctx.webhooks?.feed;
        if (!feed) throw new InputError(noFeedMessage(ctx));
        const log = feed.log;
        let after = 0;
        if (args.cursor !== undefined) {
          const read = log.readCursor(args.cursor);
          if (!read.ok) {
            throw new InputError(
              read.reason === "restarted"
                ? `This cursor is from before the server restarted (at ${log.startedAt}): the ` +
                  "events it pointed into are gone. Call recent_changes without cursor; " +
                  "deliveries Autotask could not make are in list_webhook_errors"
                : "This cursor is not one recent_changes gave: pass the cursor of its last result",
            );
          }
          after = read.seq;
        }
        const filter: EventFilter = {
          entity: args.entity,
          action: args.action,
          id: args.id,
          ticketID: args.ticketID,
          since: args.since ? parseInstant(args.since) : undefined,
        };
        const dropped = log.droppedAfter(after);
        const candidates = log.after(after).filter((e) => matches(e, filter));
        const rows: Record<string, unknown>[] = [];
        let scanned = 0;
        while (rows.length < args.limit && scanned < candidates.length) {
          const chunk = candidates.slice(
            scanned,
            scanned + Math.min(CHUNK, args.limit - rows.length),
          );
          scanned += chunk.length;
          rows.push(...await changeRows(ctx, chunk, args.companyID));
        }
        const lastSeq = scanned < candidates.length
          ? candidates[scanned - 1].seq
          : Math.max(after, log.lastSeq);
        const result: Record<string, unknown> = {
          changes: rows,
          count: rows.length,
          hasMore: scanned < candidates.length,
          cursor: log.cursor(lastSeq),
        };
        const notes: string[] = [];
        if (dropped > 0) {
          notes.push(
            `${dropped} older events were dropped: the in-memory log keeps the last ` +
              `${log.capacity}`,
          );
        }
        if (after === 0) notes.push(`events since the server started (${log.startedAt})`);
        notes.push(
          result.hasMore
            ? "more changes: pass only cursor to continue"
            : "pass cursor later to get what changed after these",
        );
        result.note = notes.join("; ");
        const gone = feed.deactivations();
        if (gone.length > 0) result.deactivations = gone;
        if (rows.length > 0) result.untrustedFields = ["fields", "record"];
        return result;
      },
    }),
  ],
  instructions: [{
    text: "recent_changes lists what webhooks reported since a cursor; records are MCP " +
      "resources (autotask://tickets/{id} and the like) to read or subscribe to.",
    needs: ["recent_changes"],
  }],
};
