/** Thread-limit refusals against the hourly threshold: what is retried, what is sent again, what stops. */

import assert from "node:assert/strict";
import type { AutotaskClient } from "../lib/autotask/client.ts";
import { errorFromResponse } from "../lib/autotask/errors.ts";
import type { Fault, ServedSandbox } from "../lib/sandbox/mod.ts";
import {
  IDLE,
  idleCounters,
  rejection,
  reliabilityClient,
  withTenant,
} from "./in_process_harness.ts";

/** The live API's refusal when an integration code has 3 requests running on an endpoint. */
const THREAD_TEXT = "The Autotask API thread threshold of 3 threads has been exceeded.";

function threadRefusal(status: number, match: Fault["match"], times = 1): Fault {
  return { kind: "status", status, times, match, body: { errors: [THREAD_TEXT] } };
}

function requestsTo(tenant: ServedSandbox, entity: string, method?: string): number {
  return tenant.sandbox.log.filter((e) =>
    e.entity === entity && (method === undefined || e.method === method)
  ).length;
}

function readings(tenant: ServedSandbox): number {
  return requestsTo(tenant, "ThresholdInformation");
}

async function warmUp(client: AutotaskClient): Promise<void> {
  await client.query("Companies", { maxRecords: 1 });
}

function noteFor(tenant: ServedSandbox, title: string): Record<string, unknown> {
  const ticket = tenant.sandbox.records("Tickets")[0];
  return {
    ticketID: ticket.id,
    title,
    description: "Checked the switch port.",
    noteType: tenant.sandbox.records("TicketNotes")[0].noteType,
    publish: 2,
  };
}

function notesTitled(tenant: ServedSandbox, title: string): number {
  return tenant.sandbox.records("TicketNotes").filter((n) => n.title === title).length;
}

Deno.test("a read refused on the thread limit is retried and the hour is not taken for used up", async () => {
  await withTenant({}, async (tenant) => {
    let now = Date.now();
    const client = reliabilityClient(tenant, { budget: { now: () => now } });
    await warmUp(client);
    now += 11_000; // a stale reading: only the text can tell the limit apart now
    tenant.sandbox.resetStats();
    tenant.sandbox.inject(threadRefusal(429, { entity: "Tickets" }, 2));
    const page = await client.query("Tickets", { maxRecords: 2 });
    assert.equal(page.items.length, 2);
    assert.equal(requestsTo(tenant, "Tickets"), 3, "two refusals, then the answer");
    assert.equal(client.stats().threadRefusals, 2);
    assert.equal(readings(tenant), 0, "the text names the thread limit: no budget reading needed");
    assert.notEqual(client.stats().budget.level, "exhausted");
    // The next calls go out as usual: nothing is refused locally.
    await client.query("Tickets", { maxRecords: 1 });
    await client.get("Companies", 0);
    assert.equal(client.stats().refused, 0);
    assert.deepEqual(idleCounters(client.stats()), IDLE);
  });
});

Deno.test("the thread-limit text is recognised under other statuses too", async () => {
  await withTenant({}, async (tenant) => {
    const client = reliabilityClient(tenant);
    await warmUp(client);
    for (const status of [500, 503, 403, 400]) {
      tenant.sandbox.resetStats();
      tenant.sandbox.inject(threadRefusal(status, { entity: "Contacts" }));
      const page = await client.query("Contacts", { maxRecords: 1 });
      assert.equal(page.items.length, 1, `read after a ${status} thread refusal`);
      assert.equal(requestsTo(tenant, "Contacts"), 2, `retried once after ${status}`);
    }
    const title = "Thread refusal under 500";
    tenant.sandbox.resetStats();
    tenant.sandbox.inject(threadRefusal(500, { method: "POST", entity: "TicketNotes" }));
    await client.create("TicketNotes", noteFor(tenant, title));
    assert.equal(requestsTo(tenant, "TicketNotes", "POST"), 2);
    assert.equal(notesTitled(tenant, title), 1);
  });
});

