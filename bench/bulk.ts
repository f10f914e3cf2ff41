/**
 * 11. Bulk updates at Autotask's thread bound: 500 ticket updates through bulk_update (preview,
 * then confirm) against a tenant that holds each request 100 ms and runs at most 3 per entity.
 * The apply's wall time against the ideal ceil(500/3) × 100 ms, the tenant's peak in flight on
 * Tickets, and the requests per record. Runs alone too: `deno run <flags of deno task bench>
 * bench/bulk.ts [--quick]` prints its rows.
 */

import { mainTable, type Row, type SectionResult, summaryRow, valueRow } from "./report.ts";
import { startServer } from "./server_process.ts";
import { fmt, MS, show, summarize } from "./stats.ts";
import { serverEnv, serverFlags, startTenant } from "./tenant.ts";

/** Options of {@linkcode bulkUpdates}. */
export interface BulkOptions {
  /** Tickets updated per run (500: the most one bulk call takes). */
  records: number;
  latencyMs: number;
  runs: number;
  progress(line: string): void;
}

/** Autotask's (and the tenant's) concurrent requests per entity endpoint. */
const THREAD_LIMIT = 3;
/** The priority every ticket is moved to; tickets already there are not picked. */
const TARGET_PRIORITY = 1;

interface RunResult {
  previewMs: number;
  applyMs: number;
  /** First PATCH arriving to last PATCH answered, as the tenant saw them. */
  writesMs: number;
  peak: number;
  patches: number;
  /**
   * Per freed slot: the tenant's answer to one PATCH to the arrival of the PATCH that took its
   * slot (what the server and the loopback add between writes; the ideal has none).
   */
  slotIdleMs: number[];
  /** Per PATCH: arrival to answer at the tenant (its latency plus its own handling). */
  holdMs: number[];
  /** Requests of the apply besides the PATCHes (batched re-read, read-back, budget reading). */
  others: string[];
  updated: number;
  errors: string[];
}

async function oneRun(options: BulkOptions): Promise<RunResult> {
  const tenant = await startTenant({ latencyMs: options.latencyMs });
  const server = await startServer({
    flags: await serverFlags(),
    env: serverEnv(tenant, { AUTOTASK_TOOLSETS: "bulk" }),
  });
  try {
    const ids = tenant.sandbox.records("Tickets").filter((t) => t.priority !== TARGET_PRIORITY)
      .slice(0, options.records).map((t) => t.id as number);
    if (ids.length < options.records) {
      throw new Error(`The tenant has only ${ids.length} tickets to move: use fewer records`);
    }
    const args = { entity: "Tickets", ids, changes: { priority: TARGET_PRIORITY } };
    let started = performance.now();
    const preview = await server.callOk("bulk_update", args);
    const previewMs = performance.now() - started;
    tenant.sandbox.resetStats();
    started = performance.now();
    const { result } = await server.callTool("bulk_update", { ...args, confirm: preview.confirm });
    const applyMs = performance.now() - started;
    const log = [...tenant.sandbox.log];
    const patches = log.filter((e) => e.method === "PATCH");
    const totals = (result.structuredContent?.totals ?? {}) as Record<string, number>;
    const starts = patches.map((e) => e.start).sort((a, b) => a - b);
    const ends = patches.map((e) => e.end).sort((a, b) => a - b);
    const errors = result.isError ? [result.content.map((c) => c.text).join(" ")] : [];
    if (totals.updated !== ids.length) errors.push(`updated ${totals.updated} of ${ids.length}`);
    return {
      previewMs,
      applyMs,
      writesMs: Math.max(...patches.map((e) => e.end)) - Math.min(...patches.map((e) => e.start)),
      peak: tenant.sandbox.maxInFlight("Tickets"),
      patches: patches.length,
      slotIdleMs: starts.slice(THREAD_LIMIT).map((start, i) => start - ends[i]),
      holdMs: patches.map((e) => e.end - e.start),
      others: log.filter((e) => e.method !== "PATCH").map((e) =>
        `${e.method} ${e.path.split("?")[0].replace(/^\/ATServicesRest\/V1\.0\//i, "")}`
      ),
      updated: totals.updated ?? 0,
      errors,
    };
  } finally {
    await server.close();
    await tenant.close();
  }
}

