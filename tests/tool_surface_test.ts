/**
 * The tool surface (tools/list: names, schemas, annotations) is committed in
 * tests/snapshots/tools_list.json, so a changed surface is a visible diff. It is compared
 * ignoring the order of the tools: moving a tool between modules changes no tool.
 * Refresh after an intended change: `deno task snapshot`.
 */

import assert from "node:assert/strict";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { findEntity } from "../lib/autotask/catalog.ts";
import { createServerFactory } from "../lib/mcp/server.ts";
import { selectTools } from "../tools/inventory.ts";
import type { ToolDef } from "../lib/mcp/tool.ts";
import { allTools, kit } from "../tools/mod.ts";
import { createSandboxClient } from "../main.ts";
import { Client } from "./deps.ts";

const SNAPSHOT = new URL("./snapshots/tools_list.json", import.meta.url);

/** The change stamps autotask-api.md section 7 documents. */
const DOCUMENTED_STAMPS = [
  "Tickets.lastTrackedModificationDateTime",
  "TimeEntries.lastModifiedDateTime",
  "Companies.lastTrackedModifiedDateTime",
  "Contacts.lastModifiedDate",
  "Contracts.lastModifiedDateTime",
];

async function listTools(tools: ToolDef[] = allTools()): Promise<unknown> {
  const factory = createServerFactory({
    kit,
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

/** The tools of a tools/list answer by name, as formatted JSON per tool. */
function byName(list: unknown): Map<string, string> {
  const tools = (list as { tools?: { name: string }[] }).tools ?? [];
  return new Map(tools.map((tool) => [tool.name, JSON.stringify(tool, null, 2)]));
}

Deno.test("tools/list matches the committed snapshot", async () => {
  const listed = await listTools();
  const current = JSON.stringify(listed, null, 2) + "\n";
  if (Deno.env.get("UPDATE_SNAPSHOT") === "1") {
    await Deno.writeTextFile(SNAPSHOT, current);
    console.log(`wrote ${SNAPSHOT.pathname}`);
    return;
  }
  const committed = await Deno.readTextFile(SNAPSHOT);
  const [now, then] = [byName(listed), byName(JSON.parse(committed))];
  assert.deepEqual(
    [...now.keys()].sort(),
    [...then.keys()].sort(),
    "The tool list changed: review the diff, then run `deno task snapshot` to accept it",
  );
  for (const [name, tool] of now) {
    assert.equal(
      tool,
      then.get(name),
      `${name} changed: review the diff, then run \`deno task snapshot\` to accept it`,
    );
  }
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

Deno.test("every field a resource descriptor names exists in the catalog", () => {
  const problems: string[] = [];
  for (const resource of kit.resources.all()) {
    const known = findEntity(resource.entity)?.fields ?? {};
    const named = [
      ...resource.searchView ?? [],
      ...resource.getView ?? [],
      ...resource.nameFields ?? [],
      ...resource.untrusted ?? [],
      ...resource.neverDefault ?? [],
      ...Object.keys(resource.system ?? {}),
      ...resource.numberField ? [resource.numberField] : [],
      ...Object.keys(resource.bulkFixed ?? {}),
    ];
    for (const field of named) if (!(field in known)) problems.push(`${resource.entity}.${field}`);
    // Change stamps come from autotask-api.md section 7, some newer than the 2020 swagger the
    // catalog is made from (Contracts): the bulk tools check them against the tenant's fields.
    const stamp = resource.watermark && `${resource.entity}.${resource.watermark}`;
    if (stamp && !DOCUMENTED_STAMPS.includes(stamp)) problems.push(`${stamp} (undocumented)`);
  }
  assert.deepEqual(problems, []);
});
