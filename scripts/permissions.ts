/**
 * The production permission set, defined once. deno.json's run tasks and the compiled binaries
 * are derived from it; `deno task permissions` checks deno.json against it (`--write` updates it).
 */

import { ENV_VARS } from "../lib/autotask/config.ts";
import { DEFAULT_HOST, DEFAULT_PORT } from "../lib/settings.ts";

/** Every Autotask REST host (zone discovery included), HTTPS only. */
export const AUTOTASK_HOSTS = "*.autotask.net:443";

/** The default HTTP listen address (HOST:PORT defaults): the only socket a binary may open. */
export const HTTP_LISTEN = `${DEFAULT_HOST}:${DEFAULT_PORT}`;

/**
 * V8's heap sizing for a server that runs for weeks (not a permission, and not a cap: the heap
 * still grows as far as live data needs). With V8's defaults the young generation grows to
 * 16 MiB per semi-space and the old generation to several times what survives before a full
 * collection: RSS went from 118 to 236 MiB over 10,000 HTTP calls (93 to 193 MiB over stdio),
 * all of it garbage not yet collected. Semi-spaces of at most 8 MiB and a full collection once
 * the old generation is 10% past its last live size keep it within 1.25x (bench item 6).
 */
export const V8_FLAGS = "--v8-flags=--max-semi-space-size=8,--heap-growing-percent=10";

/** `--no-prompt`, {@linkcode V8_FLAGS}, `--allow-net` for `net` (omitted when empty), `--allow-env`. */
export function permissionFlags(net: readonly string[]): string[] {
  return [
    "--no-prompt",
    V8_FLAGS,
    ...(net.length > 0 ? [`--allow-net=${net.join(",")}`] : []),
    `--allow-env=${ENV_VARS.join(",")}`,
  ];
}

/** `deno task start`: the Autotask hosts and the variables the product reads; nothing else. */
export function serverFlags(): string[] {
  return permissionFlags([AUTOTASK_HOSTS]);
}

/**
 * What `deno task compile` bakes into every binary: the `start` set plus the default HTTP
 * listen address, so `--http` works out of the box on loopback and nowhere else. `extraNet`
 * adds hosts for an operator's own build (a team server's OAuth issuer, `host:port`); the
 * release binaries have none.
 */
export function binaryFlags(extraNet: readonly string[] = []): string[] {
  return permissionFlags([AUTOTASK_HOSTS, HTTP_LISTEN, ...extraNet]);
}

/** Where the container image listens: every interface of the container, the default port. */
export const CONTAINER_LISTEN = `0.0.0.0:${DEFAULT_PORT}`;

/**
 * The container image's flags: the binaries' set with the listen address on every interface
 * (the container's network is the boundary; MCP_AUTH_TOKEN is required off loopback).
 */
export function containerFlags(): string[] {
  return permissionFlags([AUTOTASK_HOSTS, CONTAINER_LISTEN]);
}

/**
 * The Dockerfile's `CMD` line, exactly: `deno run` from the image's cache (built in, so a
 * read-only root filesystem works) with {@linkcode containerFlags}, in HTTP mode.
 */
export function containerCmd(): string {
  const argv = ["deno", "run", "--cached-only", ...containerFlags(), "main.ts", "--http"];
  return `CMD ${JSON.stringify(argv)}`;
}

/** Whether the Dockerfile's `CMD` line is {@linkcode containerCmd}. */
export function dockerfileIsStale(dockerfile: string): boolean {
  return !dockerfile.split("\n").includes(containerCmd());
}

function run(flags: string[], args: string[] = []): string {
  return ["deno run", ...flags, "main.ts", ...args].join(" ");
}

/** The deno.json tasks that run the server, exactly as deno.json must hold them. */
export function runTasks(): Record<string, string> {
  const [noPrompt, ...rest] = serverFlags();
  return {
    start: run(serverFlags()),
    // Checks for .env first: without it the watcher would wait forever after the server stops.
    dev: `deno run ${noPrompt} --allow-read=.env scripts/require_env_file.ts && ` +
      run(["--watch", noPrompt, "--env-file=.env", ...rest]),
    sandbox: run(permissionFlags([]), ["--sandbox"]),
    "start:http": run(binaryFlags(), ["--http"]),
    "sandbox:http": run(permissionFlags([HTTP_LISTEN]), ["--sandbox", "--http"]),
    doctor: run([noPrompt, "--env-file=.env", ...rest], ["doctor"]),
  };
}

/** Tasks whose text differs from {@linkcode runTasks} (missing ones included). */
export function staleTasks(tasks: Record<string, string>): string[] {
  return Object.entries(runTasks()).filter(([name, text]) => tasks[name] !== text).map(([n]) => n);
}

if (import.meta.main) {
  const path = new URL("../deno.json", import.meta.url);
  const dockerPath = new URL("../Dockerfile", import.meta.url);
  const config = JSON.parse(await Deno.readTextFile(path));
  const dockerfile = await Deno.readTextFile(dockerPath);
  const stale = staleTasks(config.tasks);
  const dockerStale = dockerfileIsStale(dockerfile);
  if (stale.length === 0 && !dockerStale) {
    console.log("deno.json run tasks and the Dockerfile's CMD match scripts/permissions.ts");
    Deno.exit(0);
  }
  if (!Deno.args.includes("--write")) {
    for (const name of stale) {
      console.error(`deno.json task "${name}" differs from scripts/permissions.ts:`);
      console.error(`  has:      ${config.tasks[name] ?? "(missing)"}`);
      console.error(`  expected: ${runTasks()[name]}`);
    }
    if (dockerStale) console.error(`Dockerfile's CMD differs; expected: ${containerCmd()}`);
    console.error("Run `deno task permissions --write` to update deno.json and the Dockerfile");
    Deno.exit(1);
  }
  if (stale.length > 0) {
    config.tasks = { ...config.tasks, ...runTasks() };
    await Deno.writeTextFile(path, JSON.stringify(config, null, 2) + "\n");
    console.log(`updated deno.json tasks: ${stale.join(", ")}`);
  }
  if (dockerStale) {
    const lines = dockerfile.split("\n").map((line) =>
      line.startsWith("CMD ") ? containerCmd() : line
    );
    await Deno.writeTextFile(dockerPath, lines.join("\n"));
    console.log("updated the Dockerfile's CMD");
  }
}
