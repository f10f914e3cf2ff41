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
