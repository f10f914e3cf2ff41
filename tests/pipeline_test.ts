/** The client inside Autotask's limits and through its faults, against the simulated tenant over real HTTP. */

import assert from "node:assert/strict";
import type { AutotaskClient } from "../lib/autotask/client.ts";
import {
  eventually,
  IDLE,
  idleCounters,
  rejection,
  reliabilityClient,
  withTenant,
} from "./in_process_harness.ts";
import type { ServedSandbox } from "../lib/sandbox/mod.ts";

function statuses(tenant: ServedSandbox, entity?: string): number[] {
  return tenant.sandbox.log.filter((e) => entity === undefined || e.entity === entity)
    .map((e) => e.status);
}

function requestsTo(tenant: ServedSandbox, entity: string, method?: string): number {
  return tenant.sandbox.log.filter((e) =>
    e.entity === entity && (method === undefined || e.method === method)
  ).length;
}

/** A first call so the budget's lazy ThresholdInformation reading is out of the way. */
async function warmUp(client: AutotaskClient): Promise<void> {
  await client.query("Companies", { maxRecords: 1 });
}

Deno.test("gate: 60 parallel reads on 3 entities never exceed 3 in flight per entity", async () => {
  await withTenant({ latencyMs: 40 }, async (tenant) => {
    const client = reliabilityClient(tenant);
    const entities = ["Tickets", "Companies", "Contacts"];
    const calls = Array.from(
      { length: 60 },
      (_, i) => client.query(entities[i % 3], { maxRecords: 1 + (i % 5) }),
    );
    await eventually(() => (client.stats().queued.Tickets ?? 0) > 0, 2000, "a queue");
    const during = client.stats();
    assert.ok(Object.values(during.inFlight).every((n) => n <= 3), JSON.stringify(during));
    const pages = await Promise.all(calls);
    assert.equal(pages.length, 60);
    for (const entity of entities) {
      assert.ok(
        tenant.sandbox.maxInFlight(entity) <= 3,
        `${entity}: ${tenant.sandbox.maxInFlight(entity)}`,
      );
      assert.equal(tenant.sandbox.maxInFlight(entity), 3, `${entity} used its 3 slots`);
    }
    assert.ok(!statuses(tenant).includes(429), "no 429 from the tenant");
    assert.deepEqual(idleCounters(client.stats()), IDLE);
  });
});

Deno.test("gate: waiters are served first come, first served", async () => {
  await withTenant({ latencyMs: 30 }, async (tenant) => {
    const client = reliabilityClient(tenant);
    await warmUp(client);
    tenant.sandbox.resetStats();
    const order = Array.from({ length: 12 }, (_, i) => i + 1);
    await Promise.all(order.map((n) => client.query("Tickets", { maxRecords: n })));
    const arrived = tenant.sandbox.log.filter((e) => e.entity === "Tickets")
      .map((e) => (e.body as { MaxRecords: number }).MaxRecords);
    // Three start together; each round of freed slots goes to the oldest waiters (within a
    // round, three connections race to the tenant, so compare rounds as sets).
    for (let round = 0; round < 4; round++) {
      const slice = (list: number[]) => list.slice(round * 3, round * 3 + 3).sort((a, b) => a - b);
      assert.deepEqual(slice(arrived), slice(order), `round ${round + 1}`);
    }
  });
});

Deno.test("cancelling a queued call frees its place at once; cancelling in flight frees the slot", async () => {
  await withTenant({ latencyMs: 400 }, async (tenant) => {
    const client = reliabilityClient(tenant);
    await warmUp(client);
    // Queued: three calls hold the slots, a fourth waits and is cancelled.
    const holders = [1, 2, 3].map(() => client.query("Companies", { maxRecords: 1 }));
    const waiter = new AbortController();
    const queued = client.query("Companies", { maxRecords: 1, signal: waiter.signal });
    await eventually(() => client.stats().queued.Companies === 1, 1000, "the waiter");
    const abortedAt = performance.now();
    waiter.abort();
    const cancelled = await rejection(queued);
    assert.ok(performance.now() - abortedAt < 50, "rejected at once");
    assert.equal(cancelled.category, "cancelled");
    assert.match(cancelled.message, /cancelled while waiting for a free connection/);
    assert.equal(client.stats().queued.Companies, undefined);
    await Promise.all(holders);

    // In flight: three calls are cancelled mid-request; the next three start immediately.
    tenant.sandbox.resetStats();
    const controllers = [1, 2, 3].map(() => new AbortController());
    const inFlight = controllers.map((c) =>
      client.query("Companies", { maxRecords: 2, signal: c.signal })
    );
    await eventually(() => tenant.sandbox.inFlight("Companies") === 3, 1000, "3 in flight");
    for (const c of controllers) c.abort();
    for (const p of inFlight) assert.equal((await rejection(p)).category, "cancelled");
    assert.deepEqual(client.stats().inFlight, {}, "slots freed");
    await eventually(() => tenant.sandbox.inFlight("Companies") === 0, 1000, "tenant released");
    const started = performance.now();
    await Promise.all([1, 2, 3].map(() => client.query("Companies", { maxRecords: 3 })));
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 700, `the next 3 ran together (${Math.round(elapsed)} ms, latency 400)`);
    assert.ok(!statuses(tenant, "Companies").includes(429));
    assert.deepEqual(idleCounters(client.stats()), IDLE);
  });
});

