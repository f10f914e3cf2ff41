/** The one path every authenticated request takes: budget, gate slot, send, classify, retry, sleep. */

import type { AutotaskConfig } from "./config.ts";
import {
  type BudgetOptions,
  type BudgetSnapshot,
  RequestBudget,
  type ThresholdReading,
} from "./budget.ts";
import { AutotaskError, cancelledError, isWrite, type Operation } from "./errors.ts";
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
import { type Method, THRESHOLD_ROUTE } from "./routes.ts";
import { LeaseTimeout, type SharedLimits } from "./shared_limits.ts";
import { DEFAULT_USER, type Take, UserUsage } from "./user_usage.ts";
import type { Zone } from "./zone.ts";

/** Tuning of the pipeline that does not come from the environment. */
export interface PipelineOptions {
  /** Defaults to the global `fetch`; the sandbox mode passes its in-process handler. */
  fetch?: FetchFn;
  /** Requests in flight per entity endpoint; default 3, Autotask's thread limit. */
  maxConcurrentPerEntity?: number;
  /** Bounds of the automatic retries of reads (default {@linkcode DEFAULT_RETRY_POLICY}). */
  retry?: Partial<RetryPolicy>;
  /** How often ThresholdInformation is re-read (the shares come from the config). */
  budget?: Pick<BudgetOptions, "refreshIntervalMs" | "refreshEveryRequests" | "now">;
  /** Source of the backoff jitter (tests pass a fixed one). */
  random?: () => number;
  /**
   * Slots and counts shared with other replicas (Redis, `REDIS_URL`): the replicas together
   * stay inside Autotask's limits. Without it this process keeps its own.
   */
  shared?: SharedLimits;
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

/** One request: where it goes, what it is, and the caller's wishes. */
export interface PipelineRequest {
  route: {
    method: Method;
    /** Relative to the REST base, e.g. `Tickets/query` or `Tickets/query/next?paging=...`. */
    path: string;
    /** The entity endpoint: the key of Autotask's per-entity thread limit. */
    entity?: string;
  };
  operation: Operation;
  body?: unknown;
  signal?: AbortSignal;
  /** Work the answer can do without: refused first when the hourly budget runs low. */
  optional?: boolean;
  /** Who the call is for: slots are shared round-robin across users, each has a budget share. */
  user?: string;
}

/** Who a budget refusal is about. */
export type BudgetCall = Pick<PipelineRequest, "operation" | "optional"> & { entity?: string };

/** Internal requests add these (the budget's own reading). */
interface Attempted extends PipelineRequest {
  /** No retry but after a thread-limit refusal: the budget's own reading must not hold calls up. */
  noRetry?: boolean;
  /** Overrides the configured timeout (the budget's reading must not hold a call up for long). */
  timeoutMs?: number;
}

/** Autotask's limit of concurrent requests per integration code per entity endpoint. */
const THREAD_LIMIT = 3;
/** Gate key of `ThresholdInformation`, an endpoint of its own. */
const THRESHOLD_KEY = "ThresholdInformation";
/** The budget's reading waits at most this long: it must not hold a call up like a slow query. */
const THRESHOLD_TIMEOUT_MS = 10_000;
/** A shared slot's lease outlives the longest request by this much before it expires. */
const LEASE_MARGIN_MS = 5_000;

/**
 * Sends requests to one tenant under Autotask's limits: the hourly request
 * budget (ThresholdInformation), the per-entity thread limit (a gate that
 * shrinks when others on the same integration code hold the threads), bounded
 * retries, one deadline per call, and the caller's cancellation.
 */
export class RequestPipeline {
  readonly #config: AutotaskConfig;
  readonly #zone: Zone;
  readonly #fetch: FetchFn;
  readonly #timers = new TimerSet();
  readonly #gate: ConcurrencyGate;
  readonly #budget: RequestBudget;
  readonly #retry: RetryPolicy;
  readonly #random: () => number;
  readonly #shared: SharedLimits | undefined;
  readonly #usage = new UserUsage();
  readonly #now: () => number;
  /** The one ThresholdInformation reading in flight, shared by every caller of this process. */
  #budgetSync: Promise<ThresholdReading | AutotaskError> | undefined;
  #retrySleeps = 0;
  #requests = 0;
  #retries = 0;
  #threadRefusals = 0;
  #refused = 0;

