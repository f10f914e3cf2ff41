/** The OAuth verifier checks a token's signature once, then believes it for a while, never past its expiry, and never keeps a token that failed. */

import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { CLOCK_TOLERANCE_SECONDS, JwtVerifier } from "../lib/http/oauth.ts";

const ISSUER = "https://login.msp.example";
const RESOURCE = "https://mcp.msp.example/mcp";

async function issuer() {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => Response.json({ keys: [jwk] }),
  );
  const sign = (expiresAt: number, subject = "u1") =>
    new SignJWT({ email: "alice@msp.example", scope: "autotask:read autotask:write" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience(RESOURCE)
      .setSubject(subject)
      .setIssuedAt(Math.floor(expiresAt / 1000) - 3600)
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(privateKey);
  return {
    jwksUri: `http://127.0.0.1:${server.addr.port}/jwks`,
    sign,
    close: () => server.shutdown(),
  };
}

Deno.test("a token sent again is not verified again; another token is", async () => {
  const keys = await issuer();
  try {
    let now = Date.now();
    const verifier = new JwtVerifier({ issuer: ISSUER, resourceUrl: RESOURCE }, keys.jwksUri, {
      now: () => now,
    });
    const token = await keys.sign(now + 3_600_000);
    const first = await verifier.verifyAccessToken(token);
    for (let i = 0; i < 5; i++) {
      now += 1_000;
      assert.deepEqual(await verifier.verifyAccessToken(token), first);
    }
    assert.equal(verifier.verifications, 1);
    await verifier.verifyAccessToken(await keys.sign(now + 3_600_000, "u2"));
    assert.equal(verifier.verifications, 2);
    // Believed for five minutes at most: then the signature is checked again.
    now += 5 * 60_000;
    await verifier.verifyAccessToken(token);
    assert.equal(verifier.verifications, 3);
  } finally {
    await keys.close();
  }
});

Deno.test("a kept token is never believed past its expiry, and a refused one is never kept", async () => {
  const keys = await issuer();
  try {
    let now = Date.now();
    const verifier = new JwtVerifier({ issuer: ISSUER, resourceUrl: RESOURCE }, keys.jwksUri, {
      now: () => now,
    });
    const token = await keys.sign(now + 60_000);
    await verifier.verifyAccessToken(token);
    // Past its exp (and the clock tolerance): checked again, and refused.
    now += 60_000 + CLOCK_TOLERANCE_SECONDS * 1000 + 1_000;
    await assert.rejects(verifier.verifyAccessToken(token), /exp/);
    assert.equal(verifier.verifications, 2);
    await assert.rejects(verifier.verifyAccessToken(token), /exp/);
    assert.equal(verifier.verifications, 3, "a refused token is checked every time");
    const forged = `${token.slice(0, token.lastIndexOf(".") + 1)}${"A".repeat(40)}`;
    await assert.rejects(verifier.verifyAccessToken(forged));
    await assert.rejects(verifier.verifyAccessToken(forged));
    assert.equal(verifier.verifications, 5);
  } finally {
    await keys.close();
  }
});