Deno.test("a read answered 429 with Retry-After: 1 succeeds after waiting", async () => {
  await withTenant({}, async (tenant) => {
    const client = reliabilityClient(tenant);
    await warmUp(client);
    const company = tenant.sandbox.records("Companies")[1];
    tenant.sandbox.inject({
      kind: "status",
      status: 429,
      retryAfterSeconds: 1,
      match: { entity: "Companies", method: "GET" },
    });
    const started = performance.now();
    const got = await client.get("Companies", company.id as number);
    const elapsed = performance.now() - started;
    assert.equal(got?.companyName, company.companyName);
    assert.ok(elapsed >= 950, `waited ${Math.round(elapsed)} ms`);
    assert.deepEqual(statuses(tenant, "Companies").slice(-2), [429, 200]);
    assert.equal(client.stats().retries, 1);
    assert.deepEqual(idleCounters(client.stats()), IDLE);
  });
});

Deno.test("reads retry 502/503/504 and dropped connections; 500 and timeouts are not retried", async () => {
  await withTenant({}, async (tenant) => {
    const client = reliabilityClient(tenant, { timeoutMs: 1500, random: () => 0.5 });
    await warmUp(client);
    for (const status of [502, 503, 504]) {
      tenant.sandbox.inject({ kind: "status", status, match: { entity: "Tickets" } });
      const page = await client.query("Tickets", { maxRecords: 2 });
      assert.equal(page.items.length, 2, `after ${status}`);
    }
    tenant.sandbox.inject({ kind: "drop", match: { entity: "Tickets" } });
    assert.equal((await client.query("Tickets", { maxRecords: 2 })).items.length, 2);

    tenant.sandbox.resetStats();
    tenant.sandbox.inject({
      kind: "status",
      status: 500,
      body: { errors: ["Unable to process the request: the database is being maintained."] },
      match: { entity: "Tickets" },
    });
    const rejected = await rejection(client.query("Tickets"));
    assert.match(rejected.message, /the database is being maintained/);
    assert.equal(requestsTo(tenant, "Tickets"), 1, "a 500 is Autotask's answer: not retried");

    tenant.sandbox.resetStats();
    tenant.sandbox.inject({ kind: "delay", delayMs: 3000, match: { entity: "Tickets" } });
    const started = performance.now();
    const slow = await rejection(client.query("Tickets"));
    assert.equal(slow.category, "unavailable");
    assert.equal(slow.failure, "timeout");
    assert.match(slow.message, /did not answer within 2 s/);
    assert.ok(performance.now() - started < 2500, "bounded by the timeout");
    assert.equal(requestsTo(tenant, "Tickets"), 1, "a timeout is not retried");

    tenant.sandbox.inject({ kind: "malformed", match: { entity: "Tickets" } });
    const malformed = await rejection(client.query("Tickets"));
    assert.match(malformed.message, /malformed JSON/);
    assert.equal((await client.query("Tickets", { maxRecords: 1 })).items.length, 1);
    await eventually(() => client.stats().timers === 0, 1000, "no timers");
    assert.deepEqual(idleCounters(client.stats()), IDLE);
  });
});

