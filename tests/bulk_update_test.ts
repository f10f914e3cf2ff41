/**
 * bulk_update end to end: the official MCP client over stdio drives the server (production
 * flags) against the simulated tenant over HTTP. A preview writes nothing; a confirm token
 * applies exactly its preview once; a record changed in between is skipped; each record gets
 * one write and one result; failures are reported as Autotask said them.
 */

import assert from "node:assert/strict";
import { SANDBOX_CREDENTIALS } from "../lib/sandbox/mod.ts";
import {
  bulkSetup,
  expandIds,
  groupedIds,
  openTickets,
  patchesById,
  shapes,
  writesIn,
} from "./bulk_fixtures.ts";
import {
  callError,
  callOk,
  connectStdio,
  startTenant,
  tenantClient,
  tenantEnv,
} from "./harness.ts";
import { connectHttp, startHttpServer } from "./http_harness.ts";

type Rec = Record<string, unknown>;

const THREAD_TEXT = "The Autotask API thread threshold of 3 threads has been exceeded.";

Deno.test({
  name: "bulk_update: the preview writes nothing; the token applies one write per record, once",
  async fn() {
    const { tenant, session, close } = await bulkSetup();
    const { client } = session;
    const { sandbox } = tenant;
    try {
      const open = openTickets(tenant, 8);
      const done = sandbox.records("Tickets").find((t) => t.status === 5)!;
      const ids = [...open.map((t) => t.id as number), done.id as number, 99_999_999];
      const args = { entity: "tickets", ids, changes: { status: "complete" } };

      sandbox.resetStats();
      const preview = await callOk(client, "bulk_update", args);
      assert.deepEqual(writesIn(sandbox.log), [], "a preview sends nothing that writes");
      assert.equal(preview.applied, false);
      assert.deepEqual(preview.totals, { matched: 10, toUpdate: 8, skipped: 2 });
      assert.deepEqual(preview.changes, { status: "Complete (5)" });
      assert.deepEqual(groupedIds(preview.skipped).sort(), [done.id, 99_999_999].sort());
      const reasons = (preview.skipped as Rec[]).map((s) => s.reason).sort();
      assert.deepEqual(reasons, ["already in the target state", "not found in Autotask"]);
      const sample = preview.sample as Rec[];
      assert.equal(sample.length, 8);
      const first = sample.find((s) => s.id === open[0].id)!;
      assert.match(String((first.changes as Rec).status), /^.+ \(\d+\) -> Complete \(5\)$/);
      assert.match(String(first.name), new RegExp(String(open[0].ticketNumber)));
      assert.match(String(preview.confirm), /^bulk_[\w-]{22}$/);
      assert.ok(open.every((t) => sandbox.record("Tickets", t.id as number)!.status !== 5));

      sandbox.resetStats();
      const applied = await callOk(client, "bulk_update", { ...args, confirm: preview.confirm });
      assert.equal(applied.applied, true);
      assert.deepEqual(applied.totals, { updated: 8, skipped: 0, failed: 0, notSent: 0 });
      assert.deepEqual(expandIds(applied.updated), open.map((t) => t.id));
      // One batched re-read, one PATCH per record, one batched read-back: nothing else.
      assert.deepEqual(shapes(sandbox.log), [
        "POST Tickets/query",
        ...open.map(() => "PATCH Tickets"),
        "POST Tickets/query",
      ]);
      const patches = patchesById(sandbox.log);
      for (const ticket of open) {
        assert.deepEqual(patches.get(ticket.id as number), [200], `one write for ${ticket.id}`);
        assert.equal(sandbox.record("Tickets", ticket.id as number)!.status, 5);
      }
      assert.ok(sandbox.maxInFlight("Tickets") <= 3);
      assert.match(String(applied.note), /read back: all 8 hold the new values/);

      sandbox.resetStats();
      const again = await callOk(client, "bulk_update", { ...args, confirm: preview.confirm });
      assert.deepEqual(sandbox.log.filter((e) => !/ThresholdInformation/.test(e.path)), []);
      assert.deepEqual(again.totals, applied.totals);
      assert.match(String(again.note), /already applied with this token.*nothing was sent now/);
    } finally {
      await close();
    }
  },
});

