/**
 * The HTTP listener (node:http): connection deadlines (silent, slow and idle clients are cut off;
 * slow answers and event streams are not), what a web Request cannot carry, listen errors.
 * Deadlines are shortened here; production values are LIMITS.
 */

import assert from "node:assert/strict";
import { type ConnectionLimits, LIMITS, ListenError } from "../lib/http/mod.ts";
import { Sandbox } from "../lib/sandbox/mod.ts";
import { callOk } from "./harness.ts";
import { connectHttp, INITIALIZE, MCP_POST_HEADERS, serveInProcess } from "./http_harness.ts";

const SHORT: ConnectionLimits = {
  ...LIMITS,
  headersMs: 400,
  requestMs: 800,
  idleMs: 300,
  checkEveryMs: 100,
};
/** How late a deadline may fire: the check interval, node:http's 1 s keep-alive slack, CI noise. */
const SLACK_MS = 2_000;

const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, fn });

const encoder = new TextEncoder();

/** A raw connection to the server, `text` already sent when given. */
async function connect(origin: string, text?: string): Promise<Deno.TcpConn> {
  const url = new URL(origin);
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  // A refused connection may already be closed.
  if (text !== undefined) await conn.write(encoder.encode(text)).catch(() => {});
  return conn;
}

const HEALTH = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

/** Reads until the server closes the connection; what arrived and when it closed. */
async function untilClosed(conn: Deno.TcpConn, limitMs = 10_000) {
  const started = performance.now();
  const timer = setTimeout(() => conn.close(), limitMs);
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(16 * 1024);
  let text = "";
  try {
    while (true) {
      const n = await conn.read(buffer).catch(() => null);
      if (n === null) break;
      text += decoder.decode(buffer.subarray(0, n));
    }
  } finally {
    clearTimeout(timer);
  }
  try {
    conn.close();
  } catch {
    // closed by the server (or the limit)
  }
  return { text, afterMs: performance.now() - started };
}

test("production limits: headers 10 s, whole request 60 s, idle keep-alive 5 s, 256 connections", () => {
  assert.deepEqual(
    { ...LIMITS },
    {
      headersMs: 10_000,
      requestMs: 60_000,
      idleMs: 5_000,
      checkEveryMs: 1_000,
      maxConnections: 256,
    },
  );
  return Promise.resolve();
});

test("connections beyond the cap are closed on arrival; the ones within it are served", async () => {
  const s = await serveInProcess({}, { limits: { ...LIMITS, maxConnections: 3 } });
  const open: Deno.TcpConn[] = [];
  try {
    for (let i = 0; i < 3; i++) open.push(await connect(s.origin));
    const extra = await connect(s.origin, HEALTH);
    assert.equal((await untilClosed(extra, 3_000)).text, "", "refused without an answer");
    await open[0].write(
      encoder.encode("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nconnection: close\r\n\r\n"),
    );
    assert.match((await untilClosed(open[0])).text, /^HTTP\/1\.1 200 OK\r\n/);
  } finally {
    for (const conn of open.slice(1)) conn.close();
    await s.close();
  }
});

test("a client that connects and sends nothing gets 408 and is closed at the header deadline", async () => {
  const s = await serveInProcess({}, { limits: SHORT });
  try {
    const { text, afterMs } = await untilClosed(await connect(s.origin));
    assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(
      afterMs >= SHORT.headersMs - 50 && afterMs < SHORT.headersMs + SLACK_MS,
      `${afterMs}`,
    );
    assert.ok(
      s.lines.some((l) => /^info http: closed a connection from 127\.0\.0\.1: no request/.test(l)),
    );
  } finally {
    await s.close();
  }
});

async function trickleHeaders(conn: Deno.TcpConn) {
  await conn.write(encoder.encode("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  const trickle = setInterval(() => {
    conn.write(encoder.encode("x-pad: 1\r\n")).catch(() => {});
  }, 100);
  return await untilClosed(conn).finally(() => clearInterval(trickle));
}

