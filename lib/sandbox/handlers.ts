/** The tenant's operations behind each route: queries, paging, reads, writes, deletes and metadata. */

import { allEntityDefs, entityDef, fieldsJson, infoJson, udfsJson } from "./metadata.ts";
import type { EntityDef } from "./metadata.ts";
import type { AttachmentWindow } from "./limits.ts";
import {
  compileFilter,
  countMatches,
  type DroppedClause,
  getKey,
  MAX_PAGE_SIZE,
  parseQueryModel,
  project,
  type QueryModel,
  scanPage,
} from "./query.ts";
import { fail, jsonResponse, TenantError } from "./respond.ts";
import { parentField, REST_PREFIX, type Route } from "./routes.ts";
import type { Store } from "./store.ts";
import type { Rec, RightVerb } from "./types.ts";
import {
  noMatchMessage,
  prepareWrite,
  requireObject,
  type WriteContext,
  type WriteMode,
} from "./validate.ts";

/** Tenant state and settings the operations need. */
export interface Tenant {
  store: Store;
  now(): Date;
  apiUserResourceId: number;
  /** The entity definition this tenant uses (its own user-defined fields applied). */
  def(def: EntityDef): EntityDef;
  /** Accept operator names in any case. */
  ignoreOperatorCase: boolean;
  /** Notes clauses a query lost to unknown operators. */
  recordDropped(entity: string, dropped: DroppedClause[]): void;
  /** Throws the permission 500 when the acting resource lacks `verb` on the entity. */
  authorize(entity: string, verb: RightVerb, call: Call): void;
  allowTimeEntryRoleChange: boolean;
  maxAttachmentBytes: number;
  attachments: AttachmentWindow;
  /** By-id reads answer null this long after a create (0 = off). */
  readAfterCreateLagMs: number;
  /** When each recent record was created (`Entity:id` -> epoch ms), for the read lag. */
  createdAt: Map<string, number>;
  /** Extensions that see every write, whatever route it came through (webhooks). */
  hooks?: WriteHooks;
}

/** A write about to be stored, or just stored, as the tenant's extensions see it. */
export interface WriteEvent {
  def: EntityDef;
  mode: WriteMode | "delete";
  /** A copy of the stored record before the write (update, replace, delete), else null. */
  before: Rec | null;
  /** The record to store, then as stored (create, update, replace); null on delete. */
  after: Rec | null;
  call: Call;
}

/** Rules and reactions outside the field metadata, run on every stored write. */
export interface WriteHooks {
  /** After field validation, before storing: may complete `after`, or throw a TenantError. */
  check(event: WriteEvent, tenant: Tenant): void;
  /** Once the write is stored. */
  stored(event: WriteEvent, tenant: Tenant): void;
}

/** One authenticated call. */
export interface Call {
  method: string;
  url: URL;
  /** Parsed JSON body (undefined when there was none). */
  body: unknown;
  actorResourceId: number;
  impersonating: boolean;
}

/** Keyset paging state carried in `nextPageUrl`. */
interface PagingState {
  pageSize: number;
  previousIds: number[];
  nextIds: number[];
}

/** How many first-ids of earlier pages `previousIds` keeps (enough for prevPageUrl). */
const PREVIOUS_IDS_KEPT = 10;

/** 404 the way ASP.NET Web API words it. */
export function notFound(url: URL): TenantError {
  return new TenantError(404, {
    body: { Message: `No HTTP resource was found that matches the request URI '${url.href}'.` },
  });
}

/** 405 the way ASP.NET Web API words it. */
export function methodNotAllowed(method: string): TenantError {
  return new TenantError(405, {
    body: { Message: `The requested resource does not support http method '${method}'.` },
  });
}

function pageUrl(call: Call, def: EntityDef, state: PagingState, search: string | null): string {
  let url = `${call.url.origin}${REST_PREFIX}${def.name}/query/next?paging=${
    encodeURIComponent(JSON.stringify(state))
  }`;
  if (search !== null) url += `&search=${encodeURIComponent(search)}`;
  return url;
}

