/** Reads Autotask connection settings from the environment and validates them. */

import { DEFAULT_BUDGET_HARD, DEFAULT_BUDGET_WARN } from "./budget.ts";

/**
 * Every environment variable the product reads. The permission set
 * (`--allow-env=...` in deno.json) is checked against this list in the tests,
 * so reading a variable that is not here fails loudly instead of widening access.
 */
export const ENV_VARS = [
  "AUTOTASK_API_USERNAME",
  "AUTOTASK_API_SECRET",
  "AUTOTASK_API_INTEGRATION_CODE",
  "AUTOTASK_USERNAME",
  "AUTOTASK_SECRET",
  "AUTOTASK_INTEGRATION_CODE",
  "AUTOTASK_ZONE",
  "AUTOTASK_API_URL",
  "AUTOTASK_IMPERSONATION_RESOURCE_ID",
  "AUTOTASK_TIMEOUT_MS",
  "AUTOTASK_SANDBOX",
  "AUTOTASK_BUDGET_WARN",
  "AUTOTASK_BUDGET_HARD",
  "AUTOTASK_USER_BUDGET_SHARE",
  "REDIS_URL",
  "AUTOTASK_MAX_RESULT_CHARS",
  "AUTOTASK_READ_ONLY",
  "AUTOTASK_TOOLSETS",
  "AUTOTASK_EXCLUDE_TOOLS",
  "AUTOTASK_TIME_ZONE",
  "AUTOTASK_WEBHOOK_SECRET",
  "TRANSPORT",
  "HOST",
  "PORT",
  "MCP_AUTH_TOKEN",
  "MCP_ALLOWED_HOSTS",
  "MCP_ALLOWED_ORIGINS",
  "MCP_RATE_LIMIT",
  "MCP_USERS",
  "MCP_OAUTH_ISSUER",
  "MCP_RESOURCE_URL",
  "LOG_LEVEL",
] as const;

/** Name of one variable the product reads. */
export type EnvVar = typeof ENV_VARS[number];

/**
 * One line on each variable, for `--help` (kept beside the list so a new variable brings its
 * description; the type makes a missing one a compile error). Required ones come first.
 */
export const ENV_HELP: Readonly<Record<EnvVar, string>> = {
  AUTOTASK_API_USERNAME: "required: the API user's username",
  AUTOTASK_API_SECRET: "required: its secret",
  AUTOTASK_API_INTEGRATION_CODE: "required: the API tracking identifier",
  AUTOTASK_USERNAME: "alias of AUTOTASK_API_USERNAME",
  AUTOTASK_SECRET: "alias of AUTOTASK_API_SECRET",
  AUTOTASK_INTEGRATION_CODE: "alias of AUTOTASK_API_INTEGRATION_CODE",
  AUTOTASK_ZONE: "zone number or host (ww6, 6, webservices6); default: discovered",
  AUTOTASK_API_URL: "REST base URL instead of a zone (proxies, test tenants)",
  AUTOTASK_IMPERSONATION_RESOURCE_ID: "act as this resource where Autotask allows it",
  AUTOTASK_TIMEOUT_MS: "per-request timeout in milliseconds (default 30000)",
  AUTOTASK_SANDBOX: "1: same as --sandbox",
  AUTOTASK_BUDGET_WARN: "share of the hourly request limit for the usage notice (0.8)",
  AUTOTASK_BUDGET_HARD: "share at which optional lookups are skipped (0.95)",
  AUTOTASK_USER_BUDGET_SHARE: "share of the hourly limit one user may use (default 1: no cap)",
  REDIS_URL: "redis://host:port the replicas share limits through (add it to --allow-net)",
  AUTOTASK_MAX_RESULT_CHARS: "cap on one tool result in characters (default 40000)",
  AUTOTASK_READ_ONLY: "true: same as --read-only",
  AUTOTASK_TOOLSETS: "same as --toolsets",
  AUTOTASK_EXCLUDE_TOOLS: "same as --exclude-tools",
  AUTOTASK_TIME_ZONE: 'IANA zone for "today" and zoneless dates (default: this machine\'s)',
  AUTOTASK_WEBHOOK_SECRET: "key of the webhooks you create; with --http, takes their callouts",
  TRANSPORT: "stdio (default), http (Streamable HTTP at /mcp), sse (http + /sse)",
  HOST: "HTTP listen host (default 127.0.0.1; the permission must allow it)",
  PORT: "HTTP listen port (default 8050; the permission must allow it)",
  MCP_AUTH_TOKEN: "bearer token clients must send over HTTP (required off loopback)",
  MCP_ALLOWED_HOSTS: "extra Host names accepted over HTTP (comma-separated)",
  MCP_ALLOWED_ORIGINS: "browser origins accepted over HTTP (comma-separated)",
  MCP_RATE_LIMIT: "HTTP requests per minute per client address (default 300; 0 = off)",
  MCP_USERS: "team users, ';'-separated, each acting as their own resource (token new)",
  MCP_OAUTH_ISSUER: "OAuth 2.1 issuer whose JWT access tokens are accepted (--allow-net it)",
  MCP_RESOURCE_URL: "this server's public MCP URL, the tokens' audience",
  LOG_LEVEL: "error, warn, info (default) or debug",
};

