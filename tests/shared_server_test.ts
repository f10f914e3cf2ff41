/** The per-request MCP servers of HTTP mode share one registration: checked against the pinned SDK's fields. */

import assert from "node:assert/strict";
import * as z from "zod";
import { ServerTemplate } from "../lib/mcp/shared_server.ts";

Deno.test("a ServerTemplate lends its registration to each new instance (the SDK's fields fit)", () => {
  let registrations = 0;
  const template = new ServerTemplate({ name: "t", version: "0" }, {
    capabilities: { tools: {}, prompts: {} },
  }, (server) => {
    registrations++;
    server.registerTool("echo", {
      description: "Echoes x",
      inputSchema: z.object({ x: z.number() }),
    }, ({ x }) => ({ content: [{ type: "text", text: String(x) }] }));
  });
  // Without sharing, every instance would register again (and be slower): an SDK upgrade that
  // renames McpServer's registries fails here instead of silently costing ~0.75 ms per request.
  assert.equal(template.shared, true);
  const before = registrations;
  const one = template.create();
  const two = template.create();
  assert.equal(registrations, before, "no registration per instance");
  assert.notEqual(one.server, two.server, "each request has its own protocol state");
  assert.deepEqual(one.toolInputSchemaJson("echo")?.required, ["x"]);
  assert.equal(two.toolInputSchemaJson("nope"), undefined);
});