Deno.test("retries are bounded: attempts, and Retry-After beyond the time budget", async () => {
  await withTenant({}, async (tenant) => {
    const client = reliabilityClient(tenant, { timeoutMs: 4000, random: () => 0 });
    await warmUp(client);
    tenant.sandbox.resetStats();
    tenant.sandbox.inject({ kind: "status", status: 503, times: 10, match: { entity: "Tickets" } });
    const error = await rejection(client.query("Tickets"));
    assert.equal(error.status, 503);
    assert.match(error.message, /gave up after 4 attempts/);
    assert.equal(requestsTo(tenant, "Tickets"), 4);
    tenant.sandbox.clearFaults();

    tenant.sandbox.resetStats();
    tenant.sandbox.inject({
      kind: "status",
      status: 429,
      retryAfterSeconds: 30,
      match: { entity: "Tickets" },
    });
    const started = performance.now();
    const limited = await rejection(client.query("Tickets"));
    assert.ok(performance.now() - started < 500, "no 30 s sleep inside a 4 s budget");
    assert.equal(limited.category, "rate_limited");
    assert.match(limited.message, /Retry after 30 s/);
    assert.equal(requestsTo(tenant, "Tickets"), 1);
  });
});

Deno.test("a retry sleep is cancellable and holds no slot", async () => {
  await withTenant({}, async (tenant) => {
    const client = reliabilityClient(tenant);
    await warmUp(client);
    tenant.sandbox.inject({
      kind: "status",
      status: 429,
      retryAfterSeconds: 5,
      match: { entity: "Tickets" },
    });
    const controller = new AbortController();
    const sleeping = client.query("Tickets", { signal: controller.signal });
    await eventually(() => client.stats().retrySleeps === 1, 1000, "a retry sleep");
    assert.deepEqual(client.stats().inFlight, {}, "the slot is free while sleeping");
    controller.abort();
    const error = await rejection(sleeping);
    assert.equal(error.category, "cancelled");
    assert.match(error.message, /while waiting to retry/);
    assert.deepEqual(idleCounters(client.stats()), IDLE);
  });
});

Deno.test("a write answered with a 500, a gateway error, a drop or a timeout is never sent again", async () => {
  await withTenant({}, async (tenant) => {
    const client = reliabilityClient(tenant);
    await warmUp(client);
    const ticket = tenant.sandbox.records("Tickets")[0];
    const noteType = tenant.sandbox.records("TicketNotes")[0].noteType;
    const note = {
      ticketID: ticket.id,
      title: "Replaced the patch cable",
      description: "Port 12 was flapping.",
      noteType,
      publish: 2,
    };

    // A 500 that is not the thread limit may have been processed: never sent again.
    tenant.sandbox.inject({
      kind: "status",
      status: 500,
      body: { errors: ["An unexpected error occurred while saving the record."] },
      match: { method: "POST", entity: "TicketNotes" },
    });
    const before = tenant.sandbox.records("TicketNotes").length;
    const failed = await rejection(client.create("TicketNotes", note));
    assert.equal(failed.category, "validation");
    assert.match(failed.message, /An unexpected error occurred/);
    assert.equal(requestsTo(tenant, "TicketNotes", "POST"), 1, "exactly one POST");
    assert.equal(tenant.sandbox.records("TicketNotes").length, before);

    tenant.sandbox.resetStats();
    tenant.sandbox.inject({
      kind: "drop",
      applyAfterHandling: true,
      match: { method: "POST", entity: "TicketNotes" },
    });
    const sentAfter = Date.now();
    const dropped = await rejection(client.create("TicketNotes", note));
    assert.equal(dropped.category, "unknown_outcome");
    assert.equal(requestsTo(tenant, "TicketNotes", "POST"), 1, "exactly one POST");
    assert.equal(tenant.sandbox.records("TicketNotes").length, before + 1, "it was applied");
    assert.match(dropped.message, /may or may not have been applied/);
    assert.match(dropped.message, /search TicketNotes/);
    assert.ok(dropped.message.includes(`ticketID ${ticket.id}`), dropped.message);
    assert.ok(dropped.message.includes('title "Replaced the patch cable"'), dropped.message);
    assert.ok(Date.parse(dropped.sentAt!) >= sentAfter - 5);
    assert.ok(dropped.message.includes(dropped.sentAt!));
    assert.deepEqual(dropped.identifying, {
      ticketID: ticket.id,
      title: "Replaced the patch cable",
      description: "Port 12 was flapping.",
    });

    // 502/503/504 on a write may come from a gateway after Autotask processed it.
    tenant.sandbox.resetStats();
    tenant.sandbox.inject({
      kind: "status",
      status: 504,
      applyAfterHandling: true,
      match: { method: "PATCH", entity: "Tickets" },
    });
    const gateway = await rejection(client.update("Tickets", ticket.id as number, { title: "x" }));
    assert.equal(gateway.category, "unknown_outcome");
    assert.match(gateway.message, /changing title/);
    assert.match(gateway.message, new RegExp(`read Tickets ${ticket.id}`));
    assert.equal(requestsTo(tenant, "Tickets", "PATCH"), 1);

    // A write that times out is sent once and reported as possibly applied.
    const quick = reliabilityClient(tenant, { timeoutMs: 1000 });
    await warmUp(quick);
    tenant.sandbox.resetStats();
    tenant.sandbox.inject({
      kind: "delay",
      delayMs: 2000,
      match: { method: "POST", entity: "TicketNotes" },
    });
    const slow = await rejection(quick.create("TicketNotes", note));
    assert.equal(slow.category, "unknown_outcome");
    assert.equal(slow.failure, "timeout");
    assert.equal(requestsTo(tenant, "TicketNotes", "POST"), 1);
    assert.deepEqual(idleCounters(client.stats()), IDLE);
    assert.deepEqual(idleCounters(quick.stats()), IDLE);
  });
});

