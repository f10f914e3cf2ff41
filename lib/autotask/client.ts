/** The fetch-based Autotask REST client: zone, query and paging, CRUD, metadata. */

import type { AutotaskConfig } from "./config.ts";
import { normalizeApiUrl } from "./config.ts";
import { type BudgetOptions, type BudgetSnapshot, RequestBudget } from "./budget.ts";
import { AutotaskError, isWrite, type Operation } from "./errors.ts";
import { ConcurrencyGate, QueueCancelled, QueueTimeout, type Release } from "./gate.ts";
import { type FetchFn, type HttpResponse, sendRequest, unknownOutcome } from "./http.ts";
import {
  abortable,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  isThreadRefusal,
  retryDelay,
  type RetryPolicy,
  sleep,
  TimerSet,
} from "./retry.ts";
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
  /** Requests in flight per entity endpoint; default 3, Autotask's thread limit. */
  maxConcurrentPerEntity?: number;
  /** Bounds of the automatic retries of reads (default {@linkcode DEFAULT_RETRY_POLICY}). */
  retry?: Partial<RetryPolicy>;
  /** How often ThresholdInformation is re-read (the shares come from the config). */
  budget?: Pick<BudgetOptions, "refreshIntervalMs" | "refreshEveryRequests" | "now">;
  /** Source of the backoff jitter (tests pass a fixed one). */
  random?: () => number;
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
}

/** Counters for tests and health checks: all zero-ish at rest, none may grow without bound. */
export interface ClientStats {
  /** Requests holding one of the entity's slots, per entity (only non-zero ones). */
  inFlight: Record<string, number>;
  /** Requests waiting for a slot, per entity (only non-zero ones). */
  queued: Record<string, number>;
  /** Reads sleeping before a retry. */
  retrySleeps: number;
  /** Timers the client has pending (request timeouts, queue timeouts, retry sleeps). */
  timers: number;
  /** Requests sent to Autotask since start (attempts, retries included). */
  requests: number;
  /** Of those, automatic retries (reads after transient failures, any call after a thread-limit refusal). */
  retries: number;
  /** Thread-limit refusals Autotask answered (each was retried or reported). */
  threadRefusals: number;
  /** Calls refused before sending because of the hourly budget. */
  refused: number;
  /** The hourly request budget as last read and counted since. */
  budget: BudgetSnapshot;
}

/** What {@linkcode AutotaskClient} sends besides method and URL. */
interface SendMeta {
  operation: Operation;
  entity?: string;
  body?: unknown;
  signal?: AbortSignal;
  optional?: boolean;
  /** No retry but after a thread-limit refusal (the budget's own reading must not hold calls up). */
  noRetry?: boolean;
  /** Overrides the configured timeout (the budget's reading must not hold a call up for long). */
  timeoutMs?: number;
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

/** `GET ThresholdInformation`. */
export interface ThresholdInfo {
  externalRequestThreshold: number;
  requestThresholdTimeframe: number;
  currentTimeframeRequestCount: number;
}

/**
 * What a cursor holds: the query string of Autotask's `nextPageUrl` (`p`,
 * the keyset `paging=...`) to re-POST `b` to, or, for a page the caller cut
 * short, no paging and `b` narrowed to ids after the last record kept. `t` is
 * when it was issued. The host and path are never taken from the cursor: they
 * are rebuilt from the configured base, so a cursor cannot send credentials
 * elsewhere.
 */
interface Continuation {
  v: 1;
  e: string;
  p?: string;
  b: QueryModel;
  t: number;
}

/** How long a cursor stays valid: the data behind a keyset page drifts. */
export const CURSOR_TTL_MS = 24 * 60 * 60 * 1000;

interface CacheEntry<T> {
  expires: number;
  value: Promise<T>;
}

const DEFAULT_QUERY_ALL_CAP = 10_000;
/** Autotask's limit of concurrent requests per integration code per entity endpoint. */
const THREAD_LIMIT = 3;
/** Gate key of `ThresholdInformation`, an endpoint of its own. */
const THRESHOLD_KEY = "ThresholdInformation";
/** The budget's reading waits at most this long: it must not hold a call up like a slow query. */
const THRESHOLD_TIMEOUT_MS = 10_000;

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
  readonly #timers = new TimerSet();
  readonly #gate: ConcurrencyGate;
  readonly #budget: RequestBudget;
  readonly #retry: RetryPolicy;
  readonly #random: () => number;
  /** The one ThresholdInformation reading in flight, shared by every caller of this process. */
  #budgetSync: Promise<ThresholdInfo | AutotaskError> | undefined;
  #retrySleeps = 0;
  #requests = 0;
  #retries = 0;
  #threadRefusals = 0;
  #refused = 0;

