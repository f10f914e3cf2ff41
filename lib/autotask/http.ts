/** Sends one HTTP request to Autotask and turns every way it can go wrong into an AutotaskError. */

import { AutotaskError, errorFromResponse, isWrite, type Operation } from "./errors.ts";

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
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A successful (2xx) response with its parsed JSON body. */
export interface HttpResponse {
  status: number;
  body: unknown;
}

function outcomeNote(operation: Operation, entity?: string): string {
  return isWrite(operation)
    ? ` The ${operation} of ${entity ?? "the record"} may or may not have been applied: ` +
      `check in Autotask (e.g. search for it) before trying again.`
    : "";
}

function failure(
  request: HttpRequest,
  reason: string,
  category: "unavailable" | "cancelled",
  cause?: unknown,
): AutotaskError {
  const write = isWrite(request.operation);
  return new AutotaskError(`${reason}.${outcomeNote(request.operation, request.entity)}`, {
    category: write ? "unknown_outcome" : category,
    operation: request.operation,
    entity: request.entity,
    cause,
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
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, request.timeoutMs);
  const onAbort = () => controller.abort();
  if (request.signal?.aborted) {
    clearTimeout(timer);
    throw failure(
      request,
      `The ${request.operation} was cancelled before it was sent`,
      "cancelled",
    );
  }
  request.signal?.addEventListener("abort", onAbort, { once: true });
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
      throw abortedOrNetwork(request, error, timedOut);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw abortedOrNetwork(request, error, timedOut);
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
        throw failure(
          request,
          `Autotask answered ${request.operation} ${
            request.entity ?? ""
          } with malformed JSON (HTTP ${response.status})`
            .replace("  ", " "),
          "unavailable",
        );
      }
      return { status: response.status, body };
    }
    throw errorFromResponse(response.status, body, {
      operation: request.operation,
      entity: request.entity,
      retryAfter: response.headers.get("retry-after"),
    });
  } finally {
    clearTimeout(timer);
    request.signal?.removeEventListener("abort", onAbort);
  }
}

function abortedOrNetwork(request: HttpRequest, error: unknown, timedOut: boolean): AutotaskError {
  if (error instanceof AutotaskError) return error;
  if (timedOut) {
    return failure(
      request,
      `Autotask did not answer within ${Math.round(request.timeoutMs / 1000)} s`,
      "unavailable",
      error,
    );
  }
  if (request.signal?.aborted) {
    return failure(request, `The ${request.operation} was cancelled`, "cancelled", error);
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
  const detail = (error instanceof Error ? error.message.split("\n")[0] : String(error))
    .replace(/https?:\/\/[^\s)]+/g, "<url>")
    .slice(0, 200);
  return failure(
    request,
    `Could not reach Autotask at ${safeHost(request.url)} (${detail})`,
    "unavailable",
    error,
  );
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the configured host";
  }
}
