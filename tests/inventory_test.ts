/** Toolsets, exclusions and read-only mode: what is listed, what is refused, what reaches Autotask. */

import assert from "node:assert/strict";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { DEFAULT_TOOLSETS, InventoryError, selectTools, TOOLSETS } from "../lib/mcp/inventory.ts";
import { createSandboxClient } from "../lib/mcp/sandbox.ts";
import { createServerFactory } from "../lib/mcp/server.ts";
import { isWriteTool, type ToolDef } from "../lib/mcp/tool.ts";
import { Sandbox } from "../lib/sandbox/mod.ts";
import { allTools } from "../tools/mod.ts";
import { Client } from "./deps.ts";
import { callError, connectStdio, startTenant, tenantEnv } from "./harness.ts";

const WRITE_VERBS = /^(create|update|delete|add|link|assign|attach|remove|set|close|complete)_/;

Deno.test("every tool belongs to a known toolset and writing verbs are marked as writes", () => {
  for (const tool of allTools()) {
    assert.ok(tool.toolset in TOOLSETS, `${tool.name}: unknown toolset ${tool.toolset}`);
    if (WRITE_VERBS.test(tool.name)) {
      assert.ok(isWriteTool(tool), `${tool.name} writes but is kind read`);
    }
  }
  const names = allTools().map((t) => t.name);
  assert.equal(new Set(names).size, names.length, "tool names are unique");
});

Deno.test("toolset selection, 'all', 'default' and exclusion", () => {
  const all = allTools();
  const byDefault = selectTools(all);
  assert.ok(byDefault.every((t) => DEFAULT_TOOLSETS.includes(t.toolset)));
  assert.ok(byDefault.some((t) => t.name === "create_ticket"));
  assert.deepEqual(selectTools(all, { toolsets: ["all"] }).length, all.length);
  const tickets = selectTools(all, { toolsets: ["tickets"] });
  assert.deepEqual(
    new Set(tickets.map((t) => t.toolset)),
    new Set(["tickets", "core"]),
    "core always on",
  );
  const fewer = selectTools(all, { exclude: ["create_ticket", "update_ticket"] });
  assert.ok(!fewer.some((t) => t.name === "create_ticket" || t.name === "update_ticket"));
  assert.throws(() => selectTools(all, { toolsets: ["ticketz"] }), InventoryError);
  assert.throws(
    () => selectTools(all, { exclude: ["create_tickets"] }),
    /unknown tool "create_tickets"/,
  );
});

Deno.test("read-only mode removes every writer, whatever the toolsets say", () => {
  const readOnly = selectTools(allTools(), { toolsets: ["all"], readOnly: true });
  assert.ok(readOnly.length > 0);
  assert.ok(readOnly.every((t) => !isWriteTool(t)));
  assert.ok(!readOnly.some((t) => WRITE_VERBS.test(t.name)));
});

/** Plausible arguments for a tool from its input schema's required fields. */
function argsFor(
  tool: ToolDef,
  sample: { ticketId: number; companyId: number },
): Record<string, unknown> {
  const shape = tool.input.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
  const args: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(shape)) {
    if (schema.safeParse(undefined).success) continue;
    const candidates = key === "entity"
      ? ["Tickets"]
      : key === "field"
      ? ["status"]
      : /id$/i.test(key)
      ? [key.toLowerCase().includes("company") ? sample.companyId : sample.ticketId]
      : [1, "status", "Tickets", true, "2026-01-01", [], {}];
    args[key] = candidates.find((c) => schema.safeParse(c).success) ?? candidates[0];
  }
  return args;
}

Deno.test("no tool marked read sends a write to Autotask", async () => {
  const sandbox = new Sandbox();
  const tools = allTools();
  const factory = createServerFactory({
    client: createSandboxClient(sandbox),
    tools,
    redact: (t) => t,
    log: () => {},
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = factory();
  await server.connect(serverSide);
  const client = new Client({ name: "inventory", version: "0" });
  await client.connect(clientSide);
  try {
    const sample = {
      ticketId: sandbox.records("Tickets")[0].id as number,
      companyId: sandbox.records("Companies")[1].id as number,
    };
    let called = 0;
    for (const tool of tools.filter((t) => !isWriteTool(t))) {
      sandbox.resetStats();
      await client.callTool({ name: tool.name, arguments: argsFor(tool, sample) });
      called++;
      const writes = sandbox.log.filter((e) =>
        e.method !== "GET" &&
        !(e.method === "POST" && /\/query(\/count|\/next)?$/i.test(e.path.split("?")[0]))
      );
      assert.deepEqual(writes.map((w) => `${w.method} ${w.path}`), [], `${tool.name} wrote`);
    }
    console.log(`${called} read tools called, none wrote`);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test({
  name:
    "read-only server: no write tool listed, a named one is refused, the tenant receives no write",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const tenant = await startTenant();
    const session = await connectStdio({
      env: { ...tenantEnv(tenant), AUTOTASK_READ_ONLY: "true", AUTOTASK_TOOLSETS: "all" },
      args: ["--toolsets=all"],
    });
    try {
      const { tools } = await session.client.listTools();
      const writers = allTools().filter(isWriteTool).map((t) => t.name);
      assert.ok(tools.length > 10);
      assert.deepEqual(tools.filter((t) => writers.includes(t.name)).map((t) => t.name), []);
      assert.ok(tools.every((t) => t.annotations?.readOnlyHint === true));
      tenant.sandbox.resetStats();
      for (const name of ["create_ticket", "add_ticket_note", "update_ticket"]) {
        const args = { companyID: 1, title: "x", id: 1, ticketID: 1, description: "x" };
        const text = await session.client.callTool({ name, arguments: args }).then(
          (r) => r.isError ? JSON.stringify(r.content) : "",
          (e: Error) => e.message,
        );
        assert.match(text, /not found|read-only|disabled/i, name);
      }
      assert.equal(
        tenant.sandbox.log.filter((e) => e.method !== "GET" && !/query/i.test(e.path)).length,
        0,
      );
      assert.match(session.stderr(), /READ-ONLY MODE/);
      assert.match(await callError(session.client, "get_ticket", { id: -1 }), /id/);
    } finally {
      await session.close();
      await tenant.close();
    }
  },
});

Deno.test({
  name: "toolsets and exclusions change tools/list of a running server",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const tenant = await startTenant();
    try {
      const listed = async (env: Record<string, string>, args: string[] = []) => {
        const session = await connectStdio({ env: { ...tenantEnv(tenant), ...env }, args });
        try {
          return (await session.client.listTools()).tools.map((t) => t.name);
        } finally {
          await session.close();
        }
      };
      const tickets = await listed({ AUTOTASK_TOOLSETS: "tickets" });
      assert.ok(tickets.includes("search_tickets") && !tickets.includes("search_companies"));
      assert.ok(tickets.includes("list_field_values"), "core is always on");
      const excluded = await listed({ AUTOTASK_EXCLUDE_TOOLS: "create_ticket" }, [
        "--exclude-tools=update_ticket",
      ]);
      assert.ok(!excluded.includes("create_ticket") && !excluded.includes("update_ticket"));
      assert.ok(excluded.includes("search_tickets"));
      const flagged = await listed({}, ["--toolsets=crm,query"]);
      assert.ok(flagged.includes("search_companies") && flagged.includes("query_entities"));
      assert.ok(!flagged.includes("search_tickets"));
    } finally {
      await tenant.close();
    }
  },
});
