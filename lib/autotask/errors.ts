/** The one error type the Autotask client throws, and how HTTP outcomes map onto it. */

/** What kind of failure, so callers can decide what to tell the user. */
export type ErrorCategory =
  | "configuration"
  | "authentication"
  | "permission"
  | "not_found"
  | "validation"
  | "rate_limited"
  | "unavailable"
  | "unknown_outcome"
  | "cancelled";

/**
 * How a request ended when it failed: an HTTP answer, no answer in time, a
 * network failure, an unreadable 2xx body, the caller's cancellation, or the
 * client's own refusal (budget, queue) before anything was sent.
 */
export type FailureKind = "http" | "timeout" | "network" | "malformed" | "cancelled" | "refused";

/**
 * Which of Autotask's limits refused a request: the per-entity thread limit
 * (3 concurrent requests per integration code, refused unprocessed, worth a
 * retry within seconds) or the hourly request threshold (nothing helps until
 * the window resets).
 */
export type LimitKind = "threads" | "hourly";

/** The operation the client was performing. */
export type Operation =
  | "zone"
  | "query"
  | "count"
  | "get"
  | "create"
  | "update"
  | "delete"
  | "metadata"
  | "threshold";

/** True for operations that change data: these are never retried automatically. */
export function isWrite(operation: Operation): boolean {
  return operation === "create" || operation === "update" || operation === "delete";
}

/** Fields of an {@linkcode AutotaskError}. */
export interface AutotaskErrorInit {
  category: ErrorCategory;
  operation: Operation;
  entity?: string;
  status?: number;
  /** Autotask's own `errors[]` text, verbatim. */
  errors?: string[];
  /** Seconds Autotask asked us to wait (Retry-After). */
  retryAfterSeconds?: number;
  /** For `rate_limited`: which limit refused the request, when known. */
  limit?: LimitKind;
  /** How the request failed (absent for errors raised before any request). */
  failure?: FailureKind;
  /** For writes whose outcome is unknown: when the request was sent (ISO-8601). */
  sentAt?: string;
  /** For writes whose outcome is unknown: the fields that identify the record, to search for it. */
  identifying?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * A failed Autotask call. `message` is written for the person or agent who
 * must act on it; it never contains a credential.
 */
export class AutotaskError extends Error {
  readonly category: ErrorCategory;
  readonly operation: Operation;
  readonly entity?: string;
  readonly status?: number;
  readonly errors: string[];
  readonly retryAfterSeconds?: number;
  limit?: LimitKind;
  readonly failure?: FailureKind;
  readonly sentAt?: string;
  readonly identifying?: Record<string, unknown>;

