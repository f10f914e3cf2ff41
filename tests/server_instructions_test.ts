/** Server instructions, prompts and messages name only tools the server lists, whatever the mode. */

import assert from "node:assert/strict";
import { allTools, kit } from "../tools/mod.ts";
import { callError, connectStdio } from "./harness.ts";

const TOOL_NAMES = allTools().map((t) => t.name);

/** The tool names `text` mentions. */
function toolsNamed(text: string): string[] {
  return TOOL_NAMES.filter((name) => new RegExp(`\\b${name}\\b`).test(text));
}

Deno.test("every instruction line and prompt declares the tools it names", () => {
  const problems: string[] = [];
  for (const line of kit.instructions) {
    for (const name of toolsNamed(line.text)) {
      if (!(line.needs ?? []).includes(name)) problems.push(`line "${line.text}": ${name}`);
    }
  }
  for (const prompt of kit.prompts) {
    const args = Object.fromEntries(
      Object.keys(prompt.argsSchema.shape).map((key) => [key, "1"]),
    );
    for (const name of toolsNamed(prompt.text(args))) {
      if (!prompt.needs.includes(name)) problems.push(`prompt ${prompt.name}: ${name}`);
    }
    for (const name of prompt.needs) {
      if (!TOOL_NAMES.includes(name)) problems.push(`prompt ${prompt.name} needs no tool ${name}`);
    }
  }
  assert.deepEqual(problems, []);
});

/** What a server started with `args` lists and says, through the official client. */
async function advertised(args: string[]): Promise<{
  tools: string[];
  instructions: string;
  prompts: string[];
  promptTexts: string[];
  session: Awaited<ReturnType<typeof connectStdio>>;
}> {
  const session = await connectStdio({ args: ["--sandbox", ...args] });
  const tools = (await session.client.listTools()).tools.map((t) => t.name);
  const instructions = session.client.getInstructions() ?? "";
  const prompts = (await session.client.listPrompts()).prompts.map((p) => p.name).sort();
  const promptTexts: string[] = [];
  for (const name of prompts) {
    const prompt = kit.prompts.find((p) => p.name === name)!;
    const promptArgs = Object.fromEntries(
      Object.keys(prompt.argsSchema.shape).map((key) => [key, "1"]),
    );
    const got = await session.client.getPrompt({ name, arguments: promptArgs });
    promptTexts.push(JSON.stringify(got.messages));
  }
  return { tools, instructions, prompts, promptTexts, session };
}

Deno.test({
  name: "read-only and narrowed servers advertise no absent tool in instructions or prompts",
  async fn() {
    const cases: { args: string[]; prompts: string[] }[] = [
      {
        args: [],
        prompts: ["customer_open_work", "log_time", "project_weekly_status", "triage_ticket"],
      },
      {
        args: ["--read-only"],
        prompts: ["customer_open_work", "project_weekly_status", "triage_ticket"],
      },
      { args: ["--toolsets=tickets"], prompts: ["triage_ticket"] },
      { args: ["--read-only", "--toolsets=tickets"], prompts: ["triage_ticket"] },
      {
        args: ["--toolsets=all", "--exclude-tools=list_field_values"],
        prompts: [
          "customer_open_work",
          "log_time",
          "project_weekly_status",
        ],
      },
    ];
    for (const { args, prompts } of cases) {
      const got = await advertised(args);
      try {
        const label = args.join(" ") || "default";
        const absent = (text: string) => toolsNamed(text).filter((n) => !got.tools.includes(n));
        assert.deepEqual(absent(got.instructions), [], `${label}: instructions`);
        assert.ok(
          new TextEncoder().encode(got.instructions).length < 2048,
          `${label}: ${got.instructions.length} characters of instructions`,
        );
        assert.deepEqual(got.prompts, prompts, `${label}: prompts`);
        for (const text of got.promptTexts) assert.deepEqual(absent(text), [], `${label}: prompt`);
        if (args.includes("--read-only") || args.includes("--toolsets=tickets")) {
          assert.doesNotMatch(got.instructions, /create_time_entry/, label);
        }
        if (args.length === 0) {
          assert.match(got.instructions, /create_time_entry picks one/, "default names it");
        }
      } finally {
        await got.session.close();
      }
    }
  },
});

Deno.test({
  name: "error messages point to describe_entity only where the server lists it",
  async fn() {
    const bad = { id: 1, changes: { nosuchfield: 1 } };
    for (
      const [args, named] of [[[], true], [["--exclude-tools=describe_entity"], false]] as const
    ) {
      const session = await connectStdio({ args: ["--sandbox", "--toolsets=all", ...args] });
      try {
        const text = await callError(session.client, "update_company", bad);
        assert.match(text, /has no field "nosuchfield"/);
        if (named) assert.match(text, /describe_entity lists its fields/);
        else assert.doesNotMatch(text, /describe_entity/);
        const query = await callError(session.client, "query_entities", {
          entity: "Tickets",
          filter: [{ op: "eq", field: "nosuchfield", value: 1 }],
        });
        assert.match(query, /has no field "nosuchfield"/);
        assert.equal(/describe_entity/.test(query), named, query);
      } finally {
        await session.close();
      }
    }
  },
});
