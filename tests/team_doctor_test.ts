/** `doctor` on a team server's configuration: one line per MCP_USERS entry, spawned with the production flags plus loopback. */

import assert from "node:assert/strict";
import { productionFlagsPlusLoopback, runToExit, startTenant, tenantEnv } from "./harness.ts";

const HASH = "b".repeat(64);

Deno.test({
  name: "doctor: each configured user acts as their resource, or the line says why not",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Priya's security level does not allow impersonation.
    const tenant = await startTenant({ impersonationDenied: [29682887] });
    try {
      const users = [
        `alex.morgan@northwind-it.example token=sha256:${HASH} read-only toolsets=tickets`,
        "priya.nair@northwind-it.example",
        "bot@msp.example resource=29682885",
        "nobody@msp.example",
      ].join("; ");
      const { code, stdout } = await runToExit(
        await productionFlagsPlusLoopback(),
        { ...tenantEnv(tenant), TRANSPORT: "http", MCP_USERS: users },
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
    } finally {
      await tenant.close();
    }
  },
});
