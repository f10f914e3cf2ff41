/** The gates in front of MCP over HTTP: bearer token, Host and Origin allow lists, rate limit, body cap. */

import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import {
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  validateHostHeader,
  validateOriginHeader,
} from "@modelcontextprotocol/server";

/**
 * SHA-256 of `text`, computed at once: node:crypto's (built into Deno, no permission). WebCrypto's
 * digest goes through the event loop and cost a request about 35 µs, twice for a static token.
 */
export function sha256(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}

/** A digest as 64 lowercase hex digits. */
export function hex(digest: Uint8Array): string {
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString("hex");
}

/** SHA-256 of `text` as 64 lowercase hex digits (what MCP_USERS stores for a static token). */
export function sha256Hex(text: string): string {
  return hex(sha256(text));
}

/** The outcome of {@linkcode BearerCheck.check}. */
export type BearerOutcome = "ok" | "missing" | "invalid";

/**
 * Checks `Authorization: Bearer <token>` against the configured token. Both
 * sides are hashed first, so the comparison takes the same time whatever the
 * presented token's length or content.
 */
export class BearerCheck {
  readonly #expected: Uint8Array;

  constructor(token: string) {
    this.#expected = sha256(token);
  }

  /** Whether the `Authorization` header value carries the token. */
  check(header: string | null): BearerOutcome {
    if (header === null || header.trim() === "") return "missing";
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    return this.matches(sha256(match ? match[1] : "")) && match !== null ? "ok" : "invalid";
  }

  /** Whether `digest`, the SHA-256 of a presented token, is the token's: in constant time. */
  matches(digest: Uint8Array): boolean {
    const expected = this.#expected;
    let diff = digest.length === expected.length ? 0 : 1;
    for (let i = 0; i < expected.length; i++) diff |= expected[i] ^ digest[i];
    return diff === 0;
  }
}

const MAX_TRACKED_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-client request limit: a token bucket per client address holding up to
 * `perMinute` requests, refilled at `perMinute` per minute.
 */
export class RateLimiter {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(perMinute: number, now: () => number = () => performance.now()) {
    this.#capacity = perMinute;
    this.#perMs = perMinute / 60_000;
    this.#now = now;
  }

  /** Takes one request for `client`: 0 when allowed, otherwise the seconds until it would be. */
  take(client: string): number {
    const now = this.#now();
    let bucket = this.#buckets.get(client);
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_TRACKED_CLIENTS) this.#forgetIdle(now);
      bucket = { tokens: this.#capacity, at: now };
      this.#buckets.set(client, bucket);
    } else {
      bucket.tokens = Math.min(this.#capacity, bucket.tokens + (now - bucket.at) * this.#perMs);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000));
  }

  /** Drops clients whose bucket has refilled (they hold no state worth keeping), then the oldest. */
  #forgetIdle(now: number): void {
    for (const [client, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.at) * this.#perMs >= this.#capacity) {
        this.#buckets.delete(client);
      }
    }
    for (const client of this.#buckets.keys()) {
      if (this.#buckets.size < MAX_TRACKED_CLIENTS) break;
      this.#buckets.delete(client);
    }
  }
}

/** Who may talk to the server from where (DNS rebinding and cross-site protection). */
export interface AllowLists {
  /** Hostnames accepted in `Host` (port-agnostic; IPv6 in brackets). */
  hosts: string[];
  /** Hostnames accepted in `Origin`, any scheme and port (and `scheme://*` items, see the SDK). */
  originHostnames: string[];
  /** Exact origins (`https://app.example.com:8443`) accepted in `Origin`. */
  origins: string[];
}

/** Loopback names: what the allow lists always hold. */
export function loopbackAllowLists(): AllowLists {
  return {
    hosts: localhostAllowedHostnames(),
    originHostnames: localhostAllowedOrigins(),
    origins: [],
  };
}

/** `Host` values already accepted, per allow list (a few per server: its names, with ports). */
const ACCEPTED_HOSTS = new WeakMap<AllowLists, Set<string>>();

/** A 403 when the `Host` header names a host not on the list. */
export function hostRejection(request: Request, lists: AllowLists): Response | undefined {
  const host = request.headers.get("host");
  // A client sends the same Host on every request: one parse per accepted value and list.
  let accepted = ACCEPTED_HOSTS.get(lists);
  if (host !== null && accepted?.has(host)) return undefined;
  const result = validateHostHeader(host, lists.hosts);
  if (result.ok) {
    if (accepted === undefined) ACCEPTED_HOSTS.set(lists, accepted = new Set());
    if (accepted.size < 64) accepted.add(host!);
    return undefined;
  }
  return jsonRpcError(
    403,
    -32000,
    `Forbidden: ${result.message}; the server accepts the Host names in MCP_ALLOWED_HOSTS`,
  );
}

/** Whether a present `Origin` header is allowed (an absent one is: non-browser clients send none). */
export function originAllowed(origin: string | null, lists: AllowLists): boolean {
  if (origin === null || origin === "") return true;
  if (lists.origins.length > 0) {
    try {
      if (lists.origins.includes(new URL(origin).origin)) return true;
    } catch {
      return false;
    }
  }
  return validateOriginHeader(origin, lists.originHostnames).ok;
}

/** The 403 for an `Origin` that {@linkcode originAllowed} refused. */
export function originRejection(): Response {
  return jsonRpcError(
    403,
    -32000,
    "Forbidden: this Origin is not allowed; the server accepts the origins in MCP_ALLOWED_ORIGINS",
  );
}

