/**
 * Release assets from the compiled binaries in dist/: one MCP Bundle (.mcpb) per target,
 * SHA256SUMS, and the MCP Registry server.json with each bundle's SHA-256.
 *
 * Usage: deno task release <command> [--repo=owner/name] [--dist=dist] [target...]
 *   check-tag <tag>  the tag is v<version of deno.json>
 *   manifests        write dist/mcpb/<target>/manifest.json and validate each with mcpb
 *   bundles          manifests, the binary copied in, `mcpb pack` -> dist/autotask-mcp-<target>.mcpb
 *   checksums        dist/SHA256SUMS over the binaries and bundles (sha256sum -c format)
 *   server-json      dist/server.json (MCP Registry, registryType mcpb) with fileSha256 filled in
 *
 * The repository (release URLs, the io.github.<owner> name) comes from --repo or
 * GITHUB_REPOSITORY (set in GitHub Actions); manifests leave the links out without it.
 */

import denoConfig from "../deno.json" with { type: "json" };
import { DEFAULT_TOOLSETS } from "../tools/inventory.ts";
import { binaryName, type Target, TARGETS } from "./compile.ts";

/** The product version every asset carries. */
export const VERSION: string = denoConfig.version;

/** The MCP Bundle CLI, pinned. */
export const MCPB = "@anthropic-ai/mcpb@2.1.2";

const ROOT = new URL("..", import.meta.url).pathname;
const MANIFEST_TEMPLATE = `${ROOT}packaging/mcpb/manifest.template.json`;
const SERVER_TEMPLATE = `${ROOT}packaging/server.template.json`;

/** MCP Bundle platform (Node's `process.platform`) of each target. */
export const PLATFORMS: Record<Target, "linux" | "darwin" | "win32"> = {
  "x86_64-unknown-linux-gnu": "linux",
  "aarch64-unknown-linux-gnu": "linux",
  "x86_64-apple-darwin": "darwin",
  "aarch64-apple-darwin": "darwin",
  "x86_64-pc-windows-msvc": "win32",
};

/** The binary's name inside a bundle: `server/autotask-mcp` (`.exe` on Windows). */
export function bundledBinary(target: Target): string {
  return PLATFORMS[target] === "win32" ? "autotask-mcp.exe" : "autotask-mcp";
}

/** `autotask-mcp-<target>.mcpb` (the name holds "mcp", as the MCP Registry requires). */
export function bundleName(target: Target): string {
  return `autotask-mcp-${target}.mcpb`;
}

/** `owner/name` from `--repo=` or GITHUB_REPOSITORY; undefined when neither is set. */
export function resolveRepository(args: string[] = []): string | undefined {
  const value = args.find((a) => a.startsWith("--repo="))?.slice(7) ??
    Deno.env.get("GITHUB_REPOSITORY");
  if (value === undefined || value === "") return undefined;
  if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(value)) {
    throw new Error(`Repository must be owner/name, not "${value}"`);
  }
  return value;
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key) => values[key] ?? whole);
}

/** Drops every string property still holding a `{{placeholder}}` (links without a repository). */
function dropUnfilled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUnfilled);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (JSON.stringify(item).includes("{{")) continue;
    out[key] = dropUnfilled(item);
  }
  return out;
}

/** A tool as a bundle manifest lists it. */
export interface ManifestTool {
  name: string;
  description: string;
}

/** The tools of the default toolsets (what a fresh install lists), for the manifest. */
export async function defaultTools(): Promise<ManifestTool[]> {
  const { allTools } = await import("../tools/mod.ts");
  return allTools().filter((tool) => DEFAULT_TOOLSETS.includes(tool.toolset)).map((tool) => ({
    name: tool.name,
    description: tool.description,
  }));
}

/** Options for {@linkcode manifestFor}. */
export interface ManifestOptions {
  version?: string;
  repository?: string;
  tools?: ManifestTool[];
}

/** The MCP Bundle manifest (0.4, `server.type` binary) of one target. */
export async function manifestFor(
  target: Target,
  options: ManifestOptions = {},
): Promise<Record<string, unknown>> {
  const values: Record<string, string> = {
    version: options.version ?? VERSION,
    binary: bundledBinary(target),
  };
  if (options.repository) values.repository = options.repository;
  const template = JSON.parse(fill(await Deno.readTextFile(MANIFEST_TEMPLATE), values));
  const manifest = dropUnfilled(template) as Record<string, unknown>;
  return {
    ...manifest,
    tools: options.tools ?? await defaultTools(),
    // AUTOTASK_TOOLSETS can add toolsets; prompts are served at run time.
    tools_generated: true,
    prompts_generated: true,
    compatibility: { platforms: [PLATFORMS[target]] },
  };
}

/** Options for {@linkcode serverJson}. */
export interface ServerJsonOptions {
  repository: string;
  /** SHA-256 (hex) of each target's bundle. */
  sha256: Record<Target, string>;
  version?: string;
}

