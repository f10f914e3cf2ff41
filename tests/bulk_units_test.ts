/**
 * The batch kit in-process: three writes in flight with no idle slot, stopping and cancelling,
 * single-use previews with a 10-minute life, the compact id lists; and an expired token through
 * the official client (in memory, with a clock the test moves) against the tenant over HTTP.
 */

import assert from "node:assert/strict";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { AutotaskError } from "../lib/autotask/errors.ts";
import {
  BATCH_THREADS,
  canonicalJson,
  fitResult,
  groupIds,
  idRanges,
  MAX_PREVIEWS,
  MAX_PREVIEWS_PER_USER,
  PREVIEW_TTL_MS,
  PreviewStore,
  runBatch,
} from "../lib/mcp/batch.ts";
import { createServerFactory } from "../lib/mcp/server.ts";
import { selectTools } from "../tools/inventory.ts";
import { allTools, kit } from "../tools/mod.ts";
import { expandIds, openTickets, writesIn } from "./bulk_fixtures.ts";
import { Client } from "./deps.ts";
import { startTenant, tenantClient } from "./harness.ts";

/** Sends that end after a few timer turns each, logging every start and end. */
function scriptedSends(options: { fail?: Map<number, unknown> } = {}) {
  const events: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const send = async (item: number): Promise<number> => {
    events.push(`start ${item}`);
    peak = Math.max(peak, ++inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1 + (item * 7) % 5));
    inFlight--;
    events.push(`end ${item}`);
    const failure = options.fail?.get(item);
    if (failure) throw failure;
    return 1000 + item;
  };
  return { events, send, peak: () => peak };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => i);

Deno.test("runBatch: three in flight, and each end starts the next at once", async () => {
  const sends = scriptedSends();
  const run = await runBatch(items(20), { send: sends.send, signal: new AbortController().signal });
  assert.equal(sends.peak(), BATCH_THREADS);
  assert.deepEqual(run.outcomes.map((o) => o?.ok && o.id), items(20).map((i) => 1000 + i));
  // No idle slot: while items remain, every end is followed directly by the next start.
  const started = () => sends.events.filter((e) => e.startsWith("start")).length;
  let seen = 0;
  for (const [i, event] of sends.events.entries()) {
    if (event.startsWith("start")) seen++;
    if (event.startsWith("end") && seen < 20) {
      assert.match(sends.events[i + 1], /^start /, `an idle slot after "${event}"`);
    }
  }
  assert.equal(started(), 20);
  assert.equal(run.stopped, undefined);
  assert.equal(run.cancelled, false);
});

Deno.test("runBatch: a permission failure stops the batch; other failures do not", async () => {
  const permission = new AutotaskError("The API user's security level does not allow it", {
    category: "permission",
    operation: "update",
  });
  const validation = new AutotaskError("Autotask rejected update Tickets", {
    category: "validation",
    operation: "update",
  });
  const sends = scriptedSends({
    fail: new Map<number, unknown>([[2, validation], [6, permission]]),
  });
  const run = await runBatch(items(20), { send: sends.send, signal: new AbortController().signal });
  assert.match(String(run.stopped), /security level/);
  assert.equal(run.outcomes[2]?.ok, false, "a validation failure ends only its record");
  assert.equal(run.outcomes[3]?.ok, true);
  assert.equal(run.outcomes[6]?.ok, false);
  // Items start in order, so the sent ones are a prefix; the rest were never started.
  const sent = run.outcomes.filter(Boolean).length;
  assert.ok(sent < 20, "the permission failure stopped the batch");
  assert.ok(run.outcomes.slice(sent).every((o) => o === undefined));
  assert.equal(sends.events.filter((e) => e.startsWith("start")).length, sent);
  // Writes already in flight finish, but none starts once the refusal is in.
  const afterStop = sends.events.slice(sends.events.indexOf("end 6") + 1);
  assert.ok(!afterStop.some((e) => e.startsWith("start")), "a write started after the stop");
});