Deno.test("an unreachable host: reads give up after bounded retries, writes say nothing was sent", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const closed = {
    restBase: `http://127.0.0.1:${port}/ATServicesRest/`,
  } as ServedSandbox;
  const client = reliabilityClient(closed, { timeoutMs: 3000, random: () => 0.1 });
  const started = performance.now();
  const read = await rejection(client.query("Tickets"));
  assert.equal(read.category, "unavailable");
  assert.equal(read.failure, "network");
  assert.match(read.message, new RegExp(`Could not reach Autotask at 127\\.0\\.0\\.1:${port}`));
  assert.match(read.message, /Connection refused/i);
  assert.match(read.message, /gave up after 4 attempts/);
  assert.ok(performance.now() - started < 3000);
  const write = await rejection(client.create("Companies", { companyName: "x" }));
  assert.equal(write.category, "unavailable");
  assert.match(write.message, /was not sent, so nothing was changed/);
  assert.deepEqual(idleCounters(client.stats()), IDLE);
});

Deno.test("budget: a notice past the warning share, optional work then all work refused", async () => {
  await withTenant({ threshold: { limit: 1000, used: 850 } }, async (tenant) => {
    const client = reliabilityClient(tenant);
    assert.equal(client.usageNotice(), undefined, "unknown before the first call");
    await client.query("Companies", { maxRecords: 1 });
    const notice = client.usageNotice();
    assert.ok(notice, "a notice at 85%");
    assert.match(notice, /Autotask API usage is at 85% of the hourly limit/);
    // 850 + the ThresholdInformation reading (it counts itself, as on the live API) + the query.
    assert.match(notice, /852 of 1,000 requests in the current 60-minute window/);
    assert.match(notice, /resets by \d{4}-\d\d-\d\dT\d\d:\d\dZ/);
    assert.equal(client.stats().budget.level, "warn");

    // Past the hard share (95%): optional lookups are refused before anything is sent.
    tenant.sandbox.setThreshold({ used: 955 });
    await client.threshold();
    const sent = tenant.sandbox.log.length;
    const optional = await rejection(client.query("Contacts", { optional: true }));
    assert.equal(optional.category, "rate_limited");
    assert.equal(optional.failure, "refused");
    assert.match(optional.message, /Skipped an optional Autotask lookup/);
    assert.match(optional.message, /95%/);
    assert.equal(tenant.sandbox.log.length, sent, "nothing reached the tenant");
    const optionalFields = await rejection(client.fields("Contacts", { optional: true }));
    assert.equal(optionalFields.category, "rate_limited");
    await client.query("Contacts", { maxRecords: 1 });
    assert.match(client.usageNotice()!, /optional lookups \(names, totals\) are skipped/);

    // At the limit: every call is refused, with the time the window resets.
    tenant.sandbox.setThreshold({ used: 1000 });
    await client.threshold();
    const before = tenant.sandbox.log.length;
    const refused = await rejection(client.get("Companies", 1));
    assert.equal(refused.category, "rate_limited");
    // The reading itself counted (1,000 + 1): ThresholdInformation still answers at the limit.
    assert.match(refused.message, /hourly API request limit is used up \(1,001 of 1,000 requests/);
    assert.match(refused.message, /this call was not sent/);
    assert.match(
      refused.message,
      /The window resets by \d{4}-\d\d-\d\dT\d\d:\d\dZ \(in about \d+ min\)/,
    );
    const write = await rejection(client.create("Companies", { companyName: "x" }));
    assert.equal(write.category, "rate_limited");
    assert.equal(tenant.sandbox.log.length, before, "nothing reached the tenant");
    assert.ok(client.stats().refused >= 3);
  });
});

Deno.test("budget: counted locally between readings, read every N requests, not per call", async () => {
  await withTenant({ threshold: { limit: 1000, used: 940 } }, async (tenant) => {
    const client = reliabilityClient(tenant, { budget: { refreshEveryRequests: 50 } });
    for (let i = 0; i < 12; i++) await client.query("Companies", { maxRecords: 1 });
    const readings = tenant.sandbox.log.filter((e) => e.entity === "ThresholdInformation");
    assert.equal(readings.length, 1, "one reading for 12 calls");
    // 940 + the reading (which counts itself) + 12 queries.
    assert.equal(client.stats().budget.used, 953);
    const optional = await rejection(client.count("Companies", { optional: true }));
    assert.match(optional.message, /Skipped an optional Autotask lookup/);

    const cadence = reliabilityClient(tenant, {
      budget: { refreshEveryRequests: 5 },
      budgetWarn: 0.99,
      budgetHard: 0.999,
    });
    tenant.sandbox.setThreshold({ used: 0 });
    tenant.sandbox.resetStats();
    for (let i = 0; i < 12; i++) await cadence.query("Companies", { maxRecords: 1 });
    const more = tenant.sandbox.log.filter((e) => e.entity === "ThresholdInformation");
    assert.equal(more.length, 3, "at the first call, then after 5 and 10 requests");
  });
});

Deno.test("budget: Autotask's own 'threshold reached' 429 is not retried and stops further calls", async () => {
  await withTenant({ threshold: { limit: 1000, used: 10 } }, async (tenant) => {
    const client = reliabilityClient(tenant);
    await warmUp(client);
    tenant.sandbox.setThreshold({ used: 1000 });
    tenant.sandbox.resetStats();
    const first = await rejection(client.query("Tickets"));
    assert.equal(first.category, "rate_limited");
    assert.match(first.message, /threshold/);
    assert.equal(requestsTo(tenant, "Tickets"), 1, "not retried");
    const second = await rejection(client.query("Tickets"));
    assert.match(second.message, /hourly API request limit is used up/);
    assert.equal(requestsTo(tenant, "Tickets"), 1, "refused locally");
  });
});

Deno.test("a failed budget reading does not fail the call", async () => {
  await withTenant({}, async (tenant) => {
    tenant.sandbox.inject({
      kind: "status",
      status: 500,
      match: { pathIncludes: "ThresholdInformation" },
    });
    const client = reliabilityClient(tenant);
    assert.equal((await client.query("Companies", { maxRecords: 1 })).items.length, 1);
    assert.equal(client.stats().budget.level, "unknown");
    assert.equal(client.usageNotice(), undefined);
  });
});

Deno.test("a call queued behind a hung endpoint is not sent once too little time is left", async () => {
  await withTenant({}, async (tenant) => {
    const client = reliabilityClient(tenant, { timeoutMs: 1000 });
    await warmUp(client);
    tenant.sandbox.resetStats();
    tenant.sandbox.inject({
      kind: "delay",
      delayMs: 5000,
      times: 10,
      match: { entity: "Companies" },
    });
    const reads = [1, 2, 3].map(() => rejection(client.query("Companies", { maxRecords: 1 })));
    await eventually(() => client.stats().inFlight.Companies === 3, 1000, "3 in flight");
    const write = rejection(client.create("Companies", { companyName: "Queued Ltd" }));
    const late = rejection(client.query("Companies", { maxRecords: 2 }));
    for (const error of await Promise.all(reads)) assert.equal(error.failure, "timeout");
    const [queuedWrite, queuedRead] = await Promise.all([write, late]);
    for (const error of [queuedWrite, queuedRead]) {
      assert.equal(error.category, "unavailable", error.message);
      assert.equal(error.failure, "refused");
      assert.match(error.message, /was not sent: it waited 1 s for a free connection/);
    }
    assert.equal(requestsTo(tenant, "Companies"), 3, "only the three holders reached the tenant");
    tenant.sandbox.clearFaults();
    await eventually(() => client.stats().timers === 0, 1000, "no timers");
    assert.deepEqual(idleCounters(client.stats()), IDLE);
  });
});
