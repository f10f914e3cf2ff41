/** Reads the command line and the environment once, for serving and for `doctor` alike. */

import { isIP } from "node:net";
import { isTimeZone, machineTimeZone } from "./dates.ts";
import {
  ConfigError,
  DEFAULT_BUDGET_HARD,
  DEFAULT_BUDGET_WARN,
  type EnvReader,
  loadBudgetShares,
  loadUserBudgetShare,
  processEnv,
} from "./autotask/mod.ts";
import { type AllowLists, isLoopbackHost, loopbackAllowLists } from "./http/guard.ts";
import { BODY_TIMEOUT_MS, LIMITS, MAX_BODY_BYTES } from "./http/limits.ts";
import type { HttpConfig, HttpTransport } from "./http/serve.ts";
import { loadAuthSettings, requiresSignIn } from "./http/auth_config.ts";

/** What the command line asks for: serve MCP (the default) or check the setup. */
export type Command = "serve" | "doctor";

/** Log levels, quietest first. */
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;
/** One of {@linkcode LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Everything the entry and `doctor` read from the command line and the environment. */
export interface Settings {
  /** `doctor` anywhere on the command line, else `serve`. */
  command: Command;
  /** `--help` or `-h`. */
  help: boolean;
  /** `--version` or `-V`. */
  version: boolean;
  /** `--sandbox` or `AUTOTASK_SANDBOX`: the built-in simulated tenant instead of Autotask. */
  sandbox: boolean;
  /** `--http`, else `TRANSPORT` (stdio by default). */
  transport: "stdio" | HttpTransport;
  /** The HTTP settings when the transport is not stdio and they are valid. */
  http?: HttpConfig;
  /** `LOG_LEVEL` (info by default). */
  logLevel: LogLevel;
  /** `--read-only` or `AUTOTASK_READ_ONLY`: neither can turn the other off. */
  readOnly: boolean;
  /** `--toolsets=` when given, else `AUTOTASK_TOOLSETS`; undefined: the default toolsets. */
  toolsets?: string[];
  /** `AUTOTASK_EXCLUDE_TOOLS` and `--exclude-tools=` together. */
  excludeTools: string[];
  /** `AUTOTASK_MAX_RESULT_CHARS`: cap on one tool result's JSON text, in characters. */
  maxResultChars: number;
  /** `AUTOTASK_BUDGET_WARN`: share of the hourly limit from which results carry a notice. */
  budgetWarn: number;
  /** `AUTOTASK_BUDGET_HARD`: share from which optional lookups are refused. */
  budgetHard: number;
  /** `AUTOTASK_USER_BUDGET_SHARE`: share of the hourly limit one user may use (1: no cap). */
  userBudgetShare: number;
  /**
   * `AUTOTASK_TIME_ZONE` (an IANA name), else the machine's zone: the zone of the days and
   * wall-clock times people say, and of the date-times results show.
   */
  timeZone: string;
  /**
   * `AUTOTASK_WEBHOOK_SECRET`: the `secretKey` of webhooks created here, and what callouts to
   * `/webhooks/autotask` must be signed with (the endpoint is off without it). Never logged.
   */
  webhookSecret?: string;
}

/** What {@linkcode readSettings} found: the settings (defaults where a value was bad) and what was wrong. */
export interface SettingsRead {
  settings: Settings;
  /** Arguments that mean nothing here, in order. */
  unknownArguments: string[];
  /** Each bad variable, named in the error; the settings hold its default instead. */
  problems: ConfigError[];
}

/** Options of {@linkcode readSettings}. */
export interface ReadSettingsOptions {
  /** Defaults to the process environment. */
  env?: EnvReader;
}

/** Default for `AUTOTASK_MAX_RESULT_CHARS`: about 10,000 tokens, well under clients' 25,000 limit. */
export const DEFAULT_MAX_RESULT_CHARS = 40_000;
/** Listen address when HOST is unset: this machine only. */
export const DEFAULT_HOST = "127.0.0.1";
/** The original server's port. */
export const DEFAULT_PORT = 8050;
/** Requests per minute per client address when MCP_RATE_LIMIT is unset. */
export const DEFAULT_RATE_LIMIT = 300;
/** Shortest bearer token accepted. */
export const MIN_TOKEN_LENGTH = 16;

