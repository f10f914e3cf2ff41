/** `autotask-mcp doctor`: checks configuration, zone, credentials and the hourly budget, line by line. */

import {
  AutotaskClient,
  type AutotaskConfig,
  AutotaskError,
  type ClientOptions,
  ConfigError,
  CREDENTIAL_VARS,
  type Credentials,
  type EnvReader,
  type EnvVar,
  type FetchFn,
  loadConfig,
  processEnv,
  type ThresholdInfo,
} from "./autotask/mod.ts";
import { ResourceDirectory } from "./autotask/resource_directory.ts";
import { IssuerError, prepareOAuth } from "./http/oauth.ts";
import { SERVER_NAME, VERSION } from "./mcp/server.ts";
import type { ToolDef } from "./mcp/tool.ts";
import { readSettings, type Settings } from "./settings.ts";

/** How one check ended; `skip` when an earlier failure made it pointless. */
export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** One line of the report. */
export interface Check {
  status: CheckStatus;
  /** What was checked: a variable name, "Zone", "Authentication", ... */
  name: string;
  /** What was found, or what to fix. Never holds a secret. */
  detail: string;
}

/** Inputs of {@linkcode runDoctor}; everything defaults to the real environment and network. */
export interface DoctorOptions {
  env?: EnvReader;
  /**
   * The command line: the flags serving takes (`--sandbox`, `--http`,
   * `--read-only`, `--toolsets=`, `--exclude-tools=`) are checked as they
   * would apply; `doctor` itself may stand anywhere.
   */
  args?: string[];
  /**
   * The entry's tool selection (tools/inventory.ts), to check AUTOTASK_TOOLSETS and
   * AUTOTASK_EXCLUDE_TOOLS against; it throws an InventoryError naming the mistake.
   */
  selectTools?: (choice: ToolChoice) => ToolDef[];
  /** The in-process simulated tenant's client, wired by the entry; needed in sandbox mode. */
  sandboxClient?: (shares: { budgetWarn: number; budgetHard: number }) => Promise<AutotaskClient>;
  /** For tests: the HTTP client and the zone discovery endpoint. */
  fetch?: FetchFn;
  zoneDiscoveryUrl?: string;
  /** Receives each line as it is decided (default: stdout). */
  print?: (line: string) => void;
}

/** What the settings ask of the tool list. */
export interface ToolChoice {
  toolsets?: string[];
  exclude?: string[];
  readOnly: boolean;
}

/** The outcome: every check, and whether none failed. */
export interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

const SYMBOLS: Record<CheckStatus, string> = { ok: "✓", warn: "!", fail: "✗", skip: "-" };

const CREDENTIAL_HELP: Record<keyof Credentials, string> = {
  username: "the API user's username (Autotask: Admin > Resources, an API user)",
  secret: "the API user's secret (password)",
  integrationCode: "the API tracking identifier from the API user's setup",
};

/** Longest check name, for alignment. */
const NAME_WIDTH = 30;

/** A doctor's check of an Autotask tenant; the client never retries, so failures show at once. */
const DOCTOR_TIMEOUT_MS = 15_000;

