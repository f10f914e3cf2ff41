/** The layout's rules: lib/ knows no tool set, tools/ imports front doors, imports form no cycle, one descriptor per entity. */

import assert from "node:assert/strict";
import { kit } from "../tools/mod.ts";
import { allTools } from "../tools/mod.ts";
import { TOOLSETS } from "../tools/inventory.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Every file below `dir` (relative to the repository root). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...await filesUnder(path));
    else if (entry.isFile) out.push(path);
  }
  return out.sort();
}

Deno.test("no file under lib/ names a tool: lib/ knows no tool set", async () => {
  const names = allTools().map((t) => t.name);
  assert.ok(names.length > 50);
  const hits: string[] = [];
  for (const path of await filesUnder("lib")) {
    const text = await Deno.readTextFile(`${ROOT}${path}`);
    for (const name of names) {
      if (!new RegExp(`\\b${name}\\b`).test(text)) continue;
      hits.push(`${path}: ${name}`);
    }
  }
  assert.deepEqual(hits, []);
});

/** Relative module specifiers a TypeScript file imports or re-exports. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g;
  for (const match of text.matchAll(pattern)) found.push(match[1]);
  for (const match of text.matchAll(/import\(?\s*"(\.{1,2}\/[^"]+)"/g)) found.push(match[1]);
  return found;
}

/** The import graph of main.ts, lib/ and tools/: file -> files it imports (repository paths). */
async function importGraph(): Promise<Map<string, string[]>> {
  const files = ["main.ts", ...await filesUnder("lib"), ...await filesUnder("tools")]
    .filter((f) => f.endsWith(".ts"));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = await Deno.readTextFile(`${ROOT}${file}`);
    const base = new URL(file, `file://${ROOT}`);
    graph.set(
      file,
      importsOf(text).map((spec) => new URL(spec, base).pathname.slice(ROOT.length)),
    );
  }
  return graph;
}

Deno.test("main.ts, lib/ and tools/ import no module circularly", async () => {
  const graph = await importGraph();
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
      return;
    }
    state.set(file, "open");
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

Deno.test("tools/ imports the tool kit through lib/mcp/mod.ts and never generated data", async () => {
  const graph = await importGraph();
  const problems: string[] = [];
  for (const [file, imports] of graph) {
    if (!file.startsWith("tools/")) continue;
    for (const target of imports) {
      if (target.startsWith("lib/mcp/") && target !== "lib/mcp/mod.ts") {
        problems.push(`${file} imports ${target}`);
      }
      if (target.endsWith("_data.ts")) problems.push(`${file} imports generated ${target}`);
    }
    const text = await Deno.readTextFile(`${ROOT}${file}`);
    if (text.includes("as unknown as")) problems.push(`${file} casts "as unknown as"`);
  }
  assert.deepEqual(problems, []);
});

Deno.test("lib/ is generic: no module of it imports tools/", async () => {
  const graph = await importGraph();
  const problems = [...graph].filter(([file]) => file.startsWith("lib/"))
    .flatMap(([file, imports]) =>
      imports.filter((t) => t.startsWith("tools/")).map((t) => `${file} -> ${t}`)
    );
  assert.deepEqual(problems, []);
});

Deno.test("descriptors: one per entity, each toolset known, each lister a real read tool", () => {
  const tools = new Map(allTools().map((t) => [t.name, t]));
  const problems: string[] = [];
  for (const resource of kit.resources.all()) {
    if (resource.toolset !== undefined && !(resource.toolset in TOOLSETS)) {
      problems.push(`${resource.entity}: unknown toolset ${resource.toolset}`);
    }
    if (resource.lister !== undefined && tools.get(resource.lister)?.kind !== "read") {
      problems.push(`${resource.entity}: lister ${resource.lister} is no read tool`);
    }
  }
  assert.deepEqual(problems, []);
  // Every entity a tool writes to or reads by its descriptor is described.
  for (const tool of tools.values()) {
    if (tool.entity) assert.ok(kit.resources.find(tool.entity), `${tool.name}: ${tool.entity}`);
  }
});
