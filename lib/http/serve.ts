/** Serves MCP over HTTP: `/mcp`, `/health` and the legacy SSE endpoints, behind the gates. */

// Both protocol eras answer at `/mcp`; with TRANSPORT=sse the deprecated `/sse` + `/messages`
// endpoints are served too. Every request passes the gates of `guard.ts` first.

import {
  type AuthInfo,
  createMcpHandler,
  isLegacyRequest,
  type McpServerFactory,
  type ServerEventBus,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import type { UserCounts } from "../mcp/audit.ts";
import { Authenticator } from "./auth.ts";
import type { AuthSettings } from "./auth_config.ts";
import {
  type AllowLists,
  bodyError,
  corsHeaders,
  hostRejection,
  jsonRpcError,
  noteFor,
  originAllowed,
  originRejection,
  preflightResponse,
  RateLimiter,
  readBodyCapped,
  type RpcNote,
  withoutCredentials,
} from "./guard.ts";
import type { ConnectionLimits } from "./limits.ts";
import { listen, type Listener } from "./listener.ts";
import { LegacySseEndpoints } from "./sse.ts";
import { type LongLivedServers, StatelessCalls } from "./stateless_calls.ts";
import type { WebhookEndpoint } from "./webhooks.ts";

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
  /** Per-user tokens and the OAuth issuer (MCP_USERS, MCP_OAUTH_ISSUER); absent: none. */
  auth?: AuthSettings;
  allow: AllowLists;
  /** Requests per minute per client address; 0 turns the limit off. */
  rateLimitPerMinute: number;
  maxBodyBytes: number;
  /** How long a client may take to send its request body. */
  bodyTimeoutMs: number;
  /** Connection deadlines and cap of the listener. */
  limits: ConnectionLimits;
}

