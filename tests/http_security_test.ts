/** HTTP security: token, Host/Origin, body cap, rate limit, start-up refusal, secrets, shutdown. */

import assert from "node:assert/strict";
import { BearerCheck, RateLimiter } from "../lib/http/guard.ts";
import { SANDBOX_CREDENTIALS } from "../lib/sandbox/mod.ts";
import { Client, StreamableHTTPClientTransport } from "./deps.ts";
import { callOk, productionFlags, runToExit, startTenant, tenantEnv } from "./harness.ts";
import {
  connectHttp,
  INITIALIZE,
  MCP_POST_HEADERS,
  rawRequest,
  serveInProcess,
  startHttpServer,
} from "./http_harness.ts";

const TOKEN = "tok-0123456789abcdef-SECRET";

function initialize(origin: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${origin}/mcp`, {
    method: "POST",
    headers: { ...MCP_POST_HEADERS, ...headers },
    body: INITIALIZE,
  });
}

async function statusOf(response: Promise<Response>): Promise<number> {
  const r = await response;
  await r.body?.cancel();
  return r.status;
}

const test = (name: string, fn: () => Promise<void> | void) => Deno.test({ name, fn });

test("bearer token: none or wrong -> 401 with a Bearer challenge, the right one -> 200", async () => {
  const s = await serveInProcess({ MCP_AUTH_TOKEN: TOKEN });
  try {
    const none = await initialize(s.origin);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get("www-authenticate"), 'Bearer realm="autotask-mcp"');
    assert.match((await none.json()).error.message, /Authorization: Bearer/);
    const wrong = await initialize(s.origin, { authorization: `Bearer ${TOKEN}x` });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get("www-authenticate")!, /error="invalid_token"/);
    assert.ok(!(await wrong.text()).includes(TOKEN));
    for (const header of [`Basic ${btoa(`u:${TOKEN}`)}`, TOKEN, `Bearer ${TOKEN} extra`]) {
      assert.equal(await statusOf(initialize(s.origin, { authorization: header })), 401, header);
    }
    const right = await initialize(s.origin, { authorization: `bearer ${TOKEN}` });
    assert.equal(right.status, 200);
    assert.match(await right.text(), /"serverInfo"/);
    assert.ok(!s.lines.join("\n").includes(TOKEN), "the token is never logged");
    assert.ok(
      s.lines.some((l) =>
        /^warn http POST \/mcp 401 \d+ms client=127\.0\.0\.1 refused=token$/.test(l)
      ),
    );
  } finally {
    await s.close();
  }
});

test("BearerCheck: exact match only, whatever the length", async () => {
  const check = new BearerCheck(TOKEN);
  assert.equal(await check.check(`Bearer ${TOKEN}`), "ok");
  assert.equal(await check.check(null), "missing");
  assert.equal(await check.check(""), "missing");
  assert.equal(await check.check("Bearer"), "invalid");
  assert.equal(await check.check(`Bearer ${TOKEN.slice(0, -1)}`), "invalid");
  assert.equal(await check.check(`Bearer ${TOKEN}${TOKEN}`), "invalid");
});

test("Host and Origin: foreign ones -> 403, loopback and configured ones pass, no Origin passes", async () => {
  const s = await serveInProcess({
    MCP_ALLOWED_HOSTS: "mcp.example.com",
    MCP_ALLOWED_ORIGINS: "https://app.example.com, tools.example.org",
  });
  const post = (headers: Record<string, string>) =>
    rawRequest(s.origin, {
      method: "POST",
      path: "/mcp",
      headers: { ...MCP_POST_HEADERS, ...headers },
      body: INITIALIZE,
    });
  try {
    assert.equal((await post({ host: "evil.example" })).status, 403);
    assert.equal((await post({ host: "evil.example:8050" })).status, 403);
    assert.equal((await post({ host: "localhost:1234" })).status, 200);
    assert.equal((await post({ host: "mcp.example.com" })).status, 200);
    assert.equal((await post({ origin: "http://evil.example" })).status, 403);
    assert.equal((await post({ origin: "null" })).status, 403);
    assert.equal((await post({ origin: "http://app.example.com" })).status, 403, "exact origin");
    assert.equal((await post({ origin: "https://app.example.com:444" })).status, 403);
    const ok = await post({ origin: "https://app.example.com" });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.equal((await post({ origin: "http://tools.example.org:9000" })).status, 200);
    const local = await post({ origin: "http://localhost:6274" });
    assert.equal(local.status, 200);
    assert.equal(local.headers.get("access-control-allow-origin"), "http://localhost:6274");
    const plain = await post({});
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get("access-control-allow-origin"), null, "no CORS without Origin");
    const preflight = await rawRequest(s.origin, {
      method: "OPTIONS",
      path: "/mcp",
      headers: {
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, x-mcp-header-foo",
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.match(preflight.headers.get("access-control-allow-headers")!, /x-mcp-header-foo/);
    const evilPreflight = await rawRequest(s.origin, {
      method: "OPTIONS",
      path: "/mcp",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(evilPreflight.status, 403);
    assert.equal(evilPreflight.headers.get("access-control-allow-origin"), null);
    assert.ok(s.lines.some((l) => /^warn http POST \/mcp 403 .* refused=host$/.test(l)));
    assert.ok(s.lines.some((l) => /^warn http POST \/mcp 403 .* refused=origin$/.test(l)));
  } finally {
    await s.close();
  }
});

test("request body cap: 413 over 1 MiB (declared or streamed), 408 for a body that never ends", async () => {
  const s = await serveInProcess({}, { tweak: (c) => c.bodyTimeoutMs = 300 });
  try {
    const big = "x".repeat(1024 * 1024 + 1);
    const declared = await fetch(`${s.origin}/mcp`, {
      method: "POST",
      headers: MCP_POST_HEADERS,
      body: big,
    });
    assert.equal(declared.status, 413);
    assert.match(
      (await declared.json()).error.message,
      /over 1 MiB, so a file sent in a tool call \(base64\) is limited to about 750 KB here/,
    );
    const chunk = new TextEncoder().encode("y".repeat(64 * 1024));
    let sent = 0;
    const streamed = await fetch(`${s.origin}/mcp`, {
      method: "POST",
      headers: MCP_POST_HEADERS,
      body: new ReadableStream({
        pull(controller) {
          if (sent++ < 20) controller.enqueue(chunk);
          else controller.close();
        },
      }),
    });
    assert.equal(streamed.status, 413);
    await streamed.body?.cancel();
    let upload!: ReadableStreamDefaultController<Uint8Array>;
    const slow = await fetch(`${s.origin}/mcp`, {
      method: "POST",
      headers: MCP_POST_HEADERS,
      body: new ReadableStream({
        start(controller) {
          upload = controller;
          controller.enqueue(new TextEncoder().encode('{"jsonrpc":'));
        },
      }),
    });
    assert.equal(slow.status, 408);
    await slow.body?.cancel();
    upload.close();
  } finally {
    await s.close();
  }
});

test("rate limit: 429 with Retry-After past MCP_RATE_LIMIT requests a minute", async () => {
  const s = await serveInProcess({ MCP_RATE_LIMIT: "5" });
  try {
    for (let i = 0; i < 5; i++) assert.equal(await statusOf(initialize(s.origin)), 200, `#${i}`);
    const limited = await initialize(s.origin);
    assert.equal(limited.status, 429);
    const wait = Number(limited.headers.get("retry-after"));
    assert.ok(wait >= 1 && wait <= 12, `Retry-After ${wait}`);
    assert.match((await limited.json()).error.message, /5 requests per minute/);
    assert.equal(await statusOf(fetch(`${s.origin}/health`)), 429, "every path counts");
  } finally {
    await s.close();
  }
});

