/** Entry point: settings, then the Autotask client (real or sandbox), then the MCP server over stdio or HTTP. */

import type { McpServerFactory } from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import {
  AutotaskClient,
  type AutotaskConfig,
  ConfigError,
  ENV_HELP,
  ENV_VARS,
  loadConfig,
  loadRedisTarget,
  type RedisTarget,
  type SharedLimits,
} from "./lib/autotask/mod.ts";
import type {
  Authenticator,
  HttpConfig,
  HttpServer,
  Logger,
  OAuthResource,
  UserEntry,
} from "./lib/http/mod.ts";
import {
  AuditLog,
  enabledRecords,
  recordUriOf,
  type ToolDef,
  type WebhookAccess,
} from "./lib/mcp/mod.ts";
import { createServerFactory, SERVER_NAME, type ServerFactory, VERSION } from "./lib/mcp/server.ts";
import type { WebhookServing } from "./lib/webhooks/mod.ts";
import type { Sandbox } from "./lib/sandbox/mod.ts";
import {
  LOG_LEVELS,
  type LogLevel,
  readSettings,
  type Settings,
  type SettingsRead,
} from "./lib/settings.ts";
import { DEFAULT_TOOLSETS, InventoryError, selectTools, TOOLSETS } from "./tools/inventory.ts";
import { allTools, kit } from "./tools/mod.ts";

/** Lines waiting for the end of the current task: written to stderr together in one write. */
let pendingLines: string[] = [];

function flushLog(): void {
  if (pendingLines.length === 0) return;
  const text = pendingLines.join("\n");
  pendingLines = [];
  console.error(text);
}

/**
 * A logger writing to stderr (stdout belongs to the protocol in stdio mode) from `level` up.
 * Info and debug lines of one task (a tool's line and its HTTP request's line) leave in one
 * write at the end of it: each write to stderr is a system call that wakes whoever reads it.
 * Warnings and errors are written at once, after what waits.
 */
function createLogger(level: LogLevel): Logger {
  const rank = LOG_LEVELS.indexOf(level);
  const write = (at: LogLevel) => (line: string) => {
    if (LOG_LEVELS.indexOf(at) > rank) return;
    const text = at === "info" ? `${SERVER_NAME}: ${line}` : `${SERVER_NAME}: ${at}: ${line}`;
    if (at === "error" || at === "warn") {
      pendingLines.push(text);
      flushLog();
      return;
    }
    pendingLines.push(text);
    if (pendingLines.length === 1) setTimeout(flushLog, 0);
  };
  return { error: write("error"), warn: write("warn"), info: write("info"), debug: write("debug") };
}

let logger = createLogger("info");

/** Writes one informational line (start-up messages, the tools' per-call lines). */
function log(line: string): void {
  // tool.ts reports bugs as "unexpected error in <tool>: <stack>".
  if (line.startsWith("unexpected error")) logger.error(line);
  else logger.info(line);
}

/** Replaces every configured secret value with a marker, so no text leaving the server holds one. */
function redactorFor(
  config: AutotaskConfig | undefined,
  settings: Pick<Settings, "http" | "webhookSecret">,
  options: { redisPassword?: string } = {},
): (text: string) => string {
  const secrets = [
    ...(config ? [config.credentials.secret, config.credentials.integrationCode] : []),
    ...(settings.http?.token ? [settings.http.token] : []),
    ...(settings.webhookSecret ? [settings.webhookSecret] : []),
    ...(options.redisPassword ? [options.redisPassword] : []),
  ].filter((s) => s.length >= 4);
  return (text) => secrets.reduce((out, secret) => out.replaceAll(secret, "[redacted]"), text);
}

/** The REST base the in-process tenant answers on; never resolved over the network. */
const SANDBOX_BASE_URL = "https://sandbox.autotask.invalid/ATServicesRest/V1.0/";

/** Options of {@linkcode createSandboxClient}. */
export interface SandboxClientOptions {
  /** The tenant that answers (default: a fresh one). */
  sandbox?: Sandbox;
  /** Share of the hourly budget from which results carry a notice, as in production (default 0.8). */
  budgetWarn?: number;
  /** Share from which optional lookups are refused (default 0.95). */
  budgetHard?: number;
  /** Share of the hourly limit one user may use (default 1: no per-user cap). */
  userBudgetShare?: number;
}