Deno.test("a write refused on the thread limit is sent again: exactly one record exists", async () => {
  await withTenant({}, async (tenant) => {
    let now = Date.now();
    const client = reliabilityClient(tenant, { budget: { now: () => now } });
    await warmUp(client);
    now += 11_000;
    const title = "Refused twice, then stored once";
    tenant.sandbox.resetStats();
    tenant.sandbox.inject(threadRefusal(429, { method: "POST", entity: "TicketNotes" }, 2));
    const id = await client.create("TicketNotes", noteFor(tenant, title));
    assert.equal(typeof id, "number");
    assert.equal(requestsTo(tenant, "TicketNotes", "POST"), 3, "refused, refused, stored");
    assert.equal(notesTitled(tenant, title), 1, "exactly one note");
    assert.equal(readings(tenant), 0, "the text alone said thread limit");

    // Updates and deletes likewise.
    const ticket = tenant.sandbox.records("Tickets")[1];
    tenant.sandbox.resetStats();
    tenant.sandbox.inject(threadRefusal(429, { method: "PATCH", entity: "Tickets" }));
    await client.update("Tickets", ticket.id as number, { title: "Renamed after a refusal" });
    assert.equal(requestsTo(tenant, "Tickets", "PATCH"), 2);
    assert.equal(
      tenant.sandbox.record("Tickets", ticket.id as number)?.title,
      "Renamed after a refusal",
    );
  });
});

Deno.test("a write refused on the thread limit past the attempt bound says it was not applied", async () => {
  await withTenant({}, async (tenant) => {
    const client = reliabilityClient(tenant, { retry: { baseDelayMs: 5 } });
    await warmUp(client);
    const title = "Refused every time";
    tenant.sandbox.resetStats();
    tenant.sandbox.inject(threadRefusal(429, { method: "POST", entity: "TicketNotes" }, 50));
    const error = await rejection(client.create("TicketNotes", noteFor(tenant, title)));
    tenant.sandbox.clearFaults();
    assert.equal(error.category, "rate_limited");
    assert.equal(error.limit, "threads");
    assert.match(error.message, /it was NOT applied/);
    assert.match(error.message, /gave up after 8 attempts/);
    assert.equal(requestsTo(tenant, "TicketNotes", "POST"), 8, "bounded: 8 attempts");
    assert.equal(notesTitled(tenant, title), 0);
    assert.deepEqual(idleCounters(client.stats()), IDLE);
  });
});

Deno.test("a 429 that does not name the thread limit: ThresholdInformation decides", async () => {
  await withTenant({ threshold: { limit: 1000, used: 10 } }, async (tenant) => {
    const client = reliabilityClient(tenant);
    await warmUp(client);
    // Room left in the hour: the refusal was the thread limit in other words, so it is retried.
    tenant.sandbox.resetStats();
    const vague = { errors: ["Too many requests. Please try again later."] };
    tenant.sandbox.inject({
      kind: "status",
      status: 429,
      body: vague,
      match: { entity: "Tickets" },
    });
    assert.equal((await client.query("Tickets", { maxRecords: 1 })).items.length, 1);
    assert.equal(requestsTo(tenant, "Tickets"), 2);
    assert.equal(readings(tenant), 1, "one reading to tell the limits apart");
    const title = "Vague 429 with room left";
    tenant.sandbox.inject({
      kind: "status",
      status: 429,
      body: vague,
      match: { method: "POST", entity: "TicketNotes" },
    });
    await client.create("TicketNotes", noteFor(tenant, title));
    assert.equal(notesTitled(tenant, title), 1, "sent again, stored once");
    assert.equal(
      readings(tenant),
      2,
      "every such refusal is checked: other integrations share the hour",
    );
    assert.equal(client.stats().threadRefusals, 2);
    assert.equal(client.stats().refused, 0);

    // The hour really is used up (a moment after the last reading): the reading shows it,
    // nothing is retried or sent again.
    tenant.sandbox.setThreshold({ used: 1000 });
    tenant.sandbox.resetStats();
    const first = await rejection(client.query("Tickets"));
    assert.equal(first.category, "rate_limited");
    assert.equal(first.limit, "hourly");
    assert.match(first.message, /hourly API request limit is used up \(1,0\d\d of 1,000/);
    assert.equal(requestsTo(tenant, "Tickets"), 1, "not retried");
    assert.equal(readings(tenant), 1);
    const second = await rejection(client.create("TicketNotes", noteFor(tenant, "x")));
    assert.match(second.message, /this call was not sent/);
    assert.equal(requestsTo(tenant, "TicketNotes"), 0, "refused locally, not sent");
  });
});

Deno.test("ThresholdInformation is never more than one in flight per process", async () => {
  await withTenant({ latencyMs: 30 }, async (tenant) => {
    const client = reliabilityClient(tenant);
    const entities = ["Tickets", "Companies", "Contacts", "Projects", "Tasks"];
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => client.query(entities[i % 5], { maxRecords: 1 })),
      ...Array.from({ length: 5 }, () => client.threshold()),
    ]);
    assert.equal(tenant.sandbox.maxInFlight("ThresholdInformation"), 1);
    assert.equal(readings(tenant), 1, "every caller joined the one reading");
  });
});

