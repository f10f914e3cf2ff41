/** The deprecated HTTP+SSE transport (protocol 2024-11-05), served only with TRANSPORT=sse. */

/*
 * `GET /sse` opens a stream that names a `POST /messages?sessionId=...`
 * endpoint, for clients that cannot speak Streamable HTTP yet.
 *
 * Written here rather than taken from `@modelcontextprotocol/server-legacy`:
 * that package needs node:http request/response objects, reads extra
 * environment variables at import (NO_DEPRECATION, TRACE_DEPRECATION) and
 * pulls in Express. This is the same wire behaviour on web-standard streams.
 */

import {
  type AuthInfo,
  isJsonContentType,
  type JSONRPCMessage,
  type McpServerFactory,
  parseJSONRPCMessage,
  type Transport,
} from "@modelcontextprotocol/server";
import {
  bodyError,
  jsonRpcError,
  noteFor,
  readBodyCapped,
  type RpcNote,
  withoutCredentials,
} from "./guard.ts";
import { identityOf, policyKey } from "../mcp/caller.ts";

/** Limits of the legacy endpoints. */
export interface LegacySseOptions {
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  /** Open streams at most (default 32). */
  maxSessions?: number;
  /** Comment frames that keep proxies from closing an idle stream (default 15 s). */
  keepAliveMs?: number;
  /** Reports transport errors (already redacted by the caller). */
  onerror?(error: Error): void;
}

const encoder = new TextEncoder();
/** A client that stops reading its stream loses the session rather than the server's memory. */
const MAX_QUEUED_BYTES = 8 * 1024 * 1024;

/** One open `GET /sse` stream and the server instance behind it. */
class SseSession implements Transport {
  readonly sessionId: string = crypto.randomUUID();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: Transport["onmessage"];
  /** The address that opened the stream; posts from elsewhere are refused. */
  readonly client: string;
  /** Who opened the stream (team mode): posts must come from the same user, with the same policy. */
  authInfo?: AuthInfo;
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #closed = false;
  #keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(client: string, keepAliveMs: number) {
    this.client = client;
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => {
        this.close().catch(() => {});
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }));
    this.#write(`event: endpoint\ndata: /messages?sessionId=${this.sessionId}\n\n`);
    if (keepAliveMs > 0) {
      this.#keepAlive = setInterval(() => this.#write(": keepalive\n\n"), keepAliveMs);
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("Not connected"));
    this.#write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    clearInterval(this.#keepAlive);
    try {
      this.#controller.close();
    } catch {
      // already closed or cancelled by the client
    }
    this.onclose?.();
    return Promise.resolve();
  }

  #write(text: string): void {
    if (this.#closed) return;
    try {
      this.#controller.enqueue(encoder.encode(text));
    } catch {
      this.close().catch(() => {});
      return;
    }
    const room = this.#controller.desiredSize;
    if (room !== null && room < -MAX_QUEUED_BYTES) this.close().catch(() => {});
  }
}

/**
 * True when a post comes from the session's owner: the same user, under the same policy. A
 * message runs with the identity that opened the session, so a post made with a narrower token
 * of the same user (read scope only, fewer toolsets) must not borrow a wider one's session.
 */
function sameCaller(opened: AuthInfo | undefined, posting: AuthInfo | undefined): boolean {
  return opened?.clientId === posting?.clientId &&
    policyKey(identityOf(opened)) === policyKey(identityOf(posting));
}

/** The `GET /sse` and `POST /messages` endpoints over one server factory. */
export class LegacySseEndpoints {
  readonly #factory: McpServerFactory;
  readonly #options: LegacySseOptions;
  readonly #sessions = new Map<string, SseSession>();

  constructor(factory: McpServerFactory, options: LegacySseOptions) {
    this.#factory = factory;
    this.#options = options;
  }

  /** Open streams. */
  get size(): number {
    return this.#sessions.size;
  }

  /** `GET /sse`: a new session and its event stream (the first event names the POST endpoint). */
  async open(client: string, authInfo?: AuthInfo): Promise<Response> {
    if (this.#sessions.size >= (this.#options.maxSessions ?? 32)) {
      return jsonRpcError(503, -32000, "Too many open SSE sessions: retry later", {
        "retry-after": "30",
      });
    }
    const session = new SseSession(client, this.#options.keepAliveMs ?? 15_000);
    session.authInfo = authInfo;
    const server = await this.#factory({ era: "legacy", authInfo });
    this.#sessions.set(session.sessionId, session);
    session.onerror = (error) => this.#options.onerror?.(error);
    await server.connect(session);
    // Chain after connect: the protocol layer installs its own onclose there.
    const protocolOnClose = session.onclose;
    session.onclose = () => {
      this.#sessions.delete(session.sessionId);
      protocolOnClose?.();
      server.close().catch(() => {});
    };
    return new Response(session.stream, {
      status: 200,
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  }

  /** `POST /messages?sessionId=...`: one JSON-RPC message for a session; the answer goes to its stream. */
  async post(
    request: Request,
    client: string,
    call: { note: RpcNote; authInfo?: AuthInfo },
  ): Promise<Response> {
    const { note, authInfo } = call;
    const id = new URL(request.url).searchParams.get("sessionId") ?? "";
    const session = this.#sessions.get(id);
    if (
      session === undefined || session.closed || session.client !== client ||
      !sameCaller(session.authInfo, authInfo)
    ) {
      return jsonRpcError(404, -32001, "Unknown or closed session: open GET /sse first");
    }
    if (!isJsonContentType(request.headers.get("content-type"))) {
      return jsonRpcError(415, -32000, "Unsupported Media Type: send application/json");
    }
    const read = await readBodyCapped(
      request,
      this.#options.maxBodyBytes,
      this.#options.bodyTimeoutMs,
    );
    if (!read.ok) return bodyError(read.status, this.#options.maxBodyBytes);
    let message: JSONRPCMessage;
    try {
      const body = JSON.parse(new TextDecoder().decode(read.bytes));
      Object.assign(note, noteFor(body));
      message = parseJSONRPCMessage(body);
    } catch {
      return jsonRpcError(400, -32700, "Parse error: the body is not one JSON-RPC message");
    }
    session.onmessage?.(message, {
      request: withoutCredentials(request, { detach: true }),
      authInfo: session.authInfo,
    });
    return new Response("Accepted", { status: 202 });
  }

  /** Ends every stream (shutdown: an open stream would hold the server open). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => s.close()));
  }
}
