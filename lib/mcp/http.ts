/**
 * Serves MCP over HTTP: Streamable HTTP at `/mcp` for both protocol eras,
 * `/health`, and with TRANSPORT=sse the legacy `/sse` + `/messages`
 * endpoints, all behind the gates of `http_guard.ts`.
 */

import { createMcpHandler, type McpServerFactory } from "@modelcontextprotocol/server";
import { isIP } from "node:net";
import { ConfigError, type EnvReader } from "../autotask/config.ts";
import {
  type AllowLists,
  BearerCheck,
  bodyError,
  corsHeaders,
  hostRejection,
  isLoopbackHost,
  jsonRpcError,
  loopbackAllowLists,
  noteFor,
  originAllowed,
  originRejection,
  preflightResponse,
  RateLimiter,
  readBodyCapped,
  type RpcNote,
  withoutCredentials,
} from "./http_guard.ts";
import { type ConnectionLimits, LIMITS, listen, type Listener } from "./http_listener.ts";
import { LegacySseEndpoints } from "./http_sse.ts";
import { SERVER_NAME, VERSION } from "./server.ts";

/** `http`: Streamable HTTP only; `sse`: the same plus the deprecated HTTP+SSE endpoints. */
export type HttpTransport = "http" | "sse";

/** Leveled logging to stderr, provided by the entry point. */
export interface Logger {
  error(line: string): void;
  warn(line: string): void;
  info(line: string): void;
  debug(line: string): void;
}

/** Validated HTTP settings. */
export interface HttpConfig {
  transport: HttpTransport;
  /** Listen address: an IP address, IPv6 without brackets (HOST=localhost becomes 127.0.0.1). */
  host: string;
  /** 0 picks a free port (it is logged). */
  port: number;
  /** Required on every MCP request when set; never logged, never forwarded. */
  token?: string;
  allow: AllowLists;
  /** Requests per minute per client address; 0 turns the limit off. */
  rateLimitPerMinute: number;
  maxBodyBytes: number;
  /** How long a client may take to send its request body. */
  bodyTimeoutMs: number;
  /** Connection deadlines and cap of the listener. */
  limits: ConnectionLimits;
}

/** Listen address when HOST is unset: this machine only. */
export const DEFAULT_HOST = "127.0.0.1";
/** The original server's port. */
export const DEFAULT_PORT = 8050;
/** Requests per minute per client address when MCP_RATE_LIMIT is unset. */
export const DEFAULT_RATE_LIMIT = 300;
/** Request body cap (1 MiB): the largest tool call is a few KB. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Deadline for a request body to arrive. */
export const BODY_TIMEOUT_MS = 30_000;
/** Shortest bearer token accepted. */
export const MIN_TOKEN_LENGTH = 16;
/** How long shutdown waits for in-flight requests. */
export const SHUTDOWN_GRACE_MS = 10_000;

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

function listOf(text: string | undefined): string[] {
  return (text ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
}

function allowedHostname(entry: string, variable: string): string {
  let url: URL | undefined;
  try {
    url = new URL(`http://${entry}`);
  } catch {
    // reported below
  }
  if (!url || url.pathname !== "/" || url.username || url.search || entry.includes("://")) {
    throw new ConfigError(
      `${variable} holds an entry that is not a host name: list names or addresses separated by ` +
        `commas, without scheme or path (e.g. mcp.example.com,192.168.1.20)`,
      [variable],
    );
  }
  return url.hostname;
}

function allowedOrigin(entry: string, lists: AllowLists): void {
  if (!entry.includes("://")) {
    lists.originHostnames.push(allowedHostname(entry, "MCP_ALLOWED_ORIGINS"));
    return;
  }
  const problem = new ConfigError(
    "MCP_ALLOWED_ORIGINS holds an entry that is not an origin: use https://app.example.com, " +
      "a bare host name (any scheme and port), or scheme://* for browser extensions " +
      "(http://* and https://* are not accepted)",
    ["MCP_ALLOWED_ORIGINS"],
  );
  if (/^[a-z][a-z0-9+.-]*:\/\/\*$/.test(entry)) {
    if (entry === "http://*" || entry === "https://*") throw problem;
    lists.originHostnames.push(entry);
    return;
  }
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw problem;
  }
  if (url.pathname !== "/" && url.pathname !== "" || url.search || url.username) throw problem;
  if (url.origin === "null") lists.originHostnames.push(url.hostname);
  else lists.origins.push(url.origin);
}