/** Reads one variable; `undefined` when unset. */
export type EnvReader = (name: EnvVar) => string | undefined;

/** Credentials sent on every Autotask call (never logged, never echoed). */
export interface Credentials {
  username: string;
  secret: string;
  integrationCode: string;
}

/** Validated connection settings for {@linkcode AutotaskClient}. */
export interface AutotaskConfig {
  credentials: Credentials;
  /** REST base ending in `V1.0/`; absent means "discover the zone by username". */
  baseUrl?: string;
  impersonationResourceId?: number;
  /** Per-request timeout in milliseconds. */
  timeoutMs: number;
  /** Share of the hourly request limit from which results carry a usage notice (default 0.8). */
  budgetWarn?: number;
  /** Share from which optional lookups are refused (default 0.95); at the limit every call is. */
  budgetHard?: number;
  /** Share of the hourly limit one user may use (default 1: no per-user cap). */
  userBudgetShare?: number;
}

/** A configuration problem: the message names the variable and never holds a value. */
export class ConfigError extends Error {
  /** The variables involved. */
  readonly variables: string[];
  constructor(message: string, variables: string[]) {
    super(message);
    this.name = "ConfigError";
    this.variables = variables;
  }
}

/** REST hosts Autotask runs today (`webservicesN.autotask.net`). */
export const KNOWN_ZONE_NUMBERS: readonly number[] = [
  1,
  2,
  3,
  4,
  5,
  6,
  11,
  12,
  14,
  15,
  16,
  17,
  18,
  19,
  22,
  24,
  25,
  26,
  28,
  29,
];

const DEFAULT_TIMEOUT_MS = 30_000;