function parseSearch(call: Call): { raw: string; value: unknown } {
  const raw = call.url.searchParams.get("search");
  if (raw === null || raw === "") {
    throw fail("The search parameter is required: a URL-encoded JSON query model.");
  }
  try {
    return { raw, value: JSON.parse(raw) };
  } catch {
    throw fail("The search parameter is not valid JSON.");
  }
}

function parsePaging(call: Call): PagingState {
  const raw = call.url.searchParams.get("paging");
  let value: unknown;
  try {
    value = raw === null ? undefined : JSON.parse(raw);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null) {
    throw fail("The paging parameter is missing or invalid.");
  }
  const obj = value as Record<string, unknown>;
  const pageSize = getKey(obj, "pageSize");
  const previousIds = getKey(obj, "previousIds") ?? [];
  const nextIds = getKey(obj, "nextIds");
  const ints = (v: unknown): v is number[] =>
    Array.isArray(v) && v.every((n) => Number.isInteger(n));
  if (
    typeof pageSize !== "number" || !Number.isInteger(pageSize) || pageSize < 1 ||
    pageSize > MAX_PAGE_SIZE ||
    !ints(previousIds) || !ints(nextIds) || nextIds.length === 0
  ) {
    throw fail("The paging parameter is missing or invalid.");
  }
  return { pageSize, previousIds, nextIds };
}

function runPage(
  tenant: Tenant,
  call: Call,
  def: EntityDef,
  model: QueryModel,
  state: PagingState,
  search: string | null,
): Record<string, unknown> {
  const filter = compileFilter(def, model.filter);
  const startId = state.nextIds[0] ?? -Infinity;
  const scan = scanPage(tenant.store.table(def.name), filter, startId, state.pageSize);
  const include = model.includeFields ? new Set(model.includeFields) : null;
  const items = scan.rows.map((r) => project(def, r, { include, omitHeavy: true }));
  const first = scan.rows[0]?.id ?? (Number.isFinite(startId) ? startId : null);
  const previous = first === null
    ? state.previousIds
    : [...state.previousIds, first].slice(-PREVIOUS_IDS_KEPT);
  const nextPageUrl = scan.nextStartId === null ? null : pageUrl(call, def, {
    pageSize: state.pageSize,
    previousIds: previous,
    nextIds: [scan.nextStartId],
  }, search);
  const back = state.previousIds;
  const prevPageUrl = back.length === 0 ? null : pageUrl(
    call,
    def,
    { pageSize: state.pageSize, previousIds: back.slice(0, -1), nextIds: [back[back.length - 1]] },
    search,
  );
  return {
    items,
    pageDetails: { count: items.length, requestCount: state.pageSize, prevPageUrl, nextPageUrl },
  };
}

function queryInput(
  tenant: Tenant,
  call: Call,
  def: EntityDef,
): { model: QueryModel; search: string | null } {
  const options = { ignoreOperatorCase: tenant.ignoreOperatorCase };
  const search = call.method === "GET" ? parseSearch(call) : null;
  const model = parseQueryModel(search ? search.value : call.body, def, options);
  if (model.dropped.length > 0) tenant.recordDropped(def.name, model.dropped);
  return { model, search: search ? search.raw : null };
}

function query(tenant: Tenant, call: Call, def: EntityDef): Response {
  const { model, search } = queryInput(tenant, call, def);
  const state = { pageSize: model.maxRecords, previousIds: [], nextIds: [] };
  return jsonResponse(200, runPage(tenant, call, def, model, state, search));
}

function next(tenant: Tenant, call: Call, def: EntityDef): Response {
  const state = parsePaging(call);
  const { model, search } = queryInput(tenant, call, def);
  return jsonResponse(200, runPage(tenant, call, def, model, state, search));
}

function count(tenant: Tenant, call: Call, def: EntityDef): Response {
  const { model } = queryInput(tenant, call, def);
  const filter = compileFilter(def, model.filter);
  return jsonResponse(200, { queryCount: countMatches(tenant.store.table(def.name), filter) });
}

