/** The Sandbox class: the whole tenant as a fetch-style handler (auth, limits, faults, logging, routing). */

import { seedTenant } from "./data.ts";
import { DroppedConnection, FaultQueue, sleep, truncateJson } from "./faults.ts";
import { type Call, dispatch, methodNotAllowed, notFound, type Tenant } from "./handlers.ts";
import { ATTACHMENT_LIMITS, AttachmentWindow, Threads, Threshold } from "./limits.ts";
import { type EntityDef, entityDef, withUdfs } from "./metadata.ts";
import { type DroppedClause, project } from "./query.ts";
import { errorResponse, fail, jsonResponse, TenantError } from "./respond.ts";
import { parseRoute, type Route, routeEntity } from "./routes.ts";
import { Store } from "./store.ts";
import { WebhookService } from "./webhooks.ts";
import type {
  DeniedRight,
  DroppedOperator,
  Fault,
  RequestLogEntry,
  RightVerb,
  SandboxCredentials,
  SandboxOptions,
  SandboxWebhooks,
} from "./types.ts";

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
/** Most recent dropped clauses kept in `droppedOperators`. */
const DROPPED_LIMIT = 1_000;

/** Autotask's wording of a missing right, per verb (a read by id is a query to Autotask). */
const PERMISSION_WORDS: Record<RightVerb, string> = {
  query: "query",
  get: "query",
  create: "create",
  update: "update",
  delete: "delete",
};

