/** Reads who may call a team server: per-user entries (MCP_USERS) and the OAuth authorization server (MCP_OAUTH_ISSUER, MCP_RESOURCE_URL). */

import { ConfigError, type EnvReader } from "../autotask/config.ts";

/** One user of the server, from MCP_USERS. */
export interface UserEntry {
  /** The user's key as written (an e-mail address, or the token subject for OAuth users). */
  user: string;
  /** SHA-256 of the user's static token, 64 lowercase hex digits; absent for OAuth-only users. */
  tokenHash?: string;
  /** The Autotask resource the user acts as; absent: found by e-mail. */
  resourceId?: number;
  /** No tool that writes, whatever the token's scopes say. */
  readOnly: boolean;
  /** Toolsets as written (checked and expanded by the entry); absent: every toolset served. */
  toolsets?: string[];
}

/** The OAuth 2.1 resource-server settings. */
export interface OAuthSettings {
  /** The authorization server's issuer identifier (exactly the tokens' `iss`). */
  issuer: string;
  /** This server's public MCP URL: the audience its tokens must name, and the RFC 9728 resource. */
  resourceUrl: string;
}

/** Who may call over HTTP besides the operator's MCP_AUTH_TOKEN. */
export interface AuthSettings {
  users: UserEntry[];
  oauth?: OAuthSettings;
}

/** True when `settings` makes every request authenticate (users with tokens, or OAuth). */
export function requiresSignIn(settings: AuthSettings): boolean {
  return settings.oauth !== undefined || settings.users.some((u) => u.tokenHash !== undefined);
}

const USER_KEY = /^[^\s;=,"]{1,254}$/;
const HASH = /^sha256:([0-9a-f]{64})$/i;

/** An entry's problem, naming the user but never a value that could be a secret. */
function entryError(user: string, problem: string): ConfigError {
  return new ConfigError(`MCP_USERS: the entry of ${user} ${problem}`, ["MCP_USERS"]);
}

/**
 * Parses MCP_USERS: entries separated by `;` or new lines, each the user's key followed by
 * `token=sha256:<hex>` (what `autotask-mcp token new` prints), `resource=<id>`,
 * `toolsets=a,b` and the flag `read-only`, e.g.
 * `alice@msp.example token=sha256:9f86d0... resource=29682886; bob@msp.example read-only`.
 */
export function parseUsers(text: string | undefined): UserEntry[] {
  const users: UserEntry[] = [];
  for (const raw of (text ?? "").split(/[;\n]/)) {
    const words = raw.trim().split(/\s+/).filter((w) => w !== "");
    if (words.length === 0) continue;
    const [user, ...options] = words;
    if (!USER_KEY.test(user) || user.includes("=")) {
      throw new ConfigError(
        "MCP_USERS: each entry starts with the user's e-mail address (or token subject), then " +
          "options such as token=sha256:... resource=ID read-only toolsets=a,b; separate " +
          "entries with ;",
        ["MCP_USERS"],
      );
    }
    const entry: UserEntry = { user, readOnly: false };
    for (const option of options) {
      const at = option.indexOf("=");
      const key = (at < 0 ? option : option.slice(0, at)).toLowerCase();
      const value = at < 0 ? undefined : option.slice(at + 1);
      if (key === "read-only" || key === "readonly") {
        if (value !== undefined && !/^(true|1|yes)$/i.test(value)) {
          throw entryError(user, "has read-only with a value: write the flag read-only alone");
        }
        entry.readOnly = true;
      } else if (key === "token") {
        const hash = HASH.exec(value ?? "");
        if (!hash) {
          // Never echo the value: it may be the token itself, pasted by mistake.
          throw entryError(
            user,
            "has a token= that is not sha256:<64 hex digits>: store only the hash that " +
              "`autotask-mcp token new --user " + user + "` prints, never the token",
          );
        }
        entry.tokenHash = hash[1].toLowerCase();
      } else if (key === "resource") {
        const id = Number(value);
        if (!/^\d+$/.test(value ?? "") || !Number.isSafeInteger(id) || id <= 0) {
          throw entryError(user, "has a resource= that is not a resource id (a positive number)");
        }
        entry.resourceId = id;
      } else if (key === "toolsets") {
        const names = (value ?? "").split(",").map((t) => t.trim().toLowerCase()).filter(Boolean);
        if (names.length === 0) throw entryError(user, "has an empty toolsets=");
        entry.toolsets = names;
      } else {
        throw entryError(
          user,
          `has an unknown option ${JSON.stringify(key.slice(0, 40))}: use token=, resource=, ` +
            "toolsets= or read-only",
        );
      }
    }
    if (users.some((u) => u.user.toLowerCase() === user.toLowerCase())) {
      throw entryError(user, "appears twice: give each user one entry");
    }
    if (entry.tokenHash && users.some((u) => u.tokenHash === entry.tokenHash)) {
      throw entryError(user, "has the same token as another user: create one token per user");
    }
    users.push(entry);
  }
  return users;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

function httpsUrl(
  raw: string,
  name: "MCP_OAUTH_ISSUER" | "MCP_RESOURCE_URL",
  example: string,
): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigError(`${name} is not a URL: expected e.g. ${example}`, [name]);
  }
  const local = url.protocol === "http:" && LOOPBACK.has(url.hostname);
  if (url.protocol !== "https:" && !local) {
    throw new ConfigError(
      `${name} must use https (plain http only for 127.0.0.1 or localhost): e.g. ${example}`,
      [name],
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(`${name} must not hold credentials, a query or a fragment`, [name]);
  }
  return url;
}

/**
 * Reads MCP_USERS, MCP_OAUTH_ISSUER and MCP_RESOURCE_URL. `listen` is where the server
 * listens: without MCP_RESOURCE_URL the resource is `http://HOST:PORT/mcp` (loopback only; a
 * server behind a proxy must name its public URL). Throws {@linkcode ConfigError}.
 */
export function loadAuthSettings(
  env: EnvReader,
  listen: { host: string; port: number },
): AuthSettings {
  const users = parseUsers(env("MCP_USERS"));
  const rawIssuer = env("MCP_OAUTH_ISSUER");
  const rawResource = env("MCP_RESOURCE_URL");
  if (rawIssuer === undefined) {
    if (rawResource !== undefined) {
      throw new ConfigError(
        "MCP_RESOURCE_URL is only used with MCP_OAUTH_ISSUER: set the issuer too, or unset it",
        ["MCP_RESOURCE_URL"],
      );
    }
    return { users };
  }
  httpsUrl(rawIssuer, "MCP_OAUTH_ISSUER", "https://login.example.com/realms/msp");
  let resource: URL;
  if (rawResource !== undefined) {
    resource = httpsUrl(rawResource, "MCP_RESOURCE_URL", "https://mcp.msp.example/mcp");
  } else {
    const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
    if (listen.port === 0 || !LOOPBACK.has(host)) {
      throw new ConfigError(
        "MCP_OAUTH_ISSUER needs MCP_RESOURCE_URL, this server's public MCP address (e.g. " +
          "https://mcp.msp.example/mcp): access tokens must name it as their audience",
        ["MCP_RESOURCE_URL"],
      );
    }
    resource = new URL(`http://${host}:${listen.port}/mcp`);
  }
  // Kept as written: tokens' `iss` must equal the issuer identifier exactly.
  return { users, oauth: { issuer: rawIssuer.trim(), resourceUrl: resource.href } };
}
