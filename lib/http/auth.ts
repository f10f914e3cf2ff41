/** Who is calling over HTTP: the operator's token, per-user static tokens, or OAuth access tokens, each turned into one verified identity. */

import {
  type AuthInfo,
  bearerAuthChallengeResponse,
  OAuthError,
  OAuthErrorCode,
  verifyBearerToken,
} from "@modelcontextprotocol/server";
import {
  authInfoFor,
  type Identity,
  READ_SCOPE,
  TOOLSET_SCOPE_PREFIX,
  WRITE_SCOPE,
} from "../mcp/caller.ts";
import type { UserEntry } from "./auth_config.ts";
import { BearerCheck, hex, jsonRpcError, sha256 } from "./guard.ts";
import { claimsOf, type OAuthResource } from "./oauth.ts";

/** What {@linkcode Authenticator.authenticate} decided. */
export type AuthOutcome =
  | {
    ok: true;
    /** Undefined when nothing is configured (loopback without tokens): an anonymous local caller. */
    identity?: Identity;
    authInfo?: AuthInfo;
  }
  | { ok: false; response: Response; refused: "token" | "scope" | "unavailable" };

/** What the authenticator checks against. */
export interface AuthenticatorOptions {
  /** MCP_AUTH_TOKEN: the operator's token (today's single token). */
  operatorToken?: string;
  /** MCP_USERS with toolsets already expanded by the entry. */
  users: UserEntry[];
  /** The OAuth resource server, when MCP_OAUTH_ISSUER is set. */
  oauth?: OAuthResource;
  /** The bearer realm (the server's name). */
  realm: string;
}

const OPERATOR: Identity = {
  user: "operator",
  kind: "operator",
  impersonate: false,
  scopes: [READ_SCOPE, WRITE_SCOPE],
  readOnly: false,
};
const OPERATOR_OUTCOME: AuthOutcome = {
  ok: true,
  identity: OPERATOR,
  authInfo: authInfoFor(OPERATOR),
};

/**
 * Turns an `Authorization` header into an identity, trying in turn the operator's token, the
 * per-user tokens (by the SHA-256 of what was sent: only hashes are configured) and, when an
 * issuer is configured, a JWT access token. A user's policy (read-only, toolsets, resource)
 * comes from the configuration and the token's scopes only, so nothing else a client sends can
 * widen it.
 */
export class Authenticator {
  readonly #operator: BearerCheck | undefined;
  readonly #byHash: Map<string, UserEntry>;
  readonly #byKey: Map<string, UserEntry>;
  readonly #oauth: OAuthResource | undefined;
  readonly #realm: string;
  /** Each user's outcome, made once: the same identity and AuthInfo on every request. */
  readonly #outcomes = new Map<UserEntry, AuthOutcome>();
  /** True when every request must carry a valid credential. */
  readonly required: boolean;

