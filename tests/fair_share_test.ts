/** Fair shares of Autotask's limits per user: round-robin slots in the gate, a per-user hourly share. */

import assert from "node:assert/strict";
import { AutotaskClient } from "../lib/autotask/client.ts";
import { ConfigError, loadUserBudgetShare } from "../lib/autotask/config.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import { ConcurrencyGate, type Release } from "../lib/autotask/gate.ts";
import { BUCKET_MS, UserUsage } from "../lib/autotask/user_usage.ts";
import { SANDBOX_CREDENTIALS } from "../lib/sandbox/mod.ts";
import { startTenant } from "./harness.ts";

Deno.test("gate: waiters of different users take turns, in arrival order within a user", async () => {
  const gate = new ConcurrencyGate(1);
  const held = await gate.acquire("Tickets", { user: "alice" });
  const granted: string[] = [];
  const wait = (user: string, label: string): Promise<Release> =>
    gate.acquire("Tickets", { user }).then((release) => {
      granted.push(label);
      // Done at once: the slot passes to whoever's turn is next.
      release();
      return release;
    });
  // Alice queues a bulk job first; Bob's two calls arrive behind all of it.
  const waiters = [
    ...["a1", "a2", "a3", "a4", "a5"].map((label) => wait("alice", label)),
    ...["b1", "b2"].map((label) => wait("bob", label)),
    wait("carol", "c1"),
  ];
  assert.equal(gate.queued("Tickets"), 8);
  assert.equal(gate.queued("Tickets", "alice"), 5);
  assert.equal(gate.queued("Tickets", "bob"), 2);
  held();
  await Promise.all(waiters);
  assert.deepEqual(granted, ["a1", "b1", "c1", "a2", "b2", "a3", "a4", "a5"]);
  assert.deepEqual(gate.stats(), { inFlight: {}, queued: {} });
});

Deno.test("gate: with several users waiting, no slot idles and never more than the limit run", async () => {
  const gate = new ConcurrencyGate(3);
  let running = 0;
  let peak = 0;
  const work = async (user: string): Promise<void> => {
    const release = await gate.acquire("Tickets", { user });
    running++;
    peak = Math.max(peak, running);
    await new Promise((resolve) => setTimeout(resolve, 1));
    running--;
    release();
    // The slot passed straight on: while work waits, every slot is taken.
    if (gate.queued("Tickets") > 0) assert.equal(gate.inFlight("Tickets"), 3);
    assert.ok(gate.inFlight("Tickets") <= 3);
  };
  await Promise.all([
    ...Array.from({ length: 30 }, () => work("alice")),
    ...Array.from({ length: 10 }, () => work("bob")),
    ...Array.from({ length: 5 }, () => work("")),
  ]);
  assert.equal(peak, 3);
  assert.deepEqual(gate.stats(), { inFlight: {}, queued: {} });
});

Deno.test("two users' parallel bulk work both progress: Bob's calls finish while Alice's 300 still run", async () => {
  const tenant = await startTenant({ latencyMs: 15 });
  const client = new AutotaskClient({
    credentials: SANDBOX_CREDENTIALS,
    baseUrl: `${tenant.restBase}V1.0/`,
    timeoutMs: 30_000,
  });
  try {
    let aliceDone = 0;
    const alice = Array.from(
      { length: 300 },
      () => client.count("Tickets", { user: "alice" }).then(() => aliceDone++),
    );
    // Bob starts once Alice's job has filled the queue.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const bobStarted = aliceDone;
    const bob = await Promise.all(
      Array.from(
        { length: 5 },
        () => client.count("Tickets", { user: "bob" }).then((count) => ({ count, aliceDone })),
      ),
    );
    for (const { count } of bob) assert.ok(count > 0);
    const aliceAtBobsEnd = Math.max(...bob.map((call) => call.aliceDone));
    // Round-robin: Bob's 5 calls took about 5 of Alice's turns, not all 300 of her queue.
    assert.ok(
      aliceAtBobsEnd - bobStarted <= 20,
      `Alice finished ${aliceAtBobsEnd - bobStarted} calls while Bob's 5 waited`,
    );
    assert.ok(aliceAtBobsEnd < 300, "Alice's job was still running");
    await Promise.all(alice);
    assert.equal(aliceDone, 300);
    assert.ok(tenant.sandbox.maxInFlight("Tickets") <= 3);
    assert.deepEqual(client.stats().queued, {});
  } finally {
    await tenant.close();
  }
});

Deno.test("a user past AUTOTASK_USER_BUDGET_SHARE is refused with the numbers; other users go on", async () => {
  const tenant = await startTenant({ threshold: { limit: 100, used: 0, timeframeMinutes: 60 } });
  const client = new AutotaskClient({
    credentials: SANDBOX_CREDENTIALS,
    baseUrl: `${tenant.restBase}V1.0/`,
    timeoutMs: 10_000,
    userBudgetShare: 0.1,
  });
  try {
    for (let i = 0; i < 10; i++) await client.count("Tickets", { user: "alice" });
    const sentBefore = client.stats().requests;
    const refusal = await client.count("Tickets", { user: "alice" }).then(
      () => assert.fail("the 11th call of a 10-request share was sent"),
      (error: unknown) => error,
    );
    assert.ok(refusal instanceof AutotaskError);
    assert.equal(refusal.category, "rate_limited");
    assert.match(refusal.message, /10 of your 10 requests in the last 60 minutes/);
    assert.match(refusal.message, /10% of 100/);
    assert.match(refusal.message, /AUTOTASK_USER_BUDGET_SHARE/);
    assert.match(refusal.message, /not sent/);
    assert.equal(client.stats().requests, sentBefore, "the refused call never left");
    // Bob's share is his own.
    assert.ok(await client.count("Tickets", { user: "bob" }) > 0);
    assert.ok(await client.count("Tickets") > 0);
  } finally {
    await tenant.close();
  }
});

Deno.test("user usage: minutes leave the rolling window and idle users are forgotten", () => {
  const usage = new UserUsage();
  const windowMs = 60 * BUCKET_MS;
  const start = 1_000 * BUCKET_MS;
  for (let i = 0; i < 3; i++) {
    assert.equal(usage.take("alice", { cap: 3, windowMs, now: start }).ok, true);
  }
  const refused = usage.take("alice", { cap: 3, windowMs, now: start + 30 * BUCKET_MS });
  assert.deepEqual(refused, { ok: false, used: 3, freesAt: start + BUCKET_MS + windowMs });
  // Once the first minute has left the window, there is room again.
  assert.equal(usage.take("alice", { cap: 3, windowMs, now: start + 61 * BUCKET_MS }).ok, true);
  assert.equal(usage.used("alice", { windowMs, now: start + 200 * BUCKET_MS }), 0);
  assert.equal(usage.users, 0);
});

Deno.test("config: AUTOTASK_USER_BUDGET_SHARE is a share, default 1", () => {
  const env = (value?: string) => (name: string) =>
    name === "AUTOTASK_USER_BUDGET_SHARE" ? value : undefined;
  assert.equal(loadUserBudgetShare(env()), 1);
  assert.equal(loadUserBudgetShare(env("0.25")), 0.25);
  for (const bad of ["0", "1.5", "30%", "abc"]) {
    assert.throws(
      () => loadUserBudgetShare(env(bad)),
      (error: unknown) =>
        error instanceof ConfigError &&
        /AUTOTASK_USER_BUDGET_SHARE must be a share/.test(error.message),
    );
  }
});