Deno.test({
  name: "bulk_update: an altered, foreign or other-process token, or other arguments, are refused",
  async fn() {
    const { tenant, session, close } = await bulkSetup();
    const { client } = session;
    const { sandbox } = tenant;
    const other = await connectStdio({
      env: { ...tenantEnv(tenant), AUTOTASK_TOOLSETS: "default,bulk" },
    });
    try {
      const ids = openTickets(tenant, 4).map((t) => t.id as number);
      const args = { entity: "Tickets", ids, changes: { status: 5 } };
      const preview = await callOk(client, "bulk_update", args);
      const token = String(preview.confirm);
      const notes = await callOk(client, "bulk_add_ticket_notes", {
        ticketIDs: ids,
        description: "Checked remotely.",
      });
      sandbox.resetStats();

      const altered = token.slice(0, -1) + (token.endsWith("A") ? "B" : "A");
      assert.match(
        await callError(client, "bulk_update", { ...args, confirm: altered }),
        /not one this server issued.*Nothing was sent; call bulk_update without confirm/,
      );
      assert.match(
        await callError(client, "bulk_update", {
          ...args,
          changes: { status: 1 },
          confirm: token,
        }),
        /arguments differ from the preview.*Nothing was sent/,
      );
      assert.match(
        await callError(client, "bulk_update", {
          ...args,
          ids: [...ids, ids[0] + 100_000],
          confirm: token,
        }),
        /arguments differ from the preview/,
      );
      assert.match(
        await callError(client, "bulk_update", { ...args, confirm: notes.confirm }),
        /comes from bulk_add_ticket_notes's preview, not from bulk_update/,
      );
      assert.match(
        await callError(other.client, "bulk_update", { ...args, confirm: token }),
        /not one this server issued.*only in the server process that previewed/,
      );
      assert.deepEqual(writesIn(sandbox.log), [], "no refused confirm writes anything");

      // The token still applies, with the previewed arguments, after all those refusals.
      const applied = await callOk(client, "bulk_update", {
        ...args,
        changes: { status: "Complete" },
        confirm: token,
      });
      assert.deepEqual((applied.totals as Rec).updated, 4);
    } finally {
      await other.close();
      await close();
    }
  },
});

Deno.test({
  name: "bulk_update over HTTP: a token previewed on one connection applies on another, both eras",
  async fn() {
    const tenant = await startTenant();
    const { sandbox } = tenant;
    const token = "test-token-0123456789abcdef";
    // HTTP mode builds a server per request: the preview must outlive the request that made it.
    const server = await startHttpServer({
      env: {
        ...tenantEnv(tenant),
        TRANSPORT: "http",
        MCP_AUTH_TOKEN: token,
        AUTOTASK_TOOLSETS: "bulk",
      },
      args: [],
    });
    try {
      const tickets = openTickets(tenant, 40).filter((t) => t.priority !== 1);
      for (const [i, era] of (["legacy", "modern"] as const).entries()) {
        const ids = tickets.slice(i * 3, i * 3 + 3).map((t) => t.id as number);
        const args = { entity: "Tickets", ids, changes: { priority: 1 } };
        const first = await connectHttp(server.origin, { era, token });
        const preview = await callOk(first, "bulk_update", args);
        await first.close();
        sandbox.resetStats();
        const second = await connectHttp(server.origin, { era, token });
        try {
          const applied = await callOk(second, "bulk_update", {
            ...args,
            confirm: preview.confirm,
          });
          assert.deepEqual(expandIds(applied.updated), [...ids].sort((a, b) => a - b), era);
          const patches = patchesById(sandbox.log);
          for (const id of ids) assert.deepEqual(patches.get(id), [200], `${era}: ${id}`);
        } finally {
          await second.close();
        }
      }
    } finally {
      await server.stop();
      await tenant.close();
    }
  },
});

