/** JSON responses and the error type that carries an Autotask-shaped failure up to the router. */

/** A failure answered as `status` with `body` (by default Autotask's `{"errors":[...]}`). */
export class TenantError extends Error {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    errors: string[] | { body: unknown },
    headers: Record<string, string> = {},
  ) {
    const body = Array.isArray(errors) ? { errors } : errors.body;
    super(Array.isArray(errors) ? errors.join("; ") : `HTTP ${status}`);
    this.name = "TenantError";
    this.status = status;
    this.body = body;
    this.headers = headers;
  }
}

/** Autotask answers most validation and query failures as HTTP 500 `{"errors":[...]}`. */
export function fail(...errors: string[]): TenantError {
  return new TenantError(500, errors);
}

/** A JSON response the way Autotask sends it. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

/** The response for a {@linkcode TenantError}. */
export function errorResponse(error: TenantError): Response {
  return jsonResponse(error.status, error.body, error.headers);
}