  constructor(message: string, init: AutotaskErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "AutotaskError";
    this.category = init.category;
    this.operation = init.operation;
    this.entity = init.entity;
    this.status = init.status;
    this.errors = init.errors ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.limit = init.limit;
    this.failure = init.failure;
    this.sentAt = init.sentAt;
    this.identifying = init.identifying;
  }
}

/**
 * True when the client refused a call before sending it because of the hourly
 * request budget (`rate_limited`, nothing reached Autotask). A tool that asked
 * for optional work (`{ optional: true }`: names, totals) can drop that part of
 * its answer on this error and still succeed.
 */
export function isBudgetRefusal(error: unknown): error is AutotaskError {
  return error instanceof AutotaskError && error.category === "rate_limited" &&
    error.failure === "refused";
}

/**
 * A call the caller cancelled before its request left (`when`: "while waiting
 * for a free connection", ...). A write cancelled in flight is not this: its
 * outcome is unknown (see `http.ts`).
 */
export function cancelledError(
  when: string,
  call: { operation: Operation; entity?: string },
): AutotaskError {
  const { operation, entity } = call;
  return new AutotaskError(
    `The ${entity ? `${operation} of ${entity}` : operation} was cancelled ${when}${
      isWrite(operation) ? ": it was not sent, so nothing was changed" : ""
    }`,
    { category: "cancelled", operation, entity, failure: "cancelled" },
  );
}

/** Pulls `errors[]` out of an Autotask error body (`{"errors":[...]}`), tolerating other shapes. */
export function extractErrors(body: unknown): string[] {
  if (body && typeof body === "object") {
    const record = body as Record<string, unknown>;
    const list = record.errors ?? record.Errors;
    if (Array.isArray(list)) {
      return list.map((e) => typeof e === "string" ? e : JSON.stringify(e)).filter((e) => e);
    }
    if (typeof record.message === "string") return [record.message];
    if (typeof record.Message === "string") return [record.Message];
  }
  if (typeof body === "string" && body.trim()) return [body.trim().slice(0, 500)];
  return [];
}

function what(operation: Operation, entity?: string): string {
  return entity ? `${operation} ${entity}` : operation;
}

/**
 * Autotask's thread-limit refusal ("The Autotask API thread threshold of 3
 * threads has been exceeded."), recognised by its text whatever the status:
 * public logs show it under 429 and under other statuses. The word
 * "threshold" alone does not mark it: the hourly limit uses that word too.
 */
export function isThreadLimitText(errors: string[]): boolean {
  const text = errors.join(" ");
  return /\bthreads?\b/i.test(text) && /threshold|limit|exceeded|concurrent/i.test(text);
}

/** The three settings every authentication failure names: any of them can be the wrong one. */
const CREDENTIAL_SETTINGS =
  "AUTOTASK_API_USERNAME (the API user's full username), AUTOTASK_API_SECRET and " +
  "AUTOTASK_API_INTEGRATION_CODE (its API tracking identifier)";

/** Autotask's 500s that are about the credentials rather than the request. */
const CREDENTIAL_TEXT =
  /Zone information could not be determined|IntegrationCode is invalid|integration code|credentials|authenticat|Authorization has been denied|user ?name or (the )?(secret|password)/i;

/** Autotask's wording when the API user's security level lacks a right (answered as HTTP 500). */
const PERMISSION_TEXT =
  /does not have the adequate permissions|do(es)? not have (the )?(sufficient |required )?(permissions?|rights?) to/i;

/** Parses `Retry-After` (seconds or an HTTP date) into seconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  if (Number.isFinite(date)) return Math.max(0, Math.ceil((date - now) / 1000));
  return undefined;
}

/**
 * Maps an HTTP error response to an {@linkcode AutotaskError}. Autotask reports
 * most validation failures as HTTP 500 with `errors[]`; those messages are the
 * most useful thing it says, so they are kept verbatim.
 */
export function errorFromResponse(
  status: number,
  body: unknown,
  context: { operation: Operation; entity?: string; retryAfter?: string | null },
): AutotaskError {
  const errors = extractErrors(body);
  const joined = errors.join(" ");
  const base = {
    operation: context.operation,
    entity: context.entity,
    status,
    errors,
    failure: "http" as const,
  };
  const said = errors.length > 0 ? ` Autotask said: ${errors.join(" | ")}` : "";

  if (isThreadLimitText(errors)) {
    return new AutotaskError(
      `Autotask refused the ${
        what(context.operation, context.entity)
      } unprocessed: other requests of this integration code were already running on that ` +
        `endpoint (Autotask's limit of 3 at a time, shared by everyone using the same API user). ` +
        `Try again in a few seconds.${said}`,
      {
        ...base,
        category: "rate_limited",
        limit: "threads",
        retryAfterSeconds: parseRetryAfter(context.retryAfter ?? null),
      },
    );
  }
  if (status === 401 || (status >= 500 && CREDENTIAL_TEXT.test(joined))) {
    const hint = /IntegrationCode is invalid/i.test(joined)
      ? " (Autotask named the integration code)"
      : /Zone information could not be determined/i.test(joined)
      ? " (Autotask does not know this API username)"
      : status === 401
      ? " (HTTP 401: most often the secret, or an inactive API user)"
      : "";
    return new AutotaskError(
      `Autotask did not accept the API credentials${hint}: check ${CREDENTIAL_SETTINGS}.${said}`,
      { ...base, category: "authentication" },
    );
  }
  if (status === 403 || PERMISSION_TEXT.test(joined)) {
    return new AutotaskError(
      `The API user's security level does not allow the ${
        what(context.operation, context.entity)
      }: an Autotask administrator can grant that right in the API user's security level ` +
        `(Admin > Resources/Users > Security Levels). Nothing was changed.${said}`,
      { ...base, category: "permission" },
    );
  }
  if (status === 404) {
    return new AutotaskError(
      `Not found: ${what(context.operation, context.entity)} (HTTP 404).${said}`,
      { ...base, category: "not_found" },
    );
  }
  if (status === 405) {
    return new AutotaskError(
      `Autotask does not allow this method on the ${
        what(context.operation, context.entity)
      } route (HTTP 405).${said}`,
      { ...base, category: "validation" },
    );
  }
  if (status === 429) {
    // Which limit is unknown here: the client asks ThresholdInformation before deciding.
    const retryAfterSeconds = parseRetryAfter(context.retryAfter ?? null);
    const wait = retryAfterSeconds === undefined ? "" : ` Retry after ${retryAfterSeconds} s.`;
    return new AutotaskError(
      `Autotask is rate limiting requests (HTTP 429).${wait}${said}`,
      { ...base, category: "rate_limited", retryAfterSeconds },
    );
  }
  if (status === 502 || status === 503 || status === 504) {
    return new AutotaskError(
      `Autotask is unavailable (HTTP ${status}); try again shortly.${said}`,
      {
        ...base,
        category: "unavailable",
        retryAfterSeconds: parseRetryAfter(context.retryAfter ?? null),
      },
    );
  }
  if (errors.length > 0 && /no matching records/i.test(joined)) {
    return new AutotaskError(`Not found: ${what(context.operation, context.entity)}.${said}`, {
      ...base,
      category: "not_found",
    });
  }
  if (errors.length > 0 && status >= 400 && status < 600) {
    return new AutotaskError(
      `Autotask rejected ${what(context.operation, context.entity)}.${said}`,
      { ...base, category: "validation" },
    );
  }
  return new AutotaskError(
    `Autotask answered HTTP ${status} to ${
      what(context.operation, context.entity)
    } without an explanation`,
    { ...base, category: status >= 500 ? "unavailable" : "validation" },
  );
}
