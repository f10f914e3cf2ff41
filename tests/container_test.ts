/**
 * The container image: the Dockerfile's flags are the permission set, its files hold the whole
 * module graph, it runs non-root, and its command serves HTTP from a read-only copy of those files.
 * (No container runtime runs here; the release workflow builds and smoke-tests the image.)
 */

import assert from "node:assert/strict";
import {
  binaryFlags,
  CONTAINER_LISTEN,
  containerCmd,
  containerFlags,
  dockerfileIsStale,
  HTTP_LISTEN,
} from "../scripts/permissions.ts";
import { callOk } from "./harness.ts";
import { connectHttp } from "./http_harness.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);

/** Instructions (continuation lines joined, comments dropped). */
function instructions(name: string): string[] {
  return dockerfile.replace(/\\\n/g, " ").split("\n").filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1).trim());
}

Deno.test("Dockerfile: CMD is the permission set of scripts/permissions.ts, with no drift", () => {
  assert.equal(dockerfileIsStale(dockerfile), false, "run `deno task permissions --write`");
  assert.deepEqual(instructions("CMD"), [containerCmd().slice(4)]);
  const argv = JSON.parse(instructions("CMD")[0]) as string[];
  assert.deepEqual(argv.slice(0, 3), ["deno", "run", "--cached-only"]);
  assert.deepEqual(argv.slice(3, -2), containerFlags());
  assert.deepEqual(argv.slice(-2), ["main.ts", "--http"]);
  // The binaries' set, the listen address on every interface instead of loopback: nothing more.
  assert.deepEqual(
    containerFlags(),
    binaryFlags().map((flag) => flag.replace(HTTP_LISTEN, CONTAINER_LISTEN)),
  );
  assert.ok(!argv.some((flag) => /^--allow-(read|write|run|ffi|sys|all)|^-A$/.test(flag)));
});

Deno.test("Dockerfile: the pinned Deno base image, a non-root user, the port of the listen flag", async () => {
  const ci = await Deno.readTextFile(`${ROOT}.ci/run`);
  const pinned = /^DENO_VERSION=(\S+)$/m.exec(ci)![1];
  assert.deepEqual(instructions("FROM"), [`denoland/deno:${pinned}`]);
  const users = instructions("USER");
  assert.equal(users.length, 1);
  assert.ok(!["root", "0"].includes(users[0]), "runs as a non-root user");
  // USER comes after every build step and before the command.
  const order = dockerfile.split("\n").map((line) => line.split(" ")[0]);
  assert.ok(order.lastIndexOf("RUN") < order.indexOf("USER"));
  assert.ok(order.indexOf("USER") < order.indexOf("CMD"));
  assert.deepEqual(instructions("EXPOSE"), [CONTAINER_LISTEN.split(":")[1]]);
  assert.match(instructions("ENV").join(" "), /HOST=0\.0\.0\.0 PORT=8050/);
});

/** The files the Dockerfile copies into /app. */
function copied(): string[] {
  return instructions("COPY").flatMap((line) => line.split(/\s+/).slice(0, -1));
}

Deno.test("Dockerfile: the files it copies hold main.ts's whole module graph", async () => {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.ok(info.success);
  const graph = JSON.parse(new TextDecoder().decode(info.stdout)) as {
    modules: { specifier: string }[];
  };
  const local = graph.modules.map((m) => m.specifier).filter((s) => s.startsWith("file://"))
    .map((s) => new URL(s).pathname.slice(ROOT.length));
  assert.ok(local.includes("lib/autotask/redis_limits.ts"), "dynamic imports are in the graph");
  assert.ok(local.includes("lib/sandbox/mod.ts"));
  const sources = copied();
  for (const path of local) {
    assert.ok(
      sources.some((source) => source.endsWith("/") ? path.startsWith(source) : path === source),
      `${path} is copied into the image`,
    );
  }
  for (const file of ["deno.json", "deno.lock"]) assert.ok(sources.includes(file));
});

Deno.test("Dockerfile: its command serves MCP over HTTP from a read-only copy of the image's files", async () => {
  // The image's /app: exactly the files COPY takes, read-only.
  const app = await Deno.makeTempDir({ dir: "/tmp", prefix: "autotask-mcp-image-" });
  const copy = new Deno.Command("cp", { args: ["-r", ...copied(), app], cwd: ROOT });
  assert.ok((await copy.output()).success);
  assert.ok((await new Deno.Command("chmod", { args: ["-R", "a-w", app] }).output()).success);
  const argv = JSON.parse(instructions("CMD")[0]) as string[];
  const token = "container-test-token-0123456789";
  const child = new Deno.Command(Deno.execPath(), {
    args: argv.slice(1),
    cwd: app,
    env: {
      HOST: "0.0.0.0",
      PORT: "8050",
      AUTOTASK_SANDBOX: "1",
      MCP_AUTH_TOKEN: token,
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      HOME: Deno.env.get("HOME") ?? "/nonexistent",
      PATH: Deno.env.get("PATH") ?? "",
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const decoder = new TextDecoder();
  const listening = Promise.withResolvers<void>();
  const pump = (async () => {
    for await (const chunk of child.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
      if (/serving MCP over Streamable HTTP/.test(stderr)) listening.resolve();
    }
    listening.reject(new Error(`the server exited:\n${stderr}`));
  })();
  try {
    const timer = setTimeout(() => listening.reject(new Error("no listening line")), 20_000);
    await listening.promise.finally(() => clearTimeout(timer));
    const health = await fetch("http://127.0.0.1:8050/health");
    assert.equal(health.status, 200);
    assert.equal((await health.json()).status, "ok");
    const client = await connectHttp("http://127.0.0.1:8050", { token });
    try {
      const out = await callOk(client, "search_companies", { limit: 1 });
      assert.equal((out.items as unknown[]).length, 1);
    } finally {
      await client.close();
    }
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    await pump.catch(() => {});
    await new Deno.Command("chmod", { args: ["-R", "u+w", app] }).output();
    await Deno.remove(app, { recursive: true });
    assert.equal(status.code, 0, stderr);
  }
});