test("a header block trickled in slowly (slowloris) gets 408 and is closed at the header deadline", async () => {
  const s = await serveInProcess({}, { limits: SHORT });
  try {
    const first = await trickleHeaders(await connect(s.origin));
    assert.match(first.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(first.afterMs < SHORT.headersMs + SLACK_MS, `${first.afterMs}`);
    // The same on a kept-alive connection, after a first request was answered.
    const conn = await connect(s.origin, HEALTH);
    const buffer = new Uint8Array(4096);
    const n = await conn.read(buffer);
    assert.match(new TextDecoder().decode(buffer.subarray(0, n ?? 0)), /^HTTP\/1\.1 200 OK/);
    const second = await trickleHeaders(conn);
    assert.match(second.text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.ok(second.afterMs < SHORT.headersMs + SLACK_MS, `${second.afterMs}`);
    assert.ok(s.lines.some((l) => /: no request within 0\.4s \(408\)$/.test(l)));
    assert.ok(s.lines.some((l) => /: request not received in time \(408\)$/.test(l)));
  } finally {
    await s.close();
  }
});

test("an idle keep-alive connection is closed after the idle deadline", async () => {
  const s = await serveInProcess({}, { limits: SHORT });
  try {
    const conn = await connect(s.origin, HEALTH);
    const { text, afterMs } = await untilClosed(conn);
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /"status":"ok"/);
    assert.ok(afterMs >= SHORT.idleMs && afterMs < SHORT.idleMs + SLACK_MS, `${afterMs}`);
  } finally {
    await s.close();
  }
});

test("a body trickled in past the whole-request deadline gets 408; the server keeps serving", async () => {
  const s = await serveInProcess({}, { limits: SHORT });
  try {
    const conn = await connect(
      s.origin,
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n" +
        "accept: application/json, text/event-stream\r\ncontent-length: 1000\r\n\r\n{",
    );
    const trickle = setInterval(() => conn.write(encoder.encode(" ")).catch(() => {}), 100);
    const closed = await untilClosed(conn).finally(() => clearInterval(trickle));
    assert.match(closed.text, /^HTTP\/1\.1 408 /);
    assert.ok(closed.afterMs < SHORT.requestMs + SLACK_MS, `${closed.afterMs}`);
    const after = await fetch(`${s.origin}/health`);
    assert.equal(after.status, 200);
    await after.body?.cancel();
  } finally {
    await s.close();
  }
});

test("a client's Connection: close is honoured, even on an event-stream answer", async () => {
  const s = await serveInProcess({}, { limits: LIMITS });
  try {
    const conn = await connect(
      s.origin,
      "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nconnection: close\r\n" +
        "content-type: application/json\r\naccept: application/json, text/event-stream\r\n" +
        `content-length: ${encoder.encode(INITIALIZE).byteLength}\r\n\r\n${INITIALIZE}`,
    );
    const { text, afterMs } = await untilClosed(conn);
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /\r\nConnection: close\r\n/i);
    assert.match(text, /"serverInfo"/);
    assert.ok(afterMs < 2_000, `closed after ${afterMs} ms, not at the 5 s idle deadline`);
  } finally {
    await s.close();
  }
});