/** Reads the process environment; only names in {@linkcode ENV_VARS} are ever asked for. */
export function processEnv(name: EnvVar): string | undefined {
  const value = Deno.env.get(name);
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function firstSet(env: EnvReader, names: EnvVar[]): string | undefined {
  for (const name of names) {
    const value = env(name);
    if (value !== undefined && value.trim() !== "") return value.trim();
  }
  return undefined;
}

/** Names of the credential variables, preferred name first, for messages. */
export const CREDENTIAL_VARS = {
  username: ["AUTOTASK_API_USERNAME", "AUTOTASK_USERNAME"],
  secret: ["AUTOTASK_API_SECRET", "AUTOTASK_SECRET"],
  integrationCode: ["AUTOTASK_API_INTEGRATION_CODE", "AUTOTASK_INTEGRATION_CODE"],
} as const satisfies Record<keyof Credentials, EnvVar[]>;

/** What each credential is, for the message naming a missing one. */
const CREDENTIAL_MEANING: Record<keyof Credentials, string> = {
  username: "the API user's username",
  secret: "the API user's secret",
  integrationCode: "the API tracking identifier (integration code) from the API user's setup",
};

/**
 * Builds the client configuration from the environment.
 * Throws {@linkcode ConfigError} naming every missing or invalid variable.
 */
export function loadConfig(env: EnvReader = processEnv): AutotaskConfig {
  const username = firstSet(env, [...CREDENTIAL_VARS.username]);
  const secret = firstSet(env, [...CREDENTIAL_VARS.secret]);
  const integrationCode = firstSet(env, [...CREDENTIAL_VARS.integrationCode]);
  const absent = ([["username", username], ["secret", secret], [
    "integrationCode",
    integrationCode,
  ]] as const).filter(([, value]) => !value).map(([key]) => key);
  if (absent.length > 0) {
    // Name only what is missing: a partial setup is told what to add, not what it has.
    const missing = absent.map((key) => CREDENTIAL_VARS[key][0]);
    throw new ConfigError(
      `Missing Autotask credentials: set ${missing.join(", ")} ` +
        `(${absent.map((key) => CREDENTIAL_MEANING[key]).join("; ")})`,
      missing,
    );
  }
  const zone = env("AUTOTASK_ZONE");
  const apiUrl = env("AUTOTASK_API_URL");
  let baseUrl: string | undefined;
  if (apiUrl !== undefined) baseUrl = normalizeApiUrl(apiUrl);
  else if (zone !== undefined) baseUrl = zoneBaseUrl(zone);

  const impersonation = env("AUTOTASK_IMPERSONATION_RESOURCE_ID");
  let impersonationResourceId: number | undefined;
  if (impersonation !== undefined) {
    impersonationResourceId = Number(impersonation);
    if (!Number.isSafeInteger(impersonationResourceId) || impersonationResourceId <= 0) {
      throw new ConfigError(
        "AUTOTASK_IMPERSONATION_RESOURCE_ID must be a positive resource id (a number), or unset",
        ["AUTOTASK_IMPERSONATION_RESOURCE_ID"],
      );
    }
  }
  const timeout = env("AUTOTASK_TIMEOUT_MS");
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (timeout !== undefined) {
    timeoutMs = Number(timeout);
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > 300_000) {
      throw new ConfigError(
        "AUTOTASK_TIMEOUT_MS must be a whole number of milliseconds between 1000 and 300000",
        ["AUTOTASK_TIMEOUT_MS"],
      );
    }
  }
  const { budgetWarn, budgetHard } = loadBudgetShares(env);
  const userBudgetShare = loadUserBudgetShare(env);
  return {
    credentials: {
      username: username!,
      secret: secret!,
      integrationCode: integrationCode!,
    },
    baseUrl,
    impersonationResourceId,
    timeoutMs,
    budgetWarn,
    budgetHard,
    userBudgetShare,
  };
}

function share(
  env: EnvReader,
  name: "AUTOTASK_BUDGET_WARN" | "AUTOTASK_BUDGET_HARD" | "AUTOTASK_USER_BUDGET_SHARE",
): number | undefined {
  const text = env(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 1 || !/^\s*[0-9.]+\s*$/.test(text)) {
    throw new ConfigError(
      `${name} must be a share of the hourly request limit between 0 and 1 (e.g. 0.8 for 80%), or unset`,
      [name],
    );
  }
  return value;
}

/**
 * Reads `AUTOTASK_BUDGET_WARN` and `AUTOTASK_BUDGET_HARD`: shares of Autotask's
 * hourly request limit, warn below hard. Throws {@linkcode ConfigError} naming the variable.
 */
export function loadBudgetShares(env: EnvReader = processEnv): {
  budgetWarn: number;
  budgetHard: number;
} {
  const budgetWarn = share(env, "AUTOTASK_BUDGET_WARN") ?? DEFAULT_BUDGET_WARN;
  const budgetHard = share(env, "AUTOTASK_BUDGET_HARD") ?? DEFAULT_BUDGET_HARD;
  if (budgetWarn >= budgetHard) {
    throw new ConfigError(
      `AUTOTASK_BUDGET_WARN must be lower than AUTOTASK_BUDGET_HARD (the defaults are ` +
        `${DEFAULT_BUDGET_WARN} and ${DEFAULT_BUDGET_HARD}): the warning comes before refusals`,
      ["AUTOTASK_BUDGET_WARN", "AUTOTASK_BUDGET_HARD"],
    );
  }
  return { budgetWarn, budgetHard };
}