Deno.test({
  name: "bulk_update: a record changed between preview and apply is skipped, not overwritten",
  async fn() {
    const { tenant, session, close } = await bulkSetup({ env: { AUTOTASK_TOOLSETS: "bulk" } });
    const { client } = session;
    const { sandbox } = tenant;
    const autotask = tenantClient(tenant);
    try {
      // Tickets carry a change stamp (lastTrackedModificationDateTime).
      const tickets = openTickets(tenant, 5);
      const ids = tickets.map((t) => t.id as number);
      const args = { entity: "Tickets", ids, changes: { priority: 1 } };
      const preview = await callOk(client, "bulk_update", args);
      const [touched, reprioritized] = ids.filter((id) =>
        sandbox.record("Tickets", id)!.priority !== 1
      );
      const otherPriority = sandbox.records("Tickets").map((t) => t.priority as number)
        .find((p) => p !== 1 && p !== sandbox.record("Tickets", reprioritized)!.priority)!;
      await autotask.update("Tickets", touched, { title: "Edited by a colleague meanwhile" });
      await autotask.update("Tickets", reprioritized, { priority: otherPriority });
      sandbox.resetStats();
      const applied = await callOk(client, "bulk_update", { ...args, confirm: preview.confirm });
      assert.deepEqual(groupedIds(applied.skipped).sort(), [touched, reprioritized].sort());
      const reasonOf = (id: number) =>
        String((applied.skipped as Rec[]).find((g) => expandIds(g.ids).includes(id))?.reason);
      assert.match(
        reasonOf(touched),
        /^changed in Autotask since the preview \(lastTrackedModificationDateTime\): not overwritten/,
      );
      assert.match(reasonOf(reprioritized), /\(lastTrackedModificationDateTime, priority\)/);
      for (const id of [touched, reprioritized]) {
        assert.equal(patchesById(sandbox.log).get(id), undefined, `no write for ${id}`);
      }
      assert.equal(
        sandbox.record("Tickets", touched)!.title,
        "Edited by a colleague meanwhile",
      );
      assert.equal(sandbox.record("Tickets", reprioritized)!.priority, otherPriority);
      assert.equal((applied.totals as Rec).updated, (preview.totals as Rec).toUpdate as number - 2);

      // Configuration items have no stamp: the changed field's own value is what is compared.
      const items = sandbox.records("ConfigurationItems").filter((c) => c.isActive === true)
        .slice(0, 3);
      const itemIds = items.map((c) => c.id as number);
      const itemArgs = { entity: "ConfigurationItems", ids: itemIds, changes: { isActive: false } };
      const itemPreview = await callOk(client, "bulk_update", itemArgs);
      await autotask.update("ConfigurationItems", itemIds[0], { isActive: false });
      await autotask.update("ConfigurationItems", itemIds[1], { referenceTitle: "Renamed only" });
      sandbox.resetStats();
      const itemsApplied = await callOk(client, "bulk_update", {
        ...itemArgs,
        confirm: itemPreview.confirm,
      });
      assert.deepEqual(groupedIds(itemsApplied.skipped), [itemIds[0]]);
      assert.match(
        String((itemsApplied.skipped as Rec[])[0].reason),
        /since the preview \(isActive\)/,
      );
      assert.deepEqual(expandIds(itemsApplied.updated), itemIds.slice(1));
      assert.equal(patchesById(sandbox.log).get(itemIds[0]), undefined);
      assert.equal(
        sandbox.record("ConfigurationItems", itemIds[1])!.referenceTitle,
        "Renamed only",
      );
    } finally {
      await close();
    }
  },
});