  constructor(config: AutotaskConfig, zone: Zone, options: PipelineOptions = {}) {
    this.#config = config;
    this.#zone = zone;
    this.#fetch = options.fetch ?? ((request) => fetch(request));
    this.#gate = new ConcurrencyGate(options.maxConcurrentPerEntity ?? THREAD_LIMIT, this.#timers);
    this.#budget = new RequestBudget({
      ...options.budget,
      warnShare: config.budgetWarn,
      hardShare: config.budgetHard,
      userShare: config.userBudgetShare,
    });
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#random = options.random ?? Math.random;
    this.#shared = options.shared;
    this.#now = options.budget?.now ?? Date.now;
  }

  /**
   * Sends `request` and answers Autotask's 2xx response, or throws the
   * {@linkcode AutotaskError} that ended it. One deadline (the configured
   * timeout) covers the queue, every attempt and every sleep, so no call
   * hangs longer than the timeout.
   */
  async send(request: Attempted): Promise<HttpResponse> {
    const { route, operation, signal } = request;
    const url = (await this.#zone.base(signal)) + route.path;
    const threshold = operation === "threshold";

    // 1. Budget: read ThresholdInformation when due, then refuse if the hour or the user's
    // share says so. With replicas, admission already counted the first attempt.
    const countedFirst = threshold ? true : await this.#admit(request);

    const key = threshold ? THRESHOLD_KEY : route.entity ?? "Autotask";
    const timeoutMs = request.timeoutMs ?? this.#config.timeoutMs;
    const started = performance.now();
    const deadline = started + timeoutMs;
    const retryUntil = started + Math.min(this.#retry.maxTotalMs, timeoutMs);
    // No attempt starts with less time than this left: it could not be answered.
    const minAttemptMs = Math.min(1000, timeoutMs / 4);
    let failure: unknown;
    for (let attempt = 1;; attempt++) {
      // 2. Gate: a slot of the entity's endpoint, in time to send.
      let release: Release;
      try {
        release = await this.#slot(key, request, deadline, minAttemptMs);
      } catch (error) {
        // A retry that found no slot in time: the call's own failure says more.
        throw attempt > 1 && isNotSent(error) ? withAttempts(failure, attempt - 1) : error;
      }

      // 3. Send; the slot goes back whatever happens.
      let response: HttpResponse | undefined;
      try {
        if (!threshold && !(attempt === 1 && countedFirst)) await this.#countSent(request);
      } catch (error) {
        release();
        throw error;
      }
      try {
        this.#requests++;
        response = await sendRequest(this.#fetch, {
          method: route.method,
          url,
          headers: this.#headers(),
          body: request.body,
          operation,
          entity: route.entity,
          timeoutMs: Math.max(1, deadline - performance.now()),
          reportTimeoutMs: timeoutMs,
          signal,
          timers: this.#timers,
        });
        this.#gate.succeeded(key);
      } catch (error) {
        failure = error;
      } finally {
        release();
      }

      // 4. Decode: a write answered without the record's id may or may not have happened.
      if (response) {
        if (isWrite(operation)) requireItemId(response, url, request);
        return response;
      }

      // 5. Classify: a rate-limit refusal that names no limit is decided by ThresholdInformation.
      if (!threshold) await this.#whichLimit(failure, signal);
      if (isThreadRefusal(failure)) {
        this.#threadRefusals++;
        this.#gate.shrink(key);
      }

      // 6. Retry decision: worth another attempt, and time left for one?
      const delay = this.#retryDelay(
        failure,
        attempt,
        request,
        retryUntil,
        deadline - minAttemptMs,
      );
      if (delay === undefined) throw withAttempts(failure, attempt);
      this.#retries++;

      // 7. Sleep without a slot, cancellable.
      this.#retrySleeps++;
      try {
        await sleep(delay, { signal, timers: this.#timers });
      } catch {
        throw cancelledError("while waiting to retry", { operation, entity: route.entity });
      } finally {
        this.#retrySleeps--;
      }
    }
  }

  /**
   * Refuses the call when the hourly budget says so (without reading it
   * first): for a cache miss whose shared fetch must not be optional itself.
   */
  refuseIfOverBudget(call: BudgetCall): void {
    const refusal = this.#budget.refusal(call.optional === true);
    if (refusal === undefined) return;
    this.#refused++;
    throw new AutotaskError(refusal, {
      category: "rate_limited",
      operation: call.operation,
      entity: call.entity,
      failure: "refused",
    });
  }

  /**
   * The ThresholdInformation reading in flight, or a new one: never more than
   * one per process (the call counts toward the hour and takes one of the
   * endpoint's three threads). Resolves with the reading or the error it
   * failed with; rejects only when `signal` aborts this caller's wait.
   */
  readThreshold(signal?: AbortSignal): Promise<ThresholdReading | AutotaskError> {
    this.#budgetSync ??= this.#syncBudget().finally(() => {
      this.#budgetSync = undefined;
    });
    return abortable(this.#budgetSync, signal);
  }

  /** A sentence for tool results once usage passes the warning share, else undefined. */
  usageNotice(): string | undefined {
    return this.#budget.notice();
  }

  /** Slots, waiters, sleeps, timers, counts and the budget. */
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

  /**
   * Reads the hourly budget when due, then refuses the call if the budget or
   * the user's share says so, and counts it for the user. True when the
   * request was counted on the replicas' shared counter too.
   */
  async #admit(request: PipelineRequest): Promise<boolean> {
    if (this.#budget.needsSync()) {
      try {
        await this.readThreshold(request.signal);
      } catch {
        throw cancelledError("before it was sent", {
          operation: request.operation,
          entity: request.route.entity,
        });
      }
    }
    this.refuseIfOverBudget({ ...request, entity: request.route.entity });
    const user = request.user ?? DEFAULT_USER;
    const share = { cap: this.#budget.userCap(), windowMs: this.#budget.windowMs };
    const taken: Take & { total?: number } = this.#shared
      ? await this.#sharedCall(request, (shared) => shared.take(user, share))
      : this.#usage.take(user, { ...share, now: this.#now() });
    if (!taken.ok) {
      this.#refused++;
      throw new AutotaskError(this.#budget.userRefusal(taken.used, taken.freesAt), {
        category: "rate_limited",
        operation: request.operation,
        entity: request.route.entity,
        failure: "refused",
        limit: "hourly",
      });
    }
    if (taken.total === undefined) return false;
    this.#budget.count(taken.total);
    return true;
  }

  /** Counts a request about to be sent (on the replicas' shared counter when there is one). */
  async #countSent(request: PipelineRequest): Promise<void> {
    if (!this.#shared) {
      this.#budget.count();
      return;
    }
    this.#budget.count(await this.#sharedCall(request, (shared) => shared.count()));
  }

  /** A call to the shared store; when it fails the request is not sent, and the error says so. */
  async #sharedCall<T>(
    request: PipelineRequest,
    call: (shared: SharedLimits) => Promise<T>,
  ): Promise<T> {
    const shared = this.#shared!;
    try {
      return await call(shared);
    } catch (error) {
      if (error instanceof LeaseTimeout) throw error;
      const { operation, route: { entity } } = request;
      throw new AutotaskError(
        `The ${entity ? `${operation} of ${entity}` : operation} was not sent: the store the ` +
          `server's replicas share Autotask's limits through (${shared.description}) did not ` +
          `answer (${(error as Error).message}). Check that Redis is running and REDIS_URL is ` +
          `right; try again shortly`,
        { category: "unavailable", operation, entity, failure: "refused", cause: error },
      );
    }
  }

  async #syncBudget(): Promise<ThresholdReading | AutotaskError> {
    try {
      // Read before the reading: requests in between count twice rather than not at all.
      const total = this.#shared ? await this.#shared.total().catch(() => undefined) : undefined;
      const { body } = await this.send({
        route: THRESHOLD_ROUTE,
        operation: "threshold",
        noRetry: true,
        timeoutMs: Math.min(this.#config.timeoutMs, THRESHOLD_TIMEOUT_MS),
      });
      const reading = body as ThresholdReading;
      this.#budget.observe(reading, { total });
      return reading;
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
   * A rate-limit refusal that does not name the thread limit: only
   * ThresholdInformation tells whether the hourly threshold is used up (then
   * the call is refused with the numbers and later calls are refused before
   * sending) or whether it was the thread limit in other words (then it is
   * retried like one). When no reading can be had, the refusal stays
   * undecided: reads retry, writes are reported as not applied.
   */
  async #whichLimit(failure: unknown, signal: AbortSignal | undefined): Promise<void> {
    if (
      !(failure instanceof AutotaskError) || failure.category !== "rate_limited" ||
      failure.limit !== undefined || failure.failure !== "http"
    ) return;
    this.#budget.requestSync();
    // Concurrent refusals join one reading.
    const reading = await this.readThreshold(signal).catch(() => undefined);
    if (reading instanceof AutotaskError || reading === undefined) return;
    if (this.#budget.level() === "exhausted") {
      failure.limit = "hourly";
      const refusal = this.#budget.refusal(false);
      if (refusal) failure.message = `${failure.message} ${refusal}`;
    } else {
      failure.limit = "threads";
    }
  }

  /**
   * A slot of the entity's gate, in time to send: a waiter leaves the queue
   * (not sent) once less than `minAttemptMs` would be left before `deadline`,
   * rather than sending a request that has no time to be answered (for a
   * write, that would turn a clean "not sent" into an unknown outcome).
   */
  async #slot(
    key: string,
    request: PipelineRequest,
    deadline: number,
    minAttemptMs: number,
  ): Promise<Release> {
    const started = performance.now();
    let release: Release;
    try {
      release = await this.#gate.acquire(key, {
        signal: request.signal,
        timeoutMs: Math.max(0, deadline - minAttemptMs - started),
        user: request.user,
      });
    } catch (error) {
      if (error instanceof QueueCancelled) {
        throw cancelledError("while waiting for a free connection", {
          operation: request.operation,
          entity: request.route.entity,
        });
      }
      if (error instanceof QueueTimeout) {
        throw this.#notSent(request, error.waitedMs, error.inFlight);
      }
      throw error;
    }
    if (this.#shared) {
      // This process holds one of its own slots; the replicas together hold at most the limit.
      try {
        const lease = await this.#sharedCall(request, (shared) =>
          shared.lease(key, {
            limit: this.#gate.limit,
            ttlMs: this.#config.timeoutMs + LEASE_MARGIN_MS,
            deadline: deadline - minAttemptMs,
            signal: request.signal,
          }));
        const local = release;
        release = () => {
          lease();
          local();
        };
      } catch (error) {
        release();
        if (request.signal?.aborted) {
          throw cancelledError("while waiting for a free connection", {
            operation: request.operation,
            entity: request.route.entity,
          });
        }
        if (error instanceof LeaseTimeout) {
          throw this.#notSent(request, performance.now() - started, this.#gate.limit);
        }
        throw error;
      }
    }
    if (deadline - performance.now() < minAttemptMs) {
      release();
      throw this.#notSent(request, performance.now() - started, this.#gate.inFlight(key));
    }
    return release;
  }

  #notSent(request: PipelineRequest, waitedMs: number, inFlight: number): AutotaskError {
    const { operation, route: { entity } } = request;
    return new AutotaskError(
      `The ${entity ? `${operation} of ${entity}` : operation} was not sent: it waited ${
        Math.max(1, Math.round(waitedMs / 1000))
      } s for a free connection (Autotask allows ${this.#gate.limit} concurrent requests ` +
        `per entity and ${inFlight} were still running) and ran out of time. Autotask is ` +
        `answering slowly; try again shortly`,
      { category: "unavailable", operation, entity, failure: "refused" },
    );
  }

  /** The wait before another attempt, or undefined when the failure is final. */
  #retryDelay(
    error: unknown,
    attempt: number,
    request: Attempted,
    retryUntil: number,
    lastStart: number,
  ): number | undefined {
    const thread = isThreadRefusal(error);
    if (request.noRetry && !thread) return undefined;
    if (attempt >= (thread ? this.#retry.maxThreadAttempts : this.#retry.maxAttempts)) {
      return undefined;
    }
    if (!isRetryable(error, request.operation)) return undefined;
    const delay = retryDelay(error as AutotaskError, attempt, {
      policy: this.#retry,
      random: this.#random,
    });
    const resumeAt = performance.now() + delay;
    // The next attempt must start early enough to have time of its own.
    if (resumeAt > retryUntil || resumeAt > lastStart) return undefined;
    return delay;
  }
}

/** Autotask answers every write with the record's id; without one the outcome is unknown. */
function requireItemId(response: HttpResponse, url: string, request: PipelineRequest): void {
  const id = (response.body as { itemId?: unknown } | undefined)?.itemId;
  if (typeof id === "number") return;
  const { operation, route: { entity } } = request;
  throw unknownOutcome(
    `Autotask answered the ${operation} of ${entity} (HTTP ${response.status}) without an itemId`,
    {
      operation,
      entity,
      url,
      body: request.body,
      sentAt: response.sentAt,
      failure: "malformed",
      status: response.status,
    },
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
