/** The gate, the retry policy and the budget on their own: ordering, arithmetic and wording. */

import assert from "node:assert/strict";
import { RequestBudget } from "../lib/autotask/budget.ts";
import { ConfigError, type EnvVar, loadBudgetShares, loadConfig } from "../lib/autotask/config.ts";
import { AutotaskError, errorFromResponse, isBudgetRefusal } from "../lib/autotask/errors.ts";
import {
  ConcurrencyGate,
  QueueCancelled,
  QueueTimeout,
  type Release,
} from "../lib/autotask/gate.ts";
import { identifyingFields } from "../lib/autotask/http.ts";
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isRetryable,
  retryDelay,
  sleep,
  TimerSet,
} from "../lib/autotask/retry.ts";

Deno.test("gate: slots pass to waiters strictly in arrival order, per key", async () => {
  const gate = new ConcurrencyGate(3);
  const held: Release[] = [];
  for (let i = 0; i < 3; i++) held.push(await gate.acquire("Tickets"));
  const granted: number[] = [];
  const waiters = Array.from({ length: 6 }, (_, i) =>
    gate.acquire("Tickets").then((release) => {
      granted.push(i);
      return release;
    }));
  // Another key is not held up by a full one.
  const other = await gate.acquire("Companies");
  assert.deepEqual(gate.stats(), {
    inFlight: { Tickets: 3, Companies: 1 },
    queued: { Tickets: 6 },
  });
  other();
  // A newcomer queues behind the waiters even when a slot is momentarily free.
  held.shift()!();
  const late = gate.acquire("Tickets").then((release) => {
    granted.push(99);
    return release;
  });
  for (const release of held) release();
  const releases = await Promise.all(waiters.slice(0, 3));
  for (const release of releases) release();
  for (const release of await Promise.all(waiters.slice(3))) release();
  (await late)();
  assert.deepEqual(granted, [0, 1, 2, 3, 4, 5, 99]);
  assert.deepEqual(gate.stats(), { inFlight: {}, queued: {} });
});

Deno.test("gate: an aborted or timed-out waiter leaves the queue at once; release is idempotent", async () => {
  const timers = new TimerSet();
  const gate = new ConcurrencyGate(1, timers);
  const release = await gate.acquire("Tickets");
  const controller = new AbortController();
  const cancelled = gate.acquire("Tickets", { signal: controller.signal });
  const timedOut = gate.acquire("Tickets", { timeoutMs: 20 });
  const patient = gate.acquire("Tickets");
  assert.equal(gate.queued("Tickets"), 3);
  controller.abort();
  await assert.rejects(cancelled, QueueCancelled);
  assert.equal(gate.queued("Tickets"), 2);
  await assert.rejects(timedOut, QueueTimeout);
  assert.equal(gate.queued("Tickets"), 1);
  release();
  release();
  const next = await patient;
  assert.equal(gate.inFlight("Tickets"), 1, "a double release did not free a second slot");
  next();
  assert.deepEqual(gate.stats(), { inFlight: {}, queued: {} });
  assert.equal(timers.size, 0);
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(gate.acquire("Tickets", { signal: aborted.signal }), QueueCancelled);
});