/**
 * A client whose requests an in-process simulated tenant answers (demo mode:
 * no network, no credentials). The sandbox is imported here, on demand, so a
 * production start never loads it.
 */
export async function createSandboxClient(
  options: SandboxClientOptions = {},
): Promise<AutotaskClient> {
  const { Sandbox, SANDBOX_CREDENTIALS } = await import("./lib/sandbox/mod.ts");
  const sandbox = options.sandbox ?? new Sandbox();
  return new AutotaskClient(
    {
      credentials: SANDBOX_CREDENTIALS,
      baseUrl: SANDBOX_BASE_URL,
      timeoutMs: 30_000,
      budgetWarn: options.budgetWarn,
      budgetHard: options.budgetHard,
      userBudgetShare: options.userBudgetShare,
    },
    { fetch: (request) => sandbox.handle(request) },
  );
}

/** Why the server does not start: each line is logged, and the exit code is 2. */
class StartupRefusal extends Error {
  readonly lines: string[];
  constructor(lines: string[]) {
    super(lines.join("\n"));
    this.lines = lines;
  }
}

/** Refuses to start on an unknown argument or any bad setting, naming every one. */
function refuseBadSettings(read: SettingsRead): void {
  if (read.unknownArguments.length > 0) {
    throw new StartupRefusal([`unknown argument ${read.unknownArguments[0]}: see --help`]);
  }
  if (read.problems.length > 0) throw new StartupRefusal(read.problems.map((p) => p.message));
}

/** The tools the settings select (toolsets, exclusions, read-only mode). */
function toolsFor(settings: Settings): ToolDef[] {
  try {
    return selectTools(allTools(), {
      toolsets: settings.toolsets,
      exclude: settings.excludeTools,
      readOnly: settings.readOnly,
    });
  } catch (error) {
    if (!(error instanceof InventoryError)) throw error;
    throw new StartupRefusal([error.message]);
  }
}

/**
 * MCP_USERS with each user's toolsets checked and expanded (`all`, `default`), so the policy
 * holds plain toolset names; an unknown name stops the server at start-up.
 */
function expandUserToolsets(users: UserEntry[]): UserEntry[] {
  return users.map((entry) => {
    if (entry.toolsets === undefined) return entry;
    const names = new Set<string>();
    for (const name of entry.toolsets) {
      if (name === "all") Object.keys(TOOLSETS).forEach((t) => names.add(t));
      else if (name === "default") DEFAULT_TOOLSETS.forEach((t) => names.add(t));
      else if (name in TOOLSETS) names.add(name);
      else {
        throw new StartupRefusal([
          `MCP_USERS: the entry of ${entry.user} names the unknown toolset "${name}": use all, ` +
          `default or any of ${Object.keys(TOOLSETS).join(", ")}`,
        ]);
      }
    }
    return { ...entry, toolsets: [...names] };
  });
}

/** The client the settings ask for: the sandbox, or Autotask with the environment's credentials. */
async function clientFor(
  settings: Settings,
): Promise<
  { client: AutotaskClient; config?: AutotaskConfig; redis?: RedisTarget; shared?: SharedLimits }
> {
  if (settings.sandbox) {
    log("SANDBOX MODE: serving a built-in simulated Autotask tenant; no real PSA is contacted");
    const { budgetWarn, budgetHard, userBudgetShare } = settings;
    return { client: await createSandboxClient({ budgetWarn, budgetHard, userBudgetShare }) };
  }
  let config: AutotaskConfig;
  let redis: RedisTarget | undefined;
  try {
    config = loadConfig();
    redis = loadRedisTarget();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new StartupRefusal([
      error.message,
      "Or start with --sandbox to try the server against a simulated tenant.",
    ]);
  }
  if (redis && settings.http === undefined) {
    // Replicas are HTTP servers; a stdio server is one user's own process.
    log("REDIS_URL is set but ignored over stdio: replicas share limits in HTTP mode only");
    redis = undefined;
  }
  const shared = redis ? await sharedLimitsAt(redis) : undefined;
  return { client: new AutotaskClient(config, { shared }), config, redis, shared };
}

/**
 * Connects to the Redis the replicas share Autotask's limits through. Its host must be in the
 * network permission: only an operator who sets REDIS_URL adds it.
 */
