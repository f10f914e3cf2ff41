/**
 * Distribution: one permission set for the tasks and the binaries, the offline compile check,
 * the CLI's --help and --version, MCP Bundle manifests (mcpb validate), server.json,
 * SHA256SUMS, the smoke test and the GitHub workflows.
 */

import assert from "node:assert/strict";
import { ENV_VARS } from "../lib/autotask/config.ts";
import { DEFAULT_HOST, DEFAULT_PORT } from "../lib/settings.ts";
import {
  binaryName,
  compileArgs,
  compileTarget,
  embeddedPackages,
  TARGETS,
  testOnlyPackages,
} from "../scripts/compile.ts";
import {
  AUTOTASK_HOSTS,
  binaryFlags,
  HTTP_LISTEN,
  runTasks,
  serverFlags,
  staleTasks,
} from "../scripts/permissions.ts";
import {
  bundleName,
  checksums,
  manifestFor,
  mcpb,
  PLATFORMS,
  serverJson,
  sha256File,
  VERSION,
} from "../scripts/release.ts";
import { smoke } from "../scripts/smoke.ts";
import { parseYaml } from "./deps.ts";
import { productionFlags, runToExit } from "./harness.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const denoJson = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
const tasks: Record<string, string> = denoJson.tasks;

function netOf(flags: string[]): string[] {
  return flags.find((f) => f.startsWith("--allow-net="))?.slice(12).split(",") ?? [];
}

Deno.test("deno.json's run tasks are generated from scripts/permissions.ts", () => {
  assert.deepEqual(staleTasks(tasks), [], "run `deno task permissions --write`");
  for (const [name, text] of Object.entries(runTasks())) assert.equal(tasks[name], text, name);
});

Deno.test("the binary's permissions are start's plus the default HTTP listen address", async () => {
  const start = await productionFlags();
  assert.deepEqual(start, serverFlags(), "the tests run the server with start's flags");
  assert.equal(HTTP_LISTEN, `${DEFAULT_HOST}:${DEFAULT_PORT}`);
  assert.deepEqual(netOf(serverFlags()), [AUTOTASK_HOSTS]);
  assert.deepEqual(netOf(binaryFlags()), [AUTOTASK_HOSTS, HTTP_LISTEN]);
  const withoutNet = (flags: string[]) => flags.filter((f) => !f.startsWith("--allow-net="));
  assert.deepEqual(withoutNet(binaryFlags()), withoutNet(start));
  const env = binaryFlags().find((f) => f.startsWith("--allow-env="))!.slice(12).split(",");
  assert.deepEqual(env, [...ENV_VARS]);
  for (const flag of binaryFlags()) {
    assert.doesNotMatch(flag, /--allow-(read|write|run|ffi|sys|all)/);
  }
  for (const target of TARGETS) {
    const args = compileArgs(target, "dist");
    for (const flag of binaryFlags()) assert.ok(args.includes(flag), `${target}: ${flag}`);
    assert.ok(args.includes("--exclude-unused-npm"), "test-only packages stay out");
    assert.equal(args[args.indexOf("--output") + 1], `dist/${binaryName(target)}`);
    assert.equal(args.at(-1), "main.ts");
  }
  assert.equal(binaryName("x86_64-pc-windows-msvc"), "autotask-mcp-x86_64-pc-windows-msvc.exe");
  assert.equal(binaryName("aarch64-apple-darwin"), "autotask-mcp-aarch64-apple-darwin");
});

Deno.test("the compile listing parser finds embedded npm packages", () => {
  const listing = `Embedded Files

autotask-mcp
├─┬ .deno_compile_node_modules (23MB)
│ └─┬ localhost (23MB)
│   ├─┬ @modelcontextprotocol (15.02MB)
│   │ ├── client/* (6.98MB)
│   │ └── server/* (6.71MB)
│   ├── fast-check/4.10.2/* (1.46MB)
│   └── zod/4.6.7/* (5.93MB)
├── deno.json (3.76KB)
└── main.ts (24.61KB)

Files: 24MB`;
  assert.deepEqual(embeddedPackages(listing), [
    "@modelcontextprotocol/client",
    "@modelcontextprotocol/server",
    "fast-check",
    "zod",
  ]);
  assert.deepEqual(
    testOnlyPackages(`export { Client } from "npm:@modelcontextprotocol/client@~2.4.0";
export { default as fc } from "npm:fast-check@^4.3.0";`),
    ["@modelcontextprotocol/client", "fast-check"],
  );
});

