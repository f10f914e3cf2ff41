/** Test harness: a real OpenID / OAuth 2.1 authorization server (npm:oidc-provider) on 127.0.0.1, and users signing in to it. */

import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { loadOidcProvider } from "./deps.ts";

/** The client the tests sign in with (a confidential client: no browser needed for the code exchange). */
const CLIENT = { id: "autotask-mcp-tests", secret: "oidc-client-secret-for-tests-only" };
const REDIRECT_URI = "http://127.0.0.1/callback";

/** A running authorization server. */
export interface Issuer {
  /** The issuer identifier (`http://127.0.0.1:PORT`). */
  issuer: string;
  /**
   * Signs a user in with the authorization code flow (login and consent through the
   * provider's own interaction pages) and returns the JWT access token for `resource`.
   */
  signIn(user: string, options: { scope: string; resource: string }): Promise<string>;
  /** Mints a token with the issuer's own signing key (for an expired one: `exp` in the past). */
  mint(claims: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts oidc-provider with one RSA key; user `<name>` has the e-mail `<name>@<emailDomain>`
 * (default: the simulated tenant's staff domain, so the e-mail finds their resource).
 */
export async function startIssuer(
  options: { emailDomain?: string } = {},
): Promise<Issuer> {
  const domain = options.emailDomain ?? "northwind-it.example";
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk: JWK = { ...await exportJWK(privateKey), kid: "test-key-1", alg: "RS256", use: "sig" };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const OidcProvider = await loadOidcProvider();
  const provider = new OidcProvider(issuer, {
    clients: [{
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      redirect_uris: [REDIRECT_URI],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    }],
    jwks: { keys: [jwk] },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@${domain}` }),
    }),
    claims: { openid: ["sub"], email: ["email"] },
    scopes: ["openid", "email", "autotask.read", "autotask.write"],
    features: {
      devInteractions: { enabled: true },
      // RFC 8707: the token is issued for the resource the client names, as a JWT (RFC 9068).
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: "autotask.read autotask.write",
          audience: resource,
          accessTokenFormat: "jwt",
          accessTokenTTL: 600,
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    // The resource server finds the person's Autotask resource by this claim.
    extraTokenClaims: (_ctx: unknown, token: { accountId?: string }) =>
      token.accountId ? { email: `${token.accountId}@${domain}` } : {},
    pkce: { required: () => false },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      Grant: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
    },
  });
  server.on("request", provider.callback());

  async function signIn(
    user: string,
    options: { scope: string; resource: string },
  ): Promise<string> {
    const jar = new Map<string, string>();
    const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
      const response = await fetch(url, { ...init, headers, redirect: "manual" });
      for (const cookie of response.headers.getSetCookie()) {
        const pair = cookie.split(";")[0];
        const at = pair.indexOf("=");
        jar.set(pair.slice(0, at), pair.slice(at + 1));
      }
      return response;
    };
    const authorize = new URL(`${issuer}/auth`);
    authorize.search = new URLSearchParams({
      client_id: CLIENT.id,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: `openid email ${options.scope}`,
      resource: options.resource,
    }).toString();
    let location = authorize.href;
    for (let step = 0; step < 12 && !location.startsWith(REDIRECT_URI); step++) {
      let response: Response;
      if (/\/interaction\/[^/]+$/.test(new URL(location).pathname)) {
        // The provider's login page, then its consent page: submit each as a person would.
        const page = await go(location);
        const html = await page.text();
        const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1] ??
          (/name="login"/.test(html) ? "login" : "consent");
        const form: Record<string, string> = prompt === "login"
          ? { prompt, login: user, password: "any" }
          : { prompt };
        response = await go(location, {
          method: "POST",
          body: new URLSearchParams(form),
          headers: { "content-type": "application/x-www-form-urlencoded" },
        });
      } else {
        response = await go(location);
      }
      await response.body?.cancel();
      const next = response.headers.get("location");
      if (next === null) throw new Error(`sign-in stopped at ${location} (${response.status})`);
      location = new URL(next, issuer).href;
    }
    const code = new URL(location).searchParams.get("code");
    if (code === null) throw new Error(`no authorization code: ${location}`);
    const token = await fetch(`${issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: REDIRECT_URI,
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        resource: options.resource,
      }),
    });
    const body = await token.json();
    if (!token.ok) throw new Error(`token endpoint: ${JSON.stringify(body)}`);
    return body.access_token as string;
  }

  async function mint(claims: Record<string, unknown>): Promise<string> {
    return await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid: jwk.kid })
      .sign(privateKey);
  }

  return {
    issuer,
    signIn,
    mint,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A free loopback port (for a server whose public URL must be known before it starts). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