Deno.test("runBatch: cancelling starts nothing more; writes in flight finish and count", async () => {
  const abort = new AbortController();
  const sends = scriptedSends();
  const run = await runBatch(items(30), {
    send: sends.send,
    signal: abort.signal,
    settled: (done) => {
      if (done === 5) abort.abort();
    },
  });
  assert.equal(run.cancelled, true);
  const sent = run.outcomes.filter(Boolean).length;
  assert.ok(sent >= 5 && sent <= 5 + BATCH_THREADS, `${sent} sent`);
  assert.ok(run.outcomes.filter(Boolean).every((o) => o!.ok), "in-flight writes were not cut off");
  const afterAbort = sends.events.slice(sends.events.indexOf("end 4") + 1);
  assert.ok(!afterAbort.some((e) => e.startsWith("start")), "no write starts after the cancel");
});

Deno.test("PreviewStore: a token applies once, only its own preview, for 10 minutes", () => {
  const store = new PreviewStore();
  const t0 = 1_000_000;
  const entry = store.issue("bulk_update", {
    user: "alice",
    fingerprint: "fp",
    data: { ids: [1, 2] },
    now: t0,
  });
  assert.match(entry.token, /^bulk_[\w-]{22}$/);
  const opts = { tool: "bulk_update", user: "alice", fingerprint: "fp", now: t0 + 1000 };
  assert.throws(() => store.claim(entry.token + "x", opts), /not one this server issued/);
  assert.throws(
    () => store.claim(entry.token, { ...opts, tool: "bulk_add_ticket_notes" }),
    /comes from bulk_update's preview, not from bulk_add_ticket_notes/,
  );
  assert.throws(() => store.claim(entry.token, { ...opts, fingerprint: "other" }), /differ/);
  // Another user's confirm is refused and leaves the token to its owner.
  assert.throws(
    () => store.claim(entry.token, { ...opts, user: "bob" }),
    /issued to another user: preview the change yourself/,
  );
  const claimed = store.claim<{ ids: number[] }>(entry.token, opts);
  assert.ok("token" in claimed && claimed.data.ids.length === 2);
  assert.throws(() => store.claim(entry.token, opts), /being applied by another call/);
  store.release(claimed as never);
  const again = store.claim(entry.token, opts);
  store.finish(again as never, { totals: { updated: 2 } }, t0 + 2000);
  assert.deepEqual(store.claim(entry.token, opts), { report: { totals: { updated: 2 } } });
  // Nor does another user get the owner's report.
  assert.throws(() => store.claim(entry.token, { ...opts, user: "bob" }), /another user/);
  // Kept 10 minutes after the apply, even past the preview's own expiry.
  assert.deepEqual(store.claim(entry.token, { ...opts, now: t0 + PREVIEW_TTL_MS + 1000 }), {
    report: { totals: { updated: 2 } },
  });

  const late = store.issue("bulk_update", { user: "alice", fingerprint: "fp", data: {}, now: t0 });
  assert.throws(
    () => store.claim(late.token, { ...opts, now: t0 + PREVIEW_TTL_MS }),
    /expired at .*Nothing was sent/,
  );
  assert.throws(() => store.claim(late.token, opts), /not one this server issued/, "forgotten");
});

Deno.test("PreviewStore: bounded, the oldest unapplied preview goes first", () => {
  const store = new PreviewStore();
  const first = store.issue("bulk_update", { user: "alice", fingerprint: "fp", data: {}, now: 0 });
  const applying = store.issue("bulk_update", {
    user: "alice",
    fingerprint: "fp2",
    data: {},
    now: 0,
  });
  store.claim(applying.token, { tool: "bulk_update", user: "alice", fingerprint: "fp2", now: 0 });
  for (let i = 0; i < 100; i++) {
    store.issue("bulk_update", { user: "alice", fingerprint: `fp${i}`, data: {}, now: 0 });
  }
  assert.ok(store.size <= MAX_PREVIEWS_PER_USER + 1, `${store.size} previews kept`);
  assert.throws(
    () =>
      store.claim(first.token, { tool: "bulk_update", user: "alice", fingerprint: "fp", now: 0 }),
    /not one this server issued/,
  );
  assert.throws(
    () =>
      store.claim(applying.token, {
        tool: "bulk_update",
        user: "alice",
        fingerprint: "fp2",
        now: 0,
      }),
    /being applied/,
    "a batch being applied is never dropped",
  );
});