Deno.test({
  name:
    "bulk_update: a validation failure, a thread-limit refusal and a later permission failure are each reported right",
  async fn() {
    const { tenant, session, close } = await bulkSetup({ env: { AUTOTASK_TOOLSETS: "bulk" } });
    const { client } = session;
    const { sandbox } = tenant;
    try {
      const tickets = openTickets(tenant, 60).filter((t) => t.priority !== 1).slice(0, 15);
      const ids = tickets.map((t) => t.id as number);
      const args = { entity: "Tickets", ids, changes: { priority: 1 } };
      const preview = await callOk(client, "bulk_update", args);
      assert.equal((preview.totals as Rec).toUpdate, ids.length);
      const patch = { method: "PATCH", entity: "Tickets" };
      // Faults apply to PATCHes in arrival order: the 1st fails validation, the 2nd meets the
      // thread limit (refused unprocessed, retried), four more pass, then the security level
      // refuses one: a later record, with records still to send.
      sandbox.inject({
        match: patch,
        kind: "status",
        status: 500,
        body: { errors: ["Value does not reference an existing entity for queueID. "] },
      });
      sandbox.inject({
        match: patch,
        kind: "status",
        status: 429,
        body: { errors: [THREAD_TEXT] },
      });
      sandbox.inject({ match: patch, kind: "delay", delayMs: 0, times: 4 });
      sandbox.inject({
        match: patch,
        kind: "status",
        status: 500,
        body: {
          errors: [
            "The logged in Resource does not have the adequate permissions to update this entity type.",
          ],
        },
      });
      sandbox.resetStats();
      const report = await callOk(client, "bulk_update", { ...args, confirm: preview.confirm });
      sandbox.clearFaults();
      const totals = report.totals as Record<string, number>;
      assert.equal(totals.updated + totals.failed + totals.notSent + totals.skipped, ids.length);
      const failed = report.failed as Rec[];
      const validation = failed.find((f) => /existing entity for queueID/.test(String(f.error)))!;
      const permission = failed.find((f) => /security level/.test(String(f.error)))!;
      assert.ok(validation && permission, JSON.stringify(failed));
      assert.equal(validation.count, 1);
      assert.equal(permission.count, 1);
      assert.equal(validation.mayHaveHappened, false);
      assert.equal(totals.failed, 2);
      assert.ok(totals.notSent > 0, "the permission failure stopped the batch");
      assert.match(String(report.notSentReason), /stopped at once: .*security level/);

      const patches = patchesById(sandbox.log);
      const updated = expandIds(report.updated);
      const notSent = expandIds(report.notSent);
      for (const id of updated) {
        assert.equal(patches.get(id)!.filter((s) => s === 200).length, 1, `one write for ${id}`);
        assert.equal(sandbox.record("Tickets", id)!.priority, 1);
      }
      for (const id of groupedIds(failed)) {
        assert.equal(patches.get(id)!.length, 1, `${id} failed once and was never replayed`);
        assert.notEqual(sandbox.record("Tickets", id)!.priority, 1);
      }
      for (const id of notSent) {
        assert.equal(patches.get(id), undefined, `${id} was not sent`);
        assert.notEqual(sandbox.record("Tickets", id)!.priority, 1);
      }
      const refusedThenStored = [...patches].filter(([, s]) => s[0] === 429 && s.at(-1) === 200);
      assert.equal(refusedThenStored.length, 1, "the thread-limit refusal was sent again");
      assert.ok(updated.includes(refusedThenStored[0][0]));
    } finally {
      await close();
    }
  },
});

