/** Three server processes share one integration code (and so Autotask's 3 threads): no call fails, nothing is stored twice. */

import assert from "node:assert/strict";
import { connectStdio, startTenant, type StdioSession, tenantEnv } from "./harness.ts";

const PROCESSES = 3;
const SEARCHES_PER_PROCESS = 10;
const NOTES_PER_PROCESS = 3;
const MARKER = "Shared-code note";

Deno.test({
  name: "3 server processes, 30 parallel searches and 9 note creates: 0 failures, exactly 9 notes",
  async fn() {
    // A 250 ms round trip holds each of the tenant's 3 threads long enough for the processes to collide.
    const tenant = await startTenant({ latencyMs: 250 });
    const sessions: StdioSession[] = [];
    try {
      for (let p = 0; p < PROCESSES; p++) {
        sessions.push(await connectStdio({ env: tenantEnv(tenant) }));
      }
      const ticketIds = tenant.sandbox.records("Tickets").slice(0, 20).map((t) => t.id as number);
      tenant.sandbox.resetStats();
      const calls = sessions.flatMap((session, p) => [
        ...Array.from({ length: SEARCHES_PER_PROCESS }, (_, i) =>
          session.client.callTool({
            name: "search_tickets",
            arguments: { limit: 5 + i, openOnly: i % 2 === 0 },
          })),
        ...Array.from({ length: NOTES_PER_PROCESS }, (_, i) =>
          session.client.callTool({
            name: "add_ticket_note",
            arguments: {
              ticketID: ticketIds[p * NOTES_PER_PROCESS + i],
              title: `${MARKER} ${p}-${i}`,
              description: "Logged while two colleagues were busy too.",
            },
          })),
      ]);
      const results = await Promise.all(calls);
      const failed = results
        .map((r, i) => ({ i, r }))
        .filter(({ r }) => r.isError)
        .map(({ i, r }) => `call ${i}: ${JSON.stringify(r.content).slice(0, 300)}`);
      assert.deepEqual(failed, [], "no call failed");

      const refusals = tenant.sandbox.log.filter((e) => e.status === 429 || e.status === 0).length;
      assert.ok(
        refusals > 0,
        "the processes met the shared thread limit (else this proves nothing)",
      );
      const notes = tenant.sandbox.records("TicketNotes")
        .filter((n) => String(n.title).startsWith(MARKER));
      assert.equal(notes.length, PROCESSES * NOTES_PER_PROCESS, "exactly 9 notes");
      assert.equal(new Set(notes.map((n) => n.title)).size, notes.length, "none twice");
      for (const entity of ["Tickets", "TicketNotes", "Companies", "Contacts", "Resources"]) {
        assert.ok(tenant.sandbox.maxInFlight(entity) <= 3, `${entity} never past 3 in flight`);
      }

      // Afterwards every process still answers: no refusal was taken for a used-up hour.
      for (const session of sessions) {
        const after = await session.client.callTool({
          name: "search_companies",
          arguments: { limit: 1 },
        });
        assert.ok(!after.isError, JSON.stringify(after.content));
      }
      const by: Record<string, number> = {};
      for (const e of tenant.sandbox.log) {
        if (e.status === 429) by[e.entity ?? "-"] = (by[e.entity ?? "-"] ?? 0) + 1;
      }
      console.log(
        `${refusals} thread-limit refusals absorbed, ${notes.length} notes stored`,
        JSON.stringify(by),
        tenant.sandbox.log.length,
      );
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
      await tenant.close();
    }
  },
});