async function sharedLimitsAt(redis: RedisTarget): Promise<SharedLimits> {
  if (Deno.permissions.querySync({ name: "net", host: redis.host }).state !== "granted") {
    throw new StartupRefusal([
      `REDIS_URL is set but the network permission does not allow ${redis.host}: add it, ` +
      `e.g. --allow-net=*.autotask.net:443,127.0.0.1:8050,${redis.host}`,
    ]);
  }
  const { connectRedisLimits } = await import("./lib/autotask/redis_limits.ts");
  try {
    const shared = await connectRedisLimits(redis.url);
    log(`sharing Autotask's limits with the other replicas through ${shared.description}`);
    return shared;
  } catch (error) {
    throw new StartupRefusal([
      `${(error as Error).message}. Start Redis or correct REDIS_URL (unset it to keep the ` +
      `limits in this process)`,
    ]);
  }
}

/**
 * The `--help` text, generated from the inventory (toolsets) and ENV_HELP (variables), so it
 * names every toolset and variable there is.
 */
export function helpText(): string {
  const column = (items: [string, string][]) => {
    const width = Math.max(...items.map(([name]) => name.length)) + 2;
    return items.map(([name, about]) => `  ${name.padEnd(width)}${about}`).join("\n");
  };
  const toolsets = column(
    Object.entries(TOOLSETS).map((
      [name, about],
    ) => [DEFAULT_TOOLSETS.includes(name) ? `${name} *` : name, about]),
  );
  const env = column(ENV_VARS.map((name) => [name, ENV_HELP[name]]));
  return `${SERVER_NAME} ${VERSION}: MCP server for Autotask PSA

Usage:
  autotask-mcp [options]           serve MCP over stdio (what an MCP client starts)
  autotask-mcp --http [options]    serve MCP over Streamable HTTP at http://127.0.0.1:8050/mcp
  autotask-mcp doctor [--sandbox]  check configuration, zone, credentials and API usage, then exit
  autotask-mcp token new --user <e-mail>   a team server user's token (prints it once, and the
                                   MCP_USERS entry holding its hash)
  autotask-mcp --help | --version

Options:
  --sandbox            Use the built-in simulated Autotask tenant (no network, no credentials)
  --http               Serve MCP over Streamable HTTP (same as TRANSPORT=http)
  --read-only          No tool that writes is listed or callable (same as AUTOTASK_READ_ONLY=true)
  --toolsets=a,b       Toolsets to expose (same as AUTOTASK_TOOLSETS): all, default (marked *),
                       or any of those below
  --exclude-tools=x,y  Tools to leave out (same as AUTOTASK_EXCLUDE_TOOLS)
  -h, --help           This text
  -V, --version        The version

Toolsets:
${toolsets}

Environment (an Autotask API user; everything but the three credentials is optional):
${env}

Examples:
  autotask-mcp --sandbox                  try every tool against the simulated tenant
  autotask-mcp doctor                     check the variables above before adding the server
  claude mcp add -e AUTOTASK_API_USERNAME=... -e AUTOTASK_API_SECRET=... \\
    -e AUTOTASK_API_INTEGRATION_CODE=... autotask -- /path/to/autotask-mcp
  autotask-mcp --read-only --toolsets=tickets,crm
  MCP_AUTH_TOKEN=$(openssl rand -hex 32) autotask-mcp --http

Permissions: the release binaries reach only *.autotask.net:443, listen only on 127.0.0.1:8050
(HTTP mode), and read only the variables above; no files, no subprocesses.
`;
}