Deno.test("two clients sharing an integration code: every refusal absorbed, every record once", async () => {
  await withTenant({ latencyMs: 60 }, async (tenant) => {
    const clients = [reliabilityClient(tenant), reliabilityClient(tenant)];
    await Promise.all(clients.map(warmUp));
    tenant.sandbox.resetStats();
    const title = "Shared integration code";
    const calls = clients.flatMap((client, c) => [
      ...Array.from({ length: 15 }, (_, i) => client.query("Tickets", { maxRecords: 1 + i })),
      ...Array.from(
        { length: 4 },
        (_, i) => client.create("TicketNotes", noteFor(tenant, `${title} ${c}-${i}`)),
      ),
    ]);
    const outcomes = await Promise.allSettled(calls);
    const failed = outcomes.filter((o) => o.status === "rejected");
    assert.deepEqual(failed.map((f) => String((f as PromiseRejectedResult).reason)), []);
    const refusals = tenant.sandbox.log.filter((e) => e.status === 429).length;
    assert.ok(refusals > 0, "the two clients met the shared limit");
    assert.equal(
      clients.reduce((n, c) => n + c.stats().threadRefusals, 0),
      refusals,
      "every refusal was seen and absorbed",
    );
    for (let c = 0; c < 2; c++) {
      for (let i = 0; i < 4; i++) assert.equal(notesTitled(tenant, `${title} ${c}-${i}`), 1);
    }
    assert.ok(tenant.sandbox.maxInFlight("Tickets") <= 3);
    assert.ok(clients.every((c) => c.stats().budget.level !== "exhausted"));
  });
});

