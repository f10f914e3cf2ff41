/** The OAuth 2.1 resource server: the issuer's discovery document, JWT access-token validation (npm:jose) and the RFC 9728 metadata. */

import {
  type AuthInfo,
  buildOAuthProtectedResourceMetadata,
  getOAuthProtectedResourceMetadataUrl,
  OAuthError,
  OAuthErrorCode,
  type OAuthMetadata,
  type OAuthProtectedResourceMetadata,
  type OAuthTokenVerifier,
} from "@modelcontextprotocol/server";
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import { READ_SCOPE, WRITE_SCOPE } from "../mcp/caller.ts";
import type { OAuthSettings } from "./auth_config.ts";
import { sha256Hex } from "./guard.ts";

/** Seconds of clock difference tolerated on `nbf` and `iat` (the SDK enforces `exp` itself). */
export const CLOCK_TOLERANCE_SECONDS = 60;
/** Signature algorithms accepted: asymmetric only, so no shared secret can mint a token. */
const ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "EdDSA",
];
/** Verified tokens kept (by their SHA-256): checking one RS256 signature costs ~0.4 ms here. */
const VERIFIED_MAX = 1_000;
/**
 * How long a verified token is believed without checking its signature again, never past its
 * `exp`: no longer than the key set itself is cached (10 minutes), so a key the issuer
 * withdraws stops working as soon as it would have without this.
 */
const VERIFIED_FOR_MS = 5 * 60_000;
/** How long one discovery or key-set request may take. */
const FETCH_TIMEOUT_MS = 10_000;

/** Why the server could not use the configured issuer at start-up; the message says what to change. */
export class IssuerError extends Error {
  /** True when the network permission is missing (a configuration problem). */
  readonly permission: boolean;
  constructor(message: string, permission: boolean) {
    super(message);
    this.name = "IssuerError";
    this.permission = permission;
  }
}

/** `host:port` of a URL, as `--allow-net` names it. */
export function netHost(url: string): string {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
  return `${parsed.hostname}:${port}`;
}

/** How to give the server the network permission to reach `host`. */
function permissionAdvice(what: string, host: string): string {
  return `${what} needs network access to ${host}, which this run does not have: run from ` +
    `source with that host added, e.g. --allow-net=*.autotask.net:443,127.0.0.1:8050,${host}, ` +
    `or build a binary that allows it (deno task compile --allow-net-extra=${host}); the ` +
    "release binaries reach only Autotask and cannot be widened at run time";
}

/** Refuses to go on when this process may not reach `url`'s host. Asking needs no permission. */
export async function requireNetPermission(url: string, what: string): Promise<void> {
  const host = netHost(url);
  const state = (await Deno.permissions.query({ name: "net", host })).state;
  if (state !== "granted") throw new IssuerError(permissionAdvice(what, host), true);
}

/** The discovered authorization server: its metadata (RFC 8414 / OpenID) and key-set URL. */
export interface IssuerMetadata {
  metadata: OAuthMetadata;
  jwksUri: string;
}