/** The permission 500 Autotask answers for a right the security level lacks. */
function permissionDenied(verb: RightVerb): TenantError {
  return fail(
    `The logged in Resource does not have the adequate permissions to ${
      PERMISSION_WORDS[verb]
    } this entity type.`,
  );
}

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
  /**
   * Filter clauses dropped for an unknown operator since `resetStats` (the most recent 1,000).
   * The live API drops them silently and answers 200, so tests assert this stays empty.
   */
  readonly droppedOperators: DroppedOperator[] = [];
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
  readonly #authFailures: "documented" | "empty401";
  readonly #denied: DeniedRight[];
  /** Resources whose security level does not allow impersonation. */
  readonly #unimpersonable: Set<number>;
  /** Entities whose user-defined fields this tenant defines itself (lower-cased name -> def). */
  readonly #ownDefs = new Map<string, EntityDef>();
  /** The ticket with invisible/bidirectional characters and injection text in it. */
  readonly hostileTicketId: number;
  /**
   * Webhook callouts for tests: every call made (URL, exact body bytes, signature, status), the
   * retries waiting, and `idle()` to wait until deliveries are done.
   */
  readonly webhooks: SandboxWebhooks;
  readonly #webhooks: WebhookService;

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
      timeEntryCount: options.timeEntryCount,
      credentials: this.#credentials,
    });
    this.hostileTicketId = seeded.hostileTicketId;
    this.#authFailures = options.authFailures ?? "documented";
    this.#denied = [...(options.deniedRights ?? [])];
    this.#unimpersonable = new Set(options.impersonationDenied ?? []);
    for (const [name, udfs] of Object.entries(options.userDefinedFields ?? {})) {
      const def = entityDef(name);
      if (!def) throw new Error(`userDefinedFields: Autotask has no entity named ${name}`);
      this.#ownDefs.set(def.name.toLowerCase(), withUdfs(def, udfs));
    }
    this.#webhooks = new WebhookService({
      store: this.#store,
      now: this.#now,
      resolve: (name) => this.#def(entityDef(name) as EntityDef),
      settings: options.webhooks,
    });
    for (const def of this.#webhooks.defs) this.#ownDefs.set(def.name.toLowerCase(), def);
    this.webhooks = this.#webhooks.deliveries;
    const limits = options.attachmentLimits ?? {};
    this.#tenant = {
      store: this.#store,
      now: this.#now,
      apiUserResourceId: seeded.apiUserResourceId,
      def: (def) => this.#def(def),
      ignoreOperatorCase: options.ignoreOperatorCase === true,
      recordDropped: (entity, dropped) => this.#recordDropped(entity, dropped),
      authorize: (entity, verb, call) => {
        if (this.#isDenied(entity, verb, call.actorResourceId)) {
          throw this.#webhooks.permissionError(entity, verb) ?? permissionDenied(verb);
        }
      },
      allowTimeEntryRoleChange: options.allowTimeEntryRoleChange === true,
      maxAttachmentBytes: limits.maxFileBytes ?? ATTACHMENT_LIMITS.maxFileBytes,
      attachments: new AttachmentWindow(limits),
      readAfterCreateLagMs: Math.max(0, options.readAfterCreateLagMs ?? 0),
      createdAt: new Map(),
      hooks: this.#webhooks,
    };
  }

  /** The definition this tenant uses for an entity (its own UDFs, if configured). */
  #def(def: EntityDef): EntityDef {
    return this.#ownDefs.get(def.name.toLowerCase()) ?? def;
  }

  /** The route with this tenant's entity definitions. */
  #resolve(route: Route): Route {
    return "def" in route ? { ...route, def: this.#def(route.def) } : route;
  }

  #recordDropped(entity: string, dropped: DroppedClause[]): void {
    for (const d of dropped) this.droppedOperators.push({ entity, op: d.op, path: d.path });
    const excess = this.droppedOperators.length - DROPPED_LIMIT;
    if (excess > 0) this.droppedOperators.splice(0, excess);
  }

  #isDenied(entity: string, verb: RightVerb, actor: number): boolean {
    const e = entity.toLowerCase();
    return this.#denied.some((d) =>
      d.entity.toLowerCase() === e && d.verb === verb &&
      (d.resourceId === undefined || d.resourceId === actor)
    );
  }

  /**
   * Takes a right away from the API user's security level (or, with `resourceId`, only from
   * calls acting as that resource): later calls get Autotask's permission 500.
   */
  denyRight(right: DeniedRight): void {
    this.#denied.push({ ...right });
  }

  /**
   * Turns off "Allow impersonation of resources with this security level" for a resource
   * (`allowed: false`, the default of a new tenant's security levels) or back on.
   */
  setImpersonationAllowed(resourceId: number, allowed: boolean): void {
    if (allowed) this.#unimpersonable.delete(resourceId);
    else this.#unimpersonable.add(resourceId);
  }

  /** Gives back every right taken by `denyRight` or `SandboxOptions.deniedRights`. */
  clearDeniedRights(): void {
    this.#denied.length = 0;
  }

  /** Requests in flight on an entity now. */
  inFlight(entity: string): number {
    return this.#threads.inFlight(entity);
  }

  /** High-water mark of concurrent requests on an entity (or on the whole tenant) since `resetStats`. */
  maxInFlight(entity?: string): number {
    return this.#threads.maxInFlight(entity);
  }

  /** Clears the log, the dropped-operator list and the high-water marks. */
  resetStats(): void {
    this.log.length = 0;
    this.droppedOperators.length = 0;
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
    const found = entityDef(entity);
    if (!found) return [];
    const def = this.#def(found);
    // project() builds fresh objects (and fresh UDF arrays) from primitive values: a deep copy.
    return this.#store.table(def.name).rows.map((r) => project(def, r));
  }

  /** A copy of one record in wire form, or undefined. */
  record(entity: string, id: number): Record<string, unknown> | undefined {
    const found = entityDef(entity);
    const def = found ? this.#def(found) : undefined;
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
    const route = this.#resolve(parseRoute(url.pathname));
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

    const impersonation = request.headers.get("ImpersonationResourceId");
    if (impersonation !== null && impersonation.trim() !== "") {
      const id = impersonation.trim();
      entry.impersonationResourceId = /^\d+$/.test(id) ? Number(id) : id;
    }
    const actor = this.#authenticate(request.headers);
    const entity = routeEntity(route);
    if (route.kind === "threshold" && method !== "GET") throw methodNotAllowed(method);
    // The thread limit comes first: a refused request is not processed at all, so it neither
    // counts toward the hour nor consumes a fault nor touches a record.
    const code = request.headers.get("ApiIntegrationCode") ?? "";
    if (entity !== null && !this.#threads.acquire(code, entity, this.#threadLimit)) {
      // Live wording; no Retry-After.
      throw new TenantError(this.#threadLimitStatus, [
        `The Autotask API thread threshold of ${this.#threadLimit} threads has been exceeded.`,
      ]);
    }
    try {
      const now = this.#now();
      if (route.kind === "threshold") {
        this.#threshold.countInfoCall(now);
      } else if (!this.#threshold.admit(now)) {
        // Worded apart from the thread refusal: nothing here says "thread".
        throw new TenantError(429, [
          `The request threshold of ${this.#threshold.limit} requests per ${this.#threshold.timeframeMinutes} minutes has been reached for this database. Wait for the current timeframe to end before sending more requests.`,
        ]);
      }
      return await this.#withFaults(request, method, entity, entry, signal, () => {
        if (route.kind === "threshold") return jsonResponse(200, this.#threshold.info(this.#now()));
        if (route.kind === "notFound") throw notFound(url);
        if (bodyError) throw bodyError;
        this.#webhooks.prepare(entity);
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
    const empty401 = this.#authFailures === "empty401";
    // The 2026 connector's observation: every credential failure is a 401 with no body.
    const refuse = (documented: TenantError): TenantError =>
      empty401 ? new TenantError(401, { body: undefined }) : documented;
    if (user.toLowerCase() !== this.#credentials.username.toLowerCase()) {
      throw refuse(fail("Zone information could not be determined"));
    }
    if (headers.get("Secret") !== this.#credentials.secret) {
      throw refuse(
        new TenantError(401, {
          body: { Message: "Authorization has been denied for this request." },
        }),
      );
    }
    if (headers.get("ApiIntegrationCode") !== this.#credentials.integrationCode) {
      throw refuse(fail("IntegrationCode is invalid."));
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
    if (resource.licenseType === 7) {
      throw fail(
        `ImpersonationResourceId ${id} is an API-only resource: API-only resources cannot be impersonated.`,
      );
    }
    if (this.#unimpersonable.has(id)) {
      throw fail(
        `Resource ${id} cannot be impersonated: its security level does not allow impersonation of resources with this security level.`,
      );
    }
    return { actorResourceId: id, impersonating: true };
  }
}