function wholeNumber(
  env: EnvReader,
  name: "PORT" | "MCP_RATE_LIMIT",
  fallback: number,
  max: number,
  hint: string,
): number {
  const text = env(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > max) {
    throw new ConfigError(`${name} must be a whole number from 0 to ${max} (${hint})`, [name]);
  }
  return value;
}

/**
 * Reads HOST, PORT, MCP_AUTH_TOKEN, MCP_ALLOWED_HOSTS, MCP_ALLOWED_ORIGINS and
 * MCP_RATE_LIMIT. Throws {@linkcode ConfigError} (never holding the token) on a
 * bad value, and when a non-loopback address would be served without a token.
 */
export function loadHttpConfig(transport: HttpTransport, env: EnvReader): HttpConfig {
  const rawHost = env("HOST") ?? DEFAULT_HOST;
  const bare = rawHost.replace(/^\[(.*)\]$/, "$1");
  const host = bare.toLowerCase() === "localhost" ? "127.0.0.1" : bare;
  if (isIP(host) === 0) {
    throw new ConfigError(
      `HOST must be an IP address to listen on (127.0.0.1, ::1, 0.0.0.0, 192.168.1.20), not a ` +
        `host name; list the names clients use in MCP_ALLOWED_HOSTS`,
      ["HOST"],
    );
  }
  const port = wholeNumber(env, "PORT", DEFAULT_PORT, 65_535, "0 picks a free port");
  const rateLimitPerMinute = wholeNumber(
    env,
    "MCP_RATE_LIMIT",
    DEFAULT_RATE_LIMIT,
    1_000_000,
    "requests per minute per client address; 0 turns the limit off",
  );
  const token = env("MCP_AUTH_TOKEN");
  if (token !== undefined && (token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token))) {
    throw new ConfigError(
      `MCP_AUTH_TOKEN must be at least ${MIN_TOKEN_LENGTH} visible ASCII characters without ` +
        "spaces: generate one with `openssl rand -hex 32`",
      ["MCP_AUTH_TOKEN"],
    );
  }
  if (token === undefined && !isLoopbackHost(host)) {
    throw new ConfigError(
      `HOST=${rawHost} accepts connections from other machines, so a bearer token is required: ` +
        "set MCP_AUTH_TOKEN to a long random secret (e.g. `openssl rand -hex 32`) that clients " +
        "send as `Authorization: Bearer <token>`, or listen on HOST=127.0.0.1",
      ["MCP_AUTH_TOKEN", "HOST"],
    );
  }
  const allow = loopbackAllowLists();
  if (!WILDCARD_HOSTS.has(host) && !isLoopbackHost(host)) {
    allow.hosts.push(allowedHostname(host.includes(":") ? `[${host}]` : host, "HOST"));
  }
  for (const entry of listOf(env("MCP_ALLOWED_HOSTS"))) {
    allow.hosts.push(allowedHostname(entry, "MCP_ALLOWED_HOSTS"));
  }
  for (const entry of listOf(env("MCP_ALLOWED_ORIGINS"))) allowedOrigin(entry, allow);
  return {
    transport,
    host,
    port,
    token,
    allow,
    rateLimitPerMinute,
    maxBodyBytes: MAX_BODY_BYTES,
    bodyTimeoutMs: BODY_TIMEOUT_MS,
    limits: LIMITS,
  };
}

/** What the HTTP layer needs besides the configuration. */
export interface HttpHandlerOptions {
  log: Logger;
  /** Removes secret values from text about to be logged. */
  redact(text: string): string;
}

/** The web-standard face of the HTTP server (usable without a socket in tests). */
export interface HttpHandler {
  fetch(request: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Promise<Response>;
  /** Requests being handled right now. */
  readonly inFlight: number;
  /** Ends the legacy SSE streams (they would hold a graceful shutdown open). */
  closeStreams(): Promise<void>;
  /** Aborts in-flight MCP exchanges (after the shutdown grace period). */
  close(): Promise<void>;
}

function printable(text: string, max: number): string {
  return text.slice(0, max).replace(/[^\x21-\x7e]/g, "?");
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s+/g, " ").slice(0, 500);
}