test("a header block over 16 KiB gets 431", async () => {
  const s = await serveInProcess({}, { limits: SHORT });
  try {
    const conn = await connect(
      s.origin,
      `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nx-big: ${"a".repeat(17 * 1024)}\r\n\r\n`,
    );
    const { text } = await untilClosed(conn);
    assert.match(text, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.ok(s.lines.some((l) => /header block over 16384 bytes \(431\)/.test(l)));
  } finally {
    await s.close();
  }
});

test("absolute-form targets (no proxying) and TRACE get 400, CONNECT is closed; the server goes on", async () => {
  const s = await serveInProcess({}, { limits: SHORT });
  try {
    for (
      const line of [
        "GET http://evil.example/health HTTP/1.1",
        "CONNECT 127.0.0.1:22 HTTP/1.1",
        "TRACE /mcp HTTP/1.1",
      ]
    ) {
      const conn = await connect(
        s.origin,
        `${line}\r\nHost: 127.0.0.1\r\nconnection: close\r\n\r\n`,
      );
      const { text } = await untilClosed(conn);
      if (line.startsWith("CONNECT")) assert.equal(text, "");
      else assert.match(text, /^HTTP\/1\.1 400 /, line);
    }
    const after = await fetch(`${s.origin}/health`);
    assert.equal(after.status, 200);
    await after.body?.cancel();
  } finally {
    await s.close();
  }
});

test("a tool call answered after the whole-request deadline still arrives (deadlines cover requests, not answers)", async () => {
  const sandbox = new Sandbox();
  const s = await serveInProcess({}, { limits: SHORT, sandbox });
  const client = await connectHttp(s.origin);
  try {
    sandbox.inject({ kind: "delay", delayMs: SHORT.requestMs * 2, match: { entity: "Tickets" } });
    const started = performance.now();
    const result = await callOk(client, "search_tickets", { limit: 1 });
    assert.ok(performance.now() - started >= SHORT.requestMs * 2);
    assert.equal((result.items as unknown[]).length, 1);
  } finally {
    await client.close();
    await s.close();
  }
});

test("a legacy SSE stream outlives every deadline and still delivers answers", async () => {
  const s = await serveInProcess({}, { transport: "sse", limits: SHORT });
  try {
    const stream = await fetch(`${s.origin}/sse`);
    assert.equal(stream.status, 200);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    const first = decoder.decode((await reader.read()).value);
    const endpoint = /data: (\/messages\?sessionId=[0-9a-f-]{36})\n/.exec(first)?.[1];
    assert.ok(endpoint, first);
    await new Promise((resolve) => setTimeout(resolve, SHORT.requestMs * 3));
    const posted = await fetch(`${s.origin}${endpoint}`, {
      method: "POST",
      headers: MCP_POST_HEADERS,
      body: INITIALIZE,
    });
    assert.equal(posted.status, 202);
    await posted.body?.cancel();
    let events = "";
    while (!events.includes('"serverInfo"')) {
      const { done, value } = await reader.read();
      assert.ok(!done, "the stream ended before the answer arrived");
      events += decoder.decode(value);
    }
    await reader.cancel();
  } finally {
    await s.close();
  }
});

test("shutdown closes connections that never sent a request instead of waiting for them", async () => {
  const s = await serveInProcess({}, { limits: LIMITS });
  const silent = await connect(s.origin);
  const started = performance.now();
  assert.equal(await s.close(), true);
  assert.ok(performance.now() - started < 1_000, "shutdown did not wait for the silent client");
  const { text } = await untilClosed(silent, 2_000);
  assert.equal(text, "");
});

test("listen errors say what to change: a port in use, an address not permitted", async () => {
  const s = await serveInProcess({}, { limits: SHORT });
  const port = new URL(s.origin).port;
  try {
    await assert.rejects(
      serveInProcess({ PORT: port }),
      (error: Error) =>
        error instanceof ListenError && !error.permission &&
        error.message ===
          `127.0.0.1:${port} is already in use: stop the other server or set PORT to a free port`,
    );
  } finally {
    await s.close();
  }
  // TEST-NET-1 (RFC 5737) is never this machine's. `deno task test` may listen on 127.0.0.1 only,
  // so there it is refused by permission first (node:net would throw that on a later tick).
  await assert.rejects(
    serveInProcess({ HOST: "192.0.2.1", PORT: "8050", MCP_AUTH_TOKEN: "0123456789abcdef0123" }),
    (error: Error) =>
      error instanceof ListenError &&
      (error.permission
        ? error.message.startsWith("listening on 192.0.2.1:8050 is not permitted: add exactly")
        : error.message.startsWith("192.0.2.1 is not an address of this machine: set HOST")),
  );
});
