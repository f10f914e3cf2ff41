/** The generated documentation: the README's tool tables are current, --help names everything. */

import assert from "node:assert/strict";
import { ENV_HELP, ENV_VARS } from "../lib/autotask/mod.ts";
import { helpText } from "../main.ts";
import { renderReadme } from "../scripts/docs.ts";
import { DEFAULT_TOOLSETS, TOOLSETS } from "../tools/inventory.ts";
import { allTools } from "../tools/mod.ts";

const README = new URL("../README.md", import.meta.url);

Deno.test("the README's tool tables match the tools: run `deno task docs` after a change", async () => {
  const readme = await Deno.readTextFile(README);
  const current = renderReadme(readme);
  // On a mismatch, show the first differing line rather than two whole READMEs.
  const [now, then] = [current.split("\n"), readme.split("\n")];
  const at = now.findIndex((line, i) => line !== then[i]);
  assert.equal(
    at < 0 && now.length === then.length ? "" : `line ${at + 1}: ${then[at]}`,
    "",
    `README.md is stale (it should read: ${now[at]}): run \`deno task docs\``,
  );
  for (const tool of allTools()) {
    assert.ok(readme.includes(`| \`${tool.name}\``), `the README lists ${tool.name}`);
  }
});

Deno.test("--help names every toolset, marks the default ones, and describes every variable", () => {
  const help = helpText();
  for (const [name, about] of Object.entries(TOOLSETS)) {
    const mark = DEFAULT_TOOLSETS.includes(name) ? `${name} *` : name;
    assert.match(help, new RegExp(`^  ${mark.replace("*", "\\*")} +${RegExp.escape(about)}$`, "m"));
  }
  for (const name of ENV_VARS) {
    assert.ok(ENV_HELP[name].trim().length > 0, `${name} has a description`);
    assert.match(help, new RegExp(`^  ${name} +${RegExp.escape(ENV_HELP[name])}$`, "m"));
  }
});
