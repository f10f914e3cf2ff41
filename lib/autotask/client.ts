/** The fetch-based Autotask REST client: zone, query and paging, CRUD, metadata. */

import type { AutotaskConfig } from "./config.ts";
import { normalizeApiUrl } from "./config.ts";
import { AutotaskError, type Operation } from "./errors.ts";
import { type FetchFn, sendRequest } from "./http.ts";
import { allRows, type Filter, filterProblems, MAX_PAGE_SIZE, type QueryModel } from "./query.ts";
import { parentIdField, resolveRoute, type Route, THRESHOLD_ROUTE } from "./routes.ts";
import { childRoute, requireEntity, supportsRoot } from "./catalog.ts";

/** An Autotask record as it comes over the wire. */
export type AutotaskRecord = Record<string, unknown> & { id?: number };

/** Zone discovery endpoint (no authentication). */
export const ZONE_DISCOVERY_URL =
  "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation";

/** Construction options that do not come from the environment. */
export interface ClientOptions {
  /** Defaults to the global `fetch`; the sandbox mode passes its in-process handler. */
  fetch?: FetchFn;
  /** Defaults to {@linkcode ZONE_DISCOVERY_URL}. */
  zoneDiscoveryUrl?: string;
  /** How long field metadata (picklists) stays cached; default one hour. */
  metadataTtlMs?: number;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** A query: filters are ANDed; no filter means all rows. */
export interface QueryOptions extends CallOptions {
  filter?: Filter[];
  includeFields?: string[];
  /** Page size, 1-500 (Autotask's default is 500). */
  maxRecords?: number;
}

/** One page of results and the opaque continuation to the next (null on the last page). */
export interface Page {
  items: AutotaskRecord[];
  next: string | null;
}

/** Options for routes that may go through a parent (`Tickets/{id}/Notes`). */
export interface ChildOptions extends CallOptions {
  parentId?: number;
}

/** Options for {@linkcode AutotaskClient.queryAll}. */
export interface QueryAllOptions extends QueryOptions {
  /** Stop after this many records (default 10,000). */
  cap?: number;
  /** Called after each page (for progress reporting). */
  onPage?: (fetched: number) => void;
}

/** Result of {@linkcode AutotaskClient.queryAll}. */
export interface QueryAllResult {
  items: AutotaskRecord[];
  /** True when the cap stopped the iteration before the last page. */
  truncated: boolean;
}

/** One entry of `entityInformation/fields`. */
export interface FieldInfo {
  name: string;
  dataType: string;
  length?: number;
  isRequired: boolean;
  isReadOnly: boolean;
  isQueryable: boolean;
  isReference: boolean;
  referenceEntityType?: string;
  isPickList: boolean;
  picklistValues?: PicklistValue[] | null;
  picklistParentValueField?: string;
  isSupportedWebhookField?: boolean;
}

/** One picklist entry; `value` is a string on the wire although records hold numbers. */
export interface PicklistValue {
  value: string;
  label: string;
  isDefaultValue?: boolean;
  sortOrder?: number;
  parentValue?: string;
  isActive?: boolean;
  isSystem?: boolean;
}

/** `GET {Entity}/entityInformation` -> `info`. */
export interface EntityInfo {
  name: string;
  canCreate: boolean;
  canUpdate: boolean;
  canDelete: boolean;
  canQuery: boolean;
  hasUserDefinedFields: boolean;
  [key: string]: unknown;
}

/** `GET ThresholdInformation`. */
export interface ThresholdInfo {
  externalRequestThreshold: number;
  requestThresholdTimeframe: number;
  currentTimeframeRequestCount: number;
}

interface Continuation {
  v: 1;
  e: string;
  u: string;
  b: QueryModel;
}

interface CacheEntry<T> {
  expires: number;
  value: Promise<T>;
}

const DEFAULT_QUERY_ALL_CAP = 10_000;

/**
 * Talks to one Autotask tenant. Every Autotask rule (routes, envelopes,
 * paging, errors) is applied here or in the modules it imports; callers never
 * build URLs or read envelopes.
 */
export class AutotaskClient {
  readonly #config: AutotaskConfig;
  readonly #fetch: FetchFn;
  readonly #zoneDiscoveryUrl: string;
  readonly #metadataTtlMs: number;
  #baseUrl: Promise<string> | undefined;
  readonly #fieldCache = new Map<string, CacheEntry<FieldInfo[]>>();
  readonly #udfCache = new Map<string, CacheEntry<FieldInfo[]>>();