function writeContext(tenant: Tenant, call: Call): WriteContext {
  return {
    store: tenant.store,
    now: tenant.now(),
    actorResourceId: call.actorResourceId,
    apiUserResourceId: tenant.apiUserResourceId,
    impersonating: call.impersonating,
    allowTimeEntryRoleChange: tenant.allowTimeEntryRoleChange,
    maxAttachmentBytes: tenant.maxAttachmentBytes,
  };
}

function bodyId(body: Record<string, unknown>, def: EntityDef, mode: WriteMode): number {
  const id = getKey(body, "id");
  const n = typeof id === "string" && /^\d+$/.test(id) ? Number(id) : id;
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw fail(
      `The ${
        mode === "update" ? "PATCH" : "PUT"
      } body must include the id of the ${def.name} record.`,
    );
  }
  return n;
}

/** Marks activity on the ticket a note, time entry, attachment or charge was added to. */
function touchTicket(tenant: Tenant, def: EntityDef, rec: Rec, now: Date): void {
  const ticketId = def.name === "TicketAttachments" ? rec.parentID : rec.ticketID;
  if (typeof ticketId !== "number") return;
  if (!["TicketNotes", "TimeEntries", "TicketAttachments", "TicketCharges"].includes(def.name)) {
    return;
  }
  const ticket = tenant.store.table("Tickets").get(ticketId);
  if (!ticket) return;
  ticket.lastActivityDate = now.toISOString();
  if (def.name === "TicketNotes" && rec.publish === 1) {
    ticket.lastCustomerVisibleActivityDateTime = now.toISOString();
  }
}

interface Parent {
  field: string;
  id: number;
}

function write(
  tenant: Tenant,
  call: Call,
  def: EntityDef,
  mode: WriteMode,
  parent: Parent | null,
): Response {
  const body = requireObject(call.body);
  const ctx = writeContext(tenant, call);
  const table = tenant.store.table(def.name);
  let id: number;
  let existing: Rec | undefined;
  if (mode === "create") {
    id = table.nextId();
  } else {
    id = bodyId(body, def, mode);
    existing = table.get(id);
    if (!existing || (parent && existing[parent.field] !== parent.id)) {
      throw fail(noMatchMessage(def.name, id));
    }
  }
  const rec = prepareWrite(
    def,
    mode,
    body,
    existing,
    id,
    ctx,
    parent ? { field: parent.field, value: parent.id } : undefined,
  );
  const event: WriteEvent = {
    def,
    mode,
    before: existing ? { ...existing } : null,
    after: rec,
    call,
  };
  tenant.hooks?.check(event, tenant);
  if (mode === "create" && def.name.endsWith("Attachments")) admitAttachment(tenant, rec, ctx.now);
  if (mode === "create") {
    table.insert(rec);
    noteCreated(tenant, def, id, ctx.now);
  } else {
    for (const key of Object.keys(existing as Rec)) delete (existing as Rec)[key];
    Object.assign(existing as Rec, rec);
  }
  if (mode === "create") touchTicket(tenant, def, rec, ctx.now);
  tenant.hooks?.stored(event, tenant);
  return jsonResponse(200, { itemId: id });
}

/** Bytes of an attachment record: its computed size, else its base64 payload decoded. */
function attachmentBytes(rec: Rec): number {
  if (typeof rec.fileSize === "number") return rec.fileSize;
  if (typeof rec.data !== "string") return 0;
  const clean = rec.data.replace(/\s+/g, "");
  return Math.floor(clean.length / 4) * 3 - (clean.match(/=+$/)?.[0].length ?? 0);
}

/** The database-wide attachment window; refusing leaves nothing stored. */
function admitAttachment(tenant: Tenant, rec: Rec, now: Date): void {
  const window = tenant.attachments;
  const verdict = window.admit(attachmentBytes(rec), now);
  if (verdict.ok) return;
  throw fail(
    `The attachment upload limit of ${window.windowBytes} bytes per ${
      window.windowMs / 60_000
    } minutes has been exceeded for this database. Attachments cannot be created until ${verdict.until.toISOString()}.`,
  );
}

