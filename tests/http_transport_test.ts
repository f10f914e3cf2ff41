/** End to end over HTTP: the official MCP client, both protocol eras, legacy SSE, and the conformance suite. */

import assert from "node:assert/strict";
import { runConformance, SCENARIOS } from "../scripts/conformance.ts";
import { callOk, productionFlags, runToExit, startTenant, tenantEnv } from "./harness.ts";
import { connectHttp, startHttpServer } from "./http_harness.ts";

const TOKEN = "test-token-0123456789abcdef";

type Rec = Record<string, unknown>;

async function taskFlags(name: string): Promise<{ flags: string[]; rest: string[] }> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const parts = (config.tasks[name] as string).split(/\s+/);
  return {
    flags: parts.filter((p) =>
      p.startsWith("--allow-") || p.startsWith("--v8-flags=") || p === "--no-prompt"
    ),
    rest: parts.slice(parts.indexOf("main.ts") + 1),
  };
}

Deno.test({
  name: "Streamable HTTP: both protocol eras list and call tools against the simulated tenant",
  async fn() {
    const tenant = await startTenant();
    // The production flags plus loopback (the listen address and the tenant), TRANSPORT=http.
    const server = await startHttpServer({
      env: { ...tenantEnv(tenant), TRANSPORT: "http", MCP_AUTH_TOKEN: TOKEN },
      args: [],
    });
    try {
      for (const era of ["legacy", "modern"] as const) {
        const client = await connectHttp(server.origin, { era, token: TOKEN });
        try {
          assert.equal(
            client.getNegotiatedProtocolVersion(),
            era === "modern" ? "2026-07-28" : "2025-11-25",
          );
          const { tools } = await client.listTools();
          const names = tools.map((t) => t.name);
          for (const name of ["get_ticket", "create_ticket", "search_companies"]) {
            assert.ok(names.includes(name), `${era}: ${name}`);
          }
          const out = await callOk(client, "search_companies", { limit: 2 });
          assert.equal((out.items as Rec[]).length, 2, era);
          const company = tenant.sandbox.records("Companies")[1];
          const got = await callOk(client, "get_company", { id: company.id });
          assert.equal((got.item as Rec).id, company.id);
        } finally {
          await client.close();
        }
      }
      const log = server.stderr();
      assert.match(
        log,
        /http POST \/mcp 200 \d+ms client=127\.0\.0\.1 user=operator rpc=tools\/call tool=search_companies/,
      );
      assert.match(log, /rpc=initialize/);
    } finally {
      const { code } = await server.stop();
      await tenant.close();
      assert.equal(code, 0);
    }
  },
});

Deno.test({
  name: "TRANSPORT=sse: the legacy HTTP+SSE client works, /mcp keeps serving, one warning line",
  async fn() {
    const tenant = await startTenant();
    const server = await startHttpServer({
      env: { ...tenantEnv(tenant), TRANSPORT: "sse", MCP_AUTH_TOKEN: TOKEN },
      args: [],
    });
    try {
      const legacy = await connectHttp(server.origin, { legacySse: true, token: TOKEN });
      try {
        const { tools } = await legacy.listTools();
        assert.ok(tools.some((t) => t.name === "get_ticket"));
        const out = await callOk(legacy, "search_companies", { limit: 3 });
        assert.equal((out.items as Rec[]).length, 3);
      } finally {
        await legacy.close();
      }
      const modern = await connectHttp(server.origin, { era: "modern", token: TOKEN });
      try {
        assert.equal((await modern.listTools()).tools.length > 0, true);
      } finally {
        await modern.close();
      }
      const warnings = server.stderr().split("\n").filter((l) => /deprecated HTTP\+SSE/.test(l));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /move to Streamable HTTP at \/mcp/);
      assert.match(server.stderr(), /http POST \/messages 202 .*tool=search_companies/);
      const anonymous = await fetch(`${server.origin}/sse`);
      await anonymous.body?.cancel();
      assert.equal(anonymous.status, 401, "the SSE endpoints need the token too");
    } finally {
      await server.stop();
      await tenant.close();
    }
  },
});

