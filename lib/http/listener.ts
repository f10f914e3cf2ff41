/** Serves a fetch handler over HTTP/1.1 with `node:http`, with connection deadlines and a cap. */

/*
 * Why not `Deno.serve`: in Deno 2.9.6 it has no header or idle timeout, so a client that sends
 * half a header block, or leaves a keep-alive connection idle, holds a socket for as long as it
 * likes (measured: still open after 120 s). Deno's `node:http` is Node's own server code and
 * enforces both, plus a whole-request deadline and a header size cap
 * (tests/http_listener_test.ts). It needs no permission beyond the listen address.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { isIP } from "node:net";
import { type ConnectionLimits, LIMITS } from "./limits.ts";

/** Largest header block accepted (431 beyond it). */
export const MAX_HEADER_BYTES = 16 * 1024;

/** The handler's signature: `Deno.serve`'s, so the handler does not know which server runs it. */
export type FetchHandler = (
  request: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
) => Promise<Response>;

/** A listening server. */
export interface Listener {
  addr: Deno.NetAddr;
  /** Resolves when the server has closed and every connection has ended. */
  finished: Promise<void>;
  /** Stops accepting, closes idle connections, lets in-flight responses finish; then `finished`. */
  shutdown(): Promise<void>;
  /** Closes every connection now (after a shutdown grace period). */
  closeAll(): void;
}

/** Options for {@linkcode listen}. */
export interface ListenOptions {
  /** An IP address (names are resolved by the caller's configuration, not here). */
  hostname: string;
  port: number;
  limits?: ConnectionLimits;
  /** A connection was closed for a protocol reason (timeout, malformed or oversized headers). */
  onClientError?(line: string): void;
  /** The handler threw: the client gets a 500. */
  onError?(error: unknown): Response;
}

/** `::ffff:127.0.0.1` (dual-stack socket) is the IPv4 client 127.0.0.1. */
function clientAddress(socket: Socket): Deno.NetAddr {
  const address = socket.remoteAddress ?? "";
  return {
    transport: "tcp",
    hostname: address.startsWith("::ffff:") && isIP(address.slice(7)) === 4
      ? address.slice(7)
      : address,
    port: socket.remotePort ?? 0,
  };
}

/** The request body as a web stream, read only as fast as the handler asks. */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on("data", (chunk: Uint8Array) => {
        if (cancelled) return;
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.on("end", () => cancelled || controller.close());
      req.on("error", (error) => cancelled || controller.error(error));
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      // The handler stopped reading (size cap or deadline); see discardRest.
      cancelled = true;
      req.pause();
    },
  }, { highWaterMark: 1 });
}

/** How much of an unread request body is read and dropped after the answer. */
const DISCARD_BYTES = 4 * 1024 * 1024;
const DISCARD_MS = 5_000;

/**
 * After an early answer (413, 408) the client may still be sending. Closing at once would reset
 * the connection before it reads the answer, so a bounded rest is read and dropped (the
 * connection stays usable if the body ends in time); past the bound the connection is closed.
 */
function discardRest(req: IncomingMessage): void {
  let left = DISCARD_BYTES;
  const close = () => req.complete || req.socket.destroy();
  const timer = setTimeout(close, DISCARD_MS);
  const stop = () => clearTimeout(timer);
  // The body stream's listener would pause the request again.
  req.removeAllListeners("data");
  req.on("data", (chunk: Uint8Array) => {
    left -= chunk.byteLength;
    // After the event: the chunk may have been the body's last.
    if (left < 0) setTimeout(close, 0);
  });
  req.once("end", stop);
  req.once("close", stop);
  req.resume();
}

const BAD_REQUEST = "Bad Request: send an origin-form target (POST /mcp) with a method and " +
  "headers a web Request can carry\n";

