/** `doctor` on a team server's configuration: one line per MCP_USERS entry, spawned with the production flags plus loopback. */

import assert from "node:assert/strict";
import { productionFlagsPlusLoopback, runToExit, startTenant, tenantEnv } from "./harness.ts";
import { startIssuer } from "./team_oidc.ts";

const HASH = "b".repeat(64);

Deno.test({
  name: "doctor: each configured user acts as their resource, or the line says why not",
  async fn() {
    // Priya's security level does not allow impersonation.
    const tenant = await startTenant({ impersonationDenied: [29682887] });
    const issuer = await startIssuer();
    try {
      const users = [
        `alex.morgan@northwind-it.example token=sha256:${HASH} read-only toolsets=tickets`,
        "priya.nair@northwind-it.example",
        "bot@msp.example resource=29682885",
        "nobody@msp.example",
      ].join("; ");
      const { code, stdout } = await runToExit(
        await productionFlagsPlusLoopback(),
        {
          ...tenantEnv(tenant),
          TRANSPORT: "http",
          MCP_USERS: users,
          MCP_OAUTH_ISSUER: issuer.issuer,
        },
        ["doctor"],
      );
      assert.equal(code, 1, stdout);
      const line = (user: string) =>
        stdout.split("\n").find((l) => l.includes(`User ${user}`)) ?? `(no line for ${user})`;
      assert.match(
        line("alex.morgan@northwind-it.example"),
        /✓ .*acts as resource 29682886 \(token, read-only, toolsets tickets\)/,
      );
      assert.match(
        line("priya.nair@northwind-it.example"),
        /✗ .*security level does not allow impersonation/,
      );
      assert.match(line("bot@msp.example"), /✗ .*API-only user \(licenseType 7\)/);
      assert.match(line("nobody@msp.example"), /✗ .*not an Autotask resource/);
      assert.ok(!stdout.includes(HASH), "the token hash is not printed either");
      assert.match(
        stdout,
        new RegExp(
          `✓ OAuth issuer.*${issuer.issuer}: discovery read, signing keys at ${issuer.issuer}/.*` +
            "must name http://127\\.0\\.0\\.1:8050/mcp as their audience",
        ),
      );

      // A mistyped issuer: the line says what could not be read.
      const wrong = `${issuer.issuer}/realms/msp`;
      const typo = await runToExit(
        await productionFlagsPlusLoopback(),
        { ...tenantEnv(tenant), TRANSPORT: "http", MCP_OAUTH_ISSUER: wrong },
        ["doctor"],
      );
      assert.equal(typo.code, 1, typo.stdout);
      assert.match(typo.stdout, /✗ MCP_OAUTH_ISSUER.*cannot read the discovery document/);
    } finally {
      await issuer.close();
      await tenant.close();
    }
  },
});
