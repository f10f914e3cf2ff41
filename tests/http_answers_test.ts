/** How HTTP answers a 2025-era call: one JSON body when nothing streams, an event stream when progress was asked for, and an abandoned call is cancelled either way. */

import assert from "node:assert/strict";
import type { McpServerFactory } from "@modelcontextprotocol/server";
import { createHttpHandler } from "../lib/http/mod.ts";
import { createServerFactory, SERVER_NAME, VERSION } from "../lib/mcp/server.ts";
import { Sandbox } from "../lib/sandbox/mod.ts";
import { loadHttpConfig } from "../lib/settings.ts";
import { createSandboxClient } from "../main.ts";
import { allTools, kit } from "../tools/mod.ts";
import { MCP_POST_HEADERS, rawRequest, reader, serveInProcess } from "./http_harness.ts";

const TOKEN = "tok-0123456789abcdef-SECRET";

function call(id: number, name: string, args: Record<string, unknown>, meta?: object): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
  });
}

Deno.test("a call with nothing to stream is answered as one JSON body with its length", async () => {
  const s = await serveInProcess({});
  try {
    const answer = await rawRequest(s.origin, {
      method: "POST",
      path: "/mcp",
      headers: MCP_POST_HEADERS,
      body: call(7, "search_tickets", { limit: 3 }),
    });
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(answer.headers.get("transfer-encoding"), null);
    assert.equal(
      Number(answer.headers.get("content-length")),
      new TextEncoder().encode(answer.body).byteLength,
    );
    const message = JSON.parse(answer.body);
    assert.equal(message.id, 7);
    assert.equal(message.result.isError, undefined, answer.body);
    assert.equal(message.result.structuredContent.items.length, 3);
  } finally {
    await s.close();
  }
});

Deno.test("a call with a progress token is answered as an event stream: progress, then the result", async () => {
  const s = await serveInProcess({});
  try {
    const answer = await rawRequest(s.origin, {
      method: "POST",
      path: "/mcp",
      headers: MCP_POST_HEADERS,
      body: call(8, "ticket_summary", { groupBy: "status", openOnly: true }, {
        progressToken: "p-8",
      }),
    });
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get("content-type") ?? "", /^text\/event-stream/);
    const messages = [...answer.body.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]));
    const progress = messages.filter((m) => m.method === "notifications/progress");
    assert.ok(progress.length > 0, answer.body);
    assert.ok(progress.every((m) => m.params.progressToken === "p-8"));
    const last = messages.at(-1);
    assert.equal(last.id, 8);
    assert.ok(last.result.structuredContent.groups.length > 0, answer.body);
  } finally {
    await s.close();
  }
});

