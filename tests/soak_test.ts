/**
 * Soak: 10,000 tool calls through the real MCP server (in process) against the simulated tenant,
 * with faults and cancellations sprinkled in; nothing may be left growing at the end.
 */

import assert from "node:assert/strict";
import type { Fault } from "../lib/sandbox/mod.ts";
import {
  eventually,
  IDLE,
  idleCounters,
  type InProcessSession,
  inProcessSession,
  resultText,
} from "./in_process_harness.ts";

const CALLS = Number(Deno.env.get("SOAK_CALLS") ?? 10_000);
const CONCURRENCY = 8;

/** Faults the client must absorb (reads retry) or report (and keep serving), in turn. */
const FAULTS: Fault[] = [
  { kind: "status", status: 429, retryAfterSeconds: 0 },
  { kind: "status", status: 503 },
  { kind: "drop" },
  { kind: "malformed" },
  { kind: "status", status: 500 },
];

/** Runs a full GC when the V8 flag `--expose-gc` is given (numbers are steadier then). */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Shared progress of the workers. */
interface SoakState {
  next: number;
  ok: number;
  failed: number;
  cancelled: number;
  failures: Map<string, number>;
}

/** Ids the calls cycle through. */
interface SoakIds {
  companies: number[];
  tickets: number[];
  contacts: number[];
}

function callFor(i: number, ids: SoakIds): { name: string; arguments: Record<string, unknown> } {
  switch (i % 4) {
    case 0:
      return { name: "get_company", arguments: { id: ids.companies[i % ids.companies.length] } };
    case 1:
      return {
        name: "search_tickets",
        arguments: { limit: 1 + (i % 10), companyID: ids.companies[i % ids.companies.length] },
      };
    case 2:
      return { name: "get_ticket", arguments: { id: ids.tickets[i % ids.tickets.length] } };
    default:
      return { name: "get_contact", arguments: { id: ids.contacts[i % ids.contacts.length] } };
  }
}

/** One of the concurrent callers: takes the next call number until all are done. */
async function worker(session: InProcessSession, ids: SoakIds, state: SoakState): Promise<void> {
  const { client, sandbox } = session;
  while (state.next < CALLS) {
    const i = state.next++;
    // In process everything is a microtask: yield to the event loop now and then, as real I/O
    // does, or V8 keeps every WeakRef of the run alive (AbortSignal uses them) and memory
    // figures mean nothing.
    if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    if (i % 500 === 250) {
      sandbox.inject({ ...FAULTS[(i / 500 | 0) % FAULTS.length], match: { entity: "Companies" } });
    }
    if (i % 1000 === 999) {
      // A call the client gives up on while Autotask is slow.
      sandbox.inject({ kind: "delay", delayMs: 200, match: { entity: "Companies" } });
      const controller = new AbortController();
      const call = client.callTool(
        { name: "get_company", arguments: { id: ids.companies[0] } },
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 20);
      await call.then(() => {}, () => state.cancelled++);
      continue;
    }
    const result = await client.callTool(callFor(i, ids));
    if (result.isError) {
      state.failed++;
      const key = resultText(result).slice(0, 60);
      state.failures.set(key, (state.failures.get(key) ?? 0) + 1);
    } else {
      state.ok++;
    }
  }
}

Deno.test({
  name: `soak: ${
    CALLS.toLocaleString("en-US")
  } calls leave no timers, queues or in-flight requests`,
  async fn() {
    const session = await inProcessSession({
      sandbox: { threshold: { limit: 100_000_000 } },
      env: { AUTOTASK_TOOLSETS: "all" },
      client: { retry: { baseDelayMs: 20 } },
    });
    const { client, sandbox, autotask } = session;
    try {
      const ids: SoakIds = {
        companies: sandbox.records("Companies").slice(1, 40).map((r) => r.id as number),
        tickets: sandbox.records("Tickets").slice(0, 40).map((r) => r.id as number),
        contacts: sandbox.records("Contacts").slice(0, 40).map((r) => r.id as number),
      };
      // Warm the metadata caches so "before" measures a server in service, not a cold one.
      await client.callTool(callFor(2, ids));
      await client.callTool(callFor(3, ids));
      collectGarbage();
      const before = { counters: idleCounters(autotask.stats()), memory: Deno.memoryUsage() };
      assert.deepEqual(before.counters, IDLE);

      const state: SoakState = { next: 0, ok: 0, failed: 0, cancelled: 0, failures: new Map() };
      const started = performance.now();
      await Promise.all(Array.from({ length: CONCURRENCY }, () => worker(session, ids, state)));
      const seconds = (performance.now() - started) / 1000;
      // The last call may be a cancelled one: over real HTTP the server learns of the
      // cancellation a moment after the client gave up, so let it unwind before measuring.
      await eventually(
        () => JSON.stringify(idleCounters(autotask.stats())) === JSON.stringify(before.counters),
        5000,
        "the last cancelled call to unwind",
      ).catch(() => {});
      collectGarbage();
      const after = { counters: idleCounters(autotask.stats()), memory: Deno.memoryUsage() };
      const totals = autotask.stats();
      console.log(
        `soak: ${CALLS} calls in ${seconds.toFixed(1)} s (${Math.round(CALLS / seconds)}/s): ` +
          `${state.ok} ok, ${state.failed} isError, ${state.cancelled} cancelled; ` +
          `${totals.requests} Autotask requests, ${totals.retries} retries; ` +
          `RSS before ${mib(before.memory.rss)}, after ${mib(after.memory.rss)}; ` +
          `heap used before ${mib(before.memory.heapUsed)}, after ${mib(after.memory.heapUsed)}; ` +
          `tenant log ${sandbox.log.length} entries`,
      );
      if (state.failures.size > 0) {
        console.log("soak: isError texts:", Object.fromEntries(state.failures));
      }
      assert.deepEqual(after.counters, before.counters, "no growth in timers, queues, sleeps");
      for (const entity of ["Companies", "Tickets", "Contacts", "Resources"]) {
        assert.equal(sandbox.inFlight(entity), 0, `${entity} idle at the tenant`);
      }
      assert.ok(sandbox.log.length <= 10_000, "the tenant's log is capped");
      // A handful of faults per 500 calls: almost everything succeeds.
      assert.ok(state.ok >= CALLS * 0.95, `${state.ok} ok`);
      assert.ok(state.cancelled >= 1, "cancellations happened");
      const check = await client.callTool(callFor(0, ids));
      assert.ok(!check.isError, resultText(check));
    } finally {
      await session.close();
    }
  },
});
