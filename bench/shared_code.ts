/**
 * 9. One integration code, three server processes: 30 searches and 9 note creates sent at once
 * across them to a tenant that holds each request 250 ms and runs 3 per entity for the code,
 * refusing the rest unprocessed. Failed calls, refusals absorbed, notes stored, wall time.
 */

import { type Row, type SectionResult, summaryRow, valueRow } from "./report.ts";
import { type ServerProcess, startServer } from "./server_process.ts";
import { MS, summarize } from "./stats.ts";
import { serverEnv, serverFlags, startTenant } from "./tenant.ts";

/** Options of {@linkcode sharedCode}. */
export interface SharedCodeOptions {
  runs: number;
  progress(line: string): void;
}

const PROCESSES = 3;
const SEARCHES = 10;
const NOTES = 3;
const LATENCY_MS = 250;

/** `options.runs` runs, each on a fresh tenant with three fresh servers. */
export async function sharedCode(options: SharedCodeOptions): Promise<SectionResult> {
  const walls: number[] = [];
  let failed = 0;
  let refusals = 0;
  let requests = 0;
  let stored = 0;
  let duplicates = 0;
  for (let run = 1; run <= options.runs; run++) {
    const tenant = await startTenant({ latencyMs: LATENCY_MS });
    const servers: ServerProcess[] = [];
    try {
      for (let p = 0; p < PROCESSES; p++) {
        servers.push(await startServer({ flags: await serverFlags(), env: serverEnv(tenant) }));
      }
      const tickets = tenant.sandbox.records("Tickets").map((t) => t.id as number);
      const marker = `bench-shared-${run}`;
      tenant.sandbox.resetStats();
      const started = performance.now();
      const results = await Promise.all(servers.flatMap((server, p) => [
        ...Array.from(
          { length: SEARCHES },
          (_, i) => server.callTool("search_tickets", { limit: 5 + i, openOnly: i % 2 === 0 }),
        ),
        ...Array.from({ length: NOTES }, (_, i) =>
          server.callTool("add_ticket_note", {
            ticketID: tickets[p * NOTES + i],
            title: `${marker} ${p}-${i}`,
            description: "Logged from one of three servers sharing an integration code.",
          })),
      ]));
      walls.push(performance.now() - started);
      failed += results.filter((r) => r.result.isError).length;
      refusals += tenant.sandbox.log.filter((e) => e.status === 429).length;
      requests += tenant.sandbox.log.length;
      const notes = tenant.sandbox.records("TicketNotes")
        .filter((n) => String(n.title).startsWith(marker));
      stored += notes.length;
      duplicates += notes.length - new Set(notes.map((n) => n.title)).size;
      options.progress(`shared code run ${run}/${options.runs}: ${Math.round(walls.at(-1)!)} ms`);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
      await tenant.close();
    }
  }
  const calls = PROCESSES * (SEARCHES + NOTES);
  const expected = PROCESSES * NOTES * options.runs;
  const rows: Row[] = [
    summaryRow(
      9,
      `${PROCESSES} server processes, one integration code, ${calls} calls at once ` +
        `(${PROCESSES * SEARCHES} searches, ${PROCESSES * NOTES} note creates), ` +
        `${LATENCY_MS} ms tenant latency: wall time`,
      {
        summary: summarize(walls),
        unit: MS,
        notes: `${(requests / options.runs).toFixed(0)} Autotask requests per run, ` +
          `${
            (refusals / options.runs).toFixed(0)
          } of them thread-limit refusals absorbed by retries`,
      },
    ),
    valueRow(9, "Failed calls / notes stored / stored twice", {
      value: `${failed === 0 && stored === expected && duplicates === 0 ? "pass" : "FAIL"}: ` +
        `${failed} / ${stored} of ${expected} / ${duplicates}`,
      notes: `over ${options.runs} runs of ${calls} calls`,
      runs: options.runs,
    }),
  ];
  return { rows };
}
