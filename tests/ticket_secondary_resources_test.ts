/** search_ticket_secondary_resources through the official client, in process, against the simulated tenant over HTTP. */

import assert from "node:assert/strict";
import { callError, callOk } from "./harness.ts";
import { inProcessSession } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;

Deno.test({
  name:
    "search_ticket_secondary_resources lists who helps on a ticket, with names, and writes nothing",
  async fn() {
    const session = await inProcessSession({
      env: { AUTOTASK_TOOLSETS: "default,secondary_resources", AUTOTASK_READ_ONLY: "true" },
    });
    const { tenant } = session;
    try {
      const { client } = session;
      const listed = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(listed.includes("search_ticket_secondary_resources"), "listed, read-only too");
      const rows = tenant.sandbox.records("TicketSecondaryResources");
      const ticketID = rows[0].ticketID as number;
      const expected = rows.filter((r) => r.ticketID === ticketID).map((r) => r.id).sort();
      tenant.sandbox.resetStats();
      const byTicket = await callOk(client, "search_ticket_secondary_resources", {
        ticketID,
        includeTotal: true,
      });
      const items = byTicket.items as Rec[];
      assert.deepEqual(items.map((r) => r.id).sort(), expected);
      assert.equal(byTicket.total, expected.length);
      for (const item of items) {
        assert.equal(item.ticketID, ticketID);
        assert.equal(typeof item.resourceName, "string", "the resource named inline");
        assert.equal(typeof item.roleName, "string", "the role named inline");
        assert.match(String(item.ticketName), /^T\d+/, "the ticket named by number and title");
      }
      const resourceID = rows[0].resourceID as number;
      const byResource = await callOk(client, "search_ticket_secondary_resources", {
        resourceID,
        limit: 2,
      });
      assert.ok((byResource.items as Rec[]).every((r) => r.resourceID === resourceID));
      assert.equal(byResource.hasMore, rows.filter((r) => r.resourceID === resourceID).length > 2);
      // No role 1: said so, not passed off as "nobody helps in that role".
      assert.match(
        await callError(client, "search_ticket_secondary_resources", { roleID: 1 }),
        /^Role 1 was not found/,
      );
      assert.deepEqual(
        tenant.sandbox.log.filter((e) =>
          e.method !== "GET" && !/\/query(\/count|\/next)?$/i.test(e.path.split("?")[0])
        ).map((e) => `${e.method} ${e.path}`),
        [],
        "nothing written",
      );
    } finally {
      await session.close();
    }
  },
});

Deno.test({
  name: "search_ticket_secondary_resources is not in the default tool list",
  async fn() {
    const session = await inProcessSession();
    try {
      const listed = (await session.client.listTools()).tools.map((t) => t.name);
      assert.ok(listed.includes("search_tickets"));
      assert.ok(!listed.includes("search_ticket_secondary_resources"));
    } finally {
      await session.close();
    }
  },
});