Deno.test({
  name:
    "sandbox over HTTP: --sandbox --http with the sandbox:http task's permissions (listen only)",
  async fn() {
    const task = await taskFlags("sandbox:http");
    assert.deepEqual(task.rest, ["--sandbox", "--http"]);
    const net = task.flags.filter((f) => f.startsWith("--allow-net"));
    assert.deepEqual(net, ["--allow-net=127.0.0.1:8050"], "the listen address and nothing else");
    // Port 0 for the test: the same set with loopback on any port.
    const flags = task.flags.map((f) => f.startsWith("--allow-net") ? "--allow-net=127.0.0.1" : f);
    const server = await startHttpServer({ flags, args: task.rest, env: {} });
    try {
      const client = await connectHttp(server.origin);
      try {
        assert.match(client.getInstructions() ?? "", /SANDBOX MODE/);
        const out = await callOk(client, "search_tickets", { limit: 3 });
        assert.equal((out.items as Rec[]).length, 3);
      } finally {
        await client.close();
      }
      const health = await fetch(`${server.origin}/health`);
      assert.deepEqual(await health.json(), {
        status: "ok",
        name: "autotask-mcp",
        version: JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)))
          .version,
      });
      assert.match(server.stderr(), /SANDBOX MODE/);
      assert.match(
        server.stderr(),
        /no MCP_AUTH_TOKEN: accepting unauthenticated requests on loopback only/,
      );
    } finally {
      await server.stop();
    }
  },
});

Deno.test("the start:http task is the start task plus the listen address and --http", async () => {
  const start = await taskFlags("start");
  const http = await taskFlags("start:http");
  assert.deepEqual(http.rest, ["--http"]);
  assert.deepEqual(
    http.flags,
    start.flags.map((f) =>
      f === "--allow-net=*.autotask.net:443" ? "--allow-net=*.autotask.net:443,127.0.0.1:8050" : f
    ),
  );
});

Deno.test("without the listen permission: a clear message naming the flag, exit code 2, no stack trace", async () => {
  const env = {
    AUTOTASK_API_USERNAME: "api@example.com",
    AUTOTASK_API_SECRET: "not-used-secret",
    AUTOTASK_API_INTEGRATION_CODE: "NOTUSEDCODE",
  };
  const { code, stderr } = await runToExit(await productionFlags(), env, ["--http"]);
  assert.equal(code, 2);
  assert.match(stderr, /listening on 127\.0\.0\.1:8050 is not permitted/);
  assert.match(stderr, /--allow-net=\*\.autotask\.net:443,127\.0\.0\.1:8050/);
  assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
  assert.doesNotMatch(stderr, /NotCapable|Uncaught/);
});

Deno.test("unknown TRANSPORT and LOG_LEVEL values exit 2 with a message", async () => {
  const flags = await productionFlags();
  const transport = await runToExit(flags, { TRANSPORT: "websocket" });
  assert.equal(transport.code, 2);
  assert.match(transport.stderr, /TRANSPORT must be stdio \(the default\), http or sse/);
  const level = await runToExit(flags, { LOG_LEVEL: "loud" });
  assert.equal(level.code, 2);
  assert.match(level.stderr, /LOG_LEVEL must be one of error, warn, info, debug/);
});

Deno.test({
  name:
    "external MCP conformance suite: server-initialize, ping, tools-list, dns-rebinding-protection",
  async fn() {
    const { results, serverLog } = await runConformance();
    assert.deepEqual(results.map((r) => r.scenario), [...SCENARIOS]);
    for (const result of results) {
      assert.ok(result.passed, `${result.scenario} failed:\n${result.output}\n${serverLog}`);
    }
  },
});