test("RateLimiter: a bucket per client, refilled over the minute", () => {
  let now = 0;
  const limiter = new RateLimiter(60, () => now);
  for (let i = 0; i < 60; i++) assert.equal(limiter.take("a"), 0);
  assert.equal(limiter.take("a"), 1);
  assert.equal(limiter.take("b"), 0, "another client has its own bucket");
  now += 1000;
  assert.equal(limiter.take("a"), 0, "one more after a second");
  assert.equal(limiter.take("a"), 1);
  const slow = new RateLimiter(2, () => now);
  slow.take("c");
  slow.take("c");
  assert.equal(slow.take("c"), 30);
});

test("/health needs no token and reveals nothing; unknown paths 404; GET /mcp 405", async () => {
  const s = await serveInProcess({ MCP_AUTH_TOKEN: TOKEN });
  try {
    const health = await fetch(`${s.origin}/health`);
    assert.equal(health.status, 200);
    const body = await health.json();
    assert.deepEqual(Object.keys(body).sort(), ["name", "status", "version"]);
    assert.equal(body.status, "ok");
    assert.equal(await statusOf(fetch(`${s.origin}/health`, { method: "POST" })), 405);
    assert.equal(await statusOf(fetch(`${s.origin}/`)), 404);
    assert.equal(
      await statusOf(fetch(`${s.origin}/sse`)),
      404,
      "no legacy SSE with TRANSPORT=http",
    );
    const get = fetch(`${s.origin}/mcp`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(await statusOf(get), 405);
  } finally {
    await s.close();
  }
});

test("legacy SSE endpoints: unknown sessions 404, POST /sse 405, streams end on shutdown", async () => {
  const s = await serveInProcess({}, { transport: "sse" });
  try {
    const post = (path: string) =>
      statusOf(fetch(`${s.origin}${path}`, {
        method: "POST",
        headers: MCP_POST_HEADERS,
        body: INITIALIZE,
      }));
    assert.equal(await post("/messages?sessionId=00000000-0000-0000-0000-000000000000"), 404);
    assert.equal(await post("/messages"), 404);
    assert.equal(await post("/sse"), 405);
    const stream = await fetch(`${s.origin}/sse`);
    assert.equal(stream.status, 200);
    assert.equal(stream.headers.get("content-type"), "text/event-stream");
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const match = /event: endpoint\ndata: (\/messages\?sessionId=[0-9a-f-]{36})\n/.exec(first);
    assert.ok(match, first);
    const wrongType = await fetch(`${s.origin}${match[1]}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: INITIALIZE,
    });
    assert.equal(wrongType.status, 415);
    await wrongType.body?.cancel();
    assert.equal(await post(match[1]), 202);
    const closing = s.close();
    while (!(await reader.read()).done) { /* drain until the server ends the stream */ }
    assert.equal(await closing, true, "shutdown completes although a stream was open");
  } finally {
    await s.close();
  }
});

test("HOST=0.0.0.0 without MCP_AUTH_TOKEN refuses to start: exit code 2 and what to set", async () => {
  const { code, stderr } = await runToExit(await productionFlags(), {
    ...{ AUTOTASK_API_USERNAME: "api@example.com", AUTOTASK_API_SECRET: "x-secret-x" },
    AUTOTASK_API_INTEGRATION_CODE: "CODE",
    TRANSPORT: "http",
    HOST: "0.0.0.0",
  });
  assert.equal(code, 2);
  assert.match(stderr, /HOST=0\.0\.0\.0 accepts connections from other machines/);
  assert.match(stderr, /set MCP_AUTH_TOKEN/);
  assert.doesNotMatch(stderr, /^\s+at /m);
});

test("secrets stay out of logs and Autotask requests; credentials in request headers are ignored", async () => {
  const tenant = await startTenant();
  // A recording proxy in front of the tenant: what the server sends to "Autotask".
  const seen: Headers[] = [];
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    seen.push(request.headers);
    const url = new URL(request.url);
    return fetch(`${tenant.origin}${url.pathname}${url.search}`, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
  });
  const env = {
    ...tenantEnv(tenant),
    AUTOTASK_API_URL: `http://127.0.0.1:${proxy.addr.port}/ATServicesRest/`,
    MCP_AUTH_TOKEN: TOKEN,
    LOG_LEVEL: "debug",
  };
  const server = await startHttpServer({ env });
  try {
    const client = new Client({ name: "attacker", version: "0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.origin}/mcp`), {
        authProvider: { token: () => Promise.resolve(TOKEN) },
        requestInit: {
          headers: {
            ApiIntegrationCode: "ATTACKER-CODE",
            UserName: "attacker@evil.example",
            Secret: "attacker-secret",
            Cookie: `session=${TOKEN}`,
          },
        },
      }),
    );
    try {
      await callOk(client, "search_companies", { limit: 1 });
      const failed = await client.callTool({ name: "get_ticket", arguments: { id: 987654321 } });
      assert.equal(failed.isError, true);
    } finally {
      await client.close();
    }
    const wrong = await initialize(server.origin, { authorization: `Bearer ${TOKEN}-guess` });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();

    assert.ok(seen.length > 0, "the tenant was called through the proxy");
    for (const headers of seen) {
      for (const [name, value] of headers) {
        assert.ok(!value.includes(TOKEN), `the MCP token reached Autotask in ${name}`);
        assert.ok(!/attacker/i.test(value), `a client header reached Autotask in ${name}`);
      }
      assert.equal(headers.get("secret"), SANDBOX_CREDENTIALS.secret);
      assert.equal(headers.get("apiintegrationcode"), SANDBOX_CREDENTIALS.integrationCode);
      assert.equal(headers.get("authorization"), null);
    }
  } finally {
    const { stderr } = await server.stop();
    await proxy.shutdown();
    await tenant.close();
    assert.match(stderr, /tool=search_companies/, "the run was logged");
    for (
      const secret of [SANDBOX_CREDENTIALS.secret, SANDBOX_CREDENTIALS.integrationCode, TOKEN]
    ) {
      assert.ok(!stderr.includes(secret), `a secret in the log:\n${stderr}`);
    }
  }
});

test("SIGTERM: stops accepting, lets the in-flight tool call finish, exits 0", async () => {
  const tenant = await startTenant();
  const server = await startHttpServer({ env: tenantEnv(tenant) });
  try {
    const client = await connectHttp(server.origin);
    tenant.sandbox.inject({ kind: "delay", delayMs: 1500, match: { entity: "Companies" } });
    const call = callOk(client, "search_companies", { limit: 2 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const stopping = server.stop("SIGTERM");
    const out = await call;
    assert.equal((out.items as unknown[]).length, 2, "the call in flight completed");
    const { code, stderr } = await stopping;
    assert.equal(code, 0);
    assert.match(stderr, /shutting down: finishing 1 in-flight request\(s\)/);
    assert.match(stderr, /stopped/);
    await client.close().catch(() => {});
    await assert.rejects(fetch(`${server.origin}/health`), "no longer listening");
  } finally {
    await server.stop();
    await tenant.close();
  }
});
