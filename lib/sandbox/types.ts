/** Public option, log and fault types of the simulated Autotask tenant, shared by its modules. */

/** The three headers an Autotask API user authenticates with. */
export interface SandboxCredentials {
  /** Sent as the `UserName` header and as `?user=` to zone discovery. */
  username: string;
  /** Sent as the `Secret` header. */
  secret: string;
  /** Sent as the `ApiIntegrationCode` header. */
  integrationCode: string;
}

/** How to build a sandbox tenant. */
export interface SandboxOptions {
  /** The one API user the tenant knows (default {@linkcode SANDBOX_CREDENTIALS}). */
  credentials?: SandboxCredentials;
  /**
   * Scale mode: pad the ticket table to this many tickets (e.g. 100_000). The
   * realistic data set (about 150 tickets) is always there first.
   */
  ticketCount?: number;
  /**
   * Scale mode: pad the time entries to this many (e.g. 200_000) by repeating the realistic 26-week
   * history (a few thousand entries) further back in time.
   */
  timeEntryCount?: number;
  /** Seed of the deterministic data (default fixed). */
  seed?: number;
  /** Added to every request while it holds its thread (for concurrency tests). */
  latencyMs?: number;
  /** Concurrent requests allowed per entity endpoint per integration code (default 3). */
  threadLimit?: number;
  /**
   * HTTP status of a thread-limit refusal (default 429). Public logs report the
   * same text under other statuses too, so clients must read the text.
   */
  threadLimitStatus?: number;
  /** Hourly request threshold: default limit 10,000, used 0, timeframe 60 minutes. */
  threshold?: { limit?: number; used?: number; timeframeMinutes?: number };
  /** Clock for data dates, watermarks and the threshold window (default `new Date()`). */
  now?: () => Date;
  /**
   * Most recent requests kept in `log` (default 10,000): older entries are
   * dropped so a long soak or a long-running demo does not grow memory.
   */
  logLimit?: number;
  /**
   * Accept operator names in any case (`EQ`, `Exist`). Default false: only the documented
   * spelling counts, anything else is dropped like an unknown operator. A production integration
   * sends `Exist` to the live API, which suggests Autotask ignores the case, but that is not
   * documented and a dropped clause fails silently, so by default the tenant holds the client to
   * the spelling autotask-api.md lists.
   */
  ignoreOperatorCase?: boolean;
  /**
   * How credential failures are answered: "documented" (default: unknown user 500 "Zone
   * information could not be determined", wrong secret 401, wrong integration code 500
   * "IntegrationCode is invalid.") or "empty401" (every credential failure an empty 401, as a
   * 2026 connector observed).
   */
  authFailures?: "documented" | "empty401";
  /** Rights the API user's security level lacks; see {@linkcode DeniedRight}. */
  deniedRights?: DeniedRight[];
  /**
   * Replaces the user-defined field definitions of these entities (key: entity name, any case),
   * e.g. to add a required UDF on Tickets. An empty list leaves the entity with none.
   */
  userDefinedFields?: Record<string, SandboxUdf[]>;
  /**
   * The tenant setting "allow users to change the role on time entries" (default off): when on,
   * a ticket's or task's primary or secondary resource may log time under any role it holds.
   */
  allowTimeEntryRoleChange?: boolean;
  /** Attachment limits (defaults: 6 MB per file, 10,000,000 bytes per 5 minutes, then 5 minutes refused). */
  attachmentLimits?: { maxFileBytes?: number; windowBytes?: number; windowMinutes?: number };
  /**
   * For this long after a create (by `now`), `GET {Entity}/{id}` of the new record answers
   * `{"item":null}`, as the live API briefly can (default 0: off).
   */
  readAfterCreateLagMs?: number;
  /** How the tenant validates webhooks and delivers their callouts (autotask-api.md section 8). */
  webhooks?: SandboxWebhookOptions;
  /**
   * Resources whose security level does not allow impersonation ("Allow impersonation of
   * resources with this security level" off): a call with their ImpersonationResourceId is
   * refused unprocessed. API-only resources (licenseType 7) are refused whatever this says.
   */
  impersonationDenied?: number[];
}

/** The verbs a security level grants per entity. */
export type RightVerb = "query" | "get" | "create" | "update" | "delete";

/**
 * A right the tenant refuses with Autotask's 500 "The logged in Resource does not have the
 * adequate permissions ...". Without `resourceId` it is missing from the API user's security
 * level (every call); with it, only calls acting as that resource (impersonated with
 * `ImpersonationResourceId`, or the API user's own resource id) are refused.
 */
export interface DeniedRight {
  /** Entity name, any case. Child routes count for the child (`Tickets/1/Notes` is TicketNotes). */
  entity: string;
  verb: RightVerb;
  resourceId?: number;
}

/** A user-defined field definition for `SandboxOptions.userDefinedFields`. */
export interface SandboxUdf {
  name: string;
  dataType: "string" | "double" | "datetime";
  /** Maximum length of a string UDF (default 100). */
  length?: number;
  description?: string;
  /** A list UDF: records hold the value id as a string. */
  picklist?: { value: string; label: string }[];
  /** Must be given on create (and cannot be cleared). */
  isRequired?: boolean;
}