Deno.test({
  name: "bulk_update: cancellation stops sending at once; the token then reports what was done",
  async fn() {
    const { tenant, session, close } = await bulkSetup({
      tenant: { latencyMs: 100 },
      env: { AUTOTASK_TOOLSETS: "bulk" },
    });
    const { client } = session;
    const { sandbox } = tenant;
    try {
      const ids = openTickets(tenant, 80).filter((t) => t.priority !== 1).slice(0, 40)
        .map((t) => t.id as number);
      const args = { entity: "Tickets", ids, changes: { priority: 1 } };
      const preview = await callOk(client, "bulk_update", args);
      sandbox.resetStats();
      const abort = new AbortController();
      let progress = 0;
      const call = client.callTool(
        { name: "bulk_update", arguments: { ...args, confirm: preview.confirm } },
        {
          signal: abort.signal,
          onprogress: (p) => {
            progress = p.progress;
            if (p.progress >= 6) abort.abort();
          },
        },
      );
      await assert.rejects(call);
      assert.ok(progress >= 6, "progress came per record");
      // Writes in flight finish; none starts after: the count stops growing.
      let count = patchesById(sandbox.log).size;
      for (let settled = 0; settled < 4;) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const now = patchesById(sandbox.log).size;
        settled = now === count ? settled + 1 : 0;
        count = now;
      }
      // At the 6th result two or three writes are in flight; the cancel travels to the server
      // while others end (100 ms each, 3 at a time): allow three rounds on a loaded machine.
      assert.ok(count <= 6 + 9, `${count} records were sent after cancelling at 6`);
      assert.ok(count < ids.length);

      const before = sandbox.log.length;
      const report = await callOk(client, "bulk_update", { ...args, confirm: preview.confirm });
      assert.deepEqual(writesIn(sandbox.log.slice(before)), [], "the report sends nothing");
      const totals = report.totals as Record<string, number>;
      const patches = patchesById(sandbox.log);
      assert.equal(totals.updated, count);
      assert.deepEqual(expandIds(report.updated).sort(), [...patches.keys()].sort());
      assert.equal(totals.notSent, ids.length - count);
      assert.match(String(report.notSentReason), /cancelled/);
      for (const id of expandIds(report.notSent)) assert.equal(patches.get(id), undefined);
      for (const statuses of patches.values()) assert.deepEqual(statuses, [200]);
    } finally {
      await close();
    }
  },
});

