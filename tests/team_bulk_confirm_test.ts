/** End to end over HTTP: a bulk preview's confirm token applies only for the user who previewed. */

import assert from "node:assert/strict";
import { expandIds, openTickets, patchesById, writesIn } from "./bulk_fixtures.ts";
import type { Client } from "./deps.ts";
import { callError, callOk, startTenant, tenantEnv } from "./harness.ts";
import { ALEX, connectHttp, startTeamServer } from "./http_harness.ts";

const FOREIGN = /issued to another user: preview the change yourself/;

Deno.test({
  name: "team server: another user's confirm of a bulk preview is refused, writes nothing and " +
    "leaves the token to its owner",
  async fn() {
    const tenant = await startTenant();
    const { sandbox } = tenant;
    const { server, tokens } = await startTeamServer({
      ...tenantEnv(tenant),
      AUTOTASK_TOOLSETS: "default,bulk",
    });
    const clients: Client[] = [];
    try {
      const alice = await connectHttp(server.origin, { token: tokens.alice, era: "modern" });
      const bob = await connectHttp(server.origin, { token: tokens.bob, era: "legacy" });
      clients.push(alice, bob);
      const ids = openTickets(tenant, 40).filter((t) => t.priority !== 1).slice(0, 5)
        .map((t) => t.id as number);
      assert.equal(ids.length, 5);
      const args = { entity: "Tickets", ids, changes: { priority: 1 } };

      const preview = await callOk(alice, "bulk_update", args);
      assert.equal(preview.applied, false);
      const token = String(preview.confirm);

      // Bob holds Alice's token (shared in a chat, a screenshot): with the very same arguments,
      // with another tool, and once more, it applies nothing as him.
      const from = sandbox.log.length;
      assert.match(await callError(bob, "bulk_update", { ...args, confirm: token }), FOREIGN);
      const otherTool = await callError(bob, "bulk_add_ticket_notes", {
        ticketIDs: ids,
        description: "Not Alice's batch",
        confirm: token,
      });
      assert.match(otherTool, FOREIGN);
      assert.doesNotMatch(otherTool, /bulk_update/, "nothing about Alice's preview is revealed");
      assert.match(await callError(bob, "bulk_update", { ...args, confirm: token }), FOREIGN);
      assert.deepEqual(writesIn(sandbox.log.slice(from)), [], "Bob's confirms wrote nothing");
      for (const id of ids) assert.notEqual(sandbox.record("Tickets", id)!.priority, 1);

      // The token was not used up: Alice applies it, as herself.
      const applied = await callOk(alice, "bulk_update", { ...args, confirm: token });
      assert.equal(applied.applied, true);
      assert.deepEqual(expandIds(applied.updated), [...ids].sort((a, b) => a - b));
      const patches = patchesById(sandbox.log.slice(from));
      for (const id of ids) assert.deepEqual(patches.get(id), [200], `ticket ${id}`);
      const writes = writesIn(sandbox.log.slice(from));
      assert.deepEqual(
        [...new Set(writes.map((w) => w.impersonationResourceId))],
        [ALEX],
        "every write is Alice's",
      );

      // After the apply, Bob still gets neither a write nor Alice's report.
      const after = sandbox.log.length;
      const late = await callError(bob, "bulk_update", { ...args, confirm: token });
      assert.match(late, FOREIGN);
      assert.doesNotMatch(late, /updated/);
      assert.deepEqual(writesIn(sandbox.log.slice(after)), []);
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      const { code, stderr } = await server.stop();
      await tenant.close();
      assert.equal(code, 0, stderr);
    }
  },
});
