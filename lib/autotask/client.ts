/** The public Autotask client: query and paging, CRUD, metadata, the hourly budget; every request goes through the pipeline. */

import type { AutotaskConfig } from "./config.ts";
import type { ThresholdReading } from "./budget.ts";
import { AutotaskError, cancelledError, type Operation } from "./errors.ts";
import { continuationPath, cursorAfter, decodeContinuation, nextPageCursor } from "./cursor.ts";
import { type ClientStats, type PipelineOptions, RequestPipeline } from "./pipeline.ts";
import { abortable } from "./retry.ts";
import { allRows, type Filter, filterProblems, MAX_PAGE_SIZE, type QueryModel } from "./query.ts";
import { parentIdField, resolveRoute, type Route } from "./routes.ts";
import { childRoute, requireEntity, supportsRoot } from "./catalog.ts";
import { Zone } from "./zone.ts";

export type { ClientStats } from "./pipeline.ts";

/** An Autotask record as it comes over the wire. */
export type AutotaskRecord = Record<string, unknown> & { id?: number };

/** Construction options that do not come from the environment. */
export interface ClientOptions extends PipelineOptions {
  /** Defaults to the zone discovery endpoint of Autotask. */
  zoneDiscoveryUrl?: string;
  /** How long field metadata (picklists) stays cached; default one hour. */
  metadataTtlMs?: number;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call: a queued request leaves the queue, a request in flight is cancelled. */
  signal?: AbortSignal;
  /**
   * Work the answer can do without (display-name lookups, totals). Past the
   * hard share of the hourly budget (`AUTOTASK_BUDGET_HARD`) such calls are
   * refused with a `rate_limited` error before anything is sent, so the
   * budget left goes to the work the user asked for.
   */
  optional?: boolean;
  /**
   * Who the call is for: a stable user key (e.g. the signed-in technician). The per-entity
   * slots are shared round-robin across users and each user has a share of the hourly budget
   * (`AUTOTASK_USER_BUDGET_SHARE`); calls without it belong to one default user.
   */
  user?: string;
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
  /** The query body this page answered (for {@linkcode AutotaskClient.cursorAfter}). */
  query: QueryModel;
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

/** `GET ThresholdInformation`: the hourly request limit and its use. */
export type ThresholdInfo = ThresholdReading;

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
  readonly #zone: Zone;
  readonly #pipeline: RequestPipeline;
  readonly #metadataTtlMs: number;
  readonly #fieldCache = new Map<string, CacheEntry<FieldInfo[]>>();
  readonly #udfCache = new Map<string, CacheEntry<FieldInfo[]>>();
  readonly #username: string;

  constructor(config: AutotaskConfig, options: ClientOptions = {}) {
    this.#username = config.credentials.username;
    const fetchFn = options.fetch ?? ((request: Request) => fetch(request));
    this.#zone = new Zone(config, { fetch: fetchFn, discoveryUrl: options.zoneDiscoveryUrl });
    this.#pipeline = new RequestPipeline(config, this.#zone, { ...options, fetch: fetchFn });
    this.#metadataTtlMs = options.metadataTtlMs ?? 60 * 60 * 1000;
  }

  /** The API user's username (its own Resources record has it as userName); never a secret. */
  apiUsername(): string {
    return this.#username;
  }

  /** The REST base (ending in `V1.0/`), discovering the zone once when not configured. */
  baseUrl(options: CallOptions = {}): Promise<string> {
    return this.#zone.base(options.signal);
  }

  /**
   * Counters for tests and monitoring: slots in use and waiters per entity,
   * pending retry sleeps and timers, requests sent, and the hourly budget.
   */
  stats(): ClientStats {
    return this.#pipeline.stats();
  }

  /**
   * A sentence to add to tool results once the hourly request budget passes
   * `AUTOTASK_BUDGET_WARN` (and stronger ones past the hard share and at the
   * limit); undefined while usage is low or not yet known.
   */
  usageNotice(): string | undefined {
    return this.#pipeline.usageNotice();
  }