/** Remembers a create for the read-after-create lag (nothing kept when the lag is off). */
function noteCreated(tenant: Tenant, def: EntityDef, id: number, now: Date): void {
  if (tenant.readAfterCreateLagMs <= 0) return;
  const t = now.getTime();
  for (const [key, at] of tenant.createdAt) {
    if (t - at >= tenant.readAfterCreateLagMs) tenant.createdAt.delete(key);
  }
  tenant.createdAt.set(`${def.name}:${id}`, t);
}

/** Whether a record is still inside the read-after-create lag. */
function stillSettling(tenant: Tenant, def: EntityDef, id: number): boolean {
  const at = tenant.createdAt.get(`${def.name}:${id}`);
  return at !== undefined && tenant.now().getTime() - at < tenant.readAfterCreateLagMs;
}

function remove(
  tenant: Tenant,
  call: Call,
  def: EntityDef,
  id: number,
  parent: Parent | null,
): Response {
  const table = tenant.store.table(def.name);
  const existing = table.get(id);
  if (!existing || (parent && existing[parent.field] !== parent.id)) {
    throw fail(noMatchMessage(def.name, id));
  }
  const event: WriteEvent = { def, mode: "delete", before: { ...existing }, after: null, call };
  tenant.hooks?.check(event, tenant);
  table.remove(id);
  tenant.hooks?.stored(event, tenant);
  return jsonResponse(200, { itemId: id });
}

function getById(tenant: Tenant, def: EntityDef, id: number): Response {
  if (stillSettling(tenant, def, id)) return jsonResponse(200, { item: null });
  const rec = tenant.store.table(def.name).get(id);
  return jsonResponse(200, { item: rec ? project(def, rec) : null });
}

function childParent(
  tenant: Tenant,
  route: Extract<Route, { kind: "child" }>,
  mustExist: boolean,
): Parent | null {
  const field = parentField(route.def, route.child);
  if (mustExist) {
    const parentDef = entityDef(route.child.parent);
    if (parentDef && !tenant.store.table(parentDef.name).get(route.parentId)) {
      throw fail(`Unable to find the parent ${parentDef.name} entity with id ${route.parentId}.`);
    }
  }
  return field ? { field, id: route.parentId } : null;
}

function childList(tenant: Tenant, call: Call, route: Extract<Route, { kind: "child" }>): Response {
  const def = route.def;
  const field = parentField(def, route.child);
  if (!field) {
    return jsonResponse(200, {
      items: [],
      pageDetails: { count: 0, requestCount: MAX_PAGE_SIZE, prevPageUrl: null, nextPageUrl: null },
    });
  }
  const search = JSON.stringify({ filter: [{ op: "eq", field, value: route.parentId }] });
  const model = parseQueryModel(JSON.parse(search), def);
  const state = { pageSize: MAX_PAGE_SIZE, previousIds: [], nextIds: [] };
  return jsonResponse(200, runPage(tenant, call, def, model, state, search));
}

function childGet(tenant: Tenant, route: Extract<Route, { kind: "child" }>, id: number): Response {
  const def = route.def;
  const field = parentField(def, route.child);
  const rec = stillSettling(tenant, def, id) ? undefined : tenant.store.table(def.name).get(id);
  const found = rec && (!field || rec[field] === route.parentId) ? rec : undefined;
  // Attachments answer a by-id read in the list shape.
  if (def.name.endsWith("Attachments")) {
    return jsonResponse(200, { items: found ? [project(def, found)] : [] });
  }
  return jsonResponse(200, { item: found ? project(def, found) : null });
}

/** Root verbs per method on `{Entity}` and `{Entity}/{id}`. */
const COLLECTION_VERBS = { POST: "create", PATCH: "update", PUT: "replace" } as const;

/** The right a root or child write method needs. */
const WRITE_RIGHTS = { create: "create", update: "update", replace: "update" } as const;

