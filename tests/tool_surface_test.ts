/**
 * The tool surface (tools/list: names, schemas, annotations) is committed in
 * tests/snapshots/tools_list.json, so a changed surface is a visible diff.
 * Refresh after an intended change: `deno task snapshot`.
 */

import assert from "node:assert/strict";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { findEntity } from "../lib/autotask/catalog.ts";
import { createServerFactory } from "../lib/mcp/server.ts";
import { selectTools } from "../lib/mcp/inventory.ts";
import type { ToolDef } from "../lib/mcp/tool.ts";
import { GET_EXTRA_FIELDS } from "../lib/mcp/views.ts";
import { allTools } from "../tools/mod.ts";
import { createSandboxClient } from "../main.ts";
import { Client } from "./deps.ts";

const SNAPSHOT = new URL("./snapshots/tools_list.json", import.meta.url);

async function listTools(tools: ToolDef[] = allTools()): Promise<unknown> {
  const factory = createServerFactory({
    client: await createSandboxClient(),
    tools,
    redact: (text) => text,
    log: () => {},
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = factory();
  await server.connect(serverSide);
  const client = new Client({ name: "snapshot", version: "0" });
  await client.connect(clientSide);
  try {
    return await client.listTools();
  } finally {
    await client.close();
    await server.close();
  }
}

Deno.test("tools/list matches the committed snapshot", async () => {
  const current = JSON.stringify(await listTools(), null, 2) + "\n";
  if (Deno.env.get("UPDATE_SNAPSHOT") === "1") {
    await Deno.writeTextFile(SNAPSHOT, current);
    console.log(`wrote ${SNAPSHOT.pathname}`);
    return;
  }
  const committed = await Deno.readTextFile(SNAPSHOT).catch(() => "");
  assert.equal(
    current,
    committed,
    "The tool surface changed: review the diff, then run `deno task snapshot` to accept it",
  );
  console.log(
    `tools/list: ${new TextEncoder().encode(JSON.stringify(JSON.parse(current))).length} bytes`,
  );
});

Deno.test("the default tools/list stays under 24 KB (24,000 bytes) of JSON", async () => {
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;
  const defaults = selectTools(allTools());
  const all = selectTools(allTools(), { toolsets: ["all"] });
  const defaultBytes = bytes(await listTools(defaults));
  const allBytes = bytes(await listTools(all));
  console.log(
    `tools/list: default ${defaults.length} tools ${defaultBytes} bytes (~${
      Math.round(defaultBytes / 4)
    } tokens); ` +
      `all ${all.length} tools ${allBytes} bytes`,
  );
  // "Under 24 KB" read strictly (24,000 bytes), so it holds whichever kilobyte is meant.
  assert.ok(defaultBytes < 24_000, `default tools/list is ${defaultBytes} bytes`);
});

Deno.test("every field a view asks Autotask for exists in the catalog", () => {
  const problems: string[] = [];
  for (const [entity, fields] of Object.entries(GET_EXTRA_FIELDS)) {
    const known = findEntity(entity)?.fields ?? {};
    for (const field of fields) if (!(field in known)) problems.push(`${entity}.${field}`);
  }
  assert.deepEqual(problems, []);
});