const BARE_FLAGS = new Set([
  "--sandbox",
  "--http",
  "--read-only",
  "--help",
  "-h",
  "--version",
  "-V",
]);
const LIST_FLAGS = ["toolsets", "exclude-tools"] as const;

/**
 * Reads `args` (the command line without the program) and the environment.
 * Never throws for a bad value: each one is a {@linkcode ConfigError} in
 * `problems` (the entry stops on them, `doctor` reports each on its line).
 */
export function readSettings(args: string[], options: ReadSettingsOptions = {}): SettingsRead {
  const env = options.env ?? processEnv;
  const problems: ConfigError[] = [];
  /** The value `read` gives, or `fallback` after noting its problem. */
  function checked<T>(read: () => T, fallback: T): T {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error);
      return fallback;
    }
  }
  const unknownArguments = args.filter((arg) =>
    arg !== "doctor" && !BARE_FLAGS.has(arg) && !LIST_FLAGS.some((n) => arg.startsWith(`--${n}=`))
  );

  const logLevel = checked(() => logLevelOf(env), "info");
  const transport = checked(() => transportOf(args, env), "stdio");
  const http = transport === "stdio"
    ? undefined
    : checked<HttpConfig | undefined>(() => loadHttpConfig(transport, env), undefined);
  const maxResultChars = checked(() => maxResultCharsOf(env), DEFAULT_MAX_RESULT_CHARS);
  const readOnly = checked(() => parseFlag(env("AUTOTASK_READ_ONLY"), "AUTOTASK_READ_ONLY"), false);
  const sandbox = checked(() => parseFlag(env("AUTOTASK_SANDBOX"), "AUTOTASK_SANDBOX"), false);
  const budget = checked(() => loadBudgetShares(env), {
    budgetWarn: DEFAULT_BUDGET_WARN,
    budgetHard: DEFAULT_BUDGET_HARD,
  });
  const userBudgetShare = checked(() => loadUserBudgetShare(env), 1);
  const timeZone = checked(() => timeZoneOf(env), machineTimeZone());
  const webhookSecret = checked(() => webhookSecretOf(env), undefined);
  const toolsetsFlag = flagList(args, "toolsets");
  const envToolsets = commaList(env("AUTOTASK_TOOLSETS"));
  return {
    settings: {
      command: args.includes("doctor") ? "doctor" : "serve",
      help: args.includes("--help") || args.includes("-h"),
      version: args.includes("--version") || args.includes("-V"),
      sandbox: sandbox || args.includes("--sandbox"),
      transport,
      http,
      logLevel,
      readOnly: readOnly || args.includes("--read-only"),
      toolsets: toolsetsFlag ?? (envToolsets.length > 0 ? envToolsets : undefined),
      excludeTools: [
        ...commaList(env("AUTOTASK_EXCLUDE_TOOLS")),
        ...flagList(args, "exclude-tools") ?? [],
      ],
      maxResultChars,
      ...budget,
      userBudgetShare,
      timeZone,
      webhookSecret,
    },
    unknownArguments,
    problems,
  };
}

/** `AUTOTASK_TIME_ZONE`, checked against the zones this runtime knows; the machine's zone when unset. */
function timeZoneOf(env: EnvReader): string {
  const raw = env("AUTOTASK_TIME_ZONE")?.trim();
  if (raw === undefined || raw === "") return machineTimeZone();
  if (!isTimeZone(raw)) {
    throw new ConfigError(
      "AUTOTASK_TIME_ZONE must be an IANA time zone name such as America/Los_Angeles, " +
        "Europe/Berlin or UTC, or unset for the machine's zone",
      ["AUTOTASK_TIME_ZONE"],
    );
  }
  return raw;
}

