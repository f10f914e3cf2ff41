/**
 * Builds one executable per target into dist/ with the binary permission set baked in
 * (scripts/permissions.ts), and fails when a test-only package would be embedded.
 *
 * Usage: deno task compile [target...] [--out-dir=dist] [--keep] [--allow-net-extra=host:port,...]
 *
 * `--allow-net-extra` bakes more hosts into the binaries (a team server's OAuth issuer): for an
 * operator's own build; the release binaries reach only Autotask.
 *
 * With DENORT_BIN set (offline: the runtime comes from a local deno binary), a build is a
 * check that the graph and flags resolve: foreign targets stop at writing the executable
 * format (reported as "resolved and embedded"), and outputs are removed unless --keep.
 */

import { binaryFlags } from "./permissions.ts";

/** The release targets. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** One release target. */
export type Target = typeof TARGETS[number];

const ROOT = new URL("..", import.meta.url).pathname;

/** `autotask-mcp-<target>`, with `.exe` for Windows. */
export function binaryName(target: Target): string {
  return `autotask-mcp-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/** Options of {@linkcode compileArgs}. */
export interface CompileArgsOptions {
  /** More `host:port` entries for `--allow-net` (e.g. an OAuth issuer). */
  extraNet?: readonly string[];
}

/** The `deno compile` arguments for one target. */
export function compileArgs(
  target: Target,
  outDir = "dist",
  options: CompileArgsOptions = {},
): string[] {
  return [
    "compile",
    "--frozen",
    // Without it, every npm package of the lockfile is embedded, test-only ones included.
    "--exclude-unused-npm",
    ...binaryFlags(options.extraNet),
    "--target",
    target,
    "--output",
    `${outDir}/${binaryName(target)}`,
    "main.ts",
  ];
}

/** npm packages imported by tests/deps.ts: they must never be embedded. */
export function testOnlyPackages(depsSource: string): string[] {
  const names = [...depsSource.matchAll(/npm:((?:@[^/@"]+\/)?[^/@"]+)@/g)].map((m) => m[1]);
  return [...new Set(names)].sort();
}

/** Removes terminal colour codes (some of deno's messages ignore NO_COLOR). */
function stripColour(text: string): string {
  // deno-lint-ignore no-control-regex -- the escape character is what is matched
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/**
 * The npm packages in `deno compile`'s "Embedded Files" tree (under
 * `.deno_compile_node_modules/<registry>/`), e.g. `@modelcontextprotocol/server`, `zod`.
 */
export function embeddedPackages(listing: string): string[] {
  const path: string[] = [];
  const found = new Set<string>();
  let inTree = false;
  for (const raw of listing.split("\n")) {
    const line = stripColour(raw);
    if (/^Embedded Files/.test(line)) inTree = true;
    if (!inTree) continue;
    const match = /^([\s│├└─┬]*?)([^\s│├└─┬].*)$/.exec(line);
    if (!match || match[1].length === 0) continue;
    const depth = Math.floor(match[1].length / 2) - 1;
    const name = match[2].replace(/\s+\(.*$/, "").replace(/\/\*$/, "");
    path.length = Math.max(0, depth);
    path[depth] = name;
    const at = path.indexOf(".deno_compile_node_modules");
    if (at < 0) continue;
    const rest = path.slice(at + 2).join("/").split("/");
    if (rest[0] === "") continue;
    if (rest[0].startsWith("@")) {
      if (rest.length >= 2) found.add(`${rest[0]}/${rest[1]}`);
    } else found.add(rest[0]);
  }
  return [...found].sort();
}

/** How one target's build went. */
export interface CompileResult {
  target: Target;
  /**
   * `built`: a release binary. `checked`: DENORT_BIN build, written then (unless --keep)
   * removed. `embedded`: DENORT_BIN build of a foreign target, resolved and embedded, whose
   * executable format a local runtime cannot produce (expected offline). `failed`.
   */
  status: "built" | "checked" | "embedded" | "failed";
  output: string;
  /** Size of the written file. */
  bytes?: number;
  /** "Files: 15.31MB" from the compile listing: the embedded graph. */
  embedded?: string;
  packages: string[];
  /** Test-only packages found in the embedded graph (a failure). */
  forbidden: string[];
  message?: string;
}

/** Options for {@linkcode compileTarget}. */
export interface CompileOptions {
  outDir?: string;
  /** Keep DENORT_BIN outputs (they do not run; by default they are removed after the check). */
  keep?: boolean;
  /** The local runtime for offline builds; default: the DENORT_BIN variable. */
  denortBin?: string;
  /** More `host:port` entries for the baked-in `--allow-net`. */
  extraNet?: readonly string[];
}

/** Compiles one target and checks what was embedded. */
export async function compileTarget(
  target: Target,
  options: CompileOptions = {},
): Promise<CompileResult> {
  const outDir = options.outDir ?? "dist";
  const denortBin = options.denortBin ?? Deno.env.get("DENORT_BIN");
  const output = `${outDir}/${binaryName(target)}`;
  const env: Record<string, string> = { NO_COLOR: "1" };
  if (denortBin) env.DENORT_BIN = denortBin;
  const child = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(target, outDir, { extraNet: options.extraNet }),
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = stripColour(
    new TextDecoder().decode(child.stdout) + new TextDecoder().decode(child.stderr),
  );
  const packages = embeddedPackages(text);
  const forbidden = testOnlyPackages(await Deno.readTextFile(`${ROOT}tests/deps.ts`))
    .filter((name) => packages.includes(name));
  const embedded = /^Files:\s*(\S+)/m.exec(text)?.[1];
  const base = { target, output, embedded, packages, forbidden };
  const outputPath = output.startsWith("/") ? output : `${ROOT}${output}`;
  if (child.code !== 0) {
    const error = text.slice(text.indexOf("error:")).split("\n").map((l) => l.trim())
      .filter(Boolean);
    const foreign = denortBin !== undefined && target !== Deno.build.target &&
      embedded !== undefined && /Writing deno compile executable/.test(text);
    return foreign
      ? {
        ...base,
        status: forbidden.length > 0 ? "failed" : "embedded",
        message: `resolved and embedded; a local DENORT_BIN cannot write this executable ` +
          `format (expected offline): ${
            (error.find((l) => /invalid object/i.test(l)) ?? error[0]).replace(/^\d+:\s*/, "")
          }`,
      }
      : {
        ...base,
        status: "failed",
        message: (error.slice(0, 4).join(" ") || text.trim()) +
          (/dl\.deno\.land/.test(text)
            ? " (the runtime comes from dl.deno.land; offline, set DENORT_BIN to a local deno " +
              "binary to check the graph and flags)"
            : ""),
      };
  }
  const bytes = (await Deno.stat(outputPath)).size;
  if (denortBin !== undefined && !options.keep) await Deno.remove(outputPath);
  // Without the listing, nothing proves the test-only packages stayed out.
  const unverified = embedded === undefined || packages.length === 0;
  return {
    ...base,
    bytes,
    status: forbidden.length > 0 || unverified
      ? "failed"
      : denortBin !== undefined
      ? "checked"
      : "built",
    message: forbidden.length > 0
      ? `test-only packages embedded: ${forbidden.join(", ")}`
      : unverified
      ? "no embedded-files listing in the compile output: cannot verify what was embedded"
      : denortBin !== undefined
      ? `graph and flags resolve; built with DENORT_BIN, so the output does not run` +
        (options.keep ? "" : " (removed)")
      : undefined,
  };
}

function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? "-" : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The summary table printed after the builds. */
export function summary(results: CompileResult[]): string {
  const rows = results.map((r) => [
    r.target,
    r.status,
    megabytes(r.bytes),
    r.embedded ?? "-",
    r.packages.join(" ") || "-",
  ]);
  const head = ["target", "result", "size", "embedded", "npm packages embedded"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  const notes = results.filter((r) => r.message).map((r) => `${r.target}: ${r.message}`);
  return [line(head), ...rows.map(line), "", ...notes].join("\n");
}

if (import.meta.main) {
  const outDir = Deno.args.find((a) => a.startsWith("--out-dir="))?.slice(10) ?? "dist";
  const keep = Deno.args.includes("--keep");
  const extraNet = (Deno.args.find((a) => a.startsWith("--allow-net-extra="))?.slice(18) ?? "")
    .split(",").map((h) => h.trim()).filter(Boolean);
  const badHost = extraNet.find((h) => !/^[a-z0-9.-]+(:\d{1,5})?$/i.test(h) || h.startsWith("*"));
  if (badHost !== undefined) {
    console.error(
      `--allow-net-extra takes host:port entries such as login.example.com:443, not ${badHost}`,
    );
    Deno.exit(2);
  }
  const named = Deno.args.filter((a) => !a.startsWith("-"));
  const unknown = named.filter((a) => !(TARGETS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`Unknown target ${unknown[0]}: use one of ${TARGETS.join(", ")}`);
    Deno.exit(2);
  }
  const targets = named.length > 0 ? TARGETS.filter((t) => named.includes(t)) : TARGETS;
  if (Deno.env.get("DENORT_BIN")) {
    console.error(
      "DENORT_BIN is set: offline check (graph, flags, embedded packages); release binaries " +
        "are built without it (the release workflow)",
    );
  }
  const results: CompileResult[] = [];
  for (const target of targets) {
    console.error(`deno ${compileArgs(target, outDir, { extraNet }).join(" ")}`);
    const result = await compileTarget(target, { outDir, keep, extraNet });
    console.error(`  ${result.status}${result.message ? `: ${result.message}` : ""}`);
    results.push(result);
  }
  console.log(summary(results));
  Deno.exit(results.some((r) => r.status === "failed") ? 1 : 0);
}
