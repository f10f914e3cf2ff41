/** Who a request is for: the identity the HTTP layer verified, the policy it carries, and the tools that policy allows. */

import type { AuthInfo } from "@modelcontextprotocol/server";

/** What a policy looks at in a tool (a ToolDef; named here so this module needs no tool.ts). */
export interface PolicyTarget {
  name: string;
  /** "read" for tools that change nothing. */
  kind: string;
  toolset: string;
}

/** The scope that lets a token read (list and run read tools). */
export const READ_SCOPE = "autotask.read";
/** The scope that lets a token also write. */
export const WRITE_SCOPE = "autotask.write";
/** Scopes `autotask.toolset.<name>` narrow a token to those toolsets. */
export const TOOLSET_SCOPE_PREFIX = "autotask.toolset.";

/** Who a tool call is for, as tools see it (`ToolContext.caller`). */
export interface Caller {
  /** A stable user key: the token's e-mail or subject, the static token's user, or operator/local. */
  user: string;
  /** The Autotask resource the call acts as, when it impersonates one. */
  resourceId?: number;
  scopes: string[];
  /** No tool that writes may run for this caller. */
  readOnly: boolean;
  /** The toolsets this caller may use (core always); undefined: every toolset the server offers. */
  toolsets?: string[];
}

/** How a caller proved who they are. */
export type IdentityKind = "operator" | "token" | "oauth";

/**
 * What the HTTP layer verified about a request: set only there (from the operator token, a
 * per-user token or a validated OAuth access token and the server's configuration), never
 * from anything the client sends besides its credential.
 */
export interface Identity {
  user: string;
  kind: IdentityKind;
  /** Acts as a person in Autotask (users do, the operator does not). */
  impersonate: boolean;
  /** Where the user's resource is looked up (Resources.email). */
  email?: string;
  /** An explicit resource mapping from the configuration. */
  resourceId?: number;
  scopes: string[];
  readOnly: boolean;
  /** Toolset names (already expanded: no "all" or "default"); undefined: no narrowing. */
  toolsets?: string[];
}

/** Where an identity travels in the SDK's `AuthInfo` (from the HTTP layer to the factory and handlers). */
const IDENTITY_KEY = "autotaskMcpIdentity";

/** The SDK's `AuthInfo` for a verified identity; the credential itself is not kept in it. */
export function authInfoFor(identity: Identity, options: { expiresAt?: number } = {}): AuthInfo {
  return {
    token: "[not kept]",
    clientId: identity.user,
    scopes: identity.scopes,
    expiresAt: options.expiresAt,
    extra: { [IDENTITY_KEY]: identity },
  };
}

/** The identity the HTTP layer attached, or undefined (stdio, or HTTP without authentication). */
export function identityOf(authInfo: AuthInfo | undefined): Identity | undefined {
  const value = authInfo?.extra?.[IDENTITY_KEY];
  return value !== undefined && typeof value === "object" ? value as Identity : undefined;
}

/** True when `identity`'s policy lets it list and run `def`. */
export function allows(
  identity: Identity | undefined,
  def: Pick<PolicyTarget, "kind" | "toolset">,
): boolean {
  if (identity === undefined) return true;
  if (identity.readOnly && def.kind !== "read") return false;
  return identity.toolsets === undefined || def.toolset === "core" ||
    identity.toolsets.includes(def.toolset);
}

/** A key naming the tool list an identity gets: equal keys, equal lists (for caching per policy). */
export function policyKey(identity: Identity | undefined): string {
  if (identity === undefined) return "*";
  let key = POLICY_KEYS.get(identity);
  if (key === undefined) {
    const toolsets = identity.toolsets === undefined
      ? "*"
      : [...identity.toolsets].sort().join(",");
    key = `${identity.readOnly ? "ro" : "rw"}|${toolsets}`;
    POLICY_KEYS.set(identity, key);
  }
  return key;
}

/** Keys made so far: a signed-in user's identity is one object, met on every request. */
const POLICY_KEYS = new WeakMap<Identity, string>();

/** The part of `tools` an identity may list and run (never more than `tools`). */
export function narrowTools<T extends PolicyTarget>(
  tools: readonly T[],
  identity: Identity | undefined,
): T[] {
  return tools.filter((def) => allows(identity, def));
}

/** Why `def` is refused to `identity`, for the `isError` result. */
export function refusalFor(identity: Identity, def: Pick<PolicyTarget, "name" | "kind">): string {
  if (identity.readOnly && def.kind !== "read") {
    const why = identity.kind === "oauth"
      ? `your access token has no ${WRITE_SCOPE} scope`
      : "your account is read-only on this server";
    return `${def.name} changes Autotask data and ${why}: ask the server's operator for write access`;
  }
  return `${def.name} is not among the toolsets your account may use on this server ` +
    `(${identity.toolsets?.join(", ") || "core only"}): ask the server's operator`;
}