/** How long shutdown waits for in-flight requests. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** What the HTTP layer needs besides the configuration. */
export interface HttpHandlerOptions {
  /** Who answers: named by `/health` and in the bearer realm. */
  server: { name: string; version: string };
  log: Logger;
  /** Removes secret values from text about to be logged. */
  redact(text: string): string;
  /**
   * Who may call (the operator's token, per-user tokens, OAuth); default: the operator's
   * token of the configuration alone, as before team mode.
   */
  authenticator?: Authenticator;
  /** The OAuth documents to serve (RFC 9728 and the issuer's metadata), when OAuth is on. */
  wellKnown?: { resource: Record<string, unknown>; server: Record<string, unknown>; path: string };
  /** Per-user counts, shown at `/health` to the operator only. */
  usage?: () => Record<string, UserCounts>;
  /** Where `notifications/resources/updated` for 2026-07-28 `subscriptions/listen` streams come from. */
  bus?: ServerEventBus;
  /**
   * One server per policy for 2025-era calls that need no session (`ServerFactory.longLived`);
   * absent: every request gets its own server, as the SDK does.
   */
  longLived?: LongLivedServers;
  /** Autotask's callouts (`/webhooks/autotask`): present only when AUTOTASK_WEBHOOK_SECRET is set. */
  webhooks?: WebhookEndpoint;
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

/**
 * One JSON-RPC request that nothing is streamed for before its answer: no progress token, so no
 * progress notifications (a stateless 2025-era server has no session to send anything else on).
 */
function answeredAtOnce(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const { id, method, params } = body as { id?: unknown; method?: unknown; params?: unknown };
  if (id === undefined || typeof method !== "string") return false;
  const meta = (params as { _meta?: { progressToken?: unknown } } | undefined)?._meta;
  return meta?.progressToken === undefined;
}

/** Builds the request handler: routing, gates, the SDK's MCP handler and the request log. */
export function createHttpHandler(
  factory: McpServerFactory,
  config: HttpConfig,
  options: HttpHandlerOptions,
): HttpHandler {
  const { log, redact, server } = options;
  const onerror = (error: Error) => log.debug(redact(`mcp: ${oneLine(error)}`));
  const mcp = createMcpHandler(factory, {
    maxRequestBodySize: config.maxBodyBytes,
    onerror,
    bus: options.bus,
  });
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
  const auth = options.authenticator ??
    new Authenticator({ operatorToken: config.token, users: [], realm: server.name });
  const decoder = new TextDecoder();
  const stateless = options.longLived ? new StatelessCalls(options.longLived) : undefined;
  let inFlight = 0;

  async function serveMcp(
    request: Request,
    note: RpcNote,
    authInfo: AuthInfo | undefined,
  ): Promise<Response> {
    if (request.method !== "POST") return mcp.fetch(withoutCredentials(request), { authInfo });
    const read = await readBodyCapped(request, config.maxBodyBytes, config.bodyTimeoutMs);
    if (!read.ok) return bodyError(read.status, config.maxBodyBytes);
    let parsedBody: unknown;
    try {
      parsedBody = JSON.parse(decoder.decode(read.bytes));
    } catch {
      // not JSON: the SDK reads the body and answers with a parse error
      return mcp.fetch(withoutCredentials(request, { body: read.bytes }), { authInfo });
    }
    Object.assign(note, noteFor(parsedBody));
    const forward = withoutCredentials(request);
    if (answeredAtOnce(parsedBody)) {
      const shared = stateless?.answer(forward, parsedBody, authInfo);
      if (shared !== undefined) return await shared;
      if (await isLegacyRequest(forward, parsedBody)) {
        return await answerAsJson(forward, parsedBody, authInfo);
      }
    }
    // Parsed once here: the SDK neither reads nor parses the body again.
    return mcp.fetch(forward, { authInfo, parsedBody });
  }

  /**
   * A 2025-era request answered as one JSON body, as Streamable HTTP allows: the SDK's own
   * stateless fallback always answers with an event stream wrapped in another stream, which
   * costs a tool call several socket writes and stream turns for a single message. The server
   * and its tools are the same (one factory); closing the exchange when the client goes away
   * still cancels the call.
   */
  async function answerAsJson(
    request: Request,
    parsedBody: unknown,
    authInfo: AuthInfo | undefined,
  ): Promise<Response> {
    const product = await factory({
      era: "legacy",
      ...(authInfo !== undefined ? { authInfo } : {}),
      requestInfo: request,
    });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: config.maxBodyBytes,
    });
    const teardown = () => {
      transport.close().catch(onerror);
      product.close().catch(onerror);
    };
    try {
      await product.connect(transport);
      request.signal.addEventListener("abort", teardown, { once: true });
      return await transport.handleRequest(request, { authInfo, parsedBody });
    } catch (error) {
      onerror(error instanceof Error ? error : new Error(String(error)));
      return jsonRpcError(500, -32603, "Internal error");
    } finally {
      request.signal.removeEventListener("abort", teardown);
      teardown();
    }
  }

  /** The public OAuth documents: RFC 9728 (root and path-aware) and the issuer's metadata. */
  function wellKnown(request: Request, path: string): Response | undefined {
    const docs = options.wellKnown;
    if (docs === undefined || !path.startsWith("/.well-known/")) return undefined;
    const body = path === "/.well-known/oauth-protected-resource" || path === docs.path
      ? docs.resource
      : path === "/.well-known/oauth-authorization-server"
      ? docs.server
      : undefined;
    if (body === undefined) return undefined;
    if (request.method !== "GET" && request.method !== "HEAD") {
      return jsonRpcError(405, -32000, "Method Not Allowed", { allow: "GET, HEAD" });
    }
    // Public documents every client must be able to read, browsers included.
    return Response.json(body, {
      headers: { "cache-control": "max-age=300", "access-control-allow-origin": "*" },
    });
  }

  async function route(
    request: Request,
    path: string,
    client: string,
    note: RpcNote,
  ): Promise<Response> {
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
    if (path === "/health") {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return jsonRpcError(405, -32000, "Method Not Allowed", { allow: "GET, HEAD" });
      }
      // Reveals no configuration and calls nothing: usable by probes without the token. The
      // operator (MCP_AUTH_TOKEN) also sees what each user did.
      const operator = options.usage !== undefined &&
        auth.isOperator(request.headers.get("authorization"));
      const body: Record<string, unknown> = {
        status: "ok",
        name: server.name,
        version: server.version,
      };
      if (operator) body.users = options.usage!();
      return Response.json(body, { headers: { "cache-control": "no-store" } });
    }
    const document = wellKnown(request, path);
    if (document !== undefined) return document;
    // Signed by Autotask, not by a browser or an MCP client: no token, Host or Origin applies.
    if (options.webhooks?.handles(path)) return await options.webhooks.handle(request, note);
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
    const outcome = await auth.authenticate(request.headers.get("authorization"));
    if (!outcome.ok) {
      note.refused = outcome.refused;
      return outcome.response;
    }
    note.user = outcome.identity?.user;
    const authInfo = outcome.authInfo;
    if (path === "/mcp") return await serveMcp(request, note, authInfo);
    if (path === "/sse") {
      if (request.method !== "GET") {
        return jsonRpcError(405, -32000, "Method Not Allowed: open the SSE stream with GET", {
          allow: "GET",
        });
      }
      return await sse!.open(client, authInfo);
    }
    if (request.method !== "POST") {
      return jsonRpcError(405, -32000, "Method Not Allowed", { allow: "POST" });
    }
    return await sse!.post(request, client, { note, authInfo });
  }

  async function fetch(
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.NetAddr>,
  ): Promise<Response> {
    const started = performance.now();
    const client = info.remoteAddr.hostname;
    const path = new URL(request.url).pathname;
    const note: RpcNote = {};
    inFlight++;
    // In flight until the whole response is delivered: a tool call's answer may be a stream.
    const done = () => inFlight--;
    if (info.completed instanceof Promise) info.completed.then(done, done);
    let response: Response;
    try {
      response = await route(request, path, client, note);
    } catch (error) {
      log.error(redact(`http: unexpected error: ${oneLine(error)}`));
      response = jsonRpcError(500, -32603, "Internal error");
    } finally {
      if (!(info.completed instanceof Promise)) done();
    }
    const origin = request.headers.get("origin");
    const cors = origin && request.method !== "OPTIONS" && originAllowed(origin, config.allow)
      ? corsHeaders(origin)
      : {};
    try {
      // Responses made in this process have mutable headers: no copy of the response needed.
      response.headers.set("x-content-type-options", "nosniff");
      for (const [name, value] of Object.entries(cors)) response.headers.set(name, value);
    } catch {
      const headers = new Headers(response.headers);
      headers.set("x-content-type-options", "nosniff");
      for (const [name, value] of Object.entries(cors)) headers.set(name, value);
      response = new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    }
    const line = `http ${printable(request.method, 10)} ${printable(path, 80)} ${response.status} ${
      Math.round(performance.now() - started)
    }ms client=${printable(client, 64)}${note.user ? ` user=${printable(note.user, 80)}` : ""}${
      note.rpc ? ` rpc=${note.rpc}` : ""
    }${note.tool ? ` tool=${note.tool}` : ""}${note.refused ? ` refused=${note.refused}` : ""}`;
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
    close: async () => {
      await stateless?.close();
      await mcp.close();
    },
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