  /** Fetches the first page of a query. */
  async query(entity: string, options: QueryOptions = {}): Promise<Page> {
    const route = resolveRoute(entity, "query");
    const body = buildQueryModel(route.entity, options);
    const response = await this.#pipeline.send({
      route,
      operation: "query",
      body,
      signal: options.signal,
      optional: options.optional,
      user: options.user,
    });
    return page(route.entity, response.body, body);
  }

  /** Fetches the page after `continuation` (from a previous {@linkcode Page.next}), re-POSTing the query. */
  async queryNext(entity: string, continuation: string, options: CallOptions = {}): Promise<Page> {
    const name = requireEntityName(entity, "query");
    const state = decodeContinuation(continuation, name);
    const path = continuationPath(state, resolveRoute(name, "query").path);
    const response = await this.#pipeline.send({
      route: { method: "POST", path, entity: name },
      operation: "query",
      body: state.b,
      signal: options.signal,
      optional: options.optional,
      user: options.user,
    });
    return page(name, response.body, state.b);
  }

  /**
   * A cursor that continues `query` after the record with id `lastId`: for a
   * page cut short (e.g. to fit a size cap), since Autotask orders by id.
   */
  cursorAfter(entity: string, query: QueryModel, lastId: number): string {
    return cursorAfter(requireEntityName(entity, "query"), { query, lastId });
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
    const response = await this.#pipeline.send({
      route,
      operation: "count",
      body,
      signal: options.signal,
      optional: options.optional,
      user: options.user,
    });
    const count = (response.body as { queryCount?: unknown } | undefined)?.queryCount;
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
    let envelope: { item?: unknown; items?: unknown } | undefined;
    try {
      const response = await this.#pipeline.send({
        route,
        operation: "get",
        signal: options.signal,
        optional: options.optional,
        user: options.user,
      });
      envelope = response.body as typeof envelope;
    } catch (error) {
      if (error instanceof AutotaskError && error.category === "not_found") return null;
      throw error;
    }
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
    return await this.#write(route, "create", record, options);
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
      await this.#parentIdOfExisting(entity, "update", id, options);
    const route = resolveRoute(entity, "update", { parentId });
    return await this.#write(route, "update", { ...changes, id }, options);
  }

  /** Deletes a record where Autotask allows it. */
  async delete(entity: string, id: number, options: ChildOptions = {}): Promise<number> {
    const parentId = options.parentId ??
      await this.#parentIdOfExisting(entity, "delete", id, options);
    const route = resolveRoute(entity, "delete", { id, parentId });
    return await this.#write(route, "delete", undefined, options);
  }

  /** A create, update or delete: the pipeline sends it again only after an unprocessed refusal. */
  async #write(
    route: Route,
    operation: "create" | "update" | "delete",
    body: unknown,
    options: CallOptions,
  ): Promise<number> {
    const { signal, user } = options;
    const response = await this.#pipeline.send({ route, operation, body, signal, user });
    // The pipeline answers a write only with a numeric itemId.
    return (response.body as { itemId: number }).itemId;
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
    options: CallOptions,
  ): Promise<number | undefined> {
    const entry = requireEntity(entity);
    if (supportsRoot(entry, action)) return undefined;
    const child = childRoute(entry, action);
    if (!child || !supportsRoot(entry, "get")) return undefined;
    const existing = await this.get(entry.name, id, { signal: options.signal, user: options.user });
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
    const response = await this.#pipeline.send({
      route,
      operation: "metadata",
      signal: options.signal,
      optional: options.optional,
      user: options.user,
    });
    return (response.body as { info: EntityInfo }).info;
  }

  /** `GET {Entity}/entityInformation/fields`, cached (picklists are tenant-defined and change rarely). */
  fields(entity: string, options: CallOptions = {}): Promise<FieldInfo[]> {
    return this.#cached(this.#fieldCache, entity, "fields", options);
  }

  /**
   * `GET {Entity}/entityInformation/userDefinedFields`, cached. An entity
   * without user-defined fields answers 404: that is an empty list, cached too.
   */
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
    if (hit && hit.expires > now) return awaitShared(hit.value, route.entity, options);
    // A miss costs a request: an optional caller may be refused here; the shared
    // fetch itself is never optional and never carries one caller's signal.
    try {
      this.#pipeline.refuseIfOverBudget({
        operation: "metadata",
        entity: route.entity,
        optional: options.optional,
      });
    } catch (error) {
      return Promise.reject(error);
    }
    const value = this.#pipeline.send({ route, operation: "metadata" }).then(
      (response) => {
        const fields = (response.body as { fields?: unknown } | undefined)?.fields;
        if (!Array.isArray(fields)) {
          throw new AutotaskError(
            `Autotask answered ${route.entity} field metadata without fields`,
            { category: "unavailable", operation: "metadata", entity: route.entity },
          );
        }
        return fields as FieldInfo[];
      },
      (error) => {
        if (action === "udfs" && error instanceof AutotaskError && error.category === "not_found") {
          return [];
        }
        throw error;
      },
    );
    const entry = { expires: now + this.#metadataTtlMs, value };
    cache.set(route.entity, entry);
    value.catch(() => {
      if (cache.get(route.entity) === entry) cache.delete(route.entity);
    });
    return awaitShared(value, route.entity, options);
  }

  /**
   * `GET ThresholdInformation`: the hourly request budget and its use. Joins
   * a reading already in flight; the reading also resets the client's own
   * count (see {@linkcode usageNotice}).
   */
  async threshold(options: CallOptions = {}): Promise<ThresholdInfo> {
    let reading: ThresholdInfo | AutotaskError;
    try {
      reading = await this.#pipeline.readThreshold(options.signal);
    } catch {
      throw cancelledError("while waiting for the answer", { operation: "threshold" });
    }
    if (reading instanceof AutotaskError) throw reading;
    return reading;
  }
}

/** Waits for a fetch shared by several callers; this caller's signal only ends its own wait. */
function awaitShared<T>(shared: Promise<T>, entity: string, options: CallOptions): Promise<T> {
  return abortable(shared, options.signal).catch((error) => {
    if (options.signal?.aborted) {
      throw cancelledError("while waiting for the answer", { operation: "metadata", entity });
    }
    throw error;
  });
}

/** A page of a query answer, with the cursor to the next page when Autotask named one. */
function page(entity: string, answer: unknown, query: QueryModel): Page {
  const envelope = answer as {
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
    ? nextPageCursor(entity, { nextUrl, query })
    : null;
  return { items: envelope.items as AutotaskRecord[], next, query };
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
