// Spec test of the simulated tenant's limits (hourly threshold, per-entity thread limit) and of
// fault injection (status, delay, malformed, drop, applyAfterHandling), over real HTTP and in-process.

import assert from "node:assert/strict";
import {
  Sandbox,
  SANDBOX_CREDENTIALS,
  type ServedSandbox,
  serveSandbox,
} from "../lib/sandbox/mod.ts";

const HEADERS: Record<string, string> = {
  ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
  UserName: SANDBOX_CREDENTIALS.username,
  Secret: SANDBOX_CREDENTIALS.secret,
  "Content-Type": "application/json",
};
const ALL = { op: "gte", field: "id", value: 0 };
const HOUR = 3_600_000;

interface Reply {
  status: number;
  json: unknown;
  headers: Headers;
}

async function send(
  s: ServedSandbox,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<Reply> {
  const res = await fetch(`${s.restBase}V1.0/${path}`, {
    method,
    headers: HEADERS,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  return { status: res.status, json: text === "" ? null : JSON.parse(text), headers: res.headers };
}

function errorsOf(reply: Reply): string {
  return (((reply.json as { errors?: string[] } | null)?.errors) ?? []).join(" | ");
}

async function withSandbox(
  fn: (s: ServedSandbox) => Promise<void>,
  options: Parameters<typeof serveSandbox>[0] = {},
): Promise<void> {
  const s = await serveSandbox(options);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

function timeEntry(s: ServedSandbox): Record<string, unknown> {
  const ticket = s.sandbox.records("Tickets").find((t) =>
    t.assignedResourceID !== null && t.status !== 5
  )!;
  return {
    resourceID: ticket.assignedResourceID,
    roleID: ticket.assignedResourceRoleID,
    ticketID: ticket.id,
    startDateTime: new Date(Date.now() - 2 * HOUR).toISOString(),
    endDateTime: new Date(Date.now() - HOUR).toISOString(),
    summaryNotes: "fault test",
  };
}

/** A dropped connection: fetch rejects, or the body read does (Deno.serve sends headers first). */
async function assertDropped(response: Promise<Response>): Promise<void> {
  await assert.rejects(response.then((r) => r.text()), TypeError);
}

Deno.test("hourly threshold and ThresholdInformation", async () => {
  let clock = Date.now();
  const count = async (s: ServedSandbox): Promise<number> =>
    ((await send(s, "GET", "ThresholdInformation")).json as Record<string, number>)
      .currentTimeframeRequestCount;
  await withSandbox(async (s) => {
    for (let i = 0; i < 3; i++) assert.equal((await send(s, "GET", "Companies/0")).status, 200);
    // Auth failures do not count; ThresholdInformation itself counts (autotask-api.md section 6).
    const bad = await fetch(`${s.restBase}V1.0/Companies/0`, {
      headers: { ...HEADERS, Secret: "x" },
    });
    await bad.body?.cancel();
    const info = await send(s, "GET", "ThresholdInformation");
    assert.deepEqual(info.json, {
      externalRequestThreshold: 10_000,
      requestThresholdTimeframe: 60,
      currentTimeframeRequestCount: 4,
    });
    assert.equal(
      ((await send(s, "GET", "thresholdinformation")).json as Record<string, number>)
        .currentTimeframeRequestCount,
      5,
    );

    s.sandbox.setThreshold({ limit: 5, used: 4 });
    assert.equal((await send(s, "GET", "Companies/0")).status, 200);
    const over = await send(s, "POST", "Tickets/query", { filter: [ALL] });
    assert.equal(over.status, 429);
    assert.match(errorsOf(over), /threshold/);
    assert.doesNotMatch(errorsOf(over), /thread/i, "the hourly refusal is not the thread text");
    // ThresholdInformation still answers when the hour is used up, so the exhaustion shows.
    assert.deepEqual((await send(s, "GET", "ThresholdInformation")).json, {
      externalRequestThreshold: 5,
      requestThresholdTimeframe: 60,
      currentTimeframeRequestCount: 6,
    });
    // A new timeframe starts after 60 minutes.
    clock += 61 * 60_000;
    assert.equal((await send(s, "GET", "Companies/0")).status, 200);
    assert.equal(await count(s), 2);
  }, { now: () => new Date(clock) });

  await withSandbox(async (s) => {
    assert.equal((await send(s, "GET", "Companies/0")).status, 429);
    assert.deepEqual((await send(s, "GET", "ThresholdInformation")).json, {
      externalRequestThreshold: 100,
      requestThresholdTimeframe: 30,
      currentTimeframeRequestCount: 101,
    });
  }, { threshold: { limit: 100, used: 100, timeframeMinutes: 30 } });
});

Deno.test("thread limit: 3 concurrent requests per entity endpoint, child routes count for the child", async () => {
  await withSandbox(async (s) => {
    const sb = s.sandbox;
    const burst = await Promise.all(
      Array.from(
        { length: 6 },
        () => send(s, "POST", "Tickets/query", { filter: [ALL], MaxRecords: 1 }),
      ),
    );
    const statuses = burst.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
    for (const r of burst.filter((r) => r.status === 429)) assert.match(errorsOf(r), /thread/);
    assert.equal(sb.maxInFlight("Tickets"), 3);
    assert.equal(sb.maxInFlight("tickets"), 3);
    assert.equal(sb.inFlight("Tickets"), 0);

    // Different entities have their own threads.
    sb.resetStats();
    const mixed = await Promise.all([
      ...Array.from({ length: 3 }, () => send(s, "GET", "Tickets/entityInformation")),
      ...Array.from({ length: 3 }, () => send(s, "GET", "Companies/0")),
    ]);
    assert.ok(mixed.every((r) => r.status === 200));
    assert.equal(sb.maxInFlight(), 6);
    assert.equal(sb.maxInFlight("Companies"), 3);

    // Tickets/{id}/Notes is a TicketNotes request.
    sb.resetStats();
    const ticketId = sb.records("Tickets")[0].id;
    const notes = await Promise.all([
      ...Array.from({ length: 4 }, () => send(s, "GET", `Tickets/${ticketId}/Notes`)),
      send(s, "GET", `Tickets/${ticketId}`),
    ]);
    assert.deepEqual(notes.map((r) => r.status).sort(), [200, 200, 200, 200, 429]);
    assert.equal(sb.maxInFlight("TicketNotes"), 3);
    assert.equal(sb.maxInFlight("Tickets"), 1);
    assert.deepEqual(sb.log.map((e) => e.entity).sort(), [
      "TicketNotes",
      "TicketNotes",
      "TicketNotes",
      "TicketNotes",
      "Tickets",
    ]);
    assert.equal(sb.log.filter((e) => e.status === 429).length, 1);
  }, { latencyMs: 150 });

  await withSandbox(async (s) => {
    const two = await Promise.all([send(s, "GET", "Companies/0"), send(s, "GET", "Companies/0")]);
    assert.deepEqual(two.map((r) => r.status).sort(), [200, 429]);
  }, { latencyMs: 100, threadLimit: 1 });
});

Deno.test("faults: status with Retry-After, times, matching, order and clearFaults", async () => {
  await withSandbox(async (s) => {
    const sb = s.sandbox;
    sb.inject({
      kind: "status",
      status: 429,
      retryAfterSeconds: 2,
      times: 2,
      match: { entity: "tickets", method: "post" },
    });
    sb.inject({
      kind: "status",
      status: 503,
      body: { errors: ["Service Unavailable"] },
      match: { pathIncludes: "companies/0" },
    });
    // Not matching: a GET on Tickets and a Contacts query pass.
    assert.equal((await send(s, "GET", "Tickets/entityInformation")).status, 200);
    assert.equal(
      (await send(s, "POST", "Contacts/query", { filter: [ALL], MaxRecords: 1 })).status,
      200,
    );
    for (let i = 0; i < 2; i++) {
      const r = await send(s, "POST", "Tickets/query", { filter: [ALL], MaxRecords: 1 });
      assert.equal(r.status, 429);
      assert.equal(r.headers.get("Retry-After"), "2");
    }
    assert.equal(
      (await send(s, "POST", "Tickets/query", { filter: [ALL], MaxRecords: 1 })).status,
      200,
    );
    const unavailable = await send(s, "GET", "Companies/0");
    assert.equal(unavailable.status, 503);
    assert.deepEqual(unavailable.json, { errors: ["Service Unavailable"] });
    assert.equal((await send(s, "GET", "Companies/0")).status, 200);
    // First matching fault wins; clearFaults forgets the rest.
    sb.inject({ kind: "status", status: 500 });
    sb.inject({ kind: "status", status: 502 });
    assert.equal((await send(s, "GET", "Companies/0")).status, 500);
    sb.clearFaults();
    assert.equal((await send(s, "GET", "Companies/0")).status, 200);
    // The log records what happened.
    const last = sb.log[sb.log.length - 1];
    assert.equal(last.method, "GET");
    assert.equal(last.entity, "Companies");
    assert.equal(last.status, 200);
    assert.match(last.path, /^\/ATServicesRest\/V1\.0\/Companies\/0$/);
    assert.ok(last.end >= last.start);
    const post = sb.log.find((e) => e.method === "POST" && e.entity === "Contacts");
    assert.deepEqual(post?.body, { filter: [ALL], MaxRecords: 1 });
    sb.resetStats();
    assert.equal(sb.log.length, 0);
  });
});

Deno.test("faults: delay (and client abort), malformed body, drop", async () => {
  await withSandbox(async (s) => {
    const sb = s.sandbox;
    sb.inject({ kind: "delay", delayMs: 200 });
    const t0 = performance.now();
    assert.equal((await send(s, "GET", "Companies/0")).status, 200);
    assert.ok(performance.now() - t0 >= 190);

    // A client that gives up stops the wait (no timer left behind: the sanitizers check).
    sb.inject({ kind: "delay", delayMs: 10_000 });
    const t1 = performance.now();
    await assert.rejects(send(s, "GET", "Companies/0", undefined, AbortSignal.timeout(100)));
    assert.ok(performance.now() - t1 < 5_000);
    while (sb.inFlight("Companies") > 0) await new Promise((r) => setTimeout(r, 10));
    assert.equal(sb.log[sb.log.length - 1].status, 499);

    sb.inject({ kind: "malformed" });
    const garbled = await fetch(`${s.restBase}V1.0/Companies/0`, { headers: HEADERS });
    assert.equal(garbled.status, 200);
    await assert.rejects(garbled.json(), SyntaxError);

    // drop: the connection fails mid-response, on a fresh and on a kept-alive connection alike.
    sb.inject({ kind: "drop", times: 2 });
    await assertDropped(fetch(`${s.restBase}V1.0/Companies/0`, { headers: HEADERS }));
    await assertDropped(fetch(`${s.restBase}V1.0/Companies/0`, { headers: HEADERS }));
    assert.equal((await send(s, "GET", "Companies/0")).status, 200);
    sb.inject({ kind: "drop" });
    await assertDropped(fetch(`${s.restBase}V1.0/Companies/0`, { headers: HEADERS }));
    assert.equal((await send(s, "GET", "Companies/0")).status, 200);
    assert.equal(sb.log.filter((e) => e.status === 0).length, 3);
  });
});

Deno.test("faults: applyAfterHandling applies the write, then fails or drops the answer", async () => {
  await withSandbox(async (s) => {
    const sb = s.sandbox;
    const before = sb.records("TimeEntries").length;
    sb.inject({
      kind: "drop",
      applyAfterHandling: true,
      match: { method: "POST", entity: "TimeEntries" },
    });
    await assertDropped(fetch(`${s.restBase}V1.0/TimeEntries`, {
      method: "POST",
      headers: HEADERS,
      body: JSON.stringify(timeEntry(s)),
    }));
    assert.equal(sb.records("TimeEntries").length, before + 1, "the write happened");

    sb.inject({
      kind: "status",
      status: 500,
      applyAfterHandling: true,
      match: { entity: "TimeEntries" },
    });
    assert.equal((await send(s, "POST", "TimeEntries", timeEntry(s))).status, 500);
    assert.equal(sb.records("TimeEntries").length, before + 2);

    // Without applyAfterHandling the tenant never sees the write.
    sb.inject({ kind: "status", status: 503, match: { entity: "TimeEntries" } });
    assert.equal((await send(s, "POST", "TimeEntries", timeEntry(s))).status, 503);
    sb.inject({ kind: "drop", match: { entity: "TimeEntries" } });
    await assertDropped(fetch(`${s.restBase}V1.0/TimeEntries`, {
      method: "POST",
      headers: HEADERS,
      body: JSON.stringify(timeEntry(s)),
    }));
    assert.equal(sb.records("TimeEntries").length, before + 2);

    sb.inject({ kind: "malformed", applyAfterHandling: true });
    const garbled = await fetch(`${s.restBase}V1.0/TimeEntries`, {
      method: "POST",
      headers: HEADERS,
      body: JSON.stringify(timeEntry(s)),
    });
    assert.equal(garbled.status, 200);
    await assert.rejects(garbled.json(), SyntaxError);
    assert.equal(sb.records("TimeEntries").length, before + 3);
  });
});

Deno.test("in-process handle: no permissions, drop throws TypeError, abort rejects", async () => {
  const sb = new Sandbox();
  const base = "http://sandbox.local/ATServicesRest/V1.0/";
  const zone = await sb.handle(
    new Request(
      `http://sandbox.local/atservicesrest/v1.0/zoneInformation?user=${SANDBOX_CREDENTIALS.username}`,
    ),
  );
  assert.equal((await zone.json()).url, "http://sandbox.local/ATServicesRest/");
  const ok = await sb.handle(new Request(`${base}Companies/0`, { headers: HEADERS }));
  assert.equal((await ok.json()).item.id, 0);
  sb.inject({ kind: "drop" });
  await assert.rejects(
    sb.handle(new Request(`${base}Companies/0`, { headers: HEADERS })),
    TypeError,
  );
  sb.inject({ kind: "delay", delayMs: 10_000 });
  const controller = new AbortController();
  const pending = sb.handle(
    new Request(`${base}Companies/0`, { headers: HEADERS, signal: controller.signal }),
  );
  controller.abort();
  await assert.rejects(
    pending,
    (e: unknown) => e instanceof DOMException && e.name === "AbortError",
  );
  assert.equal(sb.inFlight("Companies"), 0);
});
