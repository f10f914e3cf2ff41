/** The Sandbox class: the whole tenant as a fetch-style handler (auth, limits, faults, logging, routing). */

import { seedTenant } from "./data.ts";
import { DroppedConnection, FaultQueue, sleep, truncateJson } from "./faults.ts";
import { type Call, dispatch, methodNotAllowed, notFound, type Tenant } from "./handlers.ts";
import { Threads, Threshold } from "./limits.ts";
import { entityDef } from "./metadata.ts";
import { project } from "./query.ts";
import { errorResponse, fail, jsonResponse, TenantError } from "./respond.ts";
import { parseRoute, type Route, routeEntity } from "./routes.ts";
import { Store } from "./store.ts";
import type { Fault, RequestLogEntry, SandboxCredentials, SandboxOptions } from "./types.ts";

/** The credentials the sandbox accepts by default. Not a secret: a fixture. */
export const SANDBOX_CREDENTIALS: SandboxCredentials = {
  username: "sandbox-api@example.com",
  secret: "sandbox-secret-do-not-use",
  integrationCode: "SANDBOXINTEGRATIONCODE00",
};

const DEFAULT_SEED = 20240611;
/** Like Autotask's web servers, longer request URLs fail before the API sees them. */
const MAX_URL_LENGTH = 2048;
const WRITE_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);
/** Default of `SandboxOptions.logLimit`: plenty for a test, bounded for a soak. */
const DEFAULT_LOG_LIMIT = 10_000;

/** The zone the sandbox reports, with `url` pointing back at wherever it is served. */
function zoneJson(origin: string): Record<string, unknown> {
  return {
    zoneName: "Sandbox (America West 5)",
    url: `${origin}/ATServicesRest/`,
    webUrl: "https://ww5.autotask.net/",
    ci: 5,
  };
}

/**
 * A simulated Autotask tenant. `handle` answers a `Request` the way the
 * Autotask REST API would, warts included; tests serve it over HTTP with
 * `serveSandbox`, the demo mode calls `handle` in-process. Needs no permissions.
 */
export class Sandbox {
  /**
   * The requests received, in arrival order (entries complete when the answer
   * is ready); only the most recent `logLimit` are kept.
   */
  readonly log: RequestLogEntry[] = [];
  readonly #logLimit: number;
  readonly #store = new Store();
  readonly #credentials: SandboxCredentials;
  readonly #now: () => Date;
  readonly #latencyMs: number;
  readonly #threadLimit: number;
  readonly #threadLimitStatus: number;
  readonly #threshold: Threshold;
  readonly #threads = new Threads();
  readonly #faults = new FaultQueue();
  readonly #tenant: Tenant;
  /** The ticket with invisible/bidirectional characters and injection text in it. */
  readonly hostileTicketId: number;