  constructor(config: AutotaskConfig, options: ClientOptions = {}) {
    this.#config = config;
    this.#fetch = options.fetch ?? ((request) => fetch(request));
    this.#zoneDiscoveryUrl = options.zoneDiscoveryUrl ?? ZONE_DISCOVERY_URL;
    this.#metadataTtlMs = options.metadataTtlMs ?? 60 * 60 * 1000;
    if (config.baseUrl) this.#baseUrl = Promise.resolve(config.baseUrl);
  }

  /** The REST base (ending in `V1.0/`), discovering the zone once when not configured. */
  baseUrl(options: CallOptions = {}): Promise<string> {
    if (!this.#baseUrl) {
      const discovery = this.#discoverZone(options.signal);
      this.#baseUrl = discovery;
      // A failed discovery is not cached: the next call tries again.
      discovery.catch(() => {
        if (this.#baseUrl === discovery) this.#baseUrl = undefined;
      });
    }
    return this.#baseUrl;
  }

  async #discoverZone(signal?: AbortSignal): Promise<string> {
    const url = `${this.#zoneDiscoveryUrl}?user=${
      encodeURIComponent(this.#config.credentials.username)
    }`;
    const { body } = await sendRequest(this.#fetch, {
      method: "GET",
      url,
      headers: { Accept: "application/json" },
      operation: "zone",
      timeoutMs: this.#config.timeoutMs,
      signal,
    });
    const zoneUrl = (body as { url?: unknown } | undefined)?.url;
    if (typeof zoneUrl !== "string") {
      throw new AutotaskError(
        "Zone discovery answered without a REST url: set AUTOTASK_ZONE (e.g. 6 for ww6.autotask.net)",
        { category: "configuration", operation: "zone" },
      );
    }
    try {
      return normalizeApiUrl(zoneUrl);
    } catch {
      throw new AutotaskError(
        "Zone discovery returned an unusable REST url: set AUTOTASK_ZONE or AUTOTASK_API_URL",
        { category: "configuration", operation: "zone" },
      );
    }
  }