Deno.test("PreviewStore: one user's previews never push out another user's", () => {
  const store = new PreviewStore();
  const issue = (user: string, i: number) =>
    store.issue("bulk_update", { user, fingerprint: `${user}${i}`, data: {}, now: 0 });
  const claim = (user: string, token: string, i: number) =>
    store.claim(token, { tool: "bulk_update", user, fingerprint: `${user}${i}`, now: 0 });
  const alices = Array.from({ length: MAX_PREVIEWS_PER_USER }, (_, i) => issue("alice", i));
  const bobs = Array.from({ length: MAX_PREVIEWS_PER_USER + 40 }, (_, i) => issue("bob", i));
  // Alice's oldest preview outlived Bob's 60: his own oldest 40 went instead.
  assert.ok(!("report" in claim("alice", alices[0].token, 0)));
  for (let i = 0; i < 40; i++) {
    assert.throws(() => claim("bob", bobs[i].token, i), /not one this server issued/);
  }
  assert.ok(!("report" in claim("bob", bobs[40].token, 40)));
  // Many users at once: the whole store stays bounded.
  for (let u = 0; u < 30; u++) for (let i = 0; i < 10; i++) issue(`user${u}`, i);
  assert.ok(store.size <= MAX_PREVIEWS, `${store.size} previews kept`);
});

Deno.test("id lists, groups, canonical JSON and the size cap", () => {
  assert.equal(idRanges([9, 3, 4, 5, 12, 13, 20, 4]), "3-5, 9, 12, 13, 20");
  assert.equal(idRanges([]), "");
  assert.deepEqual(
    groupIds([{ id: 2, text: "a" }, { id: 1, text: "b" }, { id: 3, text: "a" }], "reason"),
    [{ reason: "a", ids: "2, 3", count: 2 }, { reason: "b", ids: "1", count: 1 }],
  );
  assert.equal(
    canonicalJson({ b: 1, a: { d: [2, 1], c: null } }),
    '{"a":{"c":null,"d":[2,1]},"b":1}',
  );
  const failures = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      ids: String(i * 2),
      count: 1,
      error: `Record ${i}: Autotask rejected it: ${"x".repeat(400)}`,
      mayHaveHappened: false,
    }));
  // Shortened messages fit: each failure keeps its own group.
  const some = fitResult({ applied: true, failed: failures(100), sample: [{ id: 1 }] }, 40_000);
  assert.ok(JSON.stringify(some).length <= 40_000);
  assert.equal((some.failed as unknown[]).length, 100);
  assert.match((some.failed as { error: string }[])[0].error, /… \[shortened\]$/);
  // Too many distinct messages: merged, but every failed id is still listed.
  const many = fitResult({ applied: true, failed: failures(500) }, 40_000);
  assert.ok(JSON.stringify(many).length <= 40_000);
  const listed = (many.failed as { ids: string }[]).flatMap((f) => expandIds(f.ids));
  assert.deepEqual(listed.sort((a, b) => a - b), failures(500).map((_, i) => i * 2));
  assert.match((many.failed as { error: string }[])[0].error, /^500 different messages; the first/);
});

Deno.test({
  name: "an expired confirm token is refused and sends nothing (the clock moved 10 minutes)",
  async fn() {
    const tenant = await startTenant();
    let clock = Date.now();
    const factory = createServerFactory({
      kit,
      client: tenantClient(tenant),
      tools: selectTools(allTools(), { toolsets: ["bulk"] }),
      redact: (text) => text,
      log: () => {},
      now: () => clock,
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const server = factory();
    await server.connect(serverSide);
    const client = new Client({ name: "expiry", version: "0" });
    await client.connect(clientSide);
    try {
      const ids = openTickets(tenant, 3).map((t) => t.id as number);
      const args = { entity: "Tickets", ids, changes: { status: 5 } };
      const preview = await client.callTool({ name: "bulk_update", arguments: args });
      const token = (preview.structuredContent as Record<string, unknown>).confirm;
      assert.equal(typeof token, "string");
      clock += PREVIEW_TTL_MS + 1_000;
      tenant.sandbox.resetStats();
      const late = await client.callTool({
        name: "bulk_update",
        arguments: { ...args, confirm: token },
      });
      assert.equal(late.isError, true);
      assert.match(JSON.stringify(late.content), /expired at .*preview again/);
      assert.deepEqual(writesIn(tenant.sandbox.log), []);
    } finally {
      await client.close();
      await server.close();
      await tenant.close();
    }
  },
});