/** Options of {@linkcode discoverIssuer}. */
export interface DiscoverOptions {
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * Reads the issuer's OpenID configuration (else its RFC 8414 metadata), checks that it names
 * the same issuer, and returns it with the key-set URL. Throws {@linkcode IssuerError}.
 */
export async function discoverIssuer(
  issuer: string,
  options: DiscoverOptions = {},
): Promise<IssuerMetadata> {
  await requireNetPermission(issuer, `MCP_OAUTH_ISSUER (${issuer})`);
  const doFetch = options.fetch ?? ((request: Request) => fetch(request));
  const base = new URL(issuer);
  const path = base.pathname.replace(/\/$/, "");
  const candidates = [
    `${base.origin}${path}/.well-known/openid-configuration`,
    `${base.origin}/.well-known/oauth-authorization-server${path}`,
  ];
  const problems: string[] = [];
  for (const url of candidates) {
    let response: Response;
    try {
      response = await doFetch(
        new Request(url, {
          headers: { accept: "application/json" },
          signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        }),
      );
    } catch (error) {
      problems.push(`${url}: ${(error as Error).message}`);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      problems.push(`${url}: HTTP ${response.status}`);
      continue;
    }
    let metadata: Record<string, unknown>;
    try {
      metadata = await response.json();
    } catch {
      problems.push(`${url}: not JSON`);
      continue;
    }
    if (metadata.issuer !== issuer) {
      throw new IssuerError(
        `MCP_OAUTH_ISSUER is ${issuer}, but the authorization server calls itself ` +
          `${JSON.stringify(metadata.issuer)}: set MCP_OAUTH_ISSUER to exactly that value`,
        false,
      );
    }
    if (typeof metadata.jwks_uri !== "string") {
      throw new IssuerError(
        `the authorization server ${issuer} publishes no jwks_uri: this server validates JWT ` +
          "access tokens with the issuer's signing keys, so the issuer must publish them",
        false,
      );
    }
    await requireNetPermission(
      metadata.jwks_uri,
      `The issuer's signing keys (${metadata.jwks_uri})`,
    );
    return { metadata: metadata as unknown as OAuthMetadata, jwksUri: metadata.jwks_uri };
  }
  throw new IssuerError(
    `cannot read the discovery document of MCP_OAUTH_ISSUER ${issuer} (${problems.join("; ")}): ` +
      "check the issuer URL and that the authorization server is reachable",
    false,
  );
}

/** The claims a verified access token hands on (for the user's key, e-mail and scopes). */
export interface TokenClaims {
  sub: string;
  email?: string;
  /** `preferred_username` or `upn` (Entra ID), when they look like an e-mail address. */
  username?: string;
  scopes: string[];
}

/** The claims of an `AuthInfo` from {@linkcode JwtVerifier}. */
export function claimsOf(authInfo: AuthInfo): TokenClaims | undefined {
  return authInfo.extra?.claims as TokenClaims | undefined;
}

function scopesOf(payload: JWTPayload): string[] {
  // `scope` (RFC 9068, Okta, Keycloak) is a space-separated string; `scp` (Entra ID) may be a list.
  const raw = payload.scope ?? payload.scp;
  const list = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(" ") : [];
  return list.filter((s): s is string => typeof s === "string" && s !== "");
}

function emailLike(value: unknown): string | undefined {
  return typeof value === "string" && /^[^@\s]+@[^@\s]+$/.test(value)
    ? value.toLowerCase()
    : undefined;
}

/** A short reason for a refused token (never its content), for the 401's error_description. */
function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "The access token has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === "aud") return "The access token was not issued for this server (audience)";
    if (claim === "iss") return "The access token was not issued by the configured issuer";
    if (claim === "nbf" || claim === "iat") return "The access token is not valid yet";
    return `The access token's ${claim} claim is not valid`;
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return "The access token's signature does not match the issuer's signing keys";
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return "The access token is signed with an algorithm this server does not accept";
  }
  return "The access token is not a valid JWT";
}

/**
 * Validates JWT access tokens: signature through the issuer's key set (fetched and cached
 * by jose), issuer, audience = this server's URL, expiry, `nbf`/`iat` with clock tolerance.
 */
export class JwtVerifier implements OAuthTokenVerifier {
  readonly #settings: OAuthSettings;
  readonly #keys: ReturnType<typeof createRemoteJWKSet>;
  readonly #now: () => number;
  readonly #verified = new Map<string, { authInfo: AuthInfo; until: number }>();
  #verifications = 0;

  constructor(settings: OAuthSettings, jwksUri: string, options: { now?: () => number } = {}) {
    this.#settings = settings;
    this.#now = options.now ?? Date.now;
    this.#keys = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: FETCH_TIMEOUT_MS,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
  }

  /** Signatures checked so far (a token seen again within its time is not checked again). */
  get verifications(): number {
    return this.#verifications;
  }

