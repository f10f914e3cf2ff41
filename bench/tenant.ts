/** The simulated tenant on loopback, the server's environment and flags, and a library-only client. */

import { AutotaskClient } from "../lib/autotask/client.ts";
import { ENV_VARS } from "../lib/autotask/config.ts";
import {
  SANDBOX_CREDENTIALS,
  type SandboxOptions,
  type ServedSandbox,
  serveSandbox,
} from "../lib/sandbox/mod.ts";

// tests/harness.ts has the same helpers, but it imports the MCP client package, whose
// dependencies read the environment at import time; the bench runs without --allow-env.

const ROOT = new URL("..", import.meta.url).pathname;

/** Hourly threshold high enough that no benchmark comes near the usage notice or the hard share. */
const UNLIMITED = { limit: 1_000_000_000 };

/**
 * The flags of `deno task start` (permissions and V8's heap sizing), with loopback added to the
 * network allow list.
 */
export async function serverFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  return (config.tasks.start as string).split(/\s+/)
    .filter((part) =>
      part.startsWith("--allow-") || part.startsWith("--v8-flags=") || part === "--no-prompt"
    )
    .map((flag) => flag.startsWith("--allow-net=") ? `${flag},127.0.0.1` : flag);
}

/**
 * The environment of a spawned server: every variable the product reads is
 * set, to an empty value (read as unset) unless given, so a developer's own
 * AUTOTASK_* settings cannot change the numbers.
 */
export function serverEnv(
  tenant: ServedSandbox,
  extra: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = Object.fromEntries(ENV_VARS.map((name) => [name, ""]));
  return {
    ...env,
    NO_COLOR: "1",
    AUTOTASK_API_USERNAME: SANDBOX_CREDENTIALS.username,
    AUTOTASK_API_SECRET: SANDBOX_CREDENTIALS.secret,
    AUTOTASK_API_INTEGRATION_CODE: SANDBOX_CREDENTIALS.integrationCode,
    AUTOTASK_API_URL: tenant.restBase,
    ...extra,
  };
}

/** Starts a simulated tenant on an ephemeral loopback port, with no hourly limit in the way. */
export function startTenant(options: SandboxOptions = {}): Promise<ServedSandbox> {
  return serveSandbox({ port: 0, threshold: UNLIMITED, ...options });
}

/** The client library alone, configured like the server (same base URL, same timeout). */
export function libraryClient(tenant: ServedSandbox): AutotaskClient {
  return new AutotaskClient({
    credentials: SANDBOX_CREDENTIALS,
    baseUrl: `${tenant.restBase}V1.0/`,
    timeoutMs: 30_000,
  }, { zoneDiscoveryUrl: tenant.zoneDiscoveryUrl });
}

/** Autotask's authentication headers, for reading raw records straight from the tenant. */
export function rawHeaders(): Record<string, string> {
  return {
    ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
    UserName: SANDBOX_CREDENTIALS.username,
    Secret: SANDBOX_CREDENTIALS.secret,
    "Content-Type": "application/json",
  };
}