  constructor(options: SandboxOptions = {}) {
    this.#credentials = options.credentials ?? SANDBOX_CREDENTIALS;
    this.#now = options.now ?? (() => new Date());
    this.#latencyMs = options.latencyMs ?? 0;
    this.#threadLimit = options.threadLimit ?? 3;
    this.#threadLimitStatus = options.threadLimitStatus ?? 429;
    this.#logLimit = Math.max(1, options.logLimit ?? DEFAULT_LOG_LIMIT);
    const now = this.#now();
    this.#threshold = new Threshold(options.threshold ?? {}, now);
    const seeded = seedTenant(this.#store, {
      seed: options.seed ?? DEFAULT_SEED,
      now,
      ticketCount: options.ticketCount,
      credentials: this.#credentials,
    });
    this.hostileTicketId = seeded.hostileTicketId;
    this.#tenant = {
      store: this.#store,
      now: this.#now,
      apiUserResourceId: seeded.apiUserResourceId,
    };
  }

  /** Requests in flight on an entity now. */
  inFlight(entity: string): number {
    return this.#threads.inFlight(entity);
  }

  /** High-water mark of concurrent requests on an entity (or on the whole tenant) since `resetStats`. */
  maxInFlight(entity?: string): number {
    return this.#threads.maxInFlight(entity);
  }

  /** Clears the log and the high-water marks. */
  resetStats(): void {
    this.log.length = 0;
    this.#threads.reset();
  }

  /** Queues a fault for the next matching request(s). */
  inject(fault: Fault): void {
    this.#faults.add(fault);
  }

  /** Forgets every queued fault. */
  clearFaults(): void {
    this.#faults.clear();
  }

  /** Changes the hourly threshold or how much of it is used. */
  setThreshold(t: { limit?: number; used?: number }): void {
    if (t.limit !== undefined) this.#threshold.limit = t.limit;
    if (t.used !== undefined) this.#threshold.used = t.used;
  }

  /** Copies of every record of an entity, in wire form (all fields). */
  records(entity: string): Record<string, unknown>[] {
    const def = entityDef(entity);
    if (!def) return [];
    // project() builds fresh objects (and fresh UDF arrays) from primitive values: a deep copy.
    return this.#store.table(def.name).rows.map((r) => project(def, r));
  }

  /** A copy of one record in wire form, or undefined. */
  record(entity: string, id: number): Record<string, unknown> | undefined {
    const def = entityDef(entity);
    const rec = def ? this.#store.table(def.name).get(id) : undefined;
    return def && rec ? project(def, rec) : undefined;
  }

  /**
   * Answers one request like Autotask. A `drop` fault makes it throw a
   * `TypeError` (as `fetch` does on a network failure); an aborted request
   * rejects with the signal's reason.
   */
  async handle(request: Request): Promise<Response> {
    const start = performance.now();
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const route = parseRoute(url.pathname);
    const entry: RequestLogEntry = {
      method,
      path: url.pathname + url.search,
      entity: routeEntity(route),
      status: 0,
      start,
      end: start,
    };
    this.log.push(entry);
    // shift() is cheap here: V8 trims the front of the backing store in place.
    while (this.log.length > this.#logLimit) this.log.shift();
    try {
      const response = await this.#process(request, url, method, route, entry);
      entry.status = response.status;
      return response;
    } catch (error) {
      if (error instanceof DroppedConnection) throw error;
      if (request.signal.aborted) {
        entry.status = 499;
        throw error;
      }
      if (error instanceof TenantError) {
        entry.status = error.status;
        return errorResponse(error);
      }
      entry.status = 500;
      return jsonResponse(500, { errors: [`Sandbox internal error: ${String(error)}`] });
    } finally {
      entry.end = performance.now();
    }
  }

  async #process(
    request: Request,
    url: URL,
    method: string,
    route: Route,
    entry: RequestLogEntry,
  ): Promise<Response> {
    if (entry.path.length > MAX_URL_LENGTH) {
      throw new TenantError(414, [
        `The request URL is longer than ${MAX_URL_LENGTH} characters: send the query with POST instead of GET search=.`,
      ]);
    }
    const text = WRITE_METHODS.has(method) ? await request.text() : "";
    let body: unknown = undefined;
    let bodyError: TenantError | null = null;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
        if (method !== "DELETE") entry.body = body;
      } catch {
        bodyError = fail("The request body is not valid JSON.");
      }
    }
    const signal = request.signal;

    if (route.kind === "zone") {
      if (method !== "GET") throw methodNotAllowed(method);
      return await this.#withFaults(request, method, null, entry, signal, () => {
        const user = url.searchParams.get("user") ?? "";
        if (user.toLowerCase() !== this.#credentials.username.toLowerCase()) {
          throw fail("Zone information could not be determined");
        }
        return jsonResponse(200, zoneJson(url.origin));
      });
    }
    if (route.kind === "version") {
      if (method !== "GET") throw methodNotAllowed(method);
      return jsonResponse(200, { apiVersions: ["1.0"] });
    }

    const actor = this.#authenticate(request.headers);
    const entity = routeEntity(route);
    const now = this.#now();
    // ThresholdInformation is exempt from the threshold so a client can always ask how much is left.
    if (route.kind === "threshold") {
      if (method !== "GET") throw methodNotAllowed(method);
    } else if (!this.#threshold.admit(now)) {
      throw new TenantError(429, [
        `The request threshold of ${this.#threshold.limit} requests per ${this.#threshold.timeframeMinutes} minutes has been reached for this database. Wait for the current timeframe to end before sending more requests.`,
      ]);
    }
    const code = request.headers.get("ApiIntegrationCode") ?? "";
    if (entity !== null && !this.#threads.acquire(code, entity, this.#threadLimit)) {
      // Live wording; no Retry-After, and nothing of the request is processed.
      throw new TenantError(this.#threadLimitStatus, [
        `The Autotask API thread threshold of ${this.#threadLimit} threads has been exceeded.`,
      ]);
    }
    try {
      return await this.#withFaults(request, method, entity, entry, signal, () => {
        if (route.kind === "threshold") return jsonResponse(200, this.#threshold.info(this.#now()));
        if (route.kind === "notFound") throw notFound(url);
        if (bodyError) throw bodyError;
        const call: Call = { method, url, body, ...actor };
        return dispatch(this.#tenant, route, call);
      });
    } finally {
      if (entity !== null) this.#threads.release(code, entity);
    }
  }

  /** Latency, then any matching fault around the real handling. */
  async #withFaults(
    request: Request,
    method: string,
    entity: string | null,
    entry: RequestLogEntry,
    signal: AbortSignal,
    run: () => Response,
  ): Promise<Response> {
    await sleep(this.#latencyMs, signal);
    const fault = this.#faults.take({ method, entity, path: entry.path });
    const handle = (): Response => {
      try {
        return run();
      } catch (error) {
        if (error instanceof TenantError) return errorResponse(error);
        throw error;
      }
    };
    if (!fault) return handle();
    if (fault.kind === "delay") {
      await sleep(fault.delayMs ?? 0, signal);
      return handle();
    }
    const isRead = method === "GET" ||
      /\/query(\/count|\/next)?$/i.test(new URL(request.url).pathname);
    const after = fault.applyAfterHandling === true;
    let response: Response | null = null;
    if (after || (fault.kind === "malformed" && isRead)) response = handle();
    if (fault.kind === "drop") {
      if (response) await response.body?.cancel();
      throw new DroppedConnection();
    }
    if (fault.kind === "malformed") {
      const text = response
        ? await response.text()
        : JSON.stringify({ errors: ["The request was not processed."] });
      return new Response(truncateJson(text), {
        status: 200,
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    }
    if (response) await response.body?.cancel();
    const status = fault.status ?? 500;
    const headers: Record<string, string> = {};
    if (fault.retryAfterSeconds !== undefined) {
      headers["Retry-After"] = String(fault.retryAfterSeconds);
    }
    const faultBody = fault.body !== undefined
      ? fault.body
      : { errors: [`Simulated fault: HTTP ${status}`] };
    return jsonResponse(status, faultBody, headers);
  }

  /** Checks the three headers; returns who the call acts as. */
  #authenticate(headers: Headers): { actorResourceId: number; impersonating: boolean } {
    const user = headers.get("UserName") ?? "";
    if (user.toLowerCase() !== this.#credentials.username.toLowerCase()) {
      throw fail("Zone information could not be determined");
    }
    if (headers.get("Secret") !== this.#credentials.secret) {
      throw new TenantError(401, {
        body: { Message: "Authorization has been denied for this request." },
      });
    }
    if (headers.get("ApiIntegrationCode") !== this.#credentials.integrationCode) {
      throw fail("IntegrationCode is invalid.");
    }
    const impersonation = headers.get("ImpersonationResourceId");
    if (impersonation === null || impersonation.trim() === "") {
      return { actorResourceId: this.#tenant.apiUserResourceId, impersonating: false };
    }
    const id = /^\s*\d+\s*$/.test(impersonation) ? Number(impersonation) : NaN;
    const resource = Number.isNaN(id) ? undefined : this.#store.table("Resources").get(id);
    if (!resource || resource.isActive !== true) {
      throw fail(
        `ImpersonationResourceId ${impersonation.trim()} does not reference an active resource.`,
      );
    }
    return { actorResourceId: id, impersonating: true };
  }
}
