/**
 * The first minute: `deno task sandbox` in a terminal says what it waits for and how to try it,
 * `deno task dev` without `.env` says what to copy and stops.
 */

import assert from "node:assert/strict";
import { NO_ENV_FILE } from "../scripts/require_env_file.ts";
import { connectStdio } from "./harness.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** True when util-linux `script` (a pseudo-terminal for a command) is on this machine. */
function hasScript(): boolean {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "deno task sandbox in a terminal prints one line: it waits for an MCP client, and the Inspector command",
  ignore: !hasScript(),
  async fn() {
    // `script` gives the server a terminal as stdin, as when a person runs the task by hand.
    const child = new Deno.Command("script", {
      args: ["-qec", `${Deno.execPath()} task --config ${ROOT}deno.json sandbox`, "/dev/null"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let output = "";
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const deadline = Date.now() + 60_000;
    // One read in flight at a time: a read abandoned to a timer would swallow its chunk.
    let pending = reader.read();
    try {
      while (!/waiting for an MCP client[^\n]*\n/.test(output) && Date.now() < deadline) {
        const read = await Promise.race([
          pending,
          new Promise<"tick">((r) => setTimeout(() => r("tick"), 1_000)),
        ]);
        if (read === "tick") continue;
        if (read.done) break;
        output += read.value;
        pending = reader.read();
      }
    } finally {
      child.kill("SIGTERM");
      await reader.cancel().catch(() => {});
      await child.stdin.close().catch(() => {});
      await child.stderr.cancel().catch(() => {});
      await child.status;
    }
    const lines = output.split(/\r?\n/).filter((l) => /waiting for an MCP client/.test(l));
    assert.equal(lines.length, 1, output);
    assert.ok(
      lines[0].includes(
        `Try it in your browser: npx @modelcontextprotocol/inspector deno task --config ${ROOT}deno.json sandbox`,
      ),
      lines[0],
    );
  },
});

Deno.test({
  name: "started by an MCP client (stdin a pipe), the server prints no terminal hint",
  async fn() {
    const session = await connectStdio({ args: ["--sandbox"] });
    try {
      await session.client.listTools();
      assert.match(session.stderr(), /serving MCP over stdio/);
      assert.doesNotMatch(session.stderr(), /waiting for an MCP client/);
    } finally {
      await session.close();
    }
  },
});

Deno.test("deno task dev without .env says to copy .env.example and exits; with .env it goes on", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  // The task checks for .env before it starts the watcher, which would otherwise wait forever.
  assert.match(
    config.tasks.dev,
    /^deno run [^&]*scripts\/require_env_file\.ts && deno run --watch /,
  );
  const dir = await Deno.makeTempDir();
  const run = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--allow-read=.env", `${ROOT}scripts/require_env_file.ts`],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
  try {
    const without = await run();
    assert.equal(without.code, 1);
    const said = new TextDecoder().decode(without.stderr);
    assert.equal(said.trim(), NO_ENV_FILE);
    assert.match(said, /copy \.env\.example to \.env/);
    await Deno.writeTextFile(`${dir}/.env`, "AUTOTASK_API_USERNAME=x\n");
    const withFile = await run();
    assert.equal(withFile.code, 0);
    assert.equal(new TextDecoder().decode(withFile.stderr), "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