Deno.test({
  name: "bulk_update: filters, child entities, the budget and bad input",
  async fn(t) {
    const { tenant, session, close } = await bulkSetup({
      tenant: { threshold: { limit: 10_000, used: 9_000 } },
    });
    const { client } = session;
    const { sandbox } = tenant;
    try {
      await t.step("a filter past 500 matches is refused with the count", async () => {
        sandbox.resetStats();
        const text = await callError(client, "bulk_update", {
          entity: "Tickets",
          filter: [{ op: "gte", field: "id", value: 0 }],
          changes: { priority: 1 },
        });
        const all = sandbox.records("Tickets").length;
        assert.match(
          text,
          new RegExp(`matches ${all.toLocaleString("en-US")} Tickets.*at most 500`),
        );
        assert.deepEqual(writesIn(sandbox.log), []);
      });

      await t.step("a filter previews exactly the records it matches", async () => {
        const company = sandbox.records("Tickets").find((x) => x.status !== 5)!.companyID;
        const matching = sandbox.records("Tickets").filter((x) =>
          x.companyID === company && x.status !== 5
        );
        const preview = await callOk(client, "bulk_update", {
          entity: "Tickets",
          filter: [
            { op: "eq", field: "companyID", value: company },
            { op: "noteq", field: "status", value: "Complete" },
          ],
          changes: { status: "Complete" },
        });
        assert.equal((preview.totals as Rec).matched, matching.length);
        assert.equal(sandbox.droppedOperators.length, 0);
      });

      await t.step("contacts go through their company, one request each", async () => {
        const contacts = sandbox.records("Contacts").filter((c) => c.isActive === 1).slice(0, 3);
        const args = {
          entity: "Contacts",
          ids: contacts.map((c) => c.id),
          changes: { title: "Office manager" },
        };
        const preview = await callOk(client, "bulk_update", args);
        sandbox.resetStats();
        await callOk(client, "bulk_update", { ...args, confirm: preview.confirm });
        assert.deepEqual(shapes(sandbox.log), [
          "POST Contacts/query",
          "PATCH Companies/{id}/Contacts",
          "PATCH Companies/{id}/Contacts",
          "PATCH Companies/{id}/Contacts",
          "POST Contacts/query",
        ]);
        for (const c of contacts) {
          assert.equal(sandbox.record("Contacts", c.id as number)!.title, "Office manager");
        }
      });

      await t.step("a batch past the hard budget share is refused with the numbers", async () => {
        sandbox.setThreshold({ used: 9_450 });
        const ids = openTickets(tenant, 300).filter((x) => x.priority !== 1).slice(0, 60)
          .map((x) => x.id);
        assert.equal(ids.length, 60);
        sandbox.resetStats();
        // The budget is read at the first call and every few minutes: a fresh server reads it.
        const fresh = await connectStdio({
          env: { ...tenantEnv(tenant), AUTOTASK_TOOLSETS: "bulk" },
        });
        try {
          const text = await callError(fresh.client, "bulk_update", {
            entity: "Tickets",
            ids,
            changes: { priority: 1 },
          });
          assert.match(
            text,
            /would need about 62 Autotask requests \(60 updates, plus batched reads\), but only \d+ remain before 95% of the hourly limit \(AUTOTASK_BUDGET_HARD: 9,500 of 10,000; 9,4\d\d used/,
          );
          assert.match(text, /Nothing was sent: preview at most \d+ records at a time/);
          assert.deepEqual(writesIn(sandbox.log), []);
        } finally {
          await fresh.close();
          sandbox.setThreshold({ used: 0 });
        }
      });

      await t.step("bad input says what to change and sends nothing", async () => {
        sandbox.resetStats();
        const ids = openTickets(tenant, 2).map((x) => x.id as number);
        const cases: [Rec, RegExp][] = [
          [{ entity: "Tickets", changes: { status: 5 } }, /ids .* or with filter .*not neither/],
          [
            { entity: "Tickets", ids, filter: [{ op: "eq", field: "id", value: 1 }], changes: {} },
            /not both/,
          ],
          [{ entity: "Tickets", ids: [ids[0], ids[0]], changes: { status: 5 } }, /twice/],
          [{ entity: "Ticket", ids, changes: { status: 5 } }, /did you mean Tickets/],
          [
            { entity: "ResourceRoles", ids, changes: { isActive: false } },
            /cannot be updated through the Autotask API/,
          ],
          [{ entity: "Tickets", ids, changes: { ticketNumber: "x" } }, /read-only/],
          [{ entity: "Tickets", ids, changes: { statuss: 5 } }, /did you mean status/],
          [{ entity: "Tickets", ids, changes: { status: "Closed-ish" } }, /status/],
          [
            { entity: "TimeEntries", ids, changes: { hoursWorked: 2 } },
            /hoursWorked cannot be changed: update_time_entry keeps each entry's hours/,
          ],
          [
            {
              entity: "Tickets",
              filter: [{ op: "ne", field: "status", value: 5 }],
              changes: { status: 5 },
            },
            /not an Autotask operator/,
          ],
          [
            { entity: "Tickets", ids, changes: { priority: 1 }, status: 5 },
            /status goes inside changes: \{\.\.\., "changes": \{"status": 5\}\}/,
          ],
          [
            { entity: "Tickets", ids, changes: { status: 5 }, statuss: 5 },
            /"statuss" is not an argument of bulk_update.*other Tickets fields, userDefinedFields included, go inside changes/,
          ],
        ];
        for (const [args, pattern] of cases) {
          assert.match(await callError(client, "bulk_update", args), pattern, JSON.stringify(args));
        }
        assert.deepEqual(writesIn(sandbox.log), []);
        assert.equal(sandbox.droppedOperators.length, 0);
        const none = await callOk(client, "bulk_update", {
          entity: "Tickets",
          ids: [99_999_998],
          changes: { status: 5 },
        });
        assert.equal(none.confirm, undefined, "nothing to update: no token");
        assert.deepEqual((none.totals as Rec).toUpdate, 0);
      });

      await t.step("no secret reaches a result or the log", () => {
        const stderr = session.stderr();
        for (const secret of [SANDBOX_CREDENTIALS.secret, SANDBOX_CREDENTIALS.integrationCode]) {
          assert.ok(!stderr.includes(secret));
        }
      });
    } finally {
      await close();
    }
  },
});
