/** In-process helpers: tenants with faults, library clients, the real MCP server over an in-memory transport. */

import { InMemoryTransport } from "@modelcontextprotocol/server";
import { AutotaskClient, type ClientOptions, type ClientStats } from "../lib/autotask/client.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import { createServerFactory } from "../lib/mcp/server.ts";
import type { Sandbox, ServedSandbox } from "../lib/sandbox/mod.ts";
import { SANDBOX_CREDENTIALS } from "../lib/sandbox/mod.ts";
import type { SandboxOptions } from "../lib/sandbox/mod.ts";
import { type EnvReader, loadConfig } from "../lib/autotask/mod.ts";
import { readSettings } from "../lib/settings.ts";
import { selectTools } from "../tools/inventory.ts";
import { allTools, kit } from "../tools/mod.ts";
import { Client } from "./deps.ts";
import { startTenant, tenantEnv } from "./harness.ts";

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

/** An in-process MCP server over linked in-memory transports, its tenant served on 127.0.0.1. */
export interface InProcessSession {
  client: Client;
  autotask: AutotaskClient;
  /** The tenant the server's client reaches over real HTTP. */
  tenant: ServedSandbox;
  sandbox: Sandbox;
  /** Lines the server logged. */
  logs: string[];
  /** The logged lines as one text (what a spawned server writes to stderr). */
  stderr(): string;
  /** Closes the client, the server and (when the session started it) the tenant. */
  close(): Promise<void>;
}

/** Options of {@linkcode inProcessSession}. */
export interface InProcessOptions {
  /** Options of a fresh tenant, served on an ephemeral loopback port and closed with the session. */
  sandbox?: SandboxOptions;
  /** A tenant already served: the session uses it and leaves it open. */
  tenant?: ServedSandbox;
  /**
   * The server's environment as a user sets it (AUTOTASK_TOOLSETS, AUTOTASK_READ_ONLY,
   * AUTOTASK_TIMEOUT_MS, AUTOTASK_MAX_RESULT_CHARS, ...), read by the product's own settings;
   * the credentials and the API URL point at the tenant.
   */
  env?: Record<string, string>;
  /** Options of the Autotask client (retry policy, ...); never a fetch: requests go over HTTP. */
  client?: Omit<ClientOptions, "fetch">;
  /** The tools' clock (default `Date.now`). */
  now?: () => number;
}

/**
 * The real server (the tools the environment selects, the real factory) connected to the
 * official client through the SDK's linked in-memory transports: the protocol path without
 * process start-up or pipes. Its Autotask client reaches the tenant over real HTTP on
 * 127.0.0.1, as in production. Spawned servers stay for wiring and permissions (harness.ts).
 */
export async function inProcessSession(options: InProcessOptions = {}): Promise<InProcessSession> {
  const tenant = options.tenant ?? await startTenant(options.sandbox);
  const ownTenant = options.tenant === undefined;
  try {
    const env: Record<string, string> = { ...tenantEnv(tenant), ...options.env };
    const reader: EnvReader = (name) => {
      const value = env[name]?.trim();
      return value === undefined || value === "" ? undefined : value;
    };
    const { settings, problems } = readSettings([], { env: reader });
    if (problems.length > 0) throw problems[0];
    const autotask = new AutotaskClient(loadConfig(reader), {
      zoneDiscoveryUrl: tenant.zoneDiscoveryUrl,
      ...options.client,
    });
    const logs: string[] = [];
    const factory = createServerFactory({
      kit,
      client: autotask,
      tools: selectTools(allTools(), {
        toolsets: settings.toolsets,
        exclude: settings.excludeTools,
        readOnly: settings.readOnly,
      }),
      readOnly: settings.readOnly,
      maxResultChars: settings.maxResultChars,
      timeZone: settings.timeZone,
      now: options.now,
      redact: (text) => text,
      log: (line) => {
        if (logs.length < 1000) logs.push(line);
      },
    });
    const server = factory();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: "autotask-mcp-in-process", version: "0.0.0" });
    await client.connect(clientSide);
    return {
      client,
      autotask,
      tenant,
      sandbox: tenant.sandbox,
      logs,
      stderr: () => logs.join("\n"),
      close: async () => {
        await client.close().catch(() => {});
        await server.close().catch(() => {});
        if (ownTenant) await tenant.close();
      },
    };
  } catch (error) {
    if (ownTenant) await tenant.close();
    throw error;
  }
}

/** Runs `fn` with a fresh {@linkcode inProcessSession}, closing it afterwards. */
export async function withSession(
  options: InProcessOptions,
  fn: (session: InProcessSession) => Promise<void>,
): Promise<void> {
  const session = await inProcessSession(options);
  try {
    await fn(session);
  } finally {
    await session.close();
  }
}

/** Text of a tool result's content blocks. */
export function resultText(result: { content?: unknown }): string {
  return ((result.content ?? []) as { text?: string }[]).map((c) => c.text ?? "").join("\n");
}
