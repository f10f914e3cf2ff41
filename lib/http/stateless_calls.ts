/** 2025-era calls that need no session share one connected server per policy instead of a new server and transport per request. */

/*
 * The SDK serves a stateless 2025-era POST by building a server, connecting a transport to it,
 * answering one message and closing both (the close makes an error with a stack trace). For a
 * tool call that is a fair share of what HTTP adds over stdio, where one connection answers
 * every call. A call that needs nothing of a session (below) is answered the stdio way: on one
 * long-lived server per policy, many calls in flight at once, each under a connection-unique id
 * that is swapped back in its answer. Each call still carries its own caller (`authInfo`) and
 * request, and a client that goes away cancels its call (`notifications/cancelled`). Anything
 * else (initialize, batches, progress, odd headers) goes the SDK's way.
 */

import {
  type AuthInfo,
  isJsonContentType,
  isJSONRPCRequest,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type McpRequestContext,
  type McpServer,
  type MessageExtraInfo,
  PROTOCOL_VERSION_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Transport,
} from "@modelcontextprotocol/server";

/** Methods answered from the request alone: no initialize, no per-session state. */
const SESSIONLESS = new Set([
  "tools/call",
  "tools/list",
  "prompts/list",
  "prompts/get",
  "resources/list",
  "resources/read",
  "resources/templates/list",
  "completion/complete",
  "ping",
]);

/** Where calls go: one server per policy (see `ServerFactory.longLived` in lib/mcp/server.ts). */
export type LongLivedServers = (context: McpRequestContext) => McpServer;

/** A call's answer, or undefined when the client went away first. */
type Waiter = (answer: JSONRPCMessage | undefined) => void;

/** One connection carrying many calls, as stdio's does. */
class SharedConnection implements Transport {
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  #next = 0;
  readonly #waiting = new Map<number, Waiter>();

  start(): Promise<void> {
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if ("id" in message && ("result" in message || "error" in message)) {
      const waiter = this.#waiting.get(message.id as number);
      this.#waiting.delete(message.id as number);
      waiter?.(message);
    } else if ("id" in message && "method" in message) {
      // A request to the client (elicitation, sampling): no stream to ask it on.
      const refusal: JSONRPCMessage = {
        jsonrpc: "2.0",
        id: message.id,
        error: { code: -32601, message: "The client cannot be asked over stateless HTTP" },
      };
      queueMicrotask(() => this.onmessage?.(refusal));
    }
    // Notifications are dropped: the call asked for no progress and there is no session.
    return Promise.resolve();
  }

  close(): Promise<void> {
    for (const waiter of this.#waiting.values()) waiter(undefined);
    this.#waiting.clear();
    this.onclose?.();
    return Promise.resolve();
  }

  /** Sends `message` under a connection-unique id; resolves with its answer under its own id. */
  call(
    message: JSONRPCRequest,
    extra: MessageExtraInfo,
    signal: AbortSignal,
  ): Promise<JSONRPCMessage | undefined> {
    const id = ++this.#next;
    return new Promise((resolve) => {
      const gone = () => {
        if (!this.#waiting.delete(id)) return;
        resolve(undefined);
        this.onmessage?.({
          jsonrpc: "2.0",
          method: "notifications/cancelled",
          params: { requestId: id, reason: "The client closed the connection" },
        });
      };
      const ownId = message.id;
      this.#waiting.set(id, (answer) => {
        signal.removeEventListener("abort", gone);
        // The answer was made for this call alone: its id can change in place.
        if (answer !== undefined) (answer as { id: unknown }).id = ownId;
        resolve(answer);
      });
      signal.addEventListener("abort", gone, { once: true });
      // The message was parsed for this call alone: its id can change in place too.
      message.id = id;
      this.onmessage?.(message, extra);
    });
  }
}

/** Answers session-free 2025-era calls on shared connections. */
export class StatelessCalls {
  readonly #servers: LongLivedServers;
  readonly #connections = new WeakMap<McpServer, Promise<SharedConnection>>();
  readonly #open = new Set<SharedConnection>();
  #closed = false;

  constructor(servers: LongLivedServers) {
    this.#servers = servers;
  }

  /**
   * The answer to `body`, a parsed POST that asked for no progress, when it is a 2025-era call
   * that needs no session; undefined for the SDK to answer (and to refuse what is malformed).
   */
  answer(
    request: Request,
    body: unknown,
    authInfo: AuthInfo | undefined,
  ): Promise<Response> | undefined {
    if (this.#closed || !isJSONRPCRequest(body) || !SESSIONLESS.has(body.method)) return undefined;
    const { headers } = request;
    const accept = headers.get("accept") ?? "";
    if (
      !isJsonContentType(headers.get("content-type")) ||
      !accept.includes("application/json") || !accept.includes("text/event-stream")
    ) return undefined;
    // 2025-era, as the SDK classifies it: a 2025 version or none in the header, and no
    // 2026-07-28 envelope in `_meta`.
    const version = headers.get("mcp-protocol-version");
    if (version !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return undefined;
    const meta = (body.params as { _meta?: Record<string, unknown> } | undefined)?._meta;
    if (meta !== undefined && PROTOCOL_VERSION_META_KEY in meta) return undefined;
    return this.#send(request, body, authInfo);
  }

  async #send(
    request: Request,
    message: JSONRPCRequest,
    authInfo: AuthInfo | undefined,
  ): Promise<Response> {
    const connection = await this.#connectionFor({
      era: "legacy",
      ...(authInfo !== undefined ? { authInfo } : {}),
      requestInfo: request,
    });
    const answer = await connection.call(message, { authInfo, request }, request.signal);
    // 499: the client closed the connection (nobody reads this answer).
    if (answer === undefined) return new Response(null, { status: 499 });
    return new Response(JSON.stringify(answer), {
      headers: { "content-type": "application/json" },
    });
  }

  #connectionFor(context: McpRequestContext): Promise<SharedConnection> {
    const server = this.#servers(context);
    let connected = this.#connections.get(server);
    if (connected === undefined) {
      const connection = new SharedConnection();
      this.#open.add(connection);
      // Kept as a promise: calls arriving while it connects wait for the same connection.
      connected = server.connect(connection).then(() => connection, (error) => {
        // Not kept: the next call tries again instead of failing the same way for good.
        this.#connections.delete(server);
        this.#open.delete(connection);
        throw error;
      });
      this.#connections.set(server, connected);
    }
    return connected;
  }

  /** Ends every call in flight (shutdown after the grace period). */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#open];
    this.#open.clear();
    await Promise.all(open.map((connection) => connection.close()));
  }
}