/** Builds the request handler: routing, gates, the SDK's MCP handler and the request log. */
export function createHttpHandler(
  factory: McpServerFactory,
  config: HttpConfig,
  options: HttpHandlerOptions,
): HttpHandler {
  const { log, redact } = options;
  const onerror = (error: Error) => log.debug(redact(`mcp: ${oneLine(error)}`));
  const mcp = createMcpHandler(factory, { maxRequestBodySize: config.maxBodyBytes, onerror });
  const sse = config.transport === "sse"
    ? new LegacySseEndpoints(factory, {
      maxBodyBytes: config.maxBodyBytes,
      bodyTimeoutMs: config.bodyTimeoutMs,
      onerror,
    })
    : undefined;
  const limiter = config.rateLimitPerMinute > 0
    ? new RateLimiter(config.rateLimitPerMinute)
    : undefined;
  const bearer = config.token !== undefined ? new BearerCheck(config.token) : undefined;
  const decoder = new TextDecoder();
  let inFlight = 0;

  async function serveMcp(request: Request, note: RpcNote): Promise<Response> {
    if (request.method !== "POST") return mcp.fetch(withoutCredentials(request));
    const read = await readBodyCapped(request, config.maxBodyBytes, config.bodyTimeoutMs);
    if (!read.ok) return bodyError(read.status, config.maxBodyBytes);
    try {
      Object.assign(note, noteFor(JSON.parse(decoder.decode(read.bytes))));
    } catch {
      // not JSON: the SDK answers with a parse error
    }
    return mcp.fetch(withoutCredentials(request, { body: read.bytes }));
  }

  async function route(request: Request, client: string, note: RpcNote): Promise<Response> {
    if (limiter !== undefined) {
      const wait = limiter.take(client);
      if (wait > 0) {
        return jsonRpcError(
          429,
          -32000,
          `Too Many Requests: at most ${config.rateLimitPerMinute} requests per minute per client; retry in ${wait}s`,
          { "retry-after": String(wait) },
        );
      }
    }
    const path = new URL(request.url).pathname;
    if (path === "/health") {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return jsonRpcError(405, -32000, "Method Not Allowed", { allow: "GET, HEAD" });
      }
      // Reveals no configuration and calls nothing: usable by probes without the token.
      return Response.json({ status: "ok", name: SERVER_NAME, version: VERSION }, {
        headers: { "cache-control": "no-store" },
      });
    }
    const rejectedHost = hostRejection(request, config.allow);
    if (rejectedHost !== undefined) {
      note.refused = "host";
      return rejectedHost;
    }
    const origin = request.headers.get("origin");
    if (!originAllowed(origin, config.allow)) {
      note.refused = "origin";
      return originRejection();
    }
    const legacyPath = sse !== undefined && (path === "/sse" || path === "/messages");
    if (path !== "/mcp" && !legacyPath) {
      return jsonRpcError(404, -32000, `Not Found: MCP is served at /mcp`);
    }
    if (request.method === "OPTIONS") return preflightResponse(request, origin);
    if (bearer !== undefined) {
      const outcome = await bearer.check(request.headers.get("authorization"));
      if (outcome !== "ok") {
        note.refused = "token";
        return jsonRpcError(
          401,
          -32001,
          "Unauthorized: send the server's token as `Authorization: Bearer <MCP_AUTH_TOKEN>`",
          {
            "www-authenticate": outcome === "missing"
              ? `Bearer realm="${SERVER_NAME}"`
              : `Bearer realm="${SERVER_NAME}", error="invalid_token"`,
          },
        );
      }
    }
    if (path === "/mcp") return await serveMcp(request, note);
    if (path === "/sse") {
      if (request.method !== "GET") {
        return jsonRpcError(405, -32000, "Method Not Allowed: open the SSE stream with GET", {
          allow: "GET",
        });
      }
      return await sse!.open(client);
    }
    if (request.method !== "POST") {
      return jsonRpcError(405, -32000, "Method Not Allowed", { allow: "POST" });
    }
    return await sse!.post(request, client, note);
  }

  async function fetch(
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ): Promise<Response> {
    const started = performance.now();
    const client = info.remoteAddr.hostname;
    const note: RpcNote = {};
    inFlight++;
    // In flight until the whole response is delivered: a tool call's answer may be a stream.
    const done = () => inFlight--;
    if (info.completed instanceof Promise) info.completed.then(done, done);
    let response: Response;
    try {
      response = await route(request, client, note);
    } catch (error) {
      log.error(redact(`http: unexpected error: ${oneLine(error)}`));
      response = jsonRpcError(500, -32603, "Internal error");
    } finally {
      if (!(info.completed instanceof Promise)) done();
    }
    const headers = new Headers(response.headers);
    headers.set("x-content-type-options", "nosniff");
    const origin = request.headers.get("origin");
    if (origin && request.method !== "OPTIONS" && originAllowed(origin, config.allow)) {
      for (const [name, value] of Object.entries(corsHeaders(origin))) headers.set(name, value);
    }
    response = new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
    const line = `http ${printable(request.method, 10)} ${
      printable(new URL(request.url).pathname, 80)
    } ${response.status} ${Math.round(performance.now() - started)}ms client=${
      printable(client, 64)
    }${note.rpc ? ` rpc=${note.rpc}` : ""}${note.tool ? ` tool=${note.tool}` : ""}${
      note.refused ? ` refused=${note.refused}` : ""
    }`;
    if (response.status >= 500) log.error(line);
    else if (response.status === 401 || response.status === 403) log.warn(line);
    else log.info(line);
    return response;
  }

  return {
    fetch,
    get inFlight() {
      return inFlight;
    },
    closeStreams: () => sse?.closeAll() ?? Promise.resolve(),
    close: () => mcp.close(),
  };
}