/** The web Request, or undefined for what one cannot express (absolute-form target, CONNECT). */
function toRequest(
  req: IncomingMessage,
  fallbackHost: string,
  signal: AbortSignal,
): Request | undefined {
  if (!(req.url ?? "").startsWith("/")) return undefined;
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  try {
    // Handed over as pairs: the Request makes its own Headers from them (one copy, not two).
    const raw = req.rawHeaders;
    const headers: [string, string][] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) headers.push([raw[i], raw[i + 1]]);
    return new Request(`${origin(req.headers.host, fallbackHost)}${req.url}`, {
      method,
      headers,
      signal,
      body: hasBody ? bodyStream(req) : undefined,
      // Streaming request bodies need half duplex (the answer may start before the body ends).
      ...(hasBody ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch {
    // A forbidden method (CONNECT, TRACE) or a header a web Request refuses.
    return undefined;
  }
}

/** A Host header made of host characters alone is used as it is; anything else is parsed. */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** `http://` and the Host header's authority (never its path), else the listen address. */
function origin(host: string | undefined, fallbackHost: string): string {
  if (host !== undefined && PLAIN_HOST.test(host)) return `http://${host}`;
  try {
    return new URL(`http://${host ?? fallbackHost}`).origin;
  } catch {
    // An unparsable Host header: the host check answers 403 from the header itself.
    return `http://${fallbackHost}`;
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** Ends the response (with a last chunk `body`) and waits until it is out or the socket closed. */
function finish(res: ServerResponse, body?: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    res.once("close", resolve);
    if (body === undefined) res.end(resolve);
    else res.end(body, resolve);
  });
}

/**
 * Headers the handler may set that belong to the connection, which node:http manages: the SDK's
 * `Connection: keep-alive` on event streams would keep a connection the client asked to close.
 * (No set-cookie either: this server sets no cookies.)
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "set-cookie",
]);

/** An event stream is sent as it comes; anything else is read whole first. */
function isEventStream(response: Response): boolean {
  return (response.headers.get("content-type") ?? "").toLowerCase().startsWith("text/event-stream");
}

async function send(res: ServerResponse, response: Response, close: boolean): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (!HOP_BY_HOP.has(name)) res.setHeader(name, value);
  }
  if (close) res.setHeader("connection", "close");
  if (response.body === null) return finish(res);
  if (!isEventStream(response)) {
    // A whole answer (JSON, text): headers and body leave in one write.
    let body: Uint8Array;
    try {
      body = await response.bytes();
    } catch {
      res.destroy();
      return;
    }
    res.setHeader("content-length", body.byteLength);
    return finish(res, body);
  }
  // Headers go out now: an event stream may send its first event much later.
  res.flushHeaders();
  const reader = response.body.getReader();
  res.on("close", () => reader.cancel().catch(() => {}));
  try {
    while (!res.destroyed) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
    }
    await finish(res);
  } catch {
    // The response stream failed mid-way: the client sees a truncated answer, not a hang.
    res.destroy();
  }
}

/** Why `node:http` gave up on a connection: status, status text, log reason. */
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "request not received in time"],
  HPE_HEADER_OVERFLOW: [
    431,
    "Request Header Fields Too Large",
    `header block over ${MAX_HEADER_BYTES} bytes`,
  ],
};

