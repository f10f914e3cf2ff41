/** Sends one HTTP request to Autotask and turns every way it can go wrong into an AutotaskError. */

import {
  AutotaskError,
  errorFromResponse,
  type FailureKind,
  isWrite,
  type Operation,
} from "./errors.ts";
import { TimerSet } from "./retry.ts";
import { parentIdField } from "./routes.ts";

/** The `fetch` signature the client needs (the global one, or the in-process sandbox). */
export type FetchFn = (input: Request) => Promise<Response>;

/** One request. */
export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  operation: Operation;
  entity?: string;
  /** How long this attempt may take. */
  timeoutMs: number;
  /** The configured timeout, named in messages when it differs from `timeoutMs` (retries). */
  reportTimeoutMs?: number;
  signal?: AbortSignal;
  /** Where the timeout timer is registered, so its owner can count pending timers. */
  timers?: TimerSet;
}

/** A successful (2xx) response with its parsed JSON body. */
export interface HttpResponse {
  status: number;
  body: unknown;
  /** When the request was sent (ISO-8601). */
  sentAt: string;
}

/** Record fields that let a person or agent find a record whose write outcome is unknown. */
const IDENTIFYING_FIELDS = [
  "id",
  "ticketID",
  "taskID",
  "projectID",
  "companyID",
  "contactID",
  "opportunityID",
  "resourceID",
  "ticketNumber",
  "title",
  "name",
  "companyName",
  "projectName",
  "contractName",
  "firstName",
  "lastName",
  "emailAddress",
  "summaryNotes",
  "description",
  "serialNumber",
  "referenceTitle",
  "dateWorked",
];
const MAX_IDENTIFYING = 6;

/**
 * The fields of a write that identify its record: ids from the URL (the
 * parent of a child route, the id of a delete) and the first few of
 * {@linkcode IDENTIFYING_FIELDS} in the body, long text shortened.
 */