  constructor(config: AutotaskConfig, options: ClientOptions = {}) {
    this.#config = config;
    this.#fetch = options.fetch ?? ((request) => fetch(request));
    this.#zoneDiscoveryUrl = options.zoneDiscoveryUrl ?? ZONE_DISCOVERY_URL;
    this.#metadataTtlMs = options.metadataTtlMs ?? 60 * 60 * 1000;
    this.#gate = new ConcurrencyGate(options.maxConcurrentPerEntity ?? THREAD_LIMIT, this.#timers);
    this.#budget = new RequestBudget({
      ...options.budget,
      warnShare: config.budgetWarn,
      hardShare: config.budgetHard,
    });
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#random = options.random ?? Math.random;
    if (config.baseUrl) this.#baseUrl = Promise.resolve(config.baseUrl);
  }

  /** The REST base (ending in `V1.0/`), discovering the zone once when not configured. */
  baseUrl(options: CallOptions = {}): Promise<string> {
    if (!this.#baseUrl) {
      // Shared by every caller, so no single caller's signal may cancel it.
      const discovery = this.#discoverZone();
      this.#baseUrl = discovery;
      // A failed discovery is not cached: the next call tries again.
      discovery.catch(() => {
        if (this.#baseUrl === discovery) this.#baseUrl = undefined;
      });
    }
    return abortable(this.#baseUrl, options.signal).catch((error) => {
      throw options.signal?.aborted
        ? cancelledError("zone", undefined, "before it was sent")
        : error;
    });
  }

  /**
   * Counters for tests and monitoring: slots in use and waiters per entity,
   * pending retry sleeps and timers, requests sent, and the hourly budget.
   */
  stats(): ClientStats {
    const gate = this.#gate.stats();
    return {
      inFlight: gate.inFlight,
      queued: gate.queued,
      retrySleeps: this.#retrySleeps,
      timers: this.#timers.size,
      requests: this.#requests,
      retries: this.#retries,
      threadRefusals: this.#threadRefusals,
      refused: this.#refused,
      budget: this.#budget.snapshot(),
    };
  }

  /**
   * A sentence to add to tool results once the hourly request budget passes
   * `AUTOTASK_BUDGET_WARN` (and stronger ones past the hard share and at the
   * limit); undefined while usage is low or not yet known.
   */
  usageNotice(): string | undefined {
    return this.#budget.notice();
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

  /** The single place every authenticated request goes through; answers the parsed body. */
  async #send(method: string, url: string, meta: SendMeta): Promise<unknown> {
    return (await this.#exchange(method, url, meta)).body;
  }

  /**
   * Budget check, then per attempt: a slot of the entity's gate, the request,
   * the slot back; a failure worth another attempt (see `isRetryable`) sleeps
   * without a slot and goes again. A refusal that may be the hourly limit is
   * checked against ThresholdInformation first. One deadline (the configured
   * timeout) covers the queue, every attempt and every sleep, so no call hangs
   * longer than the timeout.
   */
  async #exchange(method: string, url: string, meta: SendMeta): Promise<HttpResponse> {
    const threshold = meta.operation === "threshold";
    if (!threshold) await this.#admit(meta);
    const key = threshold ? THRESHOLD_KEY : meta.entity ?? "Autotask";
    const timeoutMs = meta.timeoutMs ?? this.#config.timeoutMs;
    const started = performance.now();
    const deadline = started + timeoutMs;
    const retryUntil = started + Math.min(this.#retry.maxTotalMs, timeoutMs);
    // No attempt starts with less time than this left: it could not be answered.
    const minAttemptMs = Math.min(1000, timeoutMs / 4);
    let failure: unknown;
    for (let attempt = 1;; attempt++) {
      let release: Release;
      try {
        release = await this.#acquire(key, meta, deadline, minAttemptMs);
      } catch (error) {
        // A retry that found no slot in time: the call's own failure says more.
        throw attempt > 1 && isNotSent(error) ? withAttempts(failure, attempt - 1) : error;
      }
      try {
        if (!threshold) this.#budget.count();
        this.#requests++;
        const response = await sendRequest(this.#fetch, {
          method,
          url,
          headers: this.#headers(),
          body: meta.body,
          operation: meta.operation,
          entity: meta.entity,
          timeoutMs: Math.max(1, deadline - performance.now()),
          reportTimeoutMs: timeoutMs,
          signal: meta.signal,
          timers: this.#timers,
        });
        this.#gate.succeeded(key);
        return response;
      } catch (error) {
        failure = error;
      } finally {
        release();
      }
      if (!isThreadRefusal(failure) && !threshold) await this.#whichLimit(failure, meta);
      if (isThreadRefusal(failure)) {
        this.#threadRefusals++;
        this.#gate.shrink(key);
      }
      const delay = this.#retryDelay(failure, attempt, meta, retryUntil, deadline - minAttemptMs);
      if (delay === undefined) throw withAttempts(failure, attempt);
      this.#retries++;
      await this.#sleepBeforeRetry(delay, meta);
    }
  }

  /**
   * A rate-limit refusal that does not name the thread limit: only
   * ThresholdInformation tells whether the hourly threshold is used up (then
   * the call is refused with the numbers and later calls are refused before
   * sending) or whether it was the thread limit in other words (then it is
   * retried like one). When no reading can be had, the refusal stays
   * undecided: reads retry, writes are reported as not applied.
   */
  async #whichLimit(failure: unknown, meta: SendMeta): Promise<void> {
    if (
      !(failure instanceof AutotaskError) || failure.category !== "rate_limited" ||
      failure.limit !== undefined || failure.failure !== "http"
    ) return;
    this.#budget.requestSync();
    // Concurrent refusals join one reading.
    const reading = await this.#readThreshold(meta.signal).catch(() => undefined);
    if (reading instanceof AutotaskError || reading === undefined) return;
    if (this.#budget.level() === "exhausted") {
      failure.limit = "hourly";
      const refusal = this.#budget.refusal(false);
      if (refusal) failure.message = `${failure.message} ${refusal}`;
    } else {
      failure.limit = "threads";
    }
  }

  /** Reads the hourly budget when due, then refuses the call if the budget says so. */
  async #admit(meta: SendMeta): Promise<void> {
    if (this.#budget.needsSync()) {
      try {
        await this.#readThreshold(meta.signal);
      } catch {
        throw cancelledError(meta.operation, meta.entity, "before it was sent");
      }
    }
    this.#checkBudget(meta);
  }

  #checkBudget(meta: Pick<SendMeta, "operation" | "entity" | "optional">): void {
    const refusal = this.#budget.refusal(meta.optional === true);
    if (refusal === undefined) return;
    this.#refused++;
    throw new AutotaskError(refusal, {
      category: "rate_limited",
      operation: meta.operation,
      entity: meta.entity,
      failure: "refused",
    });
  }

  /**
   * The ThresholdInformation reading in flight, or a new one: never more than
   * one per process (the call counts toward the hour and takes one of the
   * endpoint's three threads). Resolves with the reading or the error it
   * failed with; rejects only when `signal` aborts this caller's wait.
   */
  #readThreshold(signal?: AbortSignal): Promise<ThresholdInfo | AutotaskError> {
    this.#budgetSync ??= this.#syncBudget().finally(() => {
      this.#budgetSync = undefined;
    });
    return abortable(this.#budgetSync, signal);
  }

  async #syncBudget(): Promise<ThresholdInfo | AutotaskError> {
    try {
      const base = await this.baseUrl();
      const info = await this.#send(THRESHOLD_ROUTE.method, base + THRESHOLD_ROUTE.path, {
        operation: "threshold",
        noRetry: true,
        timeoutMs: Math.min(this.#config.timeoutMs, THRESHOLD_TIMEOUT_MS),
      }) as ThresholdInfo;
      this.#budget.observe(info);
      return info;
    } catch (error) {
      this.#budget.syncFailed();
      if (error instanceof AutotaskError) return error;
      return new AutotaskError(`Reading ThresholdInformation failed: ${String(error)}`, {
        category: "unavailable",
        operation: "threshold",
      });
    }
  }

  /**
   * A slot of the entity's gate, in time to send: a waiter leaves the queue
   * (not sent) once less than `minAttemptMs` would be left before `deadline`,
   * rather than sending a request that has no time to be answered (for a
   * write, that would turn a clean "not sent" into an unknown outcome).
   */
  async #acquire(
    key: string,
    meta: SendMeta,
    deadline: number,
    minAttemptMs: number,
  ): Promise<Release> {
    const started = performance.now();
    let release: Release;
    try {
      release = await this.#gate.acquire(key, {
        signal: meta.signal,
        timeoutMs: Math.max(0, deadline - minAttemptMs - started),
      });
    } catch (error) {
      if (error instanceof QueueCancelled) {
        throw cancelledError(meta.operation, meta.entity, "while waiting for a free connection");
      }
      if (error instanceof QueueTimeout) throw this.#notSent(meta, error.waitedMs, error.inFlight);
      throw error;
    }
    if (deadline - performance.now() < minAttemptMs) {
      release();
      throw this.#notSent(meta, performance.now() - started, this.#gate.inFlight(key));
    }
    return release;
  }

  #notSent(meta: SendMeta, waitedMs: number, inFlight: number): AutotaskError {
    return new AutotaskError(
      `The ${what(meta.operation, meta.entity)} was not sent: it waited ${
        Math.max(1, Math.round(waitedMs / 1000))
      } s for a free connection (Autotask allows ${this.#gate.limit} concurrent requests ` +
        `per entity and ${inFlight} were still running) and ran out of time. Autotask is ` +
        `answering slowly; try again shortly`,
      {
        category: "unavailable",
        operation: meta.operation,
        entity: meta.entity,
        failure: "refused",
      },
    );
  }

  /** The wait before another attempt, or undefined when the failure is final. */
  #retryDelay(
    error: unknown,
    attempt: number,
    meta: SendMeta,
    retryUntil: number,
    lastStart: number,
  ): number | undefined {
    const thread = isThreadRefusal(error);
    if (meta.noRetry && !thread) return undefined;
    if (attempt >= (thread ? this.#retry.maxThreadAttempts : this.#retry.maxAttempts)) {
      return undefined;
    }
    if (!isRetryable(error, meta.operation)) return undefined;
    const delay = retryDelay(error as AutotaskError, attempt, this.#retry, this.#random);
    const resumeAt = performance.now() + delay;
    // The next attempt must start early enough to have time of its own.
    if (resumeAt > retryUntil || resumeAt > lastStart) return undefined;
    return delay;
  }

  async #sleepBeforeRetry(delay: number, meta: SendMeta): Promise<void> {
    this.#retrySleeps++;
    try {
      await sleep(delay, meta.signal, this.#timers);
    } catch {
      throw cancelledError(meta.operation, meta.entity, "while waiting to retry");
    } finally {
      this.#retrySleeps--;
    }
  }

  async #sendRoute(
    route: Route,
    operation: Operation,
    options: { body?: unknown; signal?: AbortSignal; optional?: boolean },
  ): Promise<unknown> {
    return (await this.#exchangeRoute(route, operation, options)).body;
  }

  async #exchangeRoute(
    route: Route,
    operation: Operation,
    options: { body?: unknown; signal?: AbortSignal; optional?: boolean },
  ): Promise<HttpResponse> {
    const base = await this.baseUrl(options);
    return this.#exchange(route.method, base + route.path, {
      operation,
      entity: route.entity,
      body: options.body,
      signal: options.signal,
      optional: options.optional,
    });
  }

  /** A create, update or delete: one attempt, and an answer without an id is an unknown outcome. */
  async #write(
    route: Route,
    operation: "create" | "update" | "delete",
    options: { body?: unknown; signal?: AbortSignal },
  ): Promise<number> {
    const base = await this.baseUrl(options);
    const url = base + route.path;
    const response = await this.#exchange(route.method, url, {
      operation,
      entity: route.entity,
      body: options.body,
      signal: options.signal,
    });
    const id = (response.body as { itemId?: unknown } | undefined)?.itemId;
    if (typeof id !== "number") {
      throw unknownOutcome(
        `Autotask answered the ${operation} of ${route.entity} (HTTP ${response.status}) without an itemId`,
        {
          operation,
          entity: route.entity,
          url,
          body: options.body,
          sentAt: response.sentAt,
          failure: "malformed",
          status: response.status,
        },
      );
    }
    return id;
  }

  /** Fetches the first page of a query. */
  async query(entity: string, options: QueryOptions = {}): Promise<Page> {
    const route = resolveRoute(entity, "query");
    const body = buildQueryModel(route.entity, options);
    const response = await this.#sendRoute(route, "query", {
      body,
      signal: options.signal,
      optional: options.optional,
    });
    return this.#page(route.entity, response, body);
  }

  /** Fetches the page after `continuation` (from a previous {@linkcode Page.next}), re-POSTing the query. */
  async queryNext(entity: string, continuation: string, options: CallOptions = {}): Promise<Page> {
    const name = requireEntityName(entity, "query");
    const base = await this.baseUrl(options);
    const state = decodeContinuation(continuation, name);
    const route = resolveRoute(name, "query").path;
    const url = state.p === undefined ? base + route : `${base}${route}/next${state.p}`;
    const response = await this.#send("POST", url, {
      operation: "query",
      entity: name,
      body: state.b,
      signal: options.signal,
      optional: options.optional,
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
      ? encodeContinuation({
        v: 1,
        e: entity,
        p: pagingOf(entity, nextUrl),
        b: body,
        t: Date.now(),
      })
      : null;
    return { items: envelope.items as AutotaskRecord[], next, query: body };
  }

  /**
   * A cursor that continues `query` after the record with id `lastId`: for a
   * page cut short (e.g. to fit a size cap), since Autotask orders by id.
   */
  cursorAfter(entity: string, query: QueryModel, lastId: number): string {
    const name = requireEntityName(entity, "query");
    const filter = [...query.filter, { op: "gt" as const, field: "id", value: lastId }];
    return encodeContinuation({ v: 1, e: name, b: { ...query, filter }, t: Date.now() });
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
    const response = await this.#sendRoute(route, "count", {
      body,
      signal: options.signal,
      optional: options.optional,
    });
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
      response = await this.#sendRoute(route, "get", {
        signal: options.signal,
        optional: options.optional,
      });
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
    return await this.#write(route, "create", { body: record, signal: options.signal });
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
    return await this.#write(route, "update", { body: { ...changes, id }, signal: options.signal });
  }

  /** Deletes a record where Autotask allows it. */
  async delete(entity: string, id: number, options: ChildOptions = {}): Promise<number> {
    const parentId = options.parentId ??
      await this.#parentIdOfExisting(entity, "delete", id, options.signal);
    const route = resolveRoute(entity, "delete", { id, parentId });
    return await this.#write(route, "delete", { signal: options.signal });
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
    if (hit && hit.expires > now) return this.#awaitShared(hit.value, route.entity, options);
    // A miss costs a request: an optional caller may be refused here; the shared
    // fetch itself is never optional and never carries one caller's signal.
    try {
      this.#checkBudget({
        operation: "metadata",
        entity: route.entity,
        optional: options.optional,
      });
    } catch (error) {
      return Promise.reject(error);
    }
    const value = this.#sendRoute(route, "metadata", {}).then((response) => {
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
    return this.#awaitShared(value, route.entity, options);
  }

  /** Waits for a fetch shared by several callers; this caller's signal only ends its own wait. */
  #awaitShared<T>(shared: Promise<T>, entity: string, options: CallOptions): Promise<T> {
    return abortable(shared, options.signal).catch((error) => {
      if (options.signal?.aborted) {
        throw cancelledError("metadata", entity, "while waiting for the answer");
      }
      throw error;
    });
  }

  /** Forgets cached metadata (e.g. after a tenant admin changed picklists). */
  clearMetadataCache(): void {
    this.#fieldCache.clear();
    this.#udfCache.clear();
  }

  /**
   * `GET ThresholdInformation`: the hourly request budget and its use. Joins
   * a reading already in flight; the reading also resets the client's own
   * count (see {@linkcode usageNotice}).
   */
  async threshold(options: CallOptions = {}): Promise<ThresholdInfo> {
    let reading: ThresholdInfo | AutotaskError;
    try {
      reading = await this.#readThreshold(options.signal);
    } catch {
      throw cancelledError("threshold", undefined, "while waiting for the answer");
    }
    if (reading instanceof AutotaskError) throw reading;
    return reading;
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

function what(operation: Operation, entity?: string): string {
  return entity ? `${operation} of ${entity}` : operation;
}

/**
 * A call the caller cancelled before its request left (`when`: "while waiting
 * for a free connection", ...). A write cancelled in flight is not this: its
 * outcome is unknown (see `http.ts`).
 */
function cancelledError(
  operation: Operation,
  entity: string | undefined,
  when: string,
): AutotaskError {
  return new AutotaskError(
    `The ${what(operation, entity)} was cancelled ${when}${
      isWrite(operation) ? ": it was not sent, so nothing was changed" : ""
    }`,
    { category: "cancelled", operation, entity, failure: "cancelled" },
  );
}

function isNotSent(error: unknown): boolean {
  return error instanceof AutotaskError && error.category === "unavailable" &&
    error.failure === "refused";
}

/** Notes how many attempts a read made before its final failure. */
function withAttempts(error: unknown, attempts: number): unknown {
  if (attempts > 1 && error instanceof AutotaskError) {
    error.message = `${error.message.replace(/\.$/, "")} (gave up after ${attempts} attempts)`;
  }
  return error;
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

/** The `?paging=...` part of a `nextPageUrl` (the rest is rebuilt from the configured base). */
function pagingOf(entity: string, nextUrl: string): string {
  let url: URL;
  try {
    url = new URL(nextUrl);
  } catch {
    url = new URL(nextUrl, "https://invalid.invalid/");
  }
  if (!/\/query\/next$/i.test(url.pathname) || !url.searchParams.has("paging")) {
    throw new AutotaskError(`Autotask answered the ${entity} query with an unusable nextPageUrl`, {
      category: "unavailable",
      operation: "query",
      entity,
    });
  }
  return url.search;
}

/** Decodes a continuation (caller input) and checks its shape, entity and age. */
function decodeContinuation(text: string, entity: string): Continuation {
  let state: Continuation;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    state = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw badCursor(entity, "it could not be decoded");
  }
  if (
    !state || state.v !== 1 || (state.p !== undefined && !/^\?paging=/.test(String(state.p))) ||
    typeof state.e !== "string" || typeof state.t !== "number" || !state.b ||
    !Array.isArray(state.b.filter) || "u" in state
  ) {
    throw badCursor(entity, "it is malformed");
  }
  if (state.e.toLowerCase() !== entity.toLowerCase()) {
    throw badCursor(entity, `it belongs to a ${state.e} search`);
  }
  if (Date.now() - state.t > CURSOR_TTL_MS) throw badCursor(entity, "it has expired");
  if (filterProblems(state.b.filter).length > 0) throw badCursor(entity, "its query is invalid");
  return state;
}