async function main(args: string[]): Promise<number> {
  const read = readSettings(args);
  const { settings } = read;
  // The HTTP stack, the doctor and the webhook receiver are loaded only when used: a stdio
  // server starts without evaluating them (jose, node:http, the OAuth code).
  if (args[0] === "token") {
    const { tokenMain } = await import("./lib/http/mod.ts");
    return tokenMain(args.slice(1));
  }
  if (settings.command === "doctor") {
    const { doctorMain } = await import("./lib/doctor.ts");
    return await doctorMain(args, {
      selectTools: (choice) => selectTools(allTools(), choice),
      sandboxClient: createSandboxClient,
    });
  }
  if (settings.help || settings.version) {
    console.log(settings.help ? helpText() : `${SERVER_NAME} ${VERSION}`);
    return 0;
  }
  logger = createLogger(settings.logLevel);
  try {
    refuseBadSettings(read);
    const tools = toolsFor(settings);
    const { client, config, redis, shared } = await clientFor(settings);
    const redact = redactorFor(config, settings, { redisPassword: redis?.password });
    // One JSON line per write on stderr whatever LOG_LEVEL says, and counts per user.
    const audit = new AuditLog();
    const serving = settings.http !== undefined && settings.webhookSecret !== undefined
      ? await webhookServingFor(client, settings.http, { tools, secret: settings.webhookSecret })
      : undefined;
    const webhooks: WebhookAccess = {
      secret: settings.webhookSecret,
      feed: serving?.feed,
      transport: settings.http !== undefined ? "http" : "stdio",
    };
    const factory = createServerFactory({
      client,
      tools,
      kit,
      sandbox: settings.sandbox,
      redact,
      log,
      maxResultChars: settings.maxResultChars,
      readOnly: settings.readOnly,
      timeZone: settings.timeZone,
      audit,
      webhooks,
    });
    if (settings.readOnly) {
      log(`READ-ONLY MODE: ${tools.length} tools, none of which writes to Autotask`);
    }
    if (settings.http !== undefined) {
      try {
        return await serveOverHttp(factory, settings.http, { redact, audit, webhooks: serving });
      } finally {
        await shared?.close();
      }
    }
    serveOverStdio(factory, redact, settings.sandbox);
    return -1;
  } catch (error) {
    if (!(error instanceof StartupRefusal)) throw error;
    for (const line of error.lines) logger.error(line);
    return 2;
  }
}

/** The Inspector people try a server with; the current one needs Node 22.19 or later. */
const INSPECTOR = "npx @modelcontextprotocol/inspector";

/**
 * How to start this very server again, for the Inspector to spawn: the binary with its sandbox
 * flag, or from source `deno task` with this checkout's deno.json (any working directory).
 */
export function inspectorCommand(options: { execPath: string; mainModule: string }): string {
  const quote = (text: string) => /^[\w@%+=:,./\\-]+$/.test(text) ? text : `'${text}'`;
  const binary = !/^deno(\.exe)?$/i.test(options.execPath.split(/[\\/]/).pop() ?? "");
  if (binary || !options.mainModule.startsWith("file:")) {
    return `${INSPECTOR} ${quote(options.execPath)} --sandbox`;
  }
  const config = decodeURIComponent(new URL("./deno.json", options.mainModule).pathname)
    .replace(/^\/([A-Za-z]:)/, "$1");
  return `${INSPECTOR} deno task --config ${quote(config)} sandbox`;
}

/** The webhook endpoint and feed of HTTP mode, announcing changes to the records the tools serve. */
async function webhookServingFor(
  client: AutotaskClient,
  http: HttpConfig,
  options: { tools: ToolDef[]; secret: string },
): Promise<WebhookServing> {
  const { webhookServing } = await import("./lib/webhooks/mod.ts");
  const records = enabledRecords(kit.records, options.tools);
  return webhookServing({
    client,
    secret: options.secret,
    uriOf: (entity, id) => recordUriOf(records, entity, id),
    log: logger,
    maxBodyBytes: http.maxBodyBytes,
    bodyTimeoutMs: http.bodyTimeoutMs,
  });
}

/** Serves over stdio until the client closes the stream. */
function serveOverStdio(
  factory: McpServerFactory,
  redact: (text: string) => string,
  sandbox: boolean,
): void {
  serveStdio(factory, {
    onerror: (error) => logger.warn(redact(`transport error: ${error.message}`)),
  });
  log(`${VERSION} serving MCP over stdio`);
  // Run by hand in a terminal, the server seems to hang: say what it waits for. (No permission:
  // isTerminal, execPath and mainModule need none.)
  if (Deno.stdin.isTerminal()) {
    log(
      "waiting for an MCP client on stdin: this terminal is not one (an MCP client starts the " +
        "server and talks to it)" + (sandbox
          ? `. Try it in your browser: ${
            inspectorCommand({ execPath: Deno.execPath(), mainModule: Deno.mainModule })
          }`
          : "; add it to your MCP client, or try --sandbox"),
    );
  }
}