function quoted(value: string): boolean {
  return value.length >= 2 && /^(["']).*\1$/s.test(value);
}

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;
}

/** Autotask's error text for a failed step, or the exception's message. */
function reason(error: unknown): string {
  if (error instanceof AutotaskError || error instanceof ConfigError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs every check, printing each line as it is decided. */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? processEnv;
  const print = options.print ?? ((line: string) => console.log(line));
  const { settings, problems } = readSettings(options.args ?? [], { env });
  const checks: Check[] = [];
  // Belt and braces: no line may carry a secret, whatever an error message holds.
  const secrets = [...CREDENTIAL_VARS.secret, ...CREDENTIAL_VARS.integrationCode]
    .map((name) => env(name)).filter((v): v is string => v !== undefined && v.length >= 4);
  const redact = (text: string) => secrets.reduce((t, s) => t.replaceAll(s, "[redacted]"), text);
  const report = (status: CheckStatus, name: string, detail: string) => {
    const check = { status, name, detail: redact(detail) };
    // The budget shares are read for the client and for the settings: say a problem once.
    if (checks.some((c) => c.name === check.name && c.detail === check.detail)) return;
    checks.push(check);
    print(`  ${SYMBOLS[status]} ${name.padEnd(NAME_WIDTH)} ${check.detail}`);
  };

  print(`${SERVER_NAME} ${VERSION} doctor${settings.sandbox ? " (sandbox)" : ""}`);
  print("");
  print("Configuration");
  let config: AutotaskConfig | undefined;
  let configured = true;
  if (settings.sandbox) {
    report("ok", "Mode", "sandbox: the built-in simulated tenant; no credentials needed");
  } else {
    config = checkCredentials(env, report);
    configured = config !== undefined;
  }
  checkSettings(settings, problems, options.selectTools, report);

  print("");
  print(settings.sandbox ? "Simulated tenant" : "Autotask");
  if (configured) {
    await checkTenant(config, settings, options, report);
  } else {
    for (const name of ["Zone", "Authentication", "Read access", "Request budget"]) {
      report("skip", name, "not checked: fix the configuration first");
    }
  }

  const failed = checks.filter((c) => c.status === "fail").length;
  const warned = checks.filter((c) => c.status === "warn").length;
  print("");
  if (failed === 0 && settings.sandbox) {
    print(
      "All checks passed: the sandbox works. Run doctor without --sandbox (and without " +
        "AUTOTASK_SANDBOX) to check your tenant.",
    );
  } else if (failed === 0) {
    print(
      `All checks passed${warned > 0 ? ` (${warned} warning${warned > 1 ? "s" : ""})` : ""}: ` +
        `${SERVER_NAME} is ready. Add it to your MCP client with the same variables.`,
    );
  } else {
    print(
      `${failed} check${failed > 1 ? "s" : ""} failed: fix the lines marked ${SYMBOLS.fail}, ` +
        `then run doctor again.`,
    );
  }
  return { ok: failed === 0, checks };
}

type Report = (status: CheckStatus, name: string, detail: string) => void;

/** One line per credential; the validated configuration when all is well. */
function checkCredentials(env: EnvReader, report: Report): AutotaskConfig | undefined {
  let complete = true;
  for (const key of ["username", "secret", "integrationCode"] as const) {
    const names: readonly EnvVar[] = CREDENTIAL_VARS[key];
    const used = names.find((name) => env(name) !== undefined);
    if (used === undefined) {
      complete = false;
      const alias = names.length > 1 ? ` (nor ${names.slice(1).join(", ")})` : "";
      report("fail", names[0], `not set${alias}: ${CREDENTIAL_HELP[key]}`);
      continue;
    }
    const value = env(used)!;
    const shown = key === "username" ? value : `set (${value.length} characters)`;
    const from = used === names[0] ? "" : ` (from ${used})`;
    if (quoted(value)) {
      report(
        "warn",
        names[0],
        `${shown}${from}, wrapped in quotes: the quotes become part of the value; remove them`,
      );
    } else report("ok", names[0], `${shown}${from}`);
  }
  try {
    // Other settings are checked even without credentials: fill them in for the check only.
    const preferred: EnvVar[] = Object.values(CREDENTIAL_VARS).map((names) => names[0]);
    const withCredentials: EnvReader = (name) =>
      env(name) ?? (preferred.includes(name) ? "-" : undefined);
    const config = loadConfig(withCredentials);
    return complete ? config : undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    report("fail", error.variables.join(", "), error.message);
    return undefined;
  }
}

/** Every bad setting, then the tools the settings select and where HTTP would listen. */
function checkSettings(
  settings: Settings,
  problems: ConfigError[],
  selectTools: DoctorOptions["selectTools"],
  report: Report,
): void {
  for (const problem of problems) report("fail", problem.variables.join(", "), problem.message);
  if (selectTools !== undefined) {
    try {
      const selected = selectTools({
        toolsets: settings.toolsets,
        exclude: settings.excludeTools,
        readOnly: settings.readOnly,
      });
      const toolsets = [...new Set(selected.map((tool) => tool.toolset))].join(", ");
      report(
        "ok",
        "Tools",
        `${selected.length} tools (${toolsets})${settings.readOnly ? ", read-only" : ""}`,
      );
    } catch (error) {
      if (!(error instanceof Error) || error.name !== "InventoryError") throw error;
      report("fail", "AUTOTASK_TOOLSETS", error.message);
    }
  }
  const http = settings.http;
  if (http === undefined) return;
  const address = `${http.host.includes(":") ? `[${http.host}]` : http.host}:${http.port}`;
  // Querying a permission needs none; the binaries may listen on 127.0.0.1:8050 only.
  const listen = Deno.permissions.querySync({ name: "net", host: address }).state;
  if (listen !== "granted") {
    report(
      "fail",
      "HOST, PORT",
      `this build may not listen on ${address}: use the default 127.0.0.1:8050, or run ` +
        `from source with --allow-net=*.autotask.net:443,${address}`,
    );
    return;
  }
  report(
    "ok",
    "TRANSPORT",
    `${http.transport} on ${address}` +
      (http.token ? ", bearer token set" : ", no MCP_AUTH_TOKEN (loopback only)"),
  );
}

/** Zone, authentication, read access and the hourly budget, each depending on the one before. */
async function checkTenant(
  config: AutotaskConfig | undefined,
  settings: Settings,
  options: DoctorOptions,
  report: Report,
): Promise<void> {
  const env = options.env ?? processEnv;
  let client: AutotaskClient;
  const clientOptions: ClientOptions = {
    fetch: options.fetch,
    zoneDiscoveryUrl: options.zoneDiscoveryUrl,
    retry: { maxAttempts: 1 },
  };
  if (config === undefined) {
    if (options.sandboxClient === undefined) {
      throw new Error("runDoctor in sandbox mode needs options.sandboxClient");
    }
    client = await options.sandboxClient({
      budgetWarn: settings.budgetWarn,
      budgetHard: settings.budgetHard,
    });
  } else {
    client = new AutotaskClient(
      { ...config, timeoutMs: Math.min(config.timeoutMs, DOCTOR_TIMEOUT_MS) },
      clientOptions,
    );
  }
  const skipRest = (from: number, why: string) => {
    for (const name of ["Zone", "Authentication", "Read access", "Request budget"].slice(from)) {
      report("skip", name, `not checked: ${why}`);
    }
  };

  // 1. Zone: configured, or discovered from the username.
  let base: string;
  try {
    base = await client.baseUrl();
  } catch (error) {
    report("fail", "Zone", `zone discovery from the username failed: ${reason(error)}`);
    return skipRest(1, "no zone");
  }
  const zone = env("AUTOTASK_ZONE");
  let where = `discovered from the username: ${base}`;
  if (config === undefined) where = "the in-process simulated tenant";
  else if (env("AUTOTASK_API_URL") !== undefined) {
    where = `AUTOTASK_API_URL ${base} (zone discovery not used)`;
  } else if (zone !== undefined) {
    where = `AUTOTASK_ZONE=${zone}: ${base}`;
    const mismatch = await zoneMismatch(config, base, clientOptions);
    if (mismatch !== undefined) {
      report(
        "fail",
        "Zone",
        `AUTOTASK_ZONE=${zone} points at ${new URL(base).host}, but Autotask places this ` +
          `username in ${mismatch}: set AUTOTASK_ZONE to that zone or leave it unset`,
      );
      return skipRest(1, "wrong zone");
    }
  }

  // 2. Authentication: ThresholdInformation needs all three credentials and costs nothing.
  // Any answer but an authentication failure means the zone is wrong or unreachable.
  let threshold: ThresholdInfo;
  try {
    threshold = await client.threshold();
  } catch (error) {
    if (error instanceof AutotaskError && error.category === "authentication") {
      report("ok", "Zone", where);
      report("fail", "Authentication", reason(error));
      return skipRest(2, "authentication failed");
    }
    const hint = error instanceof AutotaskError && error.category === "not_found"
      ? " (AUTOTASK_API_URL must be a REST base, e.g. https://webservices6.autotask.net/ATServicesRest/)"
      : "";
    report("fail", "Zone", `${where}: ${reason(error)}${hint}`);
    return skipRest(1, "Autotask was not reached");
  }
  report("ok", "Zone", where);
  report(
    "ok",
    "Authentication",
    config === undefined
      ? "the simulated tenant accepted its built-in credentials (no real Autotask was contacted)"
      : "Autotask accepted the username, secret and integration code",
  );

  // 3. Read access: the API user's own company (id 0), one record.
  try {
    const page = await client.query("Companies", {
      filter: [{ op: "eq", field: "id", value: 0 }],
      includeFields: ["id", "companyName"],
      maxRecords: 1,
    });
    const own = page.items[0];
    if (own === undefined) {
      report("warn", "Read access", "Companies can be queried, but company 0 is not visible");
    } else report("ok", "Read access", `own company: ${String(own.companyName)} (id 0)`);
  } catch (error) {
    report("fail", "Read access", reason(error));
  }

  // 4. Each team-server user acts as their own resource.
  await checkUsers(client, settings, report);

  // 5. The hourly request budget.
  const limit = threshold.externalRequestThreshold;
  const used = threshold.currentTimeframeRequestCount;
  const share = limit > 0 ? used / limit : 0;
  const window = `${config === undefined ? "simulated: " : ""}` +
    `${used.toLocaleString("en-US")} of ${limit.toLocaleString("en-US")} requests ` +
    `used in the current ${threshold.requestThresholdTimeframe}-minute window (${percent(share)})`;
  const warnShare = settings.budgetWarn;
  if (share >= 1) {
    report("fail", "Request budget", `${window}: used up; calls are refused until it resets`);
  } else if (share >= warnShare) {
    report(
      "warn",
      "Request budget",
      `${window}: past AUTOTASK_BUDGET_WARN (${percent(warnShare)})`,
    );
  } else report("ok", "Request budget", window);
}

/**
 * One line per MCP_USERS entry: the resource the user acts as, and that Autotask lets the API
 * user act as it (one impersonated read of the own company). Then the OAuth issuer, if any.
 */
async function checkUsers(
  client: AutotaskClient,
  settings: Settings,
  report: Report,
): Promise<void> {
  const auth = settings.http?.auth;
  if (auth === undefined) return;
  const directory = new ResourceDirectory(client);
  for (const entry of auth.users) {
    const name = `User ${entry.user}`;
    const email = /^[^@\s]+@[^@\s]+$/.test(entry.user) ? entry.user : undefined;
    let resourceId: number;
    try {
      resourceId = await directory.resolve({
        user: entry.user,
        email,
        resourceId: entry.resourceId,
      });
    } catch (error) {
      report("fail", name, reason(error));
      continue;
    }
    try {
      await client.forCaller({ user: entry.user, impersonationResourceId: resourceId }).query(
        "Companies",
        { filter: [{ op: "eq", field: "id", value: 0 }], includeFields: ["id"], maxRecords: 1 },
      );
    } catch (error) {
      report("fail", name, reason(error));
      continue;
    }
    const policy = [
      entry.tokenHash ? "token" : "OAuth only",
      entry.readOnly ? "read-only" : undefined,
      entry.toolsets ? `toolsets ${entry.toolsets.join(", ")}` : undefined,
    ].filter(Boolean).join(", ");
    report("ok", name, `acts as resource ${resourceId} (${policy})`);
  }
  if (auth.oauth === undefined) return;
  try {
    const oauth = await prepareOAuth(auth.oauth);
    report(
      "ok",
      "OAuth issuer",
      `${auth.oauth.issuer}: discovery read, signing keys at ${oauth.jwksUri}; access tokens ` +
        `must name ${auth.oauth.resourceUrl} as their audience`,
    );
  } catch (error) {
    if (!(error instanceof IssuerError)) throw error;
    report("fail", "MCP_OAUTH_ISSUER", error.message);
  }
}

/** The discovered zone host when it differs from the configured base (undefined: same or unknown). */
async function zoneMismatch(
  config: AutotaskConfig,
  base: string,
  options: ClientOptions,
): Promise<string | undefined> {
  const discovering = new AutotaskClient({ ...config, baseUrl: undefined }, options);
  try {
    const discovered = new URL(await discovering.baseUrl()).host;
    return discovered.toLowerCase() === new URL(base).host.toLowerCase() ? undefined : discovered;
  } catch {
    // Discovery unreachable or the username unknown: the authentication step says which.
    return undefined;
  }
}

/** Usage text of `autotask-mcp doctor`. */
export const DOCTOR_HELP = `Usage: ${SERVER_NAME} doctor [--sandbox] [options]

Checks what the server needs, line by line, and exits 0 when all is well (1 otherwise):
  the credentials and settings in the environment (secrets are shown only as their length),
  the zone (configured, or discovered from the username), authentication, read access
  (the API user's own company), and the hourly request budget (ThresholdInformation).

  --sandbox   check the built-in simulated tenant instead (no credentials, no network);
              AUTOTASK_SANDBOX=1 does the same
  The options of serving (--http, --read-only, --toolsets=a,b, --exclude-tools=x,y) are
  checked as they would apply.
`;

/** Entry of `autotask-mcp doctor` (the word may stand anywhere in `args`); returns the exit code. */
export async function doctorMain(args: string[], options: DoctorOptions = {}): Promise<number> {
  const { settings, unknownArguments } = readSettings(args, { env: options.env });
  if (settings.help) {
    console.log(DOCTOR_HELP);
    return 0;
  }
  if (unknownArguments.length > 0) {
    console.error(`${SERVER_NAME}: unknown argument ${unknownArguments[0]}: see doctor --help`);
    return 2;
  }
  const report = await runDoctor({ ...options, args });
  return report.ok ? 0 : 1;
}
