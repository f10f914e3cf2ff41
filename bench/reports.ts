/**
 * 12. Reports at scale: Autotask requests per report tool on a tenant of 100,000 tickets and
 * 200,000 time entries, counted in the tenant's log, against what each report says it made; the
 * records each downloaded (the count-based reports must download none); time and result size.
 * Runs alone too: `deno run <the bench task's flags> bench/reports.ts`.
 */

import type { ServedSandbox } from "../lib/sandbox/mod.ts";
import { type DetailTable, type Row, type SectionResult, valueRow } from "./report.ts";
import { type ServerProcess, startServer } from "./server_process.ts";
import { fmt } from "./stats.ts";
import { serverEnv, serverFlags, startTenant } from "./tenant.ts";

/** Options of {@linkcode reportRequests}. */
export interface ReportsOptions {
  tickets: number;
  timeEntries: number;
  progress(line: string): void;
}

/** The reports measured: name, arguments, and whether they promise to count instead of download. */
const CALLS: { tool: string; args: Record<string, unknown>; countsOnly?: boolean }[] = [
  { tool: "report_time", args: { groupBy: "resource" } },
  { tool: "report_time", args: { groupBy: "company", from: "today-90" } },
  { tool: "report_time", args: { groupBy: "week", from: "today-365" } },
  { tool: "report_utilization", args: { from: "today-29" } },
  { tool: "report_ticket_aging", args: { by: "priority" }, countsOnly: true },
  { tool: "report_ticket_aging", args: { by: "assignee" }, countsOnly: true },
  { tool: "report_ticket_flow", args: {}, countsOnly: true },
  { tool: "report_ticket_flow", args: { from: "today-364" }, countsOnly: true },
  { tool: "report_sla", args: {} },
  { tool: "report_contracts", args: {} },
];

/** `today-90` -> the date 90 days before today in the server's zone (the tenant's, here). */
function resolve(args: Record<string, unknown>, today: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    const match = typeof value === "string" ? /^today-(\d+)$/.exec(value) : null;
    out[key] = match
      ? new Date(Date.parse(`${today}T00:00:00Z`) - Number(match[1]) * 86_400_000)
        .toISOString().slice(0, 10)
      : value;
  }
  return out;
}

const ZONE = "America/Los_Angeles";
/** Autotask's documented hourly limit per tenant (the bench tenant has none in the way). */
const DOCUMENTED_LIMIT = 10_000;

interface Measured {
  label: string;
  made: number;
  logged: number;
  counts: number;
  /** Query pages per entity. */
  pages: Map<string, number>;
  /** Pages of tickets and time entries: the records a report could have counted instead. */
  recordPages: number;
  share: number;
  ms: number;
  bytes: number;
  countsOnly: boolean;
}

async function measure(
  server: ServerProcess,
  tenant: ServedSandbox,
  call: (typeof CALLS)[number],
  today: string,
): Promise<Measured> {
  const args = resolve(call.args, today);
  tenant.sandbox.resetStats();
  const started = performance.now();
  const { result, bytes } = await server.callTool(call.tool, args);
  const ms = performance.now() - started;
  if (result.isError) {
    throw new Error(`${call.tool} failed: ${result.content.map((c) => c.text).join(" ")}`);
  }
  const log = tenant.sandbox.log.filter((e) => !/ThresholdInformation/i.test(e.path));
  const path = (e: { path: string }) => e.path.split("?")[0];
  const usage = result.structuredContent?.requests as { made: number };
  const pages = new Map<string, number>();
  for (const e of log.filter((e) => /\/query(\/next)?$/i.test(path(e)))) {
    pages.set(e.entity ?? "?", (pages.get(e.entity ?? "?") ?? 0) + 1);
  }
  return {
    label: `${call.tool} ${JSON.stringify(args)}`,
    made: usage.made,
    logged: log.length,
    counts: log.filter((e) => /\/query\/count$/i.test(path(e))).length,
    pages,
    recordPages: (pages.get("Tickets") ?? 0) + (pages.get("TimeEntries") ?? 0),
    share: usage.made / DOCUMENTED_LIMIT,
    ms,
    bytes,
    countsOnly: call.countsOnly === true,
  };
}

