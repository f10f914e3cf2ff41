/**
 * 5. Concurrency: 100 parallel tool calls across 3 entities against a tenant answering in 50 ms,
 * which allows 3 requests per entity at a time: total time, in-flight high-water marks, 429s.
 */

import { type Row, type SectionResult, summaryRow, valueRow } from "./report.ts";
import { type ServerProcess, startServer } from "./server_process.ts";
import { MS, show, summarize } from "./stats.ts";
import { serverEnv, serverFlags, startTenant } from "./tenant.ts";

/** Options of {@linkcode concurrency}. */
export interface ConcurrencyOptions {
  calls: number;
  bursts: number;
  latencyMs: number;
  progress(line: string): void;
}

/** Autotask's (and the sandbox's default) concurrent requests per entity endpoint. */
const THREAD_LIMIT = 3;
const ENTITIES = ["Tickets", "Companies", "Contacts"];

function burst(
  server: ServerProcess,
  calls: number,
  companies: number[],
): Promise<{ isError?: boolean }[]> {
  return Promise.all(Array.from({ length: calls }, async (_, i) => {
    const [name, args] = i % 3 === 0
      ? ["search_tickets", { limit: 5 + (i % 7) }]
      : i % 3 === 1
      ? ["get_company", { id: companies[1 + (i % 10)] }]
      : ["search_contacts", { limit: 3 + (i % 5) }];
    return (await server.callTool(name as string, args)).result;
  }));
}

/** `options.bursts` bursts of `options.calls` parallel calls, after one unmeasured burst. */
export async function concurrency(options: ConcurrencyOptions): Promise<SectionResult> {
  const tenant = await startTenant({ latencyMs: options.latencyMs });
  const server = await startServer({ flags: await serverFlags(), env: serverEnv(tenant) });
  try {
    const companies = tenant.sandbox.records("Companies").map((c) => c.id as number);
    await burst(server, options.calls, companies); // fills picklist and name caches
    const totals: number[] = [];
    const floors: number[] = [];
    const maxInFlight = new Map<string, number>();
    let rejected = 0;
    let errors = 0;
    let requests = 0;
    for (let run = 1; run <= options.bursts; run++) {
      tenant.sandbox.resetStats();
      const started = performance.now();
      const results = await burst(server, options.calls, companies);
      totals.push(performance.now() - started);
      errors += results.filter((r) => r.isError).length;
      const log = tenant.sandbox.log;
      rejected += log.filter((e) => e.status === 429).length;
      requests += log.length;
      const perEntity = new Map<string, number>();
      for (const entry of log) {
        const entity = entry.entity ?? "(none)";
        perEntity.set(entity, (perEntity.get(entity) ?? 0) + 1);
        maxInFlight.set(
          entity,
          Math.max(maxInFlight.get(entity) ?? 0, tenant.sandbox.maxInFlight(entity)),
        );
      }
      // Shortest possible time with 3 slots per entity, each request holding one for latencyMs.
      floors.push(Math.max(
        ...[...perEntity.values()].map((n) => Math.ceil(n / THREAD_LIMIT) * options.latencyMs),
      ));
      options.progress(`concurrency burst ${run}/${options.bursts}: ${show(totals.at(-1)!, MS)}`);
    }
    const highest = Math.max(...maxInFlight.values());
    const marks = [...maxInFlight].map(([entity, n]) => `${entity} ${n}`).join(", ");
    const floor = summarize(floors);
    const rows: Row[] = [
      summaryRow(
        5,
        `${options.calls} parallel tool calls over ${
          ENTITIES.join(", ")
        }, ${options.latencyMs} ms ` +
          "tenant latency: total time",
        {
          summary: summarize(totals),
          unit: MS,
          notes:
            `${(requests / options.bursts).toFixed(0)} Autotask requests per burst; floor with ` +
            `${THREAD_LIMIT} threads per entity × ${options.latencyMs} ms: ${
              show(floor.median, MS)
            }; ` +
            `${errors} tool errors`,
        },
      ),
      valueRow(5, "Max requests in flight per entity (limit 3)", {
        value: `${highest <= THREAD_LIMIT ? "pass" : "FAIL"}: ${highest}`,
        notes: `high-water marks over all bursts: ${marks}`,
        runs: options.bursts,
      }),
      valueRow(5, "HTTP 429 answers from the tenant", {
        value: `${rejected === 0 ? "pass" : "FAIL"}: ${rejected}`,
        notes: `over ${options.bursts} bursts of ${options.calls} calls`,
        runs: options.bursts,
      }),
    ];
    return { rows };
  } finally {
    await server.close();
    await tenant.close();
  }
}