/** Runs an authenticated call on an entity route. Throws {@linkcode TenantError} for failures. */
export function dispatch(tenant: Tenant, route: Route, call: Call): Response {
  const method = call.method;
  switch (route.kind) {
    case "query":
    case "count":
    case "next": {
      const verb = route.kind === "count" ? "count" : "query";
      if (!route.def.root.has(verb)) throw notFound(call.url);
      if (method !== "GET" && method !== "POST") throw methodNotAllowed(method);
      if (route.kind === "next" && method === "GET" && !call.url.searchParams.has("search")) {
        // A POSTed query's next page carries no search: it must be POSTed again with the same body.
        throw methodNotAllowed("GET");
      }
      tenant.authorize(route.def.name, "query", call);
      if (route.kind === "query") return query(tenant, call, route.def);
      if (route.kind === "count") return count(tenant, call, route.def);
      return next(tenant, call, route.def);
    }
    case "info":
    case "fields":
    case "udfs":
    case "childInfo": {
      const what = route.kind === "childInfo" ? route.what : route.kind;
      if (route.kind !== "childInfo" && !route.def.root.has("info")) throw notFound(call.url);
      if (method !== "GET") throw methodNotAllowed(method);
      if (what === "info") return jsonResponse(200, infoJson(route.def));
      if (what === "fields") return jsonResponse(200, fieldsJson(route.def));
      // An entity without user-defined fields has no such resource.
      if (route.def.udfs.length === 0) throw notFound(call.url);
      return jsonResponse(200, udfsJson(route.def));
    }
    case "byId": {
      const def = route.def;
      if (!def.root.has("get") && !def.root.has("delete")) throw notFound(call.url);
      if (method === "GET" && def.root.has("get")) {
        tenant.authorize(def.name, "get", call);
        return getById(tenant, def, route.id);
      }
      if (method === "DELETE" && def.root.has("delete")) {
        tenant.authorize(def.name, "delete", call);
        return remove(tenant, call, def, route.id, null);
      }
      throw methodNotAllowed(method);
    }
    case "collection": {
      const def = route.def;
      const verbs = Object.values(COLLECTION_VERBS).filter((v) => def.root.has(v));
      if (verbs.length === 0) throw notFound(call.url);
      const verb = COLLECTION_VERBS[method as keyof typeof COLLECTION_VERBS];
      if (!verb || !def.root.has(verb)) throw methodNotAllowed(method);
      tenant.authorize(def.name, WRITE_RIGHTS[verb], call);
      return write(tenant, call, def, verb, null);
    }
    case "child": {
      const verbs = route.child.verbs;
      const name = route.def.name;
      if (route.id === null) {
        const any = ["list", "create", "update", "replace"].some((v) => verbs.includes(v as never));
        if (!any) throw notFound(call.url);
        if (method === "GET" && verbs.includes("list")) {
          tenant.authorize(name, "query", call);
          return childList(tenant, call, route);
        }
        const verb = COLLECTION_VERBS[method as keyof typeof COLLECTION_VERBS];
        if (!verb || !verbs.includes(verb)) throw methodNotAllowed(method);
        tenant.authorize(name, WRITE_RIGHTS[verb], call);
        return write(tenant, call, route.def, verb, childParent(tenant, route, verb === "create"));
      }
      if (!verbs.includes("get") && !verbs.includes("delete")) throw notFound(call.url);
      if (method === "GET" && verbs.includes("get")) {
        tenant.authorize(name, "get", call);
        return childGet(tenant, route, route.id);
      }
      if (method === "DELETE" && verbs.includes("delete")) {
        tenant.authorize(name, "delete", call);
        return remove(tenant, call, route.def, route.id, childParent(tenant, route, false));
      }
      throw methodNotAllowed(method);
    }
    case "globalInfo":
      if (method !== "GET") throw methodNotAllowed(method);
      return jsonResponse(200, {
        entityDescriptions: allEntityDefs().map((d) => infoJson(tenant.def(d))),
      });
    default:
      throw notFound(call.url);
  }
}