/** Measures every report once on a fresh server (first calls: metadata reads included). */
export async function reportRequests(options: ReportsOptions): Promise<SectionResult> {
  options.progress(
    `reports: building a tenant of ${options.tickets} tickets and ${options.timeEntries} time entries`,
  );
  const tenant = await startTenant({
    ticketCount: options.tickets,
    timeEntryCount: options.timeEntries,
  });
  const server = await startServer({
    flags: await serverFlags(),
    env: serverEnv(tenant, { AUTOTASK_TOOLSETS: "reports", AUTOTASK_TIME_ZONE: ZONE }),
  });
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE }).format(new Date());
  const measured: Measured[] = [];
  try {
    for (const call of CALLS) {
      options.progress(`reports: ${call.tool} ${JSON.stringify(call.args)}`);
      measured.push(await measure(server, tenant, call, today));
    }
  } finally {
    await server.close();
    await tenant.close();
  }
  const mismatched = measured.filter((m) => m.made !== m.logged);
  const downloaded = measured.filter((m) => m.countsOnly && m.recordPages > 0);
  const scale = `${fmt(options.tickets)} tickets, ${fmt(options.timeEntries)} time entries`;
  const rows: Row[] = [
    valueRow(12, "Report requests: reported = sent (tenant's log)", {
      value: mismatched.length === 0 ? "yes" : `no (${mismatched.map((m) => m.label).join("; ")})`,
      runs: measured.length,
      notes: scale,
    }),
    valueRow(12, "Ticket and time-entry pages the count-based reports downloaded", {
      value: String(measured.filter((m) => m.countsOnly).reduce((s, m) => s + m.recordPages, 0)),
      runs: measured.filter((m) => m.countsOnly).length,
      notes: downloaded.length === 0 ? "aging and created/completed: counts only" : "DOWNLOADS",
    }),
    valueRow(12, "Most requests of one report", {
      value: String(Math.max(...measured.map((m) => m.made))),
      runs: measured.length,
      notes: measured.reduce((a, b) => (b.made > a.made ? b : a)).label,
    }),
  ];
  const detail: DetailTable = {
    title: "Requests per report (item 12)",
    intro: `One call each on a fresh server, in this order (metadata is read by the first call ` +
      `that needs it), on a tenant of ${scale}; zone ${ZONE}. "Made" is what the report says ` +
      `it sent, "sent" what the tenant's log shows (ThresholdInformation readings left out); ` +
      "pages are query pages by entity; the share is of Autotask's documented 10,000 requests an hour.",
    header: ["Report", "Made", "Sent", "Counts", "Pages", "Of 10,000/h", "Time", "Result"],
    body: measured.map((m) => [
      m.label,
      String(m.made),
      String(m.logged),
      String(m.counts),
      [...m.pages].map(([entity, n]) => `${entity} ${n}`).join(", ") || "0",
      `${(m.share * 100).toFixed(2)}%`,
      `${fmt(m.ms)} ms`,
      `${fmt(m.bytes)} B`,
    ]),
  };
  return { rows, details: [detail] };
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const section = await reportRequests({
    tickets: quick ? 5_000 : 100_000,
    timeEntries: quick ? 20_000 : 200_000,
    progress: (line) => console.error(`bench: ${line}`),
  });
  const { markdownTable } = await import("./report.ts");
  for (const detail of section.details ?? []) {
    console.log(
      `## ${detail.title}\n\n${detail.intro}\n\n${markdownTable(detail.header, detail.body)}\n`,
    );
  }
  console.log(
    markdownTable(
      ["#", "Measure", "Value", "Runs", "Notes"],
      section.rows.map((r) => [String(r.item), r.measure, r.value, r.runs, r.notes]),
    ),
  );
}