Deno.test({
  name: "offline compile (DENORT_BIN): every target resolves and embeds no test-only package",
  async fn() {
    const outDir = await Deno.makeTempDir({ prefix: "autotask-mcp-compile-" });
    try {
      const forbidden = testOnlyPackages(await Deno.readTextFile(`${ROOT}tests/deps.ts`));
      assert.ok(
        forbidden.includes("@modelcontextprotocol/client") && forbidden.includes("fast-check"),
      );
      const compile = (target: typeof TARGETS[number]) =>
        compileTarget(target, { outDir, denortBin: Deno.execPath() });
      // The first build type-checks (cold cache in a fresh checkout); the rest reuse it.
      const first = await compile(TARGETS[0]);
      const results = [first, ...await Promise.all(TARGETS.slice(1).map(compile))];
      for (const result of results) {
        assert.notEqual(result.status, "failed", `${result.target}: ${result.message}`);
        assert.ok(result.packages.includes("@modelcontextprotocol/server"), result.target);
        assert.ok(result.packages.includes("zod"), result.target);
        assert.deepEqual(result.forbidden, [], result.target);
        for (const name of forbidden) assert.ok(!result.packages.includes(name), name);
        assert.match(result.embedded ?? "", /MB$/);
      }
      const host = results.find((r) => r.target === "x86_64-unknown-linux-gnu")!;
      assert.equal(host.status, "checked", "the host target is written completely");
      assert.ok((host.bytes ?? 0) > 10_000_000);
      for (
        const target of ["x86_64-apple-darwin", "aarch64-apple-darwin", "x86_64-pc-windows-msvc"]
      ) {
        const result = results.find((r) => r.target === target)!;
        assert.equal(result.status, "embedded", `${target}: ${result.message}`);
        assert.match(result.message ?? "", /expected offline/);
      }
      // Offline outputs do not run: they are removed after the check.
      assert.deepEqual([...Deno.readDirSync(outDir)], []);
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  },
});

Deno.test("--version prints deno.json's version; --help names the modes, doctor and every variable", async () => {
  const flags = await productionFlags();
  const version = await runToExit(flags, {}, ["--version"]);
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), `autotask-mcp ${denoJson.version}`);
  const help = await runToExit(flags, {}, ["--help"]);
  assert.equal(help.code, 0);
  for (
    const word of [
      "--sandbox",
      "--http",
      "--read-only",
      "--toolsets=",
      "--exclude-tools=",
      "doctor",
    ]
  ) {
    assert.ok(help.stdout.includes(word), word);
  }
  for (const name of ENV_VARS) assert.ok(help.stdout.includes(name), `--help names ${name}`);
  assert.match(help.stdout, /Examples:/);
});

Deno.test(".env.example and the README's Configuration table name every variable the server reads", async () => {
  const example = await Deno.readTextFile(`${ROOT}.env.example`);
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const table = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Tools"));
  assert.ok(table.length > 100, "README has a Configuration section before Tools");
  for (const name of ENV_VARS) {
    assert.match(example, new RegExp(`^#? ?${name}=`, "m"), `.env.example sets ${name}`);
    assert.ok(table.includes(`\`${name}\``), `README's Configuration table names ${name}`);
  }
});