  constructor(options: AuthenticatorOptions) {
    this.#operator = options.operatorToken !== undefined
      ? new BearerCheck(options.operatorToken)
      : undefined;
    this.#byHash = new Map(
      options.users.filter((u) => u.tokenHash).map((u) => [u.tokenHash!, u]),
    );
    this.#byKey = new Map(options.users.map((u) => [u.user.toLowerCase(), u]));
    this.#oauth = options.oauth;
    this.#realm = options.realm;
    this.required = this.#operator !== undefined || this.#byHash.size > 0 ||
      this.#oauth !== undefined;
  }

  /** True when `header` carries the operator's token (MCP_AUTH_TOKEN). */
  isOperator(header: string | null): boolean {
    return this.#operator !== undefined && this.#operator.check(header) === "ok";
  }

  /** The identity `header` proves, or the 401/403 to answer. */
  async authenticate(header: string | null): Promise<AuthOutcome> {
    if (!this.required) return { ok: true };
    const match = header === null ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (match === null) {
      return this.#refuse(header === null || header.trim() === "" ? "missing" : "malformed");
    }
    const token = match[1];
    // One digest serves both checks: the operator's token and the per-user hashes.
    const digest = sha256(token);
    if (this.#operator?.matches(digest)) return OPERATOR_OUTCOME;
    const entry = this.#byHash.get(hex(digest));
    if (entry !== undefined) {
      let outcome = this.#outcomes.get(entry);
      if (outcome === undefined) {
        const identity = userIdentity(entry);
        outcome = { ok: true, identity, authInfo: authInfoFor(identity) };
        this.#outcomes.set(entry, outcome);
      }
      return outcome;
    }
    // Only a JWT (three dot-separated parts) is worth the verifier's time.
    if (this.#oauth !== undefined && /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) {
      return await this.#verifyJwt(header!);
    }
    return this.#refuse("invalid");
  }

  async #verifyJwt(header: string): Promise<AuthOutcome> {
    const oauth = this.#oauth!;
    let verified: AuthInfo;
    try {
      verified = await verifyBearerToken(header, {
        verifier: oauth.verifier,
        expectedResource: new URL(oauth.settings.resourceUrl),
        resourceMetadataUrl: oauth.metadataUrl,
      });
    } catch (error) {
      const unavailable = error instanceof OAuthError && error.code === OAuthErrorCode.ServerError;
      if (unavailable) {
        return {
          ok: false,
          refused: "unavailable",
          response: jsonRpcError(503, -32000, `Service Unavailable: ${error.message}`, {
            "retry-after": "30",
          }),
        };
      }
      return { ok: false, refused: "token", response: this.#challenge(error) };
    }
    const claims = claimsOf(verified)!;
    const granted = claims.scopes.filter((s) => s === READ_SCOPE || s === WRITE_SCOPE);
    if (granted.length === 0) {
      const error = new OAuthError(
        OAuthErrorCode.InsufficientScope,
        `The access token grants neither ${READ_SCOPE} nor ${WRITE_SCOPE}`,
      );
      return {
        ok: false,
        refused: "scope",
        response: bearerAuthChallengeResponse(error, {
          requiredScopes: [READ_SCOPE],
          resourceMetadataUrl: oauth.metadataUrl,
        }),
      };
    }
    const email = claims.email ?? claims.username;
    const user = email ?? claims.sub;
    // The operator's entry for this person narrows further (never widens what the scopes say).
    const entry = this.#byKey.get(user.toLowerCase()) ??
      this.#byKey.get(claims.sub.toLowerCase());
    const scopeToolsets = claims.scopes.filter((s) => s.startsWith(TOOLSET_SCOPE_PREFIX))
      .map((s) => s.slice(TOOLSET_SCOPE_PREFIX.length).toLowerCase());
    const identity: Identity = {
      user,
      kind: "oauth",
      impersonate: true,
      email,
      resourceId: entry?.resourceId,
      scopes: claims.scopes,
      readOnly: !claims.scopes.includes(WRITE_SCOPE) || entry?.readOnly === true,
      toolsets: intersect(entry?.toolsets, scopeToolsets.length > 0 ? scopeToolsets : undefined),
    };
    return {
      ok: true,
      identity,
      authInfo: authInfoFor(identity, { expiresAt: verified.expiresAt }),
    };
  }

  #refuse(why: "missing" | "malformed" | "invalid"): AuthOutcome {
    const description = why === "missing"
      ? "Send a token as `Authorization: Bearer <token>`"
      : why === "malformed"
      ? "The Authorization header must be `Bearer <token>`"
      : "The token is not valid for this server";
    if (this.#oauth !== undefined) {
      const error = new OAuthError(OAuthErrorCode.InvalidToken, description);
      return { ok: false, refused: "token", response: this.#challenge(error) };
    }
    const challenge = why === "missing"
      ? `Bearer realm="${this.#realm}"`
      : `Bearer realm="${this.#realm}", error="invalid_token"`;
    return {
      ok: false,
      refused: "token",
      response: jsonRpcError(
        401,
        -32001,
        `Unauthorized: ${description} (the server's MCP_AUTH_TOKEN, or your own token from ` +
          "`autotask-mcp token new`)",
        { "www-authenticate": challenge },
      ),
    };
  }

  /** The 401 of an OAuth failure: the SDK's challenge, naming the protected-resource metadata. */
  #challenge(error: unknown): Response {
    const response = bearerAuthChallengeResponse(error, {
      resourceMetadataUrl: this.#oauth!.metadataUrl,
    });
    const headers = new Headers(response.headers);
    const challenge = headers.get("www-authenticate");
    if (challenge !== null) {
      headers.set(
        "www-authenticate",
        challenge.replace(/^Bearer /, `Bearer realm="${this.#realm}", `),
      );
    }
    return new Response(response.body, { status: response.status, headers });
  }
}

/** The identity of a per-user static token. */
function userIdentity(entry: UserEntry): Identity {
  return {
    user: entry.user,
    kind: "token",
    impersonate: true,
    email: /^[^@\s]+@[^@\s]+$/.test(entry.user) ? entry.user.toLowerCase() : undefined,
    resourceId: entry.resourceId,
    scopes: entry.readOnly ? [READ_SCOPE] : [READ_SCOPE, WRITE_SCOPE],
    readOnly: entry.readOnly,
    toolsets: entry.toolsets,
  };
}

/** The toolsets both lists allow (undefined: no limit). */
function intersect(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.filter((t) => b.includes(t));
}