/** `options.runs` runs, each on a fresh tenant and server. */
export async function bulkUpdates(options: BulkOptions): Promise<SectionResult> {
  const runs: RunResult[] = [];
  for (let run = 1; run <= options.runs; run++) {
    runs.push(await oneRun(options));
    options.progress(
      `bulk run ${run}/${options.runs}: apply ${show(runs.at(-1)!.applyMs, MS)}`,
    );
  }
  const n = options.records;
  const ideal = Math.ceil(n / THREAD_LIMIT) * options.latencyMs;
  const apply = summarize(runs.map((r) => r.applyMs));
  const writes = summarize(runs.map((r) => r.writesMs));
  const peak = Math.max(...runs.map((r) => r.peak));
  const patchesPerRecord = runs.reduce((sum, r) => sum + r.patches, 0) / (n * runs.length);
  const others = runs[0].others;
  const otherList = [...new Set(others)].map((o) => `${others.filter((x) => x === o).length}× ${o}`)
    .join(", ");
  const errors = runs.flatMap((r) => r.errors);
  const within = apply.median <= ideal * 1.1;
  const rows: Row[] = [
    summaryRow(
      11,
      `${n} ticket updates through \`bulk_update\` (confirm), ${options.latencyMs} ms tenant ` +
        "latency: apply wall time",
      {
        summary: apply,
        unit: MS,
        notes: `ideal ceil(${n}/${THREAD_LIMIT}) × ${options.latencyMs} ms = ${show(ideal, MS)}: ${
          fmt(apply.median / ideal, 3)
        }× (${within ? "within" : "NOT within"} 10%); first to last write at the tenant ${
          show(writes.median, MS)
        } (${
          fmt(writes.median / ideal, 3)
        }×); the call also makes one batched re-read and one batched read-back; ${errors.length} errors${
          errors.length > 0 ? `: ${errors[0]}` : ""
        }`,
      },
    ),
    valueRow(11, `Peak requests in flight on Tickets during the apply (limit ${THREAD_LIMIT})`, {
      value: `${peak === THREAD_LIMIT ? "pass" : "FAIL"}: ${peak}`,
      notes: "the tenant's high-water mark: exactly 3, never more",
      runs: options.runs,
    }),
    valueRow(11, "Autotask requests per record of the apply", {
      value: `${fmt(patchesPerRecord, 2)} PATCH`,
      notes: `besides the ${n} PATCHes: ${otherList || "none"}`,
      runs: options.runs,
    }),
    summaryRow(11, "A freed slot's idle time: a write's answer to the next write's arrival", {
      summary: summarize(runs.flatMap((r) => r.slotIdleMs)),
      unit: MS,
      notes: `per write, at the tenant (the server's and loopback's share of the overhead); the ` +
        `tenant itself held each write ${
          show(summarize(runs.flatMap((r) => r.holdMs)).median, MS)
        } (median) for its ${options.latencyMs} ms latency`,
    }),
    summaryRow(11, `Preview of the same ${n} tickets (nothing written)`, {
      summary: summarize(runs.map((r) => r.previewMs)),
      unit: MS,
      notes: `one batched read of the ${n} ids, labels from cached metadata, a 10-ticket sample`,
    }),
  ];
  return { rows };
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const section = await bulkUpdates({
    records: quick ? 60 : 500,
    latencyMs: 100,
    runs: quick ? 1 : 3,
    progress: (line) => console.error(`bench: ${line}`),
  });
  console.log(mainTable(section.rows));
}