Deno.test("retry: what is retried, full-jitter backoff, Retry-After", () => {
  const http = (status: number, errors: string[] = [], retryAfter?: string) =>
    errorFromResponse(status, { errors }, { operation: "query", entity: "Tickets", retryAfter });
  for (const status of [429, 502, 503, 504]) assert.ok(isRetryable(http(status), "query"));
  for (const status of [400, 401, 404, 500]) assert.ok(!isRetryable(http(status, ["x"]), "get"));
  // A 429 alone does not say which limit: the client asks ThresholdInformation and sets `limit`.
  const threshold = http(429, [
    "The request threshold of 10000 requests per 60 minutes has been reached",
  ]);
  assert.equal(threshold.limit, undefined, "the word threshold alone decides nothing");
  threshold.limit = "hourly";
  assert.ok(!isRetryable(threshold, "query"), "the hourly threshold is not worth seconds of retry");
  const thread = ["The Autotask API thread threshold of 3 threads has been exceeded."];
  for (const status of [429, 500, 503, 403]) {
    const refusal = http(status, thread);
    assert.equal(refusal.category, "rate_limited", `thread text under ${status}`);
    assert.equal(refusal.limit, "threads");
    for (const op of ["query", "create", "update", "delete"] as const) {
      assert.ok(isRetryable(refusal, op), `${op} refused on threads under ${status}`);
    }
  }
  const network = new AutotaskError("x", {
    category: "unavailable",
    operation: "get",
    failure: "network",
  });
  const timeout = new AutotaskError("x", {
    category: "unavailable",
    operation: "get",
    failure: "timeout",
  });
  assert.ok(isRetryable(network, "get"));
  assert.ok(!isRetryable(timeout, "get"));
  for (const write of ["create", "update", "delete"] as const) {
    assert.ok(!isRetryable(http(503), write));
    assert.ok(!isRetryable(network, write));
  }
  assert.equal(backoffDelay(1, { policy: DEFAULT_RETRY_POLICY, random: () => 0.999 }), 499);
  assert.equal(backoffDelay(2, { policy: DEFAULT_RETRY_POLICY, random: () => 0.999 }), 999);
  assert.equal(backoffDelay(3, { policy: DEFAULT_RETRY_POLICY, random: () => 0.999 }), 1998);
  assert.equal(
    backoffDelay(10, { policy: DEFAULT_RETRY_POLICY, random: () => 0.999 }),
    7992,
    "capped at 8 s",
  );
  assert.equal(backoffDelay(3, { policy: DEFAULT_RETRY_POLICY, random: () => 0 }), 0);
  assert.equal(
    retryDelay(http(429, [], "2"), 1, { policy: DEFAULT_RETRY_POLICY, random: () => 0 }),
    2000,
  );
  const date = new Date(Date.now() + 3000).toUTCString();
  const fromDate = retryDelay(http(503, [], date), 1, {
    policy: DEFAULT_RETRY_POLICY,
    random: () => 0,
  });
  assert.ok(fromDate >= 2000 && fromDate <= 4000, `HTTP date: ${fromDate}`);
});

Deno.test("retry: sleep clears its timer when aborted", async () => {
  const timers = new TimerSet();
  const controller = new AbortController();
  const sleeping = sleep(10_000, { signal: controller.signal, timers });
  assert.equal(timers.size, 1);
  controller.abort();
  await assert.rejects(sleeping);
  assert.equal(timers.size, 0);
  await sleep(1, { timers });
  assert.equal(timers.size, 0);
});