  /**
   * The token's `AuthInfo`: from a verification of the same token a moment ago (a client sends
   * one token with every request), else verified now. Only verified tokens are kept.
   */
  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const key = sha256Hex(token);
    const now = this.#now();
    const known = this.#verified.get(key);
    if (known !== undefined && now < known.until) return known.authInfo;
    this.#verified.delete(key);
    const authInfo = await this.#verify(token, now);
    const until = Math.min(now + VERIFIED_FOR_MS, (authInfo.expiresAt ?? 0) * 1000);
    if (until > now) {
      if (this.#verified.size >= VERIFIED_MAX) {
        this.#verified.delete(this.#verified.keys().next().value!);
      }
      this.#verified.set(key, { authInfo, until });
    }
    return authInfo;
  }

  /** The verified token's `AuthInfo`, or an `OAuthError` (invalid_token, or server_error when the keys cannot be read). */
  async #verify(token: string, now: number): Promise<AuthInfo> {
    this.#verifications++;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        currentDate: new Date(now),
        issuer: this.#settings.issuer,
        audience: this.#settings.resourceUrl,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp", "sub"],
      }));
    } catch (error) {
      if (
        error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid ||
        (error instanceof TypeError && !(error instanceof errors.JOSEError))
      ) {
        throw new OAuthError(
          OAuthErrorCode.ServerError,
          "The issuer's signing keys could not be read; try again shortly",
        );
      }
      throw new OAuthError(OAuthErrorCode.InvalidToken, describeJoseError(error));
    }
    const claims: TokenClaims = {
      sub: String(payload.sub),
      // An address the issuer says it has not verified could be anyone's: acting as that
      // address's Autotask resource would let a user pick whom they act as.
      email: payload.email_verified === false ? undefined : emailLike(payload.email),
      username: emailLike(payload.preferred_username) ?? emailLike(payload.upn),
      scopes: scopesOf(payload),
    };
    return {
      token: "[not kept]",
      clientId: typeof payload.client_id === "string"
        ? payload.client_id
        : typeof payload.azp === "string"
        ? payload.azp
        : "",
      scopes: claims.scopes,
      expiresAt: payload.exp,
      resource: new URL(this.#settings.resourceUrl),
      extra: { claims },
    };
  }
}

/** What the HTTP layer serves and checks for OAuth. */
export interface OAuthResource {
  settings: OAuthSettings;
  verifier: OAuthTokenVerifier;
  /** The RFC 9728 document. */
  metadata: OAuthProtectedResourceMetadata;
  /** The authorization server's own metadata, passed on at `/.well-known/oauth-authorization-server`. */
  serverMetadata: OAuthMetadata;
  /** Where the RFC 9728 document is served (named in every 401). */
  metadataUrl: string;
  /** The issuer's key set. */
  jwksUri: string;
}

/**
 * Prepares the resource server: checks the network permission for the issuer, reads its
 * discovery document, and builds the verifier and the protected-resource metadata.
 */
export async function prepareOAuth(
  settings: OAuthSettings,
  options: DiscoverOptions = {},
): Promise<OAuthResource> {
  const { metadata: serverMetadata, jwksUri } = await discoverIssuer(settings.issuer, options);
  const resource = new URL(settings.resourceUrl);
  const issuerUrl = new URL(settings.issuer);
  const metadata = buildOAuthProtectedResourceMetadata({
    oauthMetadata: serverMetadata,
    resourceServerUrl: resource,
    scopesSupported: [READ_SCOPE, WRITE_SCOPE],
    resourceName: "autotask-mcp",
    // Plain http is accepted for a loopback issuer only (settings checked it); never elsewhere.
    dangerouslyAllowInsecureIssuerUrl: issuerUrl.protocol === "http:",
  });
  return {
    settings,
    verifier: new JwtVerifier(settings, jwksUri),
    metadata: { ...metadata, bearer_methods_supported: ["header"] },
    serverMetadata,
    metadataUrl: getOAuthProtectedResourceMetadataUrl(resource),
    jwksUri,
  };
}
