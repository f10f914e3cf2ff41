/** A drop fault is quiet: the simulated tenant logs no stack trace for the connection it drops on purpose. */

import assert from "node:assert/strict";
import { SANDBOX_CREDENTIALS } from "../lib/sandbox/mod.ts";
import { startTenant } from "./harness.ts";

Deno.test({
  name: "a dropped connection fails the client's request without an error printed by the tenant",
  async fn() {
    const tenant = await startTenant();
    const printed: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void printed.push(args);
    try {
      tenant.sandbox.inject({ kind: "drop", match: { entity: "Companies" } });
      await assert.rejects(async () => {
        const response = await fetch(`${tenant.restBase}V1.0/Companies/0`, {
          headers: {
            UserName: SANDBOX_CREDENTIALS.username,
            Secret: SANDBOX_CREDENTIALS.secret,
            ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
          },
        });
        await response.text();
      });
      // Deno.serve reports the body's error after the response has gone out.
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      console.error = original;
      await tenant.close();
    }
    assert.deepEqual(printed.map((args) => String(args[0]).slice(0, 200)), []);
  },
});
