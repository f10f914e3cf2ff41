/**
 * End to end over Streamable HTTP: two users of a team server share Autotask's 3 threads per
 * entity in turns. Alice's bulk work keeps many writes queued on Tickets; Bob's calls on Tickets
 * meanwhile wait a turn or two, not her whole queue, and both users' work completes.
 */

import assert from "node:assert/strict";
import type { RequestLogEntry } from "../lib/sandbox/mod.ts";
import { expandIds, writesIn } from "./bulk_fixtures.ts";
import type { Client } from "./deps.ts";
import { callOk, startTenant, tenantEnv } from "./harness.ts";
import { ALEX, connectHttp, SAM, startTeamServer } from "./http_harness.ts";

type Rec = Record<string, unknown>;

/**
 * Alice's bulk jobs, applied at once. One job keeps at most 3 writes in the gate (its three
 * workers), so a lone job never queues ahead of anyone; several at once queue about 3 per job
 * beyond the 3 in flight: the queue a FIFO gate would make Bob wait behind.
 */
const JOBS = 8;
const PER_JOB = 40;
/**
 * Alice's writes that may start while one of Bob's requests waits. In turns it is her turn or
 * two plus what starts while his call crosses the server (0-5 seen); a gate serving the queue in
 * arrival order makes each of his requests wait behind all of hers (21-26 seen).
 */
const MAX_ALICE_WRITES_PER_WAIT = 10;

/** Requests of the tenant's log acting as `resourceId` on `entity`. */
function actingAs(log: readonly RequestLogEntry[], resourceId: number, entity?: string) {
  return log.filter((e) =>
    e.impersonationResourceId === resourceId && (entity === undefined || e.entity === entity)
  );
}