Deno.test("budget: levels, refusals and notices from readings and local counts", () => {
  let now = Date.parse("2026-03-02T10:00:00Z");
  const budget = new RequestBudget({ now: () => now, refreshEveryRequests: 100 });
  assert.equal(budget.level(), "unknown");
  assert.ok(budget.needsSync());
  assert.equal(budget.refusal(true), undefined, "no reading, no refusal");
  budget.observe({
    externalRequestThreshold: 10_000,
    requestThresholdTimeframe: 60,
    currentTimeframeRequestCount: 7_900,
  });
  assert.equal(budget.level(), "ok");
  assert.ok(!budget.needsSync());
  for (let i = 0; i < 100; i++) budget.count();
  assert.equal(budget.level(), "warn");
  assert.equal(
    budget.notice(),
    "Autotask API usage is at 80% of the hourly limit (8,000 of 10,000 requests in the current " +
      "60-minute window; the window resets by 2026-03-02T11:00Z (in about 60 min)): keep searches " +
      "narrow and avoid repeated calls",
  );
  assert.ok(budget.needsSync(), "after 100 requests");
  now += 20 * 60_000;
  budget.observe({
    externalRequestThreshold: 10_000,
    requestThresholdTimeframe: 60,
    currentTimeframeRequestCount: 9_600,
  });
  assert.equal(budget.level(), "hard");
  assert.equal(budget.refusal(false), undefined);
  assert.match(budget.refusal(true)!, /^Skipped an optional Autotask lookup/);
  assert.match(budget.refusal(true)!, /resets by 2026-03-02T11:00Z \(in about 40 min\)/);
  assert.ok(!budget.needsSync());
  now += 61_000;
  assert.ok(budget.needsSync(), "re-read every minute past the hard share");
  budget.observe({
    externalRequestThreshold: 10_000,
    requestThresholdTimeframe: 60,
    currentTimeframeRequestCount: 10_000,
  });
  assert.equal(budget.level(), "exhausted");
  assert.match(budget.refusal(false)!, /used up \(10,000 of 10,000 requests/);
  // The window's end passed: read again; a lower count starts a new window.
  now = Date.parse("2026-03-02T11:00:30Z");
  assert.ok(budget.needsSync());
  budget.observe({
    externalRequestThreshold: 10_000,
    requestThresholdTimeframe: 60,
    currentTimeframeRequestCount: 12,
  });
  assert.equal(budget.level(), "ok");
  assert.equal(budget.snapshot().resetsBy, "2026-03-02T12:01Z");
  // A refusal that may be the hourly limit asks for a reading before the next request.
  assert.ok(!budget.needsSync());
  budget.requestSync();
  assert.ok(budget.needsSync(), "read before the next request");
  assert.equal(budget.level(), "ok", "a 429 alone never marks the hour used up");
  budget.syncFailed();
  assert.ok(!budget.needsSync(), "a failed reading waits a minute");
  now += 60_000;
  assert.ok(budget.needsSync());
});

Deno.test("config: AUTOTASK_BUDGET_WARN and AUTOTASK_BUDGET_HARD are shares, warn below hard", () => {
  const env = (values: Partial<Record<EnvVar, string>>) => (name: EnvVar) => values[name];
  assert.deepEqual(loadBudgetShares(env({})), { budgetWarn: 0.8, budgetHard: 0.95 });
  assert.deepEqual(
    loadBudgetShares(env({ AUTOTASK_BUDGET_WARN: "0.5", AUTOTASK_BUDGET_HARD: "0.9" })),
    { budgetWarn: 0.5, budgetHard: 0.9 },
  );
  for (const bad of ["0", "1.5", "-0.2", "80%", "abc", "NaN", "Infinity"]) {
    // The same text whatever the value: a ConfigError never echoes what was set.
    assert.throws(
      () => loadBudgetShares(env({ AUTOTASK_BUDGET_WARN: bad })),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message ===
          "AUTOTASK_BUDGET_WARN must be a share of the hourly request limit between 0 and 1 " +
            "(e.g. 0.8 for 80%), or unset",
      bad,
    );
  }
  assert.throws(
    () => loadBudgetShares(env({ AUTOTASK_BUDGET_HARD: "2" })),
    /AUTOTASK_BUDGET_HARD must be a share/,
  );
  assert.throws(
    () => loadBudgetShares(env({ AUTOTASK_BUDGET_WARN: "0.96" })),
    /AUTOTASK_BUDGET_WARN must be lower than AUTOTASK_BUDGET_HARD/,
  );
  const config = loadConfig(env({
    AUTOTASK_API_USERNAME: "api@example.com",
    AUTOTASK_API_SECRET: "secret-value",
    AUTOTASK_API_INTEGRATION_CODE: "CODE",
    AUTOTASK_BUDGET_WARN: "0.7",
  }));
  assert.equal(config.budgetWarn, 0.7);
  assert.equal(config.budgetHard, 0.95);
});

Deno.test("isBudgetRefusal tells a skipped optional lookup from Autotask's own 429", () => {
  const refused = new AutotaskError("x", {
    category: "rate_limited",
    operation: "query",
    failure: "refused",
  });
  assert.ok(isBudgetRefusal(refused));
  const http = errorFromResponse(429, {}, { operation: "query" });
  assert.ok(!isBudgetRefusal(http));
  assert.ok(!isBudgetRefusal(new Error("x")));
});

Deno.test("unknown outcome: identifying fields from the URL and the body", () => {
  const base = "https://webservices5.autotask.net/ATServicesRest/V1.0/";
  assert.deepEqual(
    identifyingFields(`${base}Tickets/42/Notes`, {
      title: "A".repeat(100),
      description: "line one\nline two",
      noteType: 1,
    }),
    { ticketID: 42, title: `${"A".repeat(77)}...`, description: "line one line two" },
  );
  assert.deepEqual(identifyingFields(`${base}Companies/7/Contacts/99`, undefined), {
    companyID: 7,
    id: 99,
  });
  assert.deepEqual(identifyingFields(`${base}Tickets`, { id: 5, status: 8 }), { id: 5 });
  assert.deepEqual(identifyingFields(`${base}TimeEntries/31`, null), { id: 31 });
});