/** Who may call: the operator's token, MCP_USERS and the OAuth issuer (read at start-up). */
async function authenticatorFor(
  config: HttpConfig,
): Promise<{ authenticator: Authenticator; oauth?: OAuthResource }> {
  const { Authenticator, IssuerError, prepareOAuth } = await import("./lib/http/mod.ts");
  const users = expandUserToolsets(config.auth?.users ?? []);
  let oauth: OAuthResource | undefined;
  if (config.auth?.oauth !== undefined) {
    try {
      oauth = await prepareOAuth(config.auth.oauth);
    } catch (error) {
      if (!(error instanceof IssuerError)) throw error;
      throw new StartupRefusal([error.message]);
    }
  }
  const authenticator = new Authenticator({
    operatorToken: config.token,
    users,
    oauth,
    realm: SERVER_NAME,
  });
  return { authenticator, oauth };
}

/** Serves until SIGINT/SIGTERM, then finishes in-flight requests; returns the exit code. */
async function serveOverHttp(
  factory: ServerFactory,
  config: HttpConfig,
  options: { redact: (text: string) => string; audit: AuditLog; webhooks?: WebhookServing },
): Promise<number> {
  const { ListenError, serveHttp, WEBHOOK_PATH } = await import("./lib/http/mod.ts");
  const { authenticator, oauth } = await authenticatorFor(config);
  let server: HttpServer;
  try {
    server = await serveHttp(factory, config, {
      server: { name: SERVER_NAME, version: VERSION },
      log: logger,
      redact: options.redact,
      bus: options.webhooks?.bus,
      webhooks: options.webhooks?.endpoint,
      authenticator,
      wellKnown: oauth && {
        resource: { ...oauth.metadata },
        server: { ...oauth.serverMetadata },
        path: new URL(oauth.metadataUrl).pathname,
      },
      usage: () => options.audit.counts(),
      longLived: factory.longLived,
    });
  } catch (error) {
    if (error instanceof ListenError) {
      logger.error(error.message);
      return error.permission ? 2 : 1;
    }
    throw error;
  }
  const legacy = config.transport === "sse";
  log(
    `${VERSION} serving MCP over Streamable HTTP at ${server.origin}/mcp ` +
      `(protocol 2025-11-25 and 2026-07-28; health check at /health)`,
  );
  if (legacy) {
    logger.warn(
      `TRANSPORT=sse: also serving the deprecated HTTP+SSE transport at ${server.origin}/sse; ` +
        "legacy SSE clients should move to Streamable HTTP at /mcp",
    );
  }
  if (options.webhooks) {
    log(
      `accepting Autotask's signed webhook callouts at ${server.origin}${WEBHOOK_PATH} ` +
        `(in-memory log of the last ${options.webhooks.feed.log.capacity} events)`,
    );
  }
  const users = config.auth?.users ?? [];
  const withTokens = users.filter((u) => u.tokenHash !== undefined).length;
  if (withTokens > 0 || oauth !== undefined) {
    log(
      `team mode: ${withTokens} user token(s)` +
        (oauth
          ? `, OAuth access tokens of ${oauth.settings.issuer} for ${oauth.settings.resourceUrl}`
          : "") +
        (config.token !== undefined ? ", and the operator's MCP_AUTH_TOKEN" : "") +
        "; each user acts in Autotask as their own resource",
    );
  } else {
    log(
      config.token !== undefined
        ? "bearer token required on every MCP request"
        : "no MCP_AUTH_TOKEN: accepting unauthenticated requests on loopback only",
    );
  }
  if (config.host === "0.0.0.0" || config.host === "::") {
    logger.warn(
      `HOST=${config.host}: clients on other machines must reach the server by a name or address ` +
        "listed in MCP_ALLOWED_HOSTS (loopback names are always accepted); others get 403",
    );
  }
  let stopping = false;
  const onSignal = () => {
    if (stopping) {
      logger.warn("second signal: exiting without waiting");
      Deno.exit(1);
    }
    stopping = true;
    log(`shutting down: finishing ${server.handler.inFlight} in-flight request(s)`);
    server.shutdown().then((inTime) => {
      if (!inTime) {
        logger.warn("in-flight requests did not finish in time; aborted them");
        Deno.exit(1);
      }
    });
  };
  // Signal listeners need no permission; Windows has no SIGTERM.
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  await server.finished;
  log("stopped");
  return 0;
}

if (import.meta.main) {
  const code = await main(Deno.args);
  flushLog();
  if (code >= 0) Deno.exit(code);
}