/** Whether `host` (a HOST value) is a loopback address, so nothing off the machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** A JSON-RPC error body with an HTTP status (what MCP clients expect from the gates). */
export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, {
    status,
    headers,
  });
}

/** Headers a browser client needs, only ever for an allowed Origin (never a wildcard). */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers":
      "mcp-session-id, mcp-protocol-version, www-authenticate, retry-after",
    vary: "Origin",
  };
}

const ALLOWED_REQUEST_HEADERS =
  "authorization, content-type, accept, last-event-id, mcp-protocol-version, mcp-session-id, mcp-method, mcp-name";

/** The answer to a CORS preflight from an allowed Origin. */
export function preflightResponse(request: Request, origin: string | null): Response {
  if (origin === null || origin === "") return new Response(null, { status: 204 });
  // Reflect the requested header names (modern clients send x-mcp-* parameter headers).
  const requested = (request.headers.get("access-control-request-headers") ?? "")
    .split(",").map((h) => h.trim().toLowerCase())
    .filter((h) => /^[a-z0-9-]{1,64}$/.test(h)).slice(0, 32);
  const headers = [...new Set([...ALLOWED_REQUEST_HEADERS.split(", "), ...requested])];
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(origin),
      "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
      "access-control-allow-headers": headers.join(", "),
      "access-control-max-age": "600",
    },
  });
}

/** A request body read under a size cap and a deadline. */
export type BodyRead =
  | { ok: true; bytes: Uint8Array<ArrayBuffer> }
  | { ok: false; status: 400 | 408 | 413 };

/**
 * Reads a request body up to `maxBytes`, giving up after `timeoutMs` (a client
 * trickling its body cannot hold a request open). A declared Content-Length
 * over the cap is refused without reading.
 */
export async function readBodyCapped(
  request: Request,
  maxBytes: number,
  timeoutMs: number,
): Promise<BodyRead> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return { ok: false, status: 413 };
  if (request.body === null) return { ok: true, bytes: new Uint8Array() };
  const reader = request.body.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, timeoutMs);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        return { ok: false, status: 413 };
      }
      chunks.push(value);
    }
  } catch {
    // The client went away mid-body (or the deadline cancelled the read).
    if (!timedOut) return { ok: false, status: 400 };
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) return { ok: false, status: 408 };
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

/** The gate's answer to a body that was too large, too slow or broken. */
export function bodyError(status: 400 | 408 | 413, maxBytes: number): Response {
  if (status === 413) {
    const mib = Math.round(maxBytes / 1024 / 1024 * 10) / 10;
    // Base64 carries 3 bytes in 4 characters; 16 KiB is left for the rest of the call.
    const file = Math.floor((maxBytes - 16 * 1024) * 3 / 4 / 1024 / 10) * 10;
    return jsonRpcError(
      413,
      -32000,
      `Payload Too Large: HTTP mode refuses request bodies over ${mib} MiB, so a file sent in a ` +
        `tool call (base64) is limited to about ${file} KB here; attach larger files over ` +
        "stdio or in Autotask",
    );
  }
  if (status === 408) {
    return jsonRpcError(408, -32000, "Request Timeout: the request body did not arrive in time");
  }
  return jsonRpcError(400, -32000, "Bad Request: the request body could not be read");
}

/** What the request log shows about one request: its JSON-RPC method and tool, or why it was refused. */
export interface RpcNote {
  rpc?: string;
  tool?: string;
  refused?: "host" | "origin" | "token" | "scope" | "unavailable" | "signature";
  /** The verified user's key (never a credential). */
  user?: string;
}

/** Reads the method (and the tool name of a tools/call) from a JSON-RPC body, for the log only. */
export function noteFor(body: unknown): RpcNote {
  if (Array.isArray(body)) return { rpc: "batch" };
  if (typeof body !== "object" || body === null) return {};
  const { method, params } = body as { method?: unknown; params?: { name?: unknown } };
  const note: RpcNote = {};
  if (typeof method === "string") note.rpc = /^[\w\/.-]{1,64}$/.test(method) ? method : "?";
  else if ("result" in body || "error" in body) note.rpc = "response";
  if (method === "tools/call" && typeof params?.name === "string") {
    note.tool = /^[\w.-]{1,64}$/.test(params.name) ? params.name : "?";
  }
  return note;
}

/** Headers that carry credentials meant for this server: never passed on to the MCP layer. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

/**
 * `request` without them (the same request when its headers can change, else a copy), with
 * `body` when given (a copy), and with the client's abort signal unless `detach` (a message whose answer outlives its
 * POST, as on the legacy SSE transport).
 */
export function withoutCredentials(
  request: Request,
  options: { body?: Uint8Array<ArrayBuffer>; detach?: boolean } = {},
): Request {
  if (options.body === undefined && !options.detach) {
    // The usual case, a request this process built: its headers can lose the credentials in
    // place (a copy of the whole request costs a tool call about 0.05 ms).
    try {
      for (const name of CREDENTIAL_HEADERS) request.headers.delete(name);
      return request;
    } catch {
      // immutable headers (a request made by the runtime): copy below
    }
  }
  const headers = new Headers(request.headers);
  for (const name of CREDENTIAL_HEADERS) headers.delete(name);
  return new Request(request.url, {
    method: request.method,
    headers,
    body: options.body ?? null,
    signal: options.detach ? undefined : request.signal,
  });
}