/** The MCP Registry `server.json`: one `mcpb` package per target, pointing at the release asset. */
export async function serverJson(options: ServerJsonOptions): Promise<Record<string, unknown>> {
  const version = options.version ?? VERSION;
  const owner = options.repository.split("/")[0];
  const values = { version, repository: options.repository, owner };
  const server = JSON.parse(fill(await Deno.readTextFile(SERVER_TEMPLATE), values));
  server.packages = TARGETS.map((target) => ({
    registryType: "mcpb",
    identifier: `https://github.com/${options.repository}/releases/download/v${version}/${
      bundleName(target)
    }`,
    version,
    fileSha256: options.sha256[target],
    transport: { type: "stdio" },
  }));
  return server;
}

/** SHA-256 of a file, lowercase hex. */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** `SHA256SUMS` text (`<hex>  <name>` per line, sorted), as `sha256sum -c` reads it. */
export async function checksums(dir: string, names: string[]): Promise<string> {
  const lines: string[] = [];
  for (const name of [...names].sort()) {
    lines.push(`${await sha256File(`${dir}/${name}`)}  ${name}`);
  }
  return lines.join("\n") + "\n";
}

/** Runs the pinned mcpb CLI; returns its exit code and output. */
export async function mcpb(args: string[]): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await new Deno.Command("npx", {
    args: ["-y", MCPB, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = (new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr))
    .split("\n").filter((line) => !/^npm warn/i.test(line)).join("\n").trim();
  return { code, output };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Writes `<dist>/mcpb/<target>/manifest.json` and validates it; throws on an invalid one. */
export async function writeManifest(
  dist: string,
  target: Target,
  options: ManifestOptions,
): Promise<string> {
  const dir = `${dist}/mcpb/${target}`;
  await Deno.mkdir(`${dir}/server`, { recursive: true });
  const path = `${dir}/manifest.json`;
  await Deno.writeTextFile(
    path,
    JSON.stringify(await manifestFor(target, options), null, 2) + "\n",
  );
  const { code, output } = await mcpb(["validate", path]);
  if (code !== 0) throw new Error(`mcpb validate ${path} failed:\n${output}`);
  console.error(`${path}: ${output.split("\n").at(-1)}`);
  return dir;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args.filter((a) => !a.startsWith("--"));
  const dist = args.find((a) => a.startsWith("--dist="))?.slice(7) ?? "dist";
  const named = rest.filter((a) => (TARGETS as readonly string[]).includes(a)) as Target[];
  const targets = command !== "check-tag" && named.length > 0 ? named : [...TARGETS];
  const repository = resolveRepository(args);
  switch (command) {
    case "check-tag": {
      const tag = rest[0] ?? "";
      if (tag !== `v${VERSION}`) {
        console.error(
          `Tag ${tag || "(none)"} does not match deno.json version ${VERSION}: ` +
            `tag v${VERSION}, or change "version" in deno.json`,
        );
        return 1;
      }
      console.log(`tag ${tag} matches deno.json version ${VERSION}`);
      return 0;
    }
    case "manifests":
    case "bundles": {
      const tools = await defaultTools();
      for (const target of targets) {
        const dir = await writeManifest(dist, target, { repository, tools });
        if (command === "manifests") continue;
        const binary = `${dist}/${binaryName(target)}`;
        if (!await exists(binary)) {
          console.error(`${binary} is missing: run deno task compile first`);
          return 1;
        }
        const inside = `${dir}/server/${bundledBinary(target)}`;
        await Deno.copyFile(binary, inside);
        if (Deno.build.os !== "windows") await Deno.chmod(inside, 0o755);
        const { code, output } = await mcpb(["pack", dir, `${dist}/${bundleName(target)}`]);
        if (code !== 0) {
          console.error(`mcpb pack ${dir} failed:\n${output}`);
          return 1;
        }
        console.error(`${dist}/${bundleName(target)}`);
      }
      return 0;
    }
    case "checksums": {
      const names = targets.flatMap((t) => [binaryName(t), bundleName(t)]);
      const missing = [];
      for (const name of names) if (!await exists(`${dist}/${name}`)) missing.push(name);
      if (missing.length > 0) {
        console.error(`Missing in ${dist}/: ${missing.join(", ")}`);
        return 1;
      }
      await Deno.writeTextFile(`${dist}/SHA256SUMS`, await checksums(dist, names));
      console.log(`${dist}/SHA256SUMS: ${names.length} files`);
      return 0;
    }
    case "server-json": {
      if (repository === undefined) {
        console.error(
          "server.json needs the repository: pass --repo=owner/name or set GITHUB_REPOSITORY",
        );
        return 1;
      }
      const sha256 = {} as Record<Target, string>;
      for (const target of TARGETS) {
        const path = `${dist}/${bundleName(target)}`;
        if (!await exists(path)) {
          console.error(`${path} is missing: run deno task release bundles first`);
          return 1;
        }
        sha256[target] = await sha256File(path);
      }
      const server = await serverJson({ repository, sha256 });
      await Deno.writeTextFile(`${dist}/server.json`, JSON.stringify(server, null, 2) + "\n");
      console.log(`${dist}/server.json: ${TARGETS.length} mcpb packages for v${VERSION}`);
      return 0;
    }
    default:
      console.error(
        "Usage: deno task release check-tag <tag> | manifests | bundles | checksums | server-json " +
          "[--repo=owner/name] [--dist=dist] [target...]",
      );
      return 2;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