Deno.test({
  name: "team server over HTTP: Bob's calls on Tickets finish in turns while Alice's parallel " +
    "bulk updates still run; both complete, each as themselves, never over 3 in flight",
  async fn() {
    // Every request holds its thread a while: the 3 slots on Tickets, not the server, set the pace.
    const tenant = await startTenant({ latencyMs: 20, ticketCount: 600 });
    const { sandbox } = tenant;
    const { server, tokens } = await startTeamServer({
      ...tenantEnv(tenant),
      AUTOTASK_TOOLSETS: "default,bulk",
      MCP_RATE_LIMIT: "0",
    });
    const clients: Client[] = [];
    try {
      const alice = await connectHttp(server.origin, { token: tokens.alice, era: "modern" });
      const bob = await connectHttp(server.origin, { token: tokens.bob, era: "legacy" });
      clients.push(alice, bob);
      const open = sandbox.records("Tickets").filter((t) => t.priority !== 1);
      assert.ok(open.length >= JOBS * PER_JOB + 3, `${open.length} tickets to update`);
      const jobs = Array.from(
        { length: JOBS },
        (_, i) => open.slice(i * PER_JOB, (i + 1) * PER_JOB).map((t) => t.id as number),
      );
      const bobsIds = open.slice(JOBS * PER_JOB, JOBS * PER_JOB + 3).map((t) => t.id as number);
      const ticketId = bobsIds[0];

      // Before the rush: each user's resource is resolved and the metadata cached, so what Bob
      // does below is his tools' own requests.
      await callOk(bob, "get_ticket", { id: ticketId });
      await callOk(bob, "search_tickets", { limit: 3 });
      const previews = await Promise.all(
        jobs.map((ids) =>
          callOk(alice, "bulk_update", { entity: "Tickets", ids, changes: { priority: 1 } })
        ),
      );
      for (const preview of previews) assert.equal(preview.applied, false);

      // Alice applies every job at once; her progress notifications say when they run.
      sandbox.resetStats();
      let aliceProgress = 0;
      const running = Promise.withResolvers<void>();
      const applies = jobs.map((ids, i) =>
        alice.callTool({
          name: "bulk_update",
          arguments: {
            entity: "Tickets",
            ids,
            changes: { priority: 1 },
            confirm: previews[i].confirm,
          },
        }, {
          onprogress: () => {
            if (++aliceProgress >= 3 * JOBS) running.resolve();
          },
        })
      );
      // A failure below must not leave these to reject unhandled when the client closes.
      for (const apply of applies) apply.catch(() => {});
      await running.promise;

      // Bob, meanwhile: a read, a search and a small bulk job of his own, one after another.
      const bobFrom = sandbox.log.length;
      const sent: number[] = [];
      const bobCall = async (name: string, args: Rec) => {
        sent.push(performance.now());
        return await callOk(bob, name, args);
      };
      const read = await bobCall("get_ticket", { id: ticketId });
      assert.equal((read.item as Rec).id, ticketId);
      const found = await bobCall("search_tickets", { limit: 5 });
      assert.ok(Array.isArray(found.items) && found.items.length > 0);
      const bobsArgs = { entity: "Tickets", ids: bobsIds, changes: { priority: 1 } };
      const bobsPreview = await bobCall("bulk_update", bobsArgs);
      const bobsApply = await bobCall("bulk_update", { ...bobsArgs, confirm: bobsPreview.confirm });
      assert.deepEqual(expandIds(bobsApply.updated), [...bobsIds].sort((a, b) => a - b));
      const bobEnd = performance.now();

      const log = sandbox.log;
      const aliceWrites = writesIn(actingAs(log, ALEX, "Tickets"));
      const aliceBefore = aliceWrites.filter((e) => e.start < bobEnd).length;
      assert.ok(
        aliceBefore < JOBS * PER_JOB,
        `Bob finished while Alice's batch still ran (${aliceBefore} of her writes sent)`,
      );
      // Each of Bob's requests on Tickets waited a turn or two: count Alice's writes that started
      // between the moment it could have been queued (his call sent, or his previous request
      // answered) and the moment it reached the tenant.
      const bobsRequests = actingAs(log.slice(bobFrom), SAM);
      const bobsTickets = bobsRequests.filter((e) => e.entity === "Tickets");
      assert.ok(bobsTickets.length >= 6, `${bobsTickets.length} of Bob's requests on Tickets`);
      const waits = bobsTickets.map((request) => {
        const ready = Math.max(
          ...sent.filter((t) => t <= request.start),
          ...bobsRequests.filter((e) => e.end <= request.start).map((e) => e.end),
        );
        return aliceWrites.filter((e) => e.start > ready && e.start < request.start).length;
      });
      assert.ok(
        waits.every((n) => n <= MAX_ALICE_WRITES_PER_WAIT),
        `Alice's writes started while each of Bob's requests waited: ${waits.join(", ")}`,
      );

      // Both users' work completes, each write under its author's impersonation.
      const reports = await Promise.all(applies);
      for (const [i, report] of reports.entries()) {
        assert.notEqual(report.isError, true, JSON.stringify(report.content));
        const out = report.structuredContent as Rec;
        assert.deepEqual(out.totals, { updated: PER_JOB, skipped: 0, failed: 0, notSent: 0 });
        assert.deepEqual(expandIds(out.updated), [...jobs[i]].sort((a, b) => a - b));
      }
      const writes = writesIn(log);
      const byAuthor = (resourceId: number) =>
        writes.filter((w) => w.impersonationResourceId === resourceId)
          .map((w) => (w.body as Rec).id as number).sort((a, b) => a - b);
      assert.deepEqual(byAuthor(ALEX), jobs.flat().sort((a, b) => a - b));
      assert.deepEqual(byAuthor(SAM), [...bobsIds].sort((a, b) => a - b));
      assert.equal(writes.length, JOBS * PER_JOB + bobsIds.length, "no write without its author");
      assert.ok(writes.every((w) => w.status === 200));
      for (const id of [...jobs.flat(), ...bobsIds]) {
        assert.equal(sandbox.record("Tickets", id)!.priority, 1);
      }
      // The gate kept the tenant's limit: 3 in flight on Tickets, never more on any entity,
      // nothing refused.
      assert.equal(sandbox.maxInFlight("Tickets"), 3);
      for (const entity of new Set(log.map((e) => e.entity ?? ""))) {
        assert.ok(sandbox.maxInFlight(entity) <= 3, entity);
      }
      assert.deepEqual(log.filter((e) => e.status === 429), []);
    } finally {
      for (const client of clients) await client.close().catch(() => {});
      const { code, stderr } = await server.stop();
      await tenant.close();
      assert.equal(code, 0, stderr);
    }
  },
});
