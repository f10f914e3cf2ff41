/** In-process helpers: tenants with faults, library clients, the real MCP server over an in-memory transport. */

import { InMemoryTransport } from "@modelcontextprotocol/server";
import { AutotaskClient, type ClientOptions, type ClientStats } from "../lib/autotask/client.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import { createServerFactory } from "../lib/mcp/server.ts";
import { Sandbox, SANDBOX_CREDENTIALS, type ServedSandbox } from "../lib/sandbox/mod.ts";
import type { SandboxOptions } from "../lib/sandbox/mod.ts";
import { allTools, kit } from "../tools/mod.ts";
import { Client } from "./deps.ts";
import { startTenant } from "./harness.ts";

/** Options of {@linkcode reliabilityClient}. */
export interface ReliabilityClientOptions extends ClientOptions {
  timeoutMs?: number;
  budgetWarn?: number;
  budgetHard?: number;
}

/** A library client for a served tenant, with the reliability settings a test wants. */
export function reliabilityClient(
  tenant: ServedSandbox,
  options: ReliabilityClientOptions = {},
): AutotaskClient {
  const { timeoutMs, budgetWarn, budgetHard, ...clientOptions } = options;
  return new AutotaskClient({
    credentials: SANDBOX_CREDENTIALS,
    baseUrl: `${tenant.restBase}V1.0/`,
    timeoutMs: timeoutMs ?? 10_000,
    budgetWarn,
    budgetHard,
  }, clientOptions);
}

/** Runs `fn` against a fresh tenant on loopback, closing it afterwards. */
export async function withTenant(
  options: SandboxOptions,
  fn: (tenant: ServedSandbox) => Promise<void>,
): Promise<void> {
  const tenant = await startTenant(options);
  try {
    await fn(tenant);
  } finally {
    await tenant.close();
  }
}

/** The AutotaskError `promise` rejects with (fails when it resolves or rejects otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<AutotaskError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AutotaskError) return error;
    throw new Error(`expected an AutotaskError, got ${error}`);
  }
  throw new Error("expected a rejection");
}

/** The counters that must be back at zero when a client is idle. */
export function idleCounters(stats: ClientStats): Record<string, unknown> {
  return {
    inFlight: stats.inFlight,
    queued: stats.queued,
    retrySleeps: stats.retrySleeps,
    timers: stats.timers,
  };
}

/** What an idle client reports in {@linkcode idleCounters}. */
export const IDLE = { inFlight: {}, queued: {}, retrySleeps: 0, timers: 0 };

/** Polls `check` until it is true or `timeoutMs` passed. */
export async function eventually(
  check: () => boolean,
  timeoutMs = 2000,
  what = "condition",
): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** An in-process MCP server over linked in-memory transports. */
export interface InProcessSession {
  client: Client;
  autotask: AutotaskClient;
  sandbox: Sandbox;
  /** Lines the server logged. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * The real server (every tool, the real factory) over an in-process tenant,
 * connected to the official client through the SDK's linked in-memory
 * transports: the protocol path without process start-up or pipes.
 */
export async function inProcessSession(
  sandboxOptions: SandboxOptions = {},
  clientOptions: ClientOptions & { timeoutMs?: number } = {},
): Promise<InProcessSession> {
  const sandbox = new Sandbox(sandboxOptions);
  const { timeoutMs, ...rest } = clientOptions;
  const autotask = new AutotaskClient(
    {
      credentials: SANDBOX_CREDENTIALS,
      baseUrl: "https://sandbox.autotask.invalid/ATServicesRest/V1.0/",
      timeoutMs: timeoutMs ?? 30_000,
    },
    { ...rest, fetch: (request) => sandbox.handle(request) },
  );
  const logs: string[] = [];
  const factory = createServerFactory({
    kit,
    client: autotask,
    tools: allTools(),
    sandbox: true,
    redact: (text) => text,
    log: (line) => {
      if (logs.length < 1000) logs.push(line);
    },
  });
  const server = factory();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "autotask-mcp-reliability", version: "0.0.0" });
  await client.connect(clientSide);
  return {
    client,
    autotask,
    sandbox,
    logs,
    close: async () => {
      await client.close().catch(() => {});
      await server.close().catch(() => {});
    },
  };
}

/** Text of a tool result's content blocks. */
export function resultText(result: { content?: unknown }): string {
  return ((result.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join("\n");
}