Deno.test("a JSON-answered call whose client goes away is cancelled in the server", async () => {
  const sandbox = new Sandbox({ latencyMs: 1_000 });
  const s = await serveInProcess({}, { sandbox });
  try {
    const abort = new AbortController();
    const started = performance.now();
    const abandoned = fetch(`${s.origin}/mcp`, {
      method: "POST",
      headers: MCP_POST_HEADERS,
      body: call(9, "search_tickets", { limit: 3 }),
      signal: abort.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    abort.abort();
    await assert.rejects(abandoned);
    // The tool's Autotask request is aborted with it: its line says so well before the
    // tenant's second would have passed.
    const line = await waitFor(() => s.lines.find((l) => l.includes("tool search_tickets")));
    assert.match(line, /tool search_tickets error \(cancelled\)/);
    assert.ok(performance.now() - started < 900, `ended after ${performance.now() - started} ms`);
  } finally {
    await s.close();
  }
});

async function waitFor<T>(find: () => T | undefined): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("not seen in 1 s");
}

Deno.test("the MCP layer never sees the caller's credentials, on the JSON and the streamed path", async () => {
  const seen: (string | null)[] = [];
  const inner = createServerFactory({
    kit,
    client: await createSandboxClient(),
    tools: allTools(),
    sandbox: true,
    redact: (text) => text,
    log: () => {},
  });
  const factory: McpServerFactory = (context) => {
    const headers = context?.requestInfo?.headers;
    for (const name of ["authorization", "cookie", "proxy-authorization"]) {
      seen.push(headers?.get(name) ?? null);
    }
    return inner(context);
  };
  const config = loadHttpConfig("http", reader({ PORT: "0", MCP_AUTH_TOKEN: TOKEN }));
  const quiet = { error() {}, warn() {}, info() {}, debug() {} };
  const handler = createHttpHandler(factory, config, {
    server: { name: SERVER_NAME, version: VERSION },
    log: quiet,
    redact: (text) => text,
  });
  const info = {
    remoteAddr: { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 },
    completed: Promise.resolve(),
  };
  const post = (body: string) =>
    handler.fetch(
      new Request("http://127.0.0.1:8050/mcp", {
        method: "POST",
        headers: {
          ...MCP_POST_HEADERS,
          host: "127.0.0.1:8050",
          authorization: `Bearer ${TOKEN}`,
          cookie: "session=abc",
          "proxy-authorization": "Basic eDp5",
        },
        body,
      }),
      info,
    );
  try {
    const json = await post(call(1, "search_tickets", { limit: 1 }));
    assert.match(json.headers.get("content-type") ?? "", /^application\/json/);
    const text = await json.text();
    assert.equal(JSON.parse(text).result.structuredContent.items.length, 1, text);
    const streamed = await post(
      call(2, "ticket_summary", { groupBy: "status" }, { progressToken: 1 }),
    );
    assert.match(streamed.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.match(await streamed.text(), /"result":.*"id":2/);
    assert.equal(seen.length, 6);
    assert.deepEqual(seen, Array(6).fill(null));
  } finally {
    await handler.close();
  }
});

Deno.test("calls in flight at once with the same JSON-RPC id each get their own answer", async () => {
  const sandbox = new Sandbox({ latencyMs: 150 });
  const s = await serveInProcess({}, { sandbox });
  try {
    const ids = sandbox.records("Tickets").slice(0, 8).map((t) => Number(t.id));
    const answers = await Promise.all(ids.map(async (ticket) => {
      const response = await fetch(`${s.origin}/mcp`, {
        method: "POST",
        headers: MCP_POST_HEADERS,
        body: call(1, "get_ticket", { id: ticket }),
        signal: AbortSignal.timeout(5_000),
      });
      return { ticket, message: await response.json() };
    }));
    for (const { ticket, message } of answers) {
      assert.equal(message.id, 1);
      assert.equal(message.result.structuredContent.item.id, ticket);
    }
    // They overlapped: all eight took about one tenant round trip, not eight.
    assert.equal(sandbox.maxInFlight("Tickets"), 3);
  } finally {
    await s.close();
  }
});

Deno.test("odd but valid calls on the shared connection are answered with their own id, never a 5xx", async () => {
  const s = await serveInProcess({});
  try {
    const cases: { body: Record<string, unknown>; expect: "result" | "error" | "toolError" }[] = [
      { body: { id: "abc", method: "ping" }, expect: "result" },
      { body: { id: 0, method: "tools/list" }, expect: "result" },
      { body: { id: -7.5, method: "ping", params: {} }, expect: "error" },
      { body: { id: "x".repeat(300), method: "ping" }, expect: "result" },
      { body: { id: 3, method: "tools/call", params: { name: "no_such_tool" } }, expect: "error" },
      {
        body: {
          id: 4,
          method: "tools/call",
          params: { name: "get_ticket", arguments: { id: "x" } },
        },
        expect: "toolError",
      },
      { body: { id: 5, method: "tools/call", params: "not an object" }, expect: "error" },
      { body: { id: 6, method: "prompts/get", params: { name: "nope" } }, expect: "error" },
      {
        body: { id: 7, method: "resources/read", params: { uri: "autotask://nope/1" } },
        expect: "error",
      },
    ];
    for (const { body, expect } of cases) {
      const response = await fetch(`${s.origin}/mcp`, {
        method: "POST",
        headers: MCP_POST_HEADERS,
        body: JSON.stringify({ jsonrpc: "2.0", ...body }),
      });
      const text = await response.text();
      assert.ok(response.status < 500, `${JSON.stringify(body)}: ${response.status} ${text}`);
      const message = JSON.parse(text);
      assert.equal(message.id, body.id, text);
      if (expect === "error") assert.ok(message.error || message.result?.isError, text);
      if (expect === "result") assert.ok(message.result && !message.result.isError, text);
      if (expect === "toolError") assert.equal(message.result?.isError, true, text);
    }
  } finally {
    await s.close();
  }
});