/** The listen address could not be used; the message says what to change. */
export class ListenError extends Error {
  /** True when the network permission is missing (a configuration problem). */
  readonly permission: boolean;
  constructor(message: string, permission: boolean) {
    super(message);
    this.name = "ListenError";
    this.permission = permission;
  }
}

/** A listening server. */
export interface HttpServer {
  /** `http://HOST:PORT` with the port actually bound. */
  origin: string;
  handler: HttpHandler;
  /** Resolves when the server has stopped. */
  finished: Promise<void>;
  /**
   * Stops accepting connections, ends legacy SSE streams and lets in-flight
   * requests finish; after `graceMs` aborts what is left. True when all finished in time.
   */
  shutdown(graceMs?: number): Promise<boolean>;
}

function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

function listenError(error: unknown, config: HttpConfig): ListenError {
  const where = `${urlHost(config.host)}:${config.port}`;
  const code = (error as { code?: string }).code;
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    return new ListenError(
      `listening on ${where} is not permitted: add exactly that address to the network ` +
        `permission, e.g. --allow-net=*.autotask.net:443,${where} (deno task start:http allows ` +
        `127.0.0.1:8050), or set HOST and PORT to an address that is allowed`,
      true,
    );
  }
  if (code === "EADDRINUSE") {
    return new ListenError(
      `${where} is already in use: stop the other server or set PORT to a free port`,
      false,
    );
  }
  if (code === "EADDRNOTAVAIL" || code === "EINVAL") {
    return new ListenError(
      `${
        urlHost(config.host)
      } is not an address of this machine: set HOST to one (127.0.0.1, 0.0.0.0, ...)`,
      false,
    );
  }
  if (code === "EACCES") {
    return new ListenError(
      `the system does not allow listening on port ${config.port}: set PORT to 1024 or above`,
      false,
    );
  }
  return new ListenError(`cannot listen on ${where}: ${oneLine(error)}`, false);
}

/** Listens on HOST:PORT. Throws {@linkcode ListenError} with an actionable message. */
export async function serveHttp(
  factory: McpServerFactory,
  config: HttpConfig,
  options: HttpHandlerOptions,
): Promise<HttpServer> {
  const handler = createHttpHandler(factory, config, options);
  const { log, redact } = options;
  let listener: Listener;
  try {
    listener = await listen(handler.fetch, {
      hostname: config.host,
      port: config.port,
      limits: config.limits,
      onClientError: (line) => log.info(line),
      onError: (error) => {
        log.error(redact(`http: unexpected error: ${oneLine(error)}`));
        return jsonRpcError(500, -32603, "Internal error");
      },
    });
  } catch (error) {
    throw listenError(error, config);
  }
  let stopping: Promise<boolean> | undefined;
  return {
    origin: `http://${urlHost(listener.addr.hostname)}:${listener.addr.port}`,
    handler,
    finished: listener.finished,
    shutdown(graceMs = SHUTDOWN_GRACE_MS): Promise<boolean> {
      stopping ??= (async () => {
        const done = listener.shutdown();
        await handler.closeStreams();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const inTime = await Promise.race([
          done.then(() => true),
          new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), graceMs)),
        ]);
        clearTimeout(timer);
        if (!inTime) {
          await handler.close();
          listener.closeAll();
        }
        return inTime;
      })();
      return stopping;
    },
  };
}