  #headers(): Record<string, string> {
    const { credentials, impersonationResourceId } = this.#config;
    const headers: Record<string, string> = {
      ApiIntegrationCode: credentials.integrationCode,
      UserName: credentials.username,
      Secret: credentials.secret,
      "Content-Type": "application/json",
      Accept: "application/json",
    };
    if (impersonationResourceId !== undefined) {
      headers.ImpersonationResourceId = String(impersonationResourceId);
    }
    return headers;
  }

  /** The single place every authenticated request goes through. */
  async #send(
    method: string,
    url: string,
    meta: { operation: Operation; entity?: string; body?: unknown; signal?: AbortSignal },
  ): Promise<unknown> {
    const { body } = await sendRequest(this.#fetch, {
      method,
      url,
      headers: this.#headers(),
      body: meta.body,
      operation: meta.operation,
      entity: meta.entity,
      timeoutMs: this.#config.timeoutMs,
      signal: meta.signal,
    });
    return body;
  }

  async #sendRoute(
    route: Route,
    operation: Operation,
    options: { body?: unknown; signal?: AbortSignal },
  ): Promise<unknown> {
    const base = await this.baseUrl(options);
    return this.#send(route.method, base + route.path, {
      operation,
      entity: route.entity,
      body: options.body,
      signal: options.signal,
    });
  }

  /** Fetches the first page of a query. */
  async query(entity: string, options: QueryOptions = {}): Promise<Page> {
    const route = resolveRoute(entity, "query");
    const body = buildQueryModel(route.entity, options);
    const response = await this.#sendRoute(route, "query", { body, signal: options.signal });
    return this.#page(route.entity, response, body);
  }

  /** Fetches the page after `continuation` (from a previous {@linkcode Page.next}), re-POSTing the query. */
  async queryNext(entity: string, continuation: string, options: CallOptions = {}): Promise<Page> {
    const name = requireEntityName(entity, "query");
    const base = await this.baseUrl(options);
    const state = decodeContinuation(continuation, name, base);
    const response = await this.#send("POST", state.u, {
      operation: "query",
      entity: name,
      body: state.b,
      signal: options.signal,
    });
    return this.#page(name, response, state.b);
  }

  #page(entity: string, response: unknown, body: QueryModel): Page {
    const envelope = response as {
      items?: unknown;
      pageDetails?: { nextPageUrl?: unknown };
    } | undefined;
    if (!envelope || !Array.isArray(envelope.items)) {
      throw new AutotaskError(`Autotask answered the ${entity} query without an items list`, {
        category: "unavailable",
        operation: "query",
        entity,
      });
    }
    const nextUrl = envelope.pageDetails?.nextPageUrl;
    const next = typeof nextUrl === "string" && nextUrl !== ""
      ? encodeContinuation({ v: 1, e: entity, u: nextUrl, b: body })
      : null;
    return { items: envelope.items as AutotaskRecord[], next };
  }

  /** Reads pages until the last one or until `cap` records. */
  async queryAll(entity: string, options: QueryAllOptions = {}): Promise<QueryAllResult> {
    const cap = options.cap ?? DEFAULT_QUERY_ALL_CAP;
    const items: AutotaskRecord[] = [];
    let page = await this.query(entity, {
      ...options,
      maxRecords: Math.min(options.maxRecords ?? MAX_PAGE_SIZE, Math.max(1, cap)),
    });
    for (;;) {
      items.push(...page.items.slice(0, cap - items.length));
      options.onPage?.(items.length);
      if (!page.next) return { items, truncated: false };
      if (items.length >= cap) return { items, truncated: true };
      page = await this.queryNext(entity, page.next, options);
    }
  }

  /** Counts the records matching `filter` with `query/count`. */
  async count(entity: string, options: { filter?: Filter[] } & CallOptions = {}): Promise<number> {
    const route = resolveRoute(entity, "count");
    const body = buildQueryModel(route.entity, { filter: options.filter });
    const response = await this.#sendRoute(route, "count", { body, signal: options.signal });
    const count = (response as { queryCount?: unknown } | undefined)?.queryCount;
    if (typeof count !== "number") {
      throw new AutotaskError(`Autotask answered the ${route.entity} count without queryCount`, {
        category: "unavailable",
        operation: "count",
        entity: route.entity,
      });
    }
    return count;
  }

  /** Reads one record; `null` when it does not exist (`{"item":null}` or 404). */
  async get(
    entity: string,
    id: number,
    options: ChildOptions = {},
  ): Promise<AutotaskRecord | null> {
    const route = resolveRoute(entity, "get", { id, parentId: options.parentId });
    let response: unknown;
    try {
      response = await this.#sendRoute(route, "get", { signal: options.signal });
    } catch (error) {
      if (error instanceof AutotaskError && error.category === "not_found") return null;
      throw error;
    }
    const envelope = response as { item?: unknown; items?: unknown } | undefined;
    if (envelope && "item" in envelope) return (envelope.item ?? null) as AutotaskRecord | null;
    // Some by-id reads (attachments) answer in the list shape.
    if (envelope && Array.isArray(envelope.items)) {
      return (envelope.items[0] ?? null) as AutotaskRecord | null;
    }
    return null;
  }

  /**
   * Creates a record and returns its id. Parent-only entities (TicketNotes,
   * Contacts, Tasks, ...) go to their parent's route; the parent id comes from
   * `options.parentId` or the record's parent field (`ticketID`, ...).
   * Never retried: a failure without an answer is `unknown_outcome`.
   */
  async create(
    entity: string,
    record: AutotaskRecord,
    options: ChildOptions = {},
  ): Promise<number> {
    const parentId = options.parentId ?? this.#parentIdFrom(entity, "create", record);
    const route = resolveRoute(entity, "create", { parentId });
    const response = await this.#sendRoute(route, "create", {
      body: record,
      signal: options.signal,
    });
    return itemId(response, "create", route.entity);
  }

  /**
   * Sparse update: PATCH on the collection with `id` in the body and only the
   * changed fields. Parent-only entities need their parent id, read from the
   * record when not given.
   */
  async update(
    entity: string,
    id: number,
    changes: AutotaskRecord,
    options: ChildOptions = {},
  ): Promise<number> {
    const parentId = options.parentId ??
      this.#parentIdFrom(entity, "update", changes) ??
      await this.#parentIdOfExisting(entity, "update", id, options.signal);
    const route = resolveRoute(entity, "update", { parentId });
    const response = await this.#sendRoute(route, "update", {
      body: { ...changes, id },
      signal: options.signal,
    });
    return itemId(response, "update", route.entity);
  }

  /** Deletes a record where Autotask allows it. */
  async delete(entity: string, id: number, options: ChildOptions = {}): Promise<number> {
    const parentId = options.parentId ??
      await this.#parentIdOfExisting(entity, "delete", id, options.signal);
    const route = resolveRoute(entity, "delete", { id, parentId });
    const response = await this.#sendRoute(route, "delete", { signal: options.signal });
    return itemId(response, "delete", route.entity);
  }

  #parentIdFrom(
    entity: string,
    action: "create" | "update",
    record: AutotaskRecord,
  ): number | undefined {
    const entry = requireEntity(entity);
    const child = childRoute(entry, action);
    if (!child) return undefined;
    const value = record[parentIdField(child.parent)];
    return typeof value === "number" ? value : undefined;
  }

  async #parentIdOfExisting(
    entity: string,
    action: "update" | "delete",
    id: number,
    signal?: AbortSignal,
  ): Promise<number | undefined> {
    const entry = requireEntity(entity);
    if (supportsRoot(entry, action)) return undefined;
    const child = childRoute(entry, action);
    if (!child || !supportsRoot(entry, "get")) return undefined;
    const existing = await this.get(entry.name, id, { signal });
    if (!existing) {
      throw new AutotaskError(`${entry.name} ${id} does not exist`, {
        category: "not_found",
        operation: action,
        entity: entry.name,
      });
    }
    const value = existing[parentIdField(child.parent)];
    return typeof value === "number" ? value : undefined;
  }

  /** `GET {Entity}/entityInformation`. */
  async entityInfo(entity: string, options: CallOptions = {}): Promise<EntityInfo> {
    const route = resolveRoute(entity, "info");
    const response = await this.#sendRoute(route, "metadata", options);
    return (response as { info: EntityInfo }).info;
  }

  /** `GET {Entity}/entityInformation/fields`, cached (picklists are tenant-defined and change rarely). */
  fields(entity: string, options: CallOptions = {}): Promise<FieldInfo[]> {
    return this.#cached(this.#fieldCache, entity, "fields", options);
  }

  /** `GET {Entity}/entityInformation/userDefinedFields`, cached. */
  userDefinedFields(entity: string, options: CallOptions = {}): Promise<FieldInfo[]> {
    return this.#cached(this.#udfCache, entity, "udfs", options);
  }

  #cached(
    cache: Map<string, CacheEntry<FieldInfo[]>>,
    entity: string,
    action: "fields" | "udfs",
    options: CallOptions,
  ): Promise<FieldInfo[]> {
    const route = resolveRoute(entity, action);
    const now = Date.now();
    const hit = cache.get(route.entity);
    if (hit && hit.expires > now) return hit.value;
    const value = this.#sendRoute(route, "metadata", options).then((response) => {
      const fields = (response as { fields?: unknown } | undefined)?.fields;
      if (!Array.isArray(fields)) {
        throw new AutotaskError(`Autotask answered ${route.entity} field metadata without fields`, {
          category: "unavailable",
          operation: "metadata",
          entity: route.entity,
        });
      }
      return fields as FieldInfo[];
    });
    const entry = { expires: now + this.#metadataTtlMs, value };
    cache.set(route.entity, entry);
    value.catch(() => {
      if (cache.get(route.entity) === entry) cache.delete(route.entity);
    });
    return value;
  }

  /** Forgets cached metadata (e.g. after a tenant admin changed picklists). */
  clearMetadataCache(): void {
    this.#fieldCache.clear();
    this.#udfCache.clear();
  }

  /** `GET ThresholdInformation`: the hourly request budget and its use. */
  async threshold(options: CallOptions = {}): Promise<ThresholdInfo> {
    const base = await this.baseUrl(options);
    const response = await this.#send(THRESHOLD_ROUTE.method, base + THRESHOLD_ROUTE.path, {
      operation: "threshold",
      signal: options.signal,
    });
    return response as ThresholdInfo;
  }
}

