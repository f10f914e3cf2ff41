/** Test harness: the simulated tenant over HTTP and the server spawned with the users' permission flags. */

import { childEnv } from "../scripts/child_env.ts";
import { Client, StdioClientTransport } from "./deps.ts";
import {
  SANDBOX_CREDENTIALS,
  type SandboxOptions,
  type ServedSandbox,
  serveSandbox,
} from "../lib/sandbox/mod.ts";
import { AutotaskClient } from "../lib/autotask/client.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** The permission flags of `deno task start` (the production set users get). */
export async function productionFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  return (config.tasks.start as string).split(/\s+/).filter((p) =>
    p.startsWith("--allow-") || p.startsWith("--v8-flags=") || p === "--no-prompt"
  );
}

/** The production flags with loopback added to the network allow list (tests only). */
export async function productionFlagsPlusLoopback(): Promise<string[]> {
  return (await productionFlags()).map((flag) =>
    flag.startsWith("--allow-net=") ? `${flag},127.0.0.1` : flag
  );
}

/**
 * Environment that points the server at a served tenant, in time zone UTC whatever the machine's
 * (a test of another zone sets AUTOTASK_TIME_ZONE after it).
 */
export function tenantEnv(tenant: ServedSandbox): Record<string, string> {
  return {
    AUTOTASK_TIME_ZONE: "UTC",
    AUTOTASK_API_USERNAME: SANDBOX_CREDENTIALS.username,
    AUTOTASK_API_SECRET: SANDBOX_CREDENTIALS.secret,
    AUTOTASK_API_INTEGRATION_CODE: SANDBOX_CREDENTIALS.integrationCode,
    AUTOTASK_API_URL: tenant.restBase,
  };
}

/** A library client for the served tenant (for tests that bypass MCP). */
export function tenantClient(tenant: ServedSandbox): AutotaskClient {
  return new AutotaskClient({
    credentials: SANDBOX_CREDENTIALS,
    baseUrl: `${tenant.restBase}V1.0/`,
    timeoutMs: 10_000,
  }, { zoneDiscoveryUrl: tenant.zoneDiscoveryUrl });
}

/** Starts the simulated tenant on an ephemeral loopback port. */
export function startTenant(options: SandboxOptions = {}): Promise<ServedSandbox> {
  return serveSandbox({ port: 0, ...options });
}

/** A running server and an MCP client connected to it over stdio. */
export interface StdioSession {
  client: Client;
  stderr(): string;
  close(): Promise<void>;
}

/** Options for {@linkcode connectStdio}. */
export interface ConnectOptions {
  env?: Record<string, string>;
  flags?: string[];
  args?: string[];
  /** "legacy" = 2025-11-25 initialize handshake; "modern" = 2026-07-28 server/discover. */
  era?: "legacy" | "modern";
}

/** Spawns `deno run <flags> main.ts` and connects the official MCP client over stdio. */
export async function connectStdio(options: ConnectOptions = {}): Promise<StdioSession> {
  const flags = options.flags ?? await productionFlagsPlusLoopback();
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", ...flags, `${ROOT}main.ts`, ...(options.args ?? [])],
    env: { ...childEnv(), ...options.env },
    stderr: "pipe",
    cwd: ROOT,
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Uint8Array) => {
    stderr += new TextDecoder().decode(chunk);
  });
  const client = new Client(
    { name: "autotask-mcp-tests", version: "0.0.0" },
    options.era === "modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
  );
  try {
    await client.connect(transport);
  } catch (error) {
    await transport.close().catch(() => {});
    throw new Error(`server did not start: ${(error as Error).message}\nstderr:\n${stderr}`);
  }
  return {
    client,
    stderr: () => stderr,
    close: async () => {
      await client.close().catch(() => {});
    },
  };
}

/** The JSON of a tool result (structured content), failing the test on isError. */
export async function callOk(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) {
    const text = (result.content as { text?: string }[]).map((c) => c.text).join("\n");
    throw new Error(`${name} failed: ${text}`);
  }
  return result.structuredContent as Record<string, unknown>;
}

/** The text of a tool result that must be an error. */
export async function callError(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { text?: string }[]).map((c) => c.text).join("\n");
  if (!result.isError) throw new Error(`${name} unexpectedly succeeded: ${text}`);
  return text;
}

/** Runs the server to completion (for start-up failures) and returns its exit code and stderr. */
export async function runToExit(
  flags: string[],
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number; stderr: string; stdout: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, `${ROOT}main.ts`, ...args],
    env: { ...childEnv(), ...env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
  });
  const output = await child.output();
  return {
    code: output.code,
    stderr: new TextDecoder().decode(output.stderr),
    stdout: new TextDecoder().decode(output.stdout),
  };
}