/** Shortest and longest webhook secret: Autotask wants 10 characters at least (autotask-api.md section 8). */
export const WEBHOOK_SECRET_LENGTH = { min: 10, max: 64 } as const;

/** `AUTOTASK_WEBHOOK_SECRET`, checked; the message never holds the value. */
function webhookSecretOf(env: EnvReader): string | undefined {
  const secret = env("AUTOTASK_WEBHOOK_SECRET");
  if (secret === undefined) return undefined;
  const { min, max } = WEBHOOK_SECRET_LENGTH;
  if (secret.length < min || secret.length > max || !/^[\x21-\x7e]+$/.test(secret)) {
    throw new ConfigError(
      `AUTOTASK_WEBHOOK_SECRET must be ${min} to ${max} visible ASCII characters without ` +
        "spaces (Autotask's secretKey): generate one with `openssl rand -hex 24`",
      ["AUTOTASK_WEBHOOK_SECRET"],
    );
  }
  return secret;
}

/** Parses a yes/no variable; anything unclear is an error, so a typo never disables a safety switch. */
export function parseFlag(
  value: string | undefined,
  name: "AUTOTASK_READ_ONLY" | "AUTOTASK_SANDBOX",
): boolean {
  if (value === undefined) return false;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false (1/0, yes/no)`, [name]);
}

function logLevelOf(env: EnvReader): LogLevel {
  const level = (env("LOG_LEVEL") ?? "info").toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`, ["LOG_LEVEL"]);
}

/** `--http`, else TRANSPORT: stdio, http (alias streamable-http) or sse. */
function transportOf(args: string[], env: EnvReader): "stdio" | HttpTransport {
  if (args.includes("--http")) return "http";
  const value = (env("TRANSPORT") ?? "stdio").toLowerCase();
  if (value === "stdio" || value === "http" || value === "sse") return value;
  if (value === "streamable-http" || value === "streamable_http") return "http";
  throw new ConfigError("TRANSPORT must be stdio (the default), http or sse", ["TRANSPORT"]);
}

function maxResultCharsOf(env: EnvReader): number {
  const raw = env("AUTOTASK_MAX_RESULT_CHARS");
  if (raw === undefined) return DEFAULT_MAX_RESULT_CHARS;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 5_000 || value > 400_000) {
    throw new ConfigError(
      "AUTOTASK_MAX_RESULT_CHARS must be a whole number of characters between 5000 and 400000",
      ["AUTOTASK_MAX_RESULT_CHARS"],
    );
  }
  return value;
}

/** Comma-separated items, trimmed, empty ones dropped. */
function commaList(text: string | undefined): string[] {
  return (text ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
}

/** The items of `--name=a,b` (an empty list when given empty), undefined when absent. */
function flagList(args: string[], name: typeof LIST_FLAGS[number]): string[] | undefined {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? undefined : commaList(arg.slice(name.length + 3));
}

const WILDCARD_HOSTS = new Set(["0.0.0.0", "::", "[::]"]);

function allowedHostname(entry: string, variable: string): string {
  let url: URL | undefined;
  try {
    url = new URL(`http://${entry}`);
  } catch {
    // reported below
  }
  if (!url || url.pathname !== "/" || url.username || url.search || entry.includes("://")) {
    throw new ConfigError(
      `${variable} holds an entry that is not a host name: list names or addresses separated by ` +
        `commas, without scheme or path (e.g. mcp.example.com,192.168.1.20)`,
      [variable],
    );
  }
  return url.hostname;
}

function allowedOrigin(entry: string, lists: AllowLists): void {
  if (!entry.includes("://")) {
    lists.originHostnames.push(allowedHostname(entry, "MCP_ALLOWED_ORIGINS"));
    return;
  }
  const problem = new ConfigError(
    "MCP_ALLOWED_ORIGINS holds an entry that is not an origin: use https://app.example.com, " +
      "a bare host name (any scheme and port), or scheme://* for browser extensions " +
      "(http://* and https://* are not accepted)",
    ["MCP_ALLOWED_ORIGINS"],
  );
  if (/^[a-z][a-z0-9+.-]*:\/\/\*$/.test(entry)) {
    if (entry === "http://*" || entry === "https://*") throw problem;
    lists.originHostnames.push(entry);
    return;
  }
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw problem;
  }
  if (url.pathname !== "/" && url.pathname !== "" || url.search || url.username) throw problem;
  if (url.origin === "null") lists.originHostnames.push(url.hostname);
  else lists.origins.push(url.origin);
}