function requireEntityName(entity: string, operation: Operation): string {
  try {
    return requireEntity(entity).name;
  } catch (error) {
    throw new AutotaskError((error as Error).message, {
      category: "validation",
      operation,
      entity,
    });
  }
}

/** Builds the query body, checking Autotask's rules first so mistakes get precise messages. */
export function buildQueryModel(entity: string, options: QueryOptions): QueryModel {
  const filter = options.filter && options.filter.length > 0 ? options.filter : [allRows()];
  const problems = filterProblems(filter);
  const maxRecords = options.maxRecords;
  if (
    maxRecords !== undefined &&
    (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > MAX_PAGE_SIZE)
  ) {
    problems.push(`MaxRecords must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  if (problems.length > 0) {
    throw new AutotaskError(`Invalid ${entity} query: ${problems.join("; ")}`, {
      category: "validation",
      operation: "query",
      entity,
    });
  }
  const body: QueryModel = { filter };
  if (options.includeFields && options.includeFields.length > 0) {
    body.IncludeFields = [...new Set(["id", ...options.includeFields])];
  }
  if (maxRecords !== undefined) body.MaxRecords = maxRecords;
  return body;
}

function itemId(response: unknown, operation: Operation, entity: string): number {
  const id = (response as { itemId?: unknown } | undefined)?.itemId;
  if (typeof id !== "number") {
    throw new AutotaskError(
      `Autotask answered the ${operation} of ${entity} without an itemId; it may or may not have been applied`,
      { category: "unknown_outcome", operation, entity },
    );
  }
  return id;
}

function encodeContinuation(state: Continuation): string {
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function badCursor(entity: string, why: string): AutotaskError {
  return new AutotaskError(
    `The cursor is not valid for this ${entity} search (${why}): repeat the search without a cursor`,
    { category: "validation", operation: "query", entity },
  );
}

/**
 * Decodes a continuation and checks it points back at this tenant's query
 * paging route for the same entity: a cursor is caller input, and the URL in
 * it receives our credentials.
 */
function decodeContinuation(text: string, entity: string, base: string): Continuation {
  let state: Continuation;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    state = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw badCursor(entity, "it could not be decoded");
  }
  if (
    !state || state.v !== 1 || typeof state.u !== "string" || typeof state.e !== "string" ||
    !state.b || !Array.isArray(state.b.filter)
  ) {
    throw badCursor(entity, "it is malformed");
  }
  if (state.e.toLowerCase() !== entity.toLowerCase()) {
    throw badCursor(entity, `it belongs to a ${state.e} search`);
  }
  let url: URL;
  let baseUrl: URL;
  try {
    url = new URL(state.u);
    baseUrl = new URL(base);
  } catch {
    throw badCursor(entity, "its page address is invalid");
  }
  const expectedPrefix = `${baseUrl.pathname}${entity}/query/next`.toLowerCase();
  if (url.origin !== baseUrl.origin || !url.pathname.toLowerCase().startsWith(expectedPrefix)) {
    throw badCursor(entity, "it points outside this Autotask tenant");
  }
  return state;
}