Deno.test("error shapes: 405 Message, missing rights, every credential failure names the three settings", async () => {
  const context = { operation: "query" as const, entity: "Tickets" };
  const notAllowed = errorFromResponse(405, {
    Message: "The requested resource does not support http method 'GET'.",
  }, context);
  assert.match(notAllowed.message, /does not support http method 'GET'/);
  assert.equal(notAllowed.category, "validation");

  const rights = errorFromResponse(500, {
    errors: [
      "The logged in Resource does not have the adequate permissions to create this entity.",
    ],
  }, { operation: "create", entity: "TicketNotes" });
  assert.equal(rights.category, "permission");
  assert.match(rights.message, /API user's security level does not allow the create TicketNotes/);
  assert.match(rights.message, /adequate permissions/);

  const settings = /AUTOTASK_API_USERNAME.*AUTOTASK_API_SECRET.*AUTOTASK_API_INTEGRATION_CODE/;
  for (
    const [status, body] of [
      [401, undefined],
      [401, { Message: "Authorization has been denied for this request." }],
      [500, { errors: ["Zone information could not be determined"] }],
      [500, { errors: ["IntegrationCode is invalid."] }],
    ] as const
  ) {
    const error = errorFromResponse(status, body, context);
    assert.equal(error.category, "authentication", `${status} ${JSON.stringify(body)}`);
    assert.match(error.message, settings);
  }

  await withTenant({}, async (tenant) => {
    const wrong = reliabilityClient(tenant);
    // A copy of the client with a wrong secret: the tenant answers 401.
    const bad =
      new (wrong.constructor as typeof import("../lib/autotask/client.ts").AutotaskClient)({
        credentials: { username: "sandbox-api@example.com", secret: "wrong", integrationCode: "x" },
        baseUrl: `${tenant.restBase}V1.0/`,
        timeoutMs: 5000,
      });
    const error = await rejection(bad.query("Tickets"));
    assert.equal(error.category, "authentication");
    assert.match(error.message, settings);
    assert.ok(!error.message.includes("wrong"), "no secret echoed");
  });
});

Deno.test("in/notIn values count toward the 500-condition limit; name lookups split long lists", async () => {
  await withTenant({}, async (tenant) => {
    const client = reliabilityClient(tenant);
    await warmUp(client);
    tenant.sandbox.resetStats();
    const ids = Array.from({ length: 400 }, (_, i) => i + 1);
    const error = await rejection(client.query("Tickets", {
      filter: [
        { op: "in", field: "id", value: ids },
        { op: "or", items: ids.slice(0, 101).map((id) => ({ op: "eq", field: "id", value: id })) },
      ],
    }));
    assert.equal(error.category, "validation");
    assert.match(error.message, /at most 500 "or" conditions.*\(got 501\): split the list/);
    assert.equal(requestsTo(tenant, "Tickets"), 0, "refused before sending");

    const { NameResolver } = await import("../lib/autotask/names.ts");
    const { kit } = await import("../tools/mod.ts");
    const names = await new NameResolver(client, { nameFields: kit.resources.nameFields }).names(
      "Companies",
      Array.from({ length: 1_100 }, (_, i) => i),
    );
    assert.equal(names.size, 1_100);
    const lookups = tenant.sandbox.log.filter((e) => e.entity === "Companies");
    assert.equal(lookups.length, 3, "1,100 ids in three queries");
    for (const entry of lookups) {
      const filter = (entry.body as { filter: { value: unknown[] }[] }).filter;
      assert.ok(filter[0].value.length <= 500);
    }
  });
});

Deno.test("gate: a key refused from elsewhere runs fewer, then grows back without refusals", async () => {
  const { ConcurrencyGate } = await import("../lib/autotask/gate.ts");
  const gate = new ConcurrencyGate(3, undefined, { regrowMs: 30 });
  const held = await Promise.all([1, 2, 3].map(() => gate.acquire("Tickets")));
  gate.shrink("Tickets");
  gate.shrink("Tickets");
  assert.equal(gate.limitOf("Tickets"), 1);
  gate.shrink("Tickets");
  assert.equal(gate.limitOf("Tickets"), 1, "never below one");
  let granted = 0;
  const waiting = [1, 2].map(() => gate.acquire("Tickets").then((r) => (granted++, r)));
  held[0]();
  held[1]();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(granted, 0, "two still run, one is allowed: no slot passes on");
  held[2]();
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(granted, 1, "down to one in flight");
  assert.equal(gate.inFlight("Tickets"), 1);
  await new Promise((resolve) => setTimeout(resolve, 40));
  gate.succeeded("Tickets");
  assert.equal(gate.limitOf("Tickets"), 2, "one slot back after a quiet spell");
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(granted, 2, "the regained slot went straight to the waiter");
  gate.succeeded("Tickets");
  assert.equal(gate.limitOf("Tickets"), 2, "not twice in one spell");
  await new Promise((resolve) => setTimeout(resolve, 40));
  gate.succeeded("Tickets");
  assert.equal(gate.limitOf("Tickets"), 3);
  for (const release of await Promise.all(waiting)) release();
  assert.deepEqual(gate.stats(), { inFlight: {}, queued: {} });
});