function wholeNumber(
  env: EnvReader,
  name: "PORT" | "MCP_RATE_LIMIT",
  fallback: number,
  limits: { max: number; hint: string },
): number {
  const text = env(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > limits.max) {
    throw new ConfigError(
      `${name} must be a whole number from 0 to ${limits.max} (${limits.hint})`,
      [name],
    );
  }
  return value;
}

/**
 * Reads HOST, PORT, MCP_AUTH_TOKEN, MCP_ALLOWED_HOSTS, MCP_ALLOWED_ORIGINS and
 * MCP_RATE_LIMIT. Throws {@linkcode ConfigError} (never holding the token) on a
 * bad value, and when a non-loopback address would be served without a token.
 */
export function loadHttpConfig(transport: HttpTransport, env: EnvReader): HttpConfig {
  const rawHost = env("HOST") ?? DEFAULT_HOST;
  const bare = rawHost.replace(/^\[(.*)\]$/, "$1");
  const host = bare.toLowerCase() === "localhost" ? "127.0.0.1" : bare;
  if (isIP(host) === 0) {
    throw new ConfigError(
      `HOST must be an IP address to listen on (127.0.0.1, ::1, 0.0.0.0, 192.168.1.20), not a ` +
        `host name; list the names clients use in MCP_ALLOWED_HOSTS`,
      ["HOST"],
    );
  }
  const port = wholeNumber(env, "PORT", DEFAULT_PORT, {
    max: 65_535,
    hint: "0 picks a free port",
  });
  const rateLimitPerMinute = wholeNumber(env, "MCP_RATE_LIMIT", DEFAULT_RATE_LIMIT, {
    max: 1_000_000,
    hint: "requests per minute per client address; 0 turns the limit off",
  });
  const token = env("MCP_AUTH_TOKEN");
  if (token !== undefined && (token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token))) {
    throw new ConfigError(
      `MCP_AUTH_TOKEN must be at least ${MIN_TOKEN_LENGTH} visible ASCII characters without ` +
        "spaces: generate one with `openssl rand -hex 32`",
      ["MCP_AUTH_TOKEN"],
    );
  }
  const auth = loadAuthSettings(env, { host, port });
  if (token === undefined && !requiresSignIn(auth) && !isLoopbackHost(host)) {
    throw new ConfigError(
      `HOST=${rawHost} accepts connections from other machines, so a bearer token is required: ` +
        "set MCP_AUTH_TOKEN to a long random secret (e.g. `openssl rand -hex 32`) that clients " +
        "send as `Authorization: Bearer <token>` (or give each user a token in MCP_USERS, or set " +
        "MCP_OAUTH_ISSUER), or listen on HOST=127.0.0.1",
      ["MCP_AUTH_TOKEN", "HOST"],
    );
  }
  const allow = loopbackAllowLists();
  if (!WILDCARD_HOSTS.has(host) && !isLoopbackHost(host)) {
    allow.hosts.push(allowedHostname(host.includes(":") ? `[${host}]` : host, "HOST"));
  }
  for (const entry of commaList(env("MCP_ALLOWED_HOSTS"))) {
    allow.hosts.push(allowedHostname(entry, "MCP_ALLOWED_HOSTS"));
  }
  for (const entry of commaList(env("MCP_ALLOWED_ORIGINS"))) allowedOrigin(entry, allow);
  return {
    transport,
    host,
    port,
    token,
    auth,
    allow,
    rateLimitPerMinute,
    maxBodyBytes: MAX_BODY_BYTES,
    bodyTimeoutMs: BODY_TIMEOUT_MS,
    limits: LIMITS,
  };
}
