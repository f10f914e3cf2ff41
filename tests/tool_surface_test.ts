/**
 * The tool surface (tools/list: names, schemas, annotations) is committed one file per tool in
 * tests/snapshots/tools/<tool>.json, so a changed tool is a visible diff of its own file. Tools
 * are compared ignoring array order (the order of tools, enum values, required names): moving
 * things around changes no tool. A tool without a snapshot fails, and so does a snapshot of a
 * tool that no longer exists: `deno task snapshot` writes them deliberately after a review.
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

const SNAPSHOTS = new URL("./snapshots/tools/", import.meta.url);
const ACCEPT = "review the diff, then run `deno task snapshot` to accept it";

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

/** The tools of a tools/list answer by name. */
function byName(list: unknown): Map<string, unknown> {
  const tools = (list as { tools?: { name: string }[] }).tools ?? [];
  return new Map(tools.map((tool) => [tool.name, tool]));
}

/** `value` as JSON with object keys and array elements in a canonical order (array order is ignored). */
function canonical(value: unknown): unknown {
  return sorted(JSON.parse(JSON.stringify(value ?? null)));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sorted).sort((x, y) => {
      const [a, b] = [JSON.stringify(x), JSON.stringify(y)];
      return a < b ? -1 : a > b ? 1 : 0;
    });
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((
        key,
      ) => [key, sorted((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The committed snapshots by tool name. */
async function committedSnapshots(): Promise<Map<string, unknown>> {
  const snapshots = new Map<string, unknown>();
  for await (const entry of Deno.readDir(SNAPSHOTS)) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const text = await Deno.readTextFile(new URL(entry.name, SNAPSHOTS));
    snapshots.set(entry.name.slice(0, -".json".length), JSON.parse(text));
  }
  return snapshots;
}

/** Writes one snapshot per tool and removes those of tools that are gone (`deno task snapshot`). */
async function writeSnapshots(tools: Map<string, unknown>): Promise<void> {
  await Deno.mkdir(SNAPSHOTS, { recursive: true });
  for (const name of (await committedSnapshots()).keys()) {
    if (!tools.has(name)) await Deno.remove(new URL(`${name}.json`, SNAPSHOTS));
  }
  for (const [name, tool] of tools) {
    await Deno.writeTextFile(
      new URL(`${name}.json`, SNAPSHOTS),
      JSON.stringify(tool, null, 2) + "\n",
    );
  }
  console.log(`wrote ${tools.size} snapshots to ${SNAPSHOTS.pathname}`);
}

Deno.test("every tool matches its committed snapshot, and every snapshot has its tool", async () => {
  const listed = await listTools();
  const tools = byName(listed);
  if (Deno.env.get("UPDATE_SNAPSHOT") === "1") return await writeSnapshots(tools);
  const committed = await committedSnapshots();
  const missing = [...tools.keys()].filter((name) => !committed.has(name)).sort();
  assert.deepEqual(missing, [], `Tools without a snapshot in tests/snapshots/tools/: ${ACCEPT}`);
  const gone = [...committed.keys()].filter((name) => !tools.has(name)).sort();
  assert.deepEqual(gone, [], `Snapshots of tools that no longer exist: ${ACCEPT}`);
  for (const [name, tool] of tools) {
    assert.deepEqual(canonical(tool), canonical(committed.get(name)), `${name} changed: ${ACCEPT}`);
  }
  console.log(`tools/list: ${new TextEncoder().encode(JSON.stringify(listed)).length} bytes`);
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
