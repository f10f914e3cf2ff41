/**
 * Runs the external MCP conformance suite's server scenarios that apply to a
 * real server against the sandbox served over HTTP on a free loopback port.
 */

/** The suite version and the scenarios that do not need the suite's own demo tools. */
export const CONFORMANCE_PACKAGE = "npm:@modelcontextprotocol/conformance@0.1.16";
export const SCENARIOS = [
  "server-initialize",
  "ping",
  "tools-list",
  "dns-rebinding-protection",
] as const;

/** One scenario's outcome. */
export interface ScenarioResult {
  scenario: string;
  passed: boolean;
  /** The suite's own output (stdout then stderr). */
  output: string;
  ms: number;
}

import { childEnv } from "./child_env.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const LISTENING = /serving MCP over Streamable HTTP at (http:\/\/[^\s/]+)\/mcp/;

/** The `deno task sandbox` flags with loopback listening allowed on any port. */
async function sandboxHttpFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const flags = (config.tasks.sandbox as string).split(/\s+/).filter((part) =>
    part.startsWith("--allow-") || part.startsWith("--v8-flags=") || part === "--no-prompt"
  );
  return [...flags, "--allow-net=127.0.0.1"];
}

/** Starts `main.ts --sandbox --http` on a free port; resolves with its URL and a stop function. */
async function startSandboxServer(): Promise<{ url: string; stop(): Promise<string> }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...await sandboxHttpFlags(), `${ROOT}main.ts`, "--sandbox", "--http"],
    env: { ...childEnv(), PORT: "0" },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    cwd: ROOT,
  }).spawn();
  let stderr = "";
  const url = Promise.withResolvers<string>();
  const decoder = new TextDecoder();
  const pump = (async () => {
    for await (const chunk of child.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
      const match = LISTENING.exec(stderr);
      if (match) url.resolve(`${match[1]}/mcp`);
    }
    url.reject(new Error(`the server exited before listening:\n${stderr}`));
  })();
  const timer = setTimeout(() => url.reject(new Error(`no listening line:\n${stderr}`)), 30_000);
  let stopped: Promise<string> | undefined;
  try {
    return {
      url: await url.promise,
      stop() {
        stopped ??= (async () => {
          child.kill("SIGTERM");
          await child.status;
          await pump.catch(() => {});
          return stderr;
        })();
        return stopped;
      },
    };
  } catch (error) {
    child.kill("SIGKILL");
    await child.status;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs one scenario with the suite (downloaded on first use, then cached by Deno). */
async function runScenario(url: string, scenario: string): Promise<ScenarioResult> {
  const started = performance.now();
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-lock",
      "-A",
      CONFORMANCE_PACKAGE,
      "server",
      "--url",
      url,
      "--scenario",
      scenario,
    ],
    env: childEnv(),
    clearEnv: true,
    stdin: "null",
    cwd: Deno.env.get("TMPDIR") ?? "/tmp",
  }).output();
  const decoder = new TextDecoder();
  return {
    scenario,
    passed: code === 0,
    output: decoder.decode(stdout) + decoder.decode(stderr),
    ms: Math.round(performance.now() - started),
  };
}

/** Starts the sandbox over HTTP, runs every scenario, stops the server. */
export async function runConformance(
  scenarios: readonly string[] = SCENARIOS,
): Promise<{ results: ScenarioResult[]; serverLog: string }> {
  const server = await startSandboxServer();
  const results: ScenarioResult[] = [];
  try {
    for (const scenario of scenarios) results.push(await runScenario(server.url, scenario));
  } finally {
    await server.stop();
  }
  return { results, serverLog: await server.stop() };
}

if (import.meta.main) {
  const { results } = await runConformance();
  for (const result of results) {
    console.log(`=== ${result.scenario} (${result.ms} ms) ===\n${result.output.trim()}\n`);
  }
  const failed = results.filter((r) => !r.passed);
  for (const result of results) {
    console.log(`${result.passed ? "PASS" : "FAIL"} ${result.scenario}`);
  }
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  Deno.exit(failed.length > 0 ? 1 : 0);
}