Deno.test("versions agree: deno.json, --version, bundle manifests, server.json and tags", async () => {
  assert.match(VERSION, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  assert.equal(VERSION, denoJson.version);
  const tools = [{ name: "get_ticket", description: "Read one ticket" }];
  for (const target of TARGETS) {
    const manifest = await manifestFor(target, { tools });
    assert.equal(manifest.version, VERSION, target);
  }
  const sha256 = Object.fromEntries(TARGETS.map((t) => [t, "0".repeat(64)])) as Record<
    typeof TARGETS[number],
    string
  >;
  const server = await serverJson({ repository: "acme/autotask-mcp", sha256 });
  assert.equal(server.version, VERSION);
  for (const pkg of server.packages as { identifier: string; version: string }[]) {
    assert.equal(pkg.version, VERSION);
    assert.ok(pkg.identifier.includes(`/releases/download/v${VERSION}/`), pkg.identifier);
  }
});

Deno.test("bundle manifests: binary server, secrets as sensitive user_config, env the server may read", async () => {
  const tools = [{ name: "get_ticket", description: "Read one ticket" }];
  for (const target of TARGETS) {
    const manifest = await manifestFor(target, { repository: "acme/autotask-mcp", tools }) as {
      manifest_version: string;
      server: {
        type: string;
        entry_point: string;
        mcp_config: { command: string; env: Record<string, string> };
      };
      user_config: Record<string, { sensitive?: boolean; required?: boolean }>;
      compatibility: { platforms: string[] };
      repository?: { url: string };
    };
    assert.equal(manifest.manifest_version, "0.4");
    assert.equal(manifest.server.type, "binary");
    const exe = PLATFORMS[target] === "win32" ? ".exe" : "";
    assert.equal(manifest.server.entry_point, `server/autotask-mcp${exe}`);
    assert.equal(manifest.server.mcp_config.command, `\${__dirname}/server/autotask-mcp${exe}`);
    assert.deepEqual(manifest.compatibility.platforms, [PLATFORMS[target]]);
    assert.equal(manifest.repository?.url, "https://github.com/acme/autotask-mcp");
    const env = manifest.server.mcp_config.env;
    for (const [name, value] of Object.entries(env)) {
      assert.ok(
        (ENV_VARS as readonly string[]).includes(name),
        `${name} is a variable the server reads`,
      );
      const key = /^\$\{user_config\.(\w+)\}$/.exec(value)?.[1];
      assert.ok(key && manifest.user_config[key], `${name} comes from a declared user_config`);
    }
    const keyOf = (name: string) => /user_config\.(\w+)/.exec(env[name])![1];
    for (const secret of ["AUTOTASK_API_SECRET", "AUTOTASK_API_INTEGRATION_CODE"]) {
      assert.equal(manifest.user_config[keyOf(secret)].sensitive, true, secret);
    }
    for (
      const required of [
        "AUTOTASK_API_USERNAME",
        "AUTOTASK_API_SECRET",
        "AUTOTASK_API_INTEGRATION_CODE",
      ]
    ) {
      assert.equal(manifest.user_config[keyOf(required)].required, true, required);
    }
  }
  // Without a repository the manifest carries no links rather than made-up ones.
  const bare = await manifestFor("x86_64-unknown-linux-gnu", { tools });
  assert.ok(!("repository" in bare) && !("homepage" in bare) && !("support" in bare));
  assert.ok(!JSON.stringify(bare).includes("{{"));
});

/** npx runs the MCP Bundle CLI from the npm registry; without Node the check cannot run here. */
const hasNpx = await new Deno.Command("npx", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((o) => o.success, () => false);

Deno.test({
  name: "mcpb validate passes on every generated manifest (npx @anthropic-ai/mcpb)",
  ignore: !hasNpx,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "autotask-mcp-mcpb-" });
    try {
      const results = await Promise.all(TARGETS.map(async (target) => {
        const path = `${dir}/${target}.json`;
        const manifest = await manifestFor(target, { repository: "acme/autotask-mcp" });
        await Deno.writeTextFile(path, JSON.stringify(manifest, null, 2));
        return { target, ...await mcpb(["validate", path]) };
      }));
      for (const { target, code, output } of results) {
        assert.equal(code, 0, `${target}: ${output}`);
        assert.match(output, /validation passes/i, target);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("SHA256SUMS reads as sha256sum -c input; server.json carries each bundle's SHA-256", async () => {
  const dir = await Deno.makeTempDir({ prefix: "autotask-mcp-release-" });
  try {
    const sha256 = {} as Record<typeof TARGETS[number], string>;
    for (const target of TARGETS) {
      await Deno.writeTextFile(`${dir}/${binaryName(target)}`, `binary ${target}`);
      await Deno.writeTextFile(`${dir}/${bundleName(target)}`, `bundle ${target}`);
      sha256[target] = await sha256File(`${dir}/${bundleName(target)}`);
    }
    await Deno.writeTextFile(`${dir}/abc`, "abc");
    assert.equal(
      await sha256File(`${dir}/abc`),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    const names = TARGETS.flatMap((t) => [binaryName(t), bundleName(t)]);
    const text = await checksums(dir, names);
    await Deno.writeTextFile(`${dir}/SHA256SUMS`, text);
    assert.equal(text.trim().split("\n").length, 10);
    for (const line of text.trim().split("\n")) {
      assert.match(line, /^[0-9a-f]{64} {2}autotask-mcp-\S+$/);
    }
    const check = await new Deno.Command("sha256sum", { args: ["-c", "SHA256SUMS"], cwd: dir })
      .output().catch(() => undefined);
    if (check) assert.equal(check.code, 0, new TextDecoder().decode(check.stdout));

    const server = await serverJson({ repository: "acme/autotask-mcp", sha256 }) as {
      name: string;
      description: string;
      packages: {
        registryType: string;
        identifier: string;
        fileSha256: string;
        transport: { type: string };
      }[];
    };
    assert.equal(server.name, "io.github.acme/autotask-mcp");
    assert.ok(server.description.length <= 100, "the registry caps descriptions at 100 characters");
    assert.equal(server.packages.length, TARGETS.length);
    for (const [i, target] of TARGETS.entries()) {
      const pkg = server.packages[i];
      assert.equal(pkg.registryType, "mcpb");
      assert.equal(
        pkg.identifier,
        `https://github.com/acme/autotask-mcp/releases/download/v${VERSION}/${bundleName(target)}`,
      );
      assert.match(pkg.identifier, /mcp/, "the registry requires 'mcp' in the URL");
      assert.equal(pkg.fileSha256, sha256[target]);
      assert.match(pkg.fileSha256, /^[a-f0-9]{64}$/);
      assert.deepEqual(pkg.transport, { type: "stdio" });
      assert.ok(text.includes(`${pkg.fileSha256}  ${bundleName(target)}`));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "the smoke script drives the server with the binary's flags over stdio",
  async fn() {
    const result = await smoke([Deno.execPath(), "run", ...binaryFlags(), `${ROOT}main.ts`]);
    assert.equal(result.version, denoJson.version);
    assert.ok(result.tools >= 29, `${result.tools} tools`);
    assert.ok(result.companies >= 1);
  },
});

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, {
    "runs-on": string;
    needs?: string | string[];
    permissions?: Record<string, string>;
    steps: {
      uses?: string;
      run?: string;
      with?: Record<string, unknown>;
      env?: Record<string, string>;
    }[];
  }>;
}

async function workflow(name: string): Promise<Workflow> {
  return parseYaml(await Deno.readTextFile(`${ROOT}.github/workflows/${name}`)) as Workflow;
}

function runs(flow: Workflow): string[] {
  return Object.values(flow.jobs).flatMap((job) => job.steps.map((s) => s.run ?? "")).filter(
    Boolean,
  );
}

Deno.test("workflows parse and call only deno tasks that exist", async () => {
  for (const name of ["ci.yml", "release.yml"]) {
    const flow = await workflow(name);
    assert.ok(flow.on && flow.jobs, name);
    for (const [id, job] of Object.entries(flow.jobs)) {
      assert.ok(job["runs-on"], `${name} ${id} runs-on`);
      assert.ok(job.steps.length > 0, `${name} ${id} steps`);
      for (const need of [job.needs ?? []].flat()) {
        assert.ok(flow.jobs[need], `${name} ${id} needs ${need}`);
      }
    }
    const called = runs(flow).flatMap((text) =>
      [...text.matchAll(/deno task ([\w:-]+)/g)].map((m) => m[1])
    );
    assert.ok(called.length > 0, name);
    for (const task of called) {
      assert.ok(tasks[task], `${name} calls deno task ${task}, which exists`);
    }
    // Real release binaries: the runtime is downloaded, never a local DENORT_BIN.
    assert.ok(!JSON.stringify(flow).includes("DENORT_BIN"), `${name} builds real binaries`);
  }
});

Deno.test("ci.yml runs .ci/run; release.yml builds, smoke-tests, bundles, sums and publishes on v* tags", async () => {
  const ci = await workflow("ci.yml");
  assert.ok("push" in ci.on && "pull_request" in ci.on);
  assert.ok(runs(ci).includes("bash .ci/run"));
  assert.equal(ci.jobs.test["runs-on"], "ubuntu-latest");

  const release = await workflow("release.yml");
  assert.deepEqual((release.on.push as { tags: string[] }).tags, ["v*"]);
  const text = runs(release).join("\n");
  const order = [
    'deno task release check-tag "$GITHUB_REF_NAME"',
    "bash .ci/run",
    "deno task compile",
    "deno task smoke dist/autotask-mcp-x86_64-unknown-linux-gnu",
    'docker build -t "autotask-mcp:$GITHUB_REF_NAME" .',
    "docker run -d --name autotask-mcp-smoke --read-only",
    "deno task release bundles",
    "deno task release checksums",
    "deno task release server-json",
    "sha256sum -c SHA256SUMS",
  ];
  let at = -1;
  for (const step of order) {
    const found = text.indexOf(step, at + 1);
    assert.ok(found > at, `release.yml runs "${step}" in order`);
    at = found;
  }
  assert.match(
    text,
    /gh release create "\$GITHUB_REF_NAME"[\s\S]*dist\/autotask-mcp-\*[\s\S]*SHA256SUMS[\s\S]*server\.json/,
  );
  assert.equal(release.permissions?.contents, "read", "write access only where it is needed");
  assert.equal(release.jobs.publish.permissions?.contents, "write");
  assert.deepEqual([release.jobs.publish.needs].flat().sort(), ["build", "smoke"]);
});