/** Answers and closes a connection `node:http` gave up on (timeout, bad or oversized headers). */
function clientErrorHandler(options: ListenOptions) {
  return (error: Error & { code?: string }, socket: Socket) => {
    if (error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    const [status, text, reason] = CLIENT_ERRORS[error.code ?? ""] ??
      [400, "Bad Request", "malformed request"];
    options.onClientError?.(
      `http: closed a connection from ${clientAddress(socket).hostname}: ${reason} (${status})`,
    );
    if (socket.writable) {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    socket.destroySoon();
  };
}

/**
 * Every open connection, and a deadline for the first request on each: `node:http` times out a
 * header block only once its first byte arrives, so a client that connects and sends nothing
 * would otherwise hold the socket forever.
 */
class Connections {
  readonly #all = new Set<Socket>();
  readonly #waiting = new Map<Socket, ReturnType<typeof setTimeout>>();

  constructor(private readonly headersMs: number, private readonly onClose: (l: string) => void) {}

  opened = (socket: Socket): void => {
    this.#all.add(socket);
    this.#waiting.set(
      socket,
      setTimeout(() => {
        this.onClose(
          `http: closed a connection from ${clientAddress(socket).hostname}: no request within ${
            this.headersMs / 1000
          }s (408)`,
        );
        socket.end(
          "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        );
        socket.destroySoon();
      }, this.headersMs),
    );
    socket.once("close", () => {
      this.requested(socket);
      this.#all.delete(socket);
    });
  };

  requested(socket: Socket): void {
    clearTimeout(this.#waiting.get(socket));
    this.#waiting.delete(socket);
  }

  /** Closes the connections that never sent a request (shutdown). */
  closeWaiting(): void {
    for (const socket of this.#waiting.keys()) socket.destroy();
  }

  closeAll(): void {
    for (const socket of this.#all) socket.destroy();
  }
}

/** Listens on `hostname:port`. Rejects with the listen error (permission, in use, ...). */
export function listen(handler: FetchHandler, options: ListenOptions): Promise<Listener> {
  const limits = options.limits ?? LIMITS;
  // node:net reports a missing permission as an uncaught error on a later tick: check first.
  const bracketed = isIP(options.hostname) === 6 ? `[${options.hostname}]` : options.hostname;
  const where = `${bracketed}:${options.port}`;
  if (Deno.permissions.querySync({ name: "net", host: where }).state !== "granted") {
    return Promise.reject(new Deno.errors.NotCapable(`Requires net access to "${where}"`));
  }
  let closing = false;
  const server = createServer({
    maxHeaderSize: MAX_HEADER_BYTES,
    connectionsCheckingInterval: limits.checkEveryMs,
    headersTimeout: limits.headersMs,
    requestTimeout: limits.requestMs,
    keepAliveTimeout: limits.idleMs,
  });
  // No socket inactivity timeout: an event stream may rightly stay quiet for a long time.
  server.timeout = 0;
  server.maxConnections = limits.maxConnections;
  const connections = new Connections(limits.headersMs, options.onClientError ?? (() => {}));
  server.on("connection", connections.opened);
  server.on("clientError", clientErrorHandler(options));

  server.on("request", async (req: IncomingMessage, res: ServerResponse) => {
    connections.requested(req.socket);
    const aborter = new AbortController();
    const completed = Promise.withResolvers<void>();
    res.on("close", () => {
      if (!res.writableFinished) aborter.abort();
      completed.resolve();
    });
    // Within the finish event: a paused, unfinished request makes node:http reset the connection.
    res.once("finish", () => req.complete || discardRest(req));
    try {
      const request = toRequest(req, bracketed, aborter.signal);
      let response: Response;
      if (request === undefined) {
        response = new Response(BAD_REQUEST, { status: 400 });
      } else {
        const info = { remoteAddr: clientAddress(req.socket), completed: completed.promise };
        try {
          response = await handler(request, info);
        } catch (error) {
          response = options.onError?.(error) ?? new Response(null, { status: 500 });
        }
      }
      await send(res, response, closing);
    } catch (error) {
      // Headers the handler set that HTTP cannot carry: never an unhandled rejection.
      options.onError?.(error);
      res.destroy();
    }
    // A response that began before shutdown would leave a keep-alive connection behind.
    if (closing && req.complete) req.socket.destroySoon();
  });

  const finished = new Promise<void>((resolve) => server.on("close", () => resolve()));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.hostname, () => {
      server.off("error", reject);
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      resolve({
        addr: { transport: "tcp", hostname: options.hostname, port },
        finished,
        shutdown() {
          closing = true;
          server.close();
          server.closeIdleConnections();
          connections.closeWaiting();
          return finished;
        },
        closeAll: () => connections.closeAll(),
      });
    });
  });
}