export function identifyingFields(url: string, body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let path = "";
  try {
    path = new URL(url).pathname;
  } catch {
    // An unparsable URL contributes nothing.
  }
  const rest = path.split(/\/v1\.0\//i)[1]?.split("/").filter((p) => p !== "") ?? [];
  if (rest.length >= 3 && /^\d+$/.test(rest[1])) out[parentIdField(rest[0])] = Number(rest[1]);
  const last = rest.at(-1);
  if (rest.length % 2 === 0 && last !== undefined && /^\d+$/.test(last)) out.id = Number(last);
  const record = body && typeof body === "object" && !Array.isArray(body)
    ? body as Record<string, unknown>
    : {};
  for (const key of IDENTIFYING_FIELDS) {
    if (Object.keys(out).length >= MAX_IDENTIFYING) break;
    const value = record[key];
    if (key in out || value === undefined || value === null) continue;
    if (typeof value === "string") {
      const flat = value.replace(/\s+/g, " ").trim();
      out[key] = flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
    } else if (typeof value === "number" || typeof value === "boolean") {
      out[key] = value;
    }
  }
  return out;
}

function describeFields(fields: Record<string, unknown>): string {
  return Object.entries(fields).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(", ");
}

/** What to do to find out whether the write happened, per operation. */
function checkAdvice(
  operation: Operation,
  entity: string,
  fields: Record<string, unknown>,
): string {
  if (operation === "delete") {
    return `Check before trying again: read ${entity}${
      fields.id !== undefined ? ` ${fields.id}` : ""
    } to see whether it still exists`;
  }
  if (operation === "update") {
    return `Check before trying again: read ${entity}${
      fields.id !== undefined ? ` ${fields.id}` : ""
    } and compare the fields you changed`;
  }
  return `Check before trying again: search ${entity} for ${
    Object.keys(fields).length > 0 ? "those values" : "the record"
  }, created at or after the time it was sent; repeating the call blindly can create a duplicate`;
}

/** Context of an {@linkcode unknownOutcome} error. */
export interface UnknownOutcomeContext {
  operation: Operation;
  entity?: string;
  url: string;
  body?: unknown;
  sentAt: string;
  failure: FailureKind;
  status?: number;
  errors?: string[];
  cause?: unknown;
}

/**
 * A write that failed without a usable answer: it may have been applied.
 * The message says so, when it was sent, what identifies the record, and how
 * to check, so an agent searches before it repeats a create.
 */
export function unknownOutcome(reason: string, context: UnknownOutcomeContext): AutotaskError {
  const entity = context.entity ?? "the record";
  const identifying = identifyingFields(context.url, context.body);
  const changing =
    context.operation === "update" && context.body && typeof context.body === "object"
      ? Object.keys(context.body as Record<string, unknown>).filter((k) => k !== "id")
      : [];
  const described = describeFields(identifying);
  const message =
    `${reason}. The ${context.operation} of ${entity} may or may not have been applied: ` +
    `it was sent at ${context.sentAt}${described ? ` with ${described}` : ""}${
      changing.length > 0 ? ` (changing ${changing.slice(0, 10).join(", ")})` : ""
    }. ${checkAdvice(context.operation, entity, identifying)}`;
  return new AutotaskError(message, {
    category: "unknown_outcome",
    operation: context.operation,
    entity: context.entity,
    status: context.status,
    errors: context.errors,
    failure: context.failure,
    sentAt: context.sentAt,
    identifying,
    cause: context.cause,
  });
}

/**
 * Sends `request`, enforcing its timeout and honouring the caller's signal.
 * Resolves with the parsed body of a 2xx answer; rejects with an
 * {@linkcode AutotaskError} for HTTP errors, timeouts, cancellation, dropped
 * connections and malformed JSON. Writes that fail without a clear answer are
 * `unknown_outcome`: they may have been applied.
 */
export async function sendRequest(fetchFn: FetchFn, request: HttpRequest): Promise<HttpResponse> {
  if (request.signal?.aborted) {
    // Nothing left the process: not applied, whatever the operation.
    throw new AutotaskError(
      `The ${request.operation}${
        request.entity ? ` of ${request.entity}` : ""
      } was cancelled before it was sent`,
      {
        category: "cancelled",
        operation: request.operation,
        entity: request.entity,
        failure: "cancelled",
      },
    );
  }
  const timers = request.timers ?? new TimerSet();
  const controller = new AbortController();
  let timedOut = false;
  const timer = timers.set(() => {
    timedOut = true;
    controller.abort();
  }, request.timeoutMs);
  const onAbort = () => controller.abort();
  request.signal?.addEventListener("abort", onAbort, { once: true });
  const sentAt = new Date().toISOString();
  try {
    const init: RequestInit = {
      method: request.method,
      headers: request.headers,
      signal: controller.signal,
    };
    if (request.body !== undefined) init.body = JSON.stringify(request.body);
    let response: Response;
    try {
      response = await fetchFn(new Request(request.url, init));
    } catch (error) {
      throw abortedOrNetwork(request, error, timedOut, sentAt);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw abortedOrNetwork(request, error, timedOut, sentAt);
    }
    let body: unknown = undefined;
    let parsed = true;
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        parsed = false;
        body = text.slice(0, 500);
      }
    }
    if (response.status >= 200 && response.status < 300) {
      if (!parsed) {
        const reason = `Autotask answered the ${request.operation}${
          request.entity ? ` of ${request.entity}` : ""
        } with malformed JSON (HTTP ${response.status})`;
        throw failure(request, reason, "malformed", sentAt);
      }
      return { status: response.status, body, sentAt };
    }
    throw httpError(request, response, body, sentAt);
  } finally {
    timers.clear(timer);
    request.signal?.removeEventListener("abort", onAbort);
  }
}

function httpError(
  request: HttpRequest,
  response: Response,
  body: unknown,
  sentAt: string,
): AutotaskError {
  const error = errorFromResponse(response.status, body, {
    operation: request.operation,
    entity: request.entity,
    retryAfter: response.headers.get("retry-after"),
  });
  if (!isWrite(request.operation)) return error;
  const what = `the ${request.operation}${request.entity ? ` of ${request.entity}` : ""}`;
  const said = error.errors.length > 0 ? ` Autotask said: ${error.errors.join(" | ")}` : "";
  if (error.category === "rate_limited") {
    // Autotask refuses over-limit calls (threads or the hourly threshold) before processing them.
    const when = error.retryAfterSeconds !== undefined
      ? `Retry after ${error.retryAfterSeconds} s`
      : error.limit === "threads"
      ? "Other requests of this integration code were running on that endpoint; try again in a few seconds"
      : "Try again shortly";
    return new AutotaskError(
      `Autotask refused ${what} with HTTP ${response.status} before processing it: ` +
        `it was NOT applied. ${when}.${said}`,
      {
        category: "rate_limited",
        operation: request.operation,
        entity: request.entity,
        status: response.status,
        errors: error.errors,
        retryAfterSeconds: error.retryAfterSeconds,
        limit: error.limit,
        failure: "http",
      },
    );
  }
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    // A gateway error can come after Autotask processed the request.
    return unknownOutcome(`Autotask's gateway answered HTTP ${response.status}${said}`, {
      operation: request.operation,
      entity: request.entity,
      url: request.url,
      body: request.body,
      sentAt,
      failure: "http",
      status: response.status,
      errors: error.errors,
    });
  }
  return error;
}