/**
 * Reads `AUTOTASK_USER_BUDGET_SHARE`: the share of Autotask's hourly request limit one user
 * of a shared server may use (default 1: no per-user cap). Throws {@linkcode ConfigError}.
 */
export function loadUserBudgetShare(env: EnvReader = processEnv): number {
  return share(env, "AUTOTASK_USER_BUDGET_SHARE") ?? 1;
}

/** Where the replicas share Autotask's limits (`REDIS_URL`), parsed. */
export interface RedisTarget {
  /** The URL as given (may hold a password: never log it). */
  url: string;
  /** `host:port` for the network permission and for logs. */
  host: string;
  /** The password in the URL, if any, for redaction. */
  password?: string;
}

/**
 * Reads `REDIS_URL` (`redis://[user:password@]host[:port][/db]` or `rediss://...`): with it,
 * the server's replicas share the per-entity slots and the hourly count through that Redis.
 * Throws {@linkcode ConfigError}; the message never holds the value.
 */
export function loadRedisTarget(env: EnvReader = processEnv): RedisTarget | undefined {
  const text = env("REDIS_URL")?.trim();
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    url = new URL("invalid:");
  }
  if ((url.protocol !== "redis:" && url.protocol !== "rediss:") || url.hostname === "") {
    throw new ConfigError(
      "REDIS_URL must be a Redis URL such as redis://redis.internal:6379 (or rediss:// for TLS), " +
        "or unset to keep the limits in this process",
      ["REDIS_URL"],
    );
  }
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  return { url: text, host: `${url.hostname}:${url.port || "6379"}`, password };
}

/**
 * Turns `AUTOTASK_ZONE` (`ww6`, `6`, `webservices6`, `webservices6.autotask.net`)
 * into the REST base `https://webservices6.autotask.net/ATServicesRest/V1.0/`.
 */
export function zoneBaseUrl(zone: string): string {
  const text = zone.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  const match = /^(?:ww|webservices)?(\d{1,2})(?:\.autotask\.net)?$/.exec(text);
  if (match) {
    const n = Number(match[1]);
    if (KNOWN_ZONE_NUMBERS.includes(n)) {
      return `https://webservices${n}.autotask.net/ATServicesRest/V1.0/`;
    }
  }
  if (text === "prde" || text === "pres" || /^(prde|pres)\.autotask\.net$/.test(text)) {
    return `https://${text.replace(/\.autotask\.net$/, "")}.autotask.net/ATServicesRest/V1.0/`;
  }
  throw new ConfigError(
    `AUTOTASK_ZONE is not a known Autotask zone: use the number from your Autotask web address ` +
      `(ww6.autotask.net -> 6; known: ${KNOWN_ZONE_NUMBERS.join(", ")}), ` +
      `leave it unset to discover the zone from the username, or set AUTOTASK_API_URL`,
    ["AUTOTASK_ZONE"],
  );
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Normalizes `AUTOTASK_API_URL` (e.g. the zone discovery `url`, with or
 * without `V1.0/`) to a REST base ending in `V1.0/`. Plain http is accepted
 * only on loopback (a local proxy or the simulated tenant).
 */
export function normalizeApiUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(
      "AUTOTASK_API_URL is not a valid URL: expected e.g. https://webservices6.autotask.net/ATServicesRest/",
      ["AUTOTASK_API_URL"],
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(
      "AUTOTASK_API_URL must not contain credentials, a query or a fragment",
      ["AUTOTASK_API_URL"],
    );
  }
  const secure = url.protocol === "https:";
  const localHttp = url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname);
  if (!secure && !localHttp) {
    throw new ConfigError(
      "AUTOTASK_API_URL must use https (plain http is allowed only for 127.0.0.1 or localhost)",
      ["AUTOTASK_API_URL"],
    );
  }
  let path = url.pathname.replace(/\/+$/, "");
  if (!/\/v1\.0$/i.test(path)) path += "/V1.0";
  return `${url.origin}${path}/`;
}