/** A filter clause the tenant dropped for its unknown operator (the live API does so silently). */
export interface DroppedOperator {
  entity: string;
  /** The operator as sent. */
  op: string;
  /** Where it sat in the filter, e.g. `filter[1].items[0]`. */
  path: string;
}

/** One request the tenant received, as seen by tests. */
export interface RequestLogEntry {
  method: string;
  /** Pathname and search exactly as received. */
  path: string;
  /** The entity the route acts on (child routes count for the child entity), or null. */
  entity: string | null;
  /** HTTP status answered; 0 when the connection was dropped by a fault. */
  status: number;
  /** `performance.now()` when the request arrived. */
  start: number;
  /** `performance.now()` when the answer was ready. */
  end: number;
  /** Parsed JSON body of writes and POSTed queries. */
  body?: unknown;
  /** The `ImpersonationResourceId` header as received (a number when it was one), refused or not. */
  impersonationResourceId?: number | string;
}

/** A failure to inject into the next matching requests. */
export interface Fault {
  /**
   * All given conditions must match, case-insensitively. `pathEndsWith` looks at
   * the pathname only (e.g. `/V1.0/Tickets` is a create, not `/Tickets/query`).
   */
  match?: { method?: string; entity?: string; pathIncludes?: string; pathEndsWith?: string };
  /** How many matching requests it applies to (default 1). */
  times?: number;
  kind: "status" | "delay" | "malformed" | "drop";
  /** kind "status": the HTTP status (e.g. 429, 500, 503). */
  status?: number;
  /** kind "status": the JSON body (default `{"errors":["..."]}`). */
  body?: unknown;
  /** kind "status": adds a `Retry-After` header. */
  retryAfterSeconds?: number;
  /** kind "delay": wait this long, then answer normally (stops when the client aborts). */
  delayMs?: number;
  /** Process the request first (a write is applied), then fail or drop the answer. */
  applyAfterHandling?: boolean;
}

/** A stored record: plain JSON values keyed by wire field name. */
export type Rec = Record<string, unknown> & { id: number };

/** A user-defined field value as records carry it. */
export interface UdfValue {
  name: string;
  value: string | null;
}

/** Webhook settings of a sandbox tenant; every default is the live API's. */
export interface SandboxWebhookOptions {
  /** Sends callouts and deactivation calls (default the global `fetch`). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /**
   * Also accept `http://127.0.0.1:PORT/...` webhook and deactivation URLs, for tests (default
   * false: like Autotask, only https on port 443).
   */
  allowHttpLoopback?: boolean;
  /** An attempt with no answer fails after this long (default 10,000 ms). */
  timeoutMs?: number;
  /** Wait between attempts at one event (default 30,000 ms; tests compress it to milliseconds). */
  retryDelayMs?: number;
  /**
   * Attempts at one event before it goes to `WebhookEventErrorLogs` (default 5: Autotask's help
   * says "a total of 5 attempts within 2 minutes").
   */
  maxAttempts?: number;
  /** Consecutive failed attempts after which the webhook is deactivated (default 25). */
  deactivateAfterFailures?: number;
  /** Most recent calls kept in `Sandbox.webhooks.callouts` (default 10,000). */
  logLimit?: number;
}

/** One HTTP call the tenant made to a webhook's URL or deactivation URL, as tests see it. */
export interface CalloutLogEntry {
  /** "event": a signed callout; "deactivation": the unsigned call to the deactivation URL. */
  kind: "event" | "deactivation";
  /** The webhook entity, e.g. "TicketWebhooks". */
  webhookEntity: string;
  webhookId: number;
  url: string;
  /** The exact bytes sent. */
  body: Uint8Array<ArrayBuffer>;
  /** `body` as text (pure ASCII: .NET escaping). */
  text: string;
  /** The `X-Hook-Signature` header sent, or null (deactivation calls are not signed). */
  signature: string | null;
  /** `SequenceNumber` of an event; null for a deactivation call. */
  sequenceNumber: number | null;
  /** 1 for the first attempt at an event, then 2, 3, ... for its retries. */
  attempt: number;
  /** HTTP status answered; 0 when there was no answer (refused, timed out, aborted). */
  status: number;
  /** Why the call failed, in the words the error log uses; null on a 2xx answer. */
  error: string | null;
  /** When the call started (wall clock). */
  at: Date;
}

/** An event whose delivery failed and waits for its next attempt. */
export interface PendingRetry {
  webhookEntity: string;
  webhookId: number;
  sequenceNumber: number;
  /** The attempt that will be made next (2 for the first retry). */
  nextAttempt: number;
  /** When it is due (wall clock). */
  dueAt: Date;
}

/** The tenant's webhook deliveries, for tests: what was sent, what is pending, and when all is done. */
export interface SandboxWebhooks {
  /** Calls made, oldest first (the most recent `logLimit`). */
  readonly callouts: readonly CalloutLogEntry[];
  /** Resolves once no delivery is queued, in flight or waiting for a retry. */
  idle(): Promise<void>;
  /** Events waiting for a retry now. */
  pendingRetries(): PendingRetry[];
  /** Makes every waiting retry due at once. */
  retryNow(): void;
  /** Stops delivering: waiting retries and queued events are dropped, calls in flight aborted. */
  close(): Promise<void>;
}
