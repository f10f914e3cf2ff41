/**
 * `deno task bench`: measures the server as users run it (spawned over stdio with the production
 * permission flags, against the simulated tenant on loopback) and writes bench/RESULTS.md.
 * `--quick` runs a few repetitions of everything and writes nothing (a smoke test of the bench).
 *
 * Items: 1 cold start and memory, 2 per-call overhead (stdio; the HTTP listener), 3 Autotask
 * requests per tool call, 4 bytes per result, 5 concurrency, 6 memory under load, 7 scale,
 * 8 tool-definition weight, 9 several processes sharing one integration code, 10 webhook callouts
 * (accepted per second, callout to subscriber notification), 11 bulk updates at Autotask's thread
 * bound, 12 requests per report at scale.
 */

import type { SandboxOptions, ServedSandbox } from "../lib/sandbox/mod.ts";
import { bulkUpdates } from "./bulk.ts";
import { coldStart } from "./cold_start.ts";
import { concurrency } from "./concurrency.ts";
import { httpListener } from "./http_listener.ts";
import { describeMachine } from "./machine.ts";
import { memoryUnderLoad } from "./memory.ts";
import { caveatsText, rowsText } from "./notes.ts";
import { perCallOverhead } from "./overhead.ts";
import { payloadSize } from "./payload.ts";
import { type DetailTable, mainTable, markdownTable, type SectionResult } from "./report.ts";
import { reportRequests } from "./reports.ts";
import { requestsPerCall } from "./requests.ts";
import { scale } from "./scale.ts";
import { sharedCode } from "./shared_code.ts";
import { fmt } from "./stats.ts";
import { startTenant } from "./tenant.ts";
import { toolWeight } from "./tool_weight.ts";
import { webhookBench } from "./webhooks.ts";

/** Repetitions of each benchmark: a few minutes on two cores. */
interface Plan {
  coldStarts: number;
  perCall: number;
  /** Paired calls of each HTTP-versus-stdio comparison. */
  transportCalls: number;
  bursts: number;
  loadCalls: number;
  scaleResults: number;
  sharedRuns: number;
  webhookCallouts: number;
  webhookLatency: number;
  /** Tickets per bulk update and how many times it runs. */
  bulkRecords: number;
  bulkRuns: number;
  /** Tenant size of the report item. */
  reportTickets: number;
  reportTimeEntries: number;
}

const FULL: Plan = {
  coldStarts: 10,
  perCall: 200,
  transportCalls: 800,
  bursts: 5,
  loadCalls: 10_000,
  scaleResults: 10_000,
  sharedRuns: 5,
  webhookCallouts: 5_000,
  webhookLatency: 200,
  bulkRecords: 500,
  bulkRuns: 3,
  reportTickets: 100_000,
  reportTimeEntries: 200_000,
};
const QUICK: Plan = {
  coldStarts: 2,
  perCall: 20,
  transportCalls: 20,
  bursts: 1,
  loadCalls: 1_100,
  scaleResults: 500,
  sharedRuns: 1,
  webhookCallouts: 300,
  webhookLatency: 20,
  bulkRecords: 60,
  bulkRuns: 1,
  reportTickets: 5_000,
  reportTimeEntries: 20_000,
};

const RESULTS = new URL("./RESULTS.md", import.meta.url);

function progress(line: string): void {
  console.error(`bench: ${line}`);
}

async function withTenant(
  options: SandboxOptions,
  run: (tenant: ServedSandbox) => Promise<SectionResult>,
): Promise<SectionResult> {
  const tenant = await startTenant(options);
  try {
    return await run(tenant);
  } finally {
    await tenant.close();
  }
}

async function runAll(plan: Plan): Promise<SectionResult[]> {
  return [
    await withTenant({}, (t) => coldStart(t, { runs: plan.coldStarts, progress })),
    await withTenant({}, (t) =>
      perCallOverhead(t, {
        calls: plan.perCall,
        transportCalls: plan.transportCalls,
        progress,
      })),
    await httpListener({ calls: plan.perCall, progress }),
    await withTenant({}, (t) => requestsPerCall(t, { progress })),
    await withTenant({}, (t) => payloadSize(t)),
    await concurrency({ calls: 100, bursts: plan.bursts, latencyMs: 50, progress }),
    await withTenant(
      {},
      (t) =>
        memoryUnderLoad(t, { calls: plan.loadCalls, concurrency: 8, heapCapMib: 64, progress }),
    ),
    await scale({
      tenantSizes: [1_000, 100_000],
      results: plan.scaleResults,
      pageSize: 50,
      progress,
    }),
    await withTenant({}, (t) => toolWeight(t)),
    await sharedCode({ runs: plan.sharedRuns, progress }),
    await withTenant({}, (t) =>
      webhookBench(t, {
        callouts: plan.webhookCallouts,
        concurrency: 16,
        latencyRuns: plan.webhookLatency,
        progress,
      })),
    await bulkUpdates({
      records: plan.bulkRecords,
      latencyMs: 100,
      runs: plan.bulkRuns,
      progress,
    }),
    await reportRequests({
      tickets: plan.reportTickets,
      timeEntries: plan.reportTimeEntries,
      progress,
    }),
  ];
}

function detailText(table: DetailTable): string {
  return `## ${table.title}\n\n${table.intro}\n\n${markdownTable(table.header, table.body)}\n`;
}

/** Formats the file the way `deno fmt --check` expects (bench/ is checked with the rest). */
async function denoFmt(path: URL): Promise<void> {
  const { success } = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--quiet", path.pathname],
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!success) progress("deno fmt failed on RESULTS.md: run `deno fmt bench/RESULTS.md`");
}

async function main(args: string[]): Promise<void> {
  const quick = args.includes("--quick");
  const started = performance.now();
  const sections = await runAll(quick ? QUICK : FULL);
  const seconds = (performance.now() - started) / 1000;
  const rows = sections.flatMap((s) => s.rows).sort((a, b) => a.item - b.item);
  const details = sections.flatMap((s) => s.details ?? []);
  const text = [
    "# Benchmarks",
    "",
    `Measured by \`deno task bench\` on ${new Date().toISOString().slice(0, 10)} in ${
      fmt(seconds)
    } s${quick ? " (--quick: few repetitions, not representative)" : ""}.`,
    "",
    `Machine: ${await describeMachine()}.`,
    "",
    mainTable(rows),
    "",
    ...details.map(detailText),
    rowsText(),
    caveatsText(),
  ].join("\n");
  if (quick) {
    console.log(text);
    return;
  }
  await Deno.writeTextFile(RESULTS, text);
  await denoFmt(RESULTS);
  console.log(await Deno.readTextFile(RESULTS));
  progress(`written to bench/RESULTS.md in ${fmt(seconds)} s`);
}

if (import.meta.main) await main(Deno.args);
