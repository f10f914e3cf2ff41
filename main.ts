/** Entry point: read configuration, build the Autotask client, serve MCP over stdio. */

import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { AutotaskClient } from "./lib/autotask/client.ts";
import { type AutotaskConfig, ConfigError, loadConfig, processEnv } from "./lib/autotask/config.ts";
import { createServerFactory, SERVER_NAME, VERSION } from "./lib/mcp/server.ts";
import { allTools } from "./tools/mod.ts";

/** Writes one log line to stderr (stdout belongs to the protocol). */
function log(line: string): void {
  console.error(`${SERVER_NAME}: ${line}`);
}

/** Replaces every configured secret value with a marker, so no text leaving the server holds one. */
function redactorFor(config: AutotaskConfig | undefined): (text: string) => string {
  const secrets = config
    ? [config.credentials.secret, config.credentials.integrationCode].filter((s) => s.length >= 4)
    : [];
  return (text) => secrets.reduce((out, secret) => out.replaceAll(secret, "[redacted]"), text);
}

const HELP = `${SERVER_NAME} ${VERSION}: MCP server for Autotask PSA

Usage: autotask-mcp [--sandbox] [--help] [--version]

  --sandbox   Use the built-in simulated Autotask tenant (no network, no credentials)

Environment:
  AUTOTASK_API_USERNAME, AUTOTASK_API_SECRET, AUTOTASK_API_INTEGRATION_CODE   credentials (required)
  AUTOTASK_ZONE        zone number or host (ww6, 6, webservices6); default: discovered from the username
  AUTOTASK_API_URL     REST base URL instead of a zone (proxies, test tenants)
  AUTOTASK_IMPERSONATION_RESOURCE_ID   act as this resource where Autotask allows it
  AUTOTASK_SANDBOX=1   same as --sandbox
  TRANSPORT            stdio (default)
`;

async function main(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(HELP);
    return 0;
  }
  if (args.includes("--version") || args.includes("-V")) {
    console.log(`${SERVER_NAME} ${VERSION}`);
    return 0;
  }
  const unknown = args.filter((a) => !["--sandbox"].includes(a));
  if (unknown.length > 0) {
    log(`unknown argument ${unknown[0]}: see --help`);
    return 2;
  }
  const transport = (processEnv("TRANSPORT") ?? "stdio").toLowerCase();
  if (transport !== "stdio") {
    log(
      `TRANSPORT=${transport} is not available in this version: HTTP transports are coming; use TRANSPORT=stdio (the default)`,
    );
    return 2;
  }
  const sandbox = args.includes("--sandbox") || ["1", "true", "yes"].includes(
    (processEnv("AUTOTASK_SANDBOX") ?? "").toLowerCase(),
  );

  let client: AutotaskClient;
  let config: AutotaskConfig | undefined;
  if (sandbox) {
    const { createSandboxClient } = await import("./lib/mcp/sandbox.ts");
    client = createSandboxClient();
    log("SANDBOX MODE: serving a built-in simulated Autotask tenant; no real PSA is contacted");
  } else {
    try {
      config = loadConfig();
    } catch (error) {
      if (error instanceof ConfigError) {
        log(error.message);
        log("Or start with --sandbox to try the server against a simulated tenant.");
        return 2;
      }
      throw error;
    }
    client = new AutotaskClient(config);
  }
  const redact = redactorFor(config);
  const factory = createServerFactory({ client, tools: allTools(), sandbox, redact, log });
  serveStdio(factory, { onerror: (error) => log(redact(`transport error: ${error.message}`)) });
  log(`${VERSION} serving MCP over stdio`);
  return -1;
}

if (import.meta.main) {
  const code = await main(Deno.args);
  if (code >= 0) Deno.exit(code);
}