/** A failure without an HTTP answer: unknown outcome for writes, the given kind for reads. */
function failure(
  request: HttpRequest,
  reason: string,
  kind: FailureKind,
  sentAt: string,
  cause?: unknown,
): AutotaskError {
  if (isWrite(request.operation)) {
    return unknownOutcome(reason, {
      operation: request.operation,
      entity: request.entity,
      url: request.url,
      body: request.body,
      sentAt,
      failure: kind,
      cause,
    });
  }
  return new AutotaskError(reason, {
    category: kind === "cancelled" ? "cancelled" : "unavailable",
    operation: request.operation,
    entity: request.entity,
    failure: kind,
    cause,
  });
}

function abortedOrNetwork(
  request: HttpRequest,
  error: unknown,
  timedOut: boolean,
  sentAt: string,
): AutotaskError {
  if (error instanceof AutotaskError) return error;
  if (timedOut) {
    const seconds = Math.max(1, Math.round((request.reportTimeoutMs ?? request.timeoutMs) / 1000));
    return failure(
      request,
      `Autotask did not answer within ${seconds} s`,
      "timeout",
      sentAt,
      error,
    );
  }
  if (request.signal?.aborted) {
    return failure(request, `The ${request.operation} was cancelled`, "cancelled", sentAt, error);
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    const host = safeHost(request.url);
    return new AutotaskError(
      `Network access to ${host} is not permitted: this build may only reach *.autotask.net:443. ` +
        `Check AUTOTASK_API_URL / AUTOTASK_ZONE`,
      {
        category: "configuration",
        operation: request.operation,
        entity: request.entity,
        cause: error,
      },
    );
  }
  // Deno's fetch errors quote the whole URL; keep only the reason.
  const detail = innermostMessage(error).split("\n")[0]
    .replace(/error sending request for url \(<url>\): /i, "")
    .slice(0, 200);
  if (NEVER_CONNECTED.test(errorText(error))) {
    if (!isWrite(request.operation)) {
      return failure(
        request,
        `Could not reach Autotask at ${safeHost(request.url)} (${detail})`,
        "network",
        sentAt,
        error,
      );
    }
    // No connection was ever made, so no byte of the write left: it was not applied.
    return new AutotaskError(
      `Could not reach Autotask at ${safeHost(request.url)} (${detail}): the ${request.operation}` +
        `${request.entity ? ` of ${request.entity}` : ""} was not sent, so nothing was changed. ` +
        `Check the network or AUTOTASK_ZONE / AUTOTASK_API_URL, then try again`,
      {
        category: "unavailable",
        operation: request.operation,
        entity: request.entity,
        failure: "network",
        cause: error,
      },
    );
  }
  // Connected, then the connection broke: the request may have been received.
  return failure(
    request,
    `The connection to Autotask at ${safeHost(request.url)} failed (${detail})`,
    "network",
    sentAt,
    error,
  );
}

/** Failures that happen before a connection exists (refused, no such host). */
const NEVER_CONNECTED =
  /connection refused|os error 111|ECONNREFUSED|dns error|failed to lookup address|name or service not known|no such host|ENOTFOUND/i;

/** The error's message and its causes' messages (Deno nests the OS error). */
function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(" ");
}

/** The most specific message in an error's cause chain, without URLs (they can be long). */
function innermostMessage(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current.message) message = current.message;
    current = current.cause;
  }
  return message.replace(/https?:\/\/[^\s)]+/g, "<url>");
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the configured host";
  }
}
