/**
 * 6. Memory under load: the spawned server's RSS after 100 tool calls and after 10,000; then the
 * same calls with V8's heap capped, which tells garbage not yet collected from memory retained;
 * then the same calls to a server in HTTP mode.
 */

import type { ServedSandbox } from "../lib/sandbox/mod.ts";
import { type Row, type SectionResult, valueRow } from "./report.ts";
import { HttpServerProcess } from "./http_process.ts";
import { type ProcessMemory, startServer, type ToolResult } from "./server_process.ts";
import { fmt, MIB_FROM_KIB, show, showSpread, summarize } from "./stats.ts";
import { serverEnv, serverFlags } from "./tenant.ts";

/** Options of {@linkcode memoryUnderLoad}. */
export interface MemoryOptions {
  calls: number;
  /** Calls in flight at once (a busy agent with parallel tool calls). */
  concurrency: number;
  /** V8 old-space cap of the diagnostic run, in MiB (0: no diagnostic run). */
  heapCapMib: number;
  progress(line: string): void;
}

const FIRST_SAMPLE = 100;
const SAMPLE_EVERY = 1_000;

/** Ids the calls cycle through. */
interface Ids {
  companies: number[];
  tickets: number[];
  contacts: number[];
}

/** A spawned server, over stdio or HTTP. */
interface Target {
  callTool(name: string, args: Record<string, unknown>): Promise<{ result: ToolResult }>;
  memory(): Promise<ProcessMemory>;
  close(): Promise<void>;
}

/** What one run of calls measured. */
interface Load {
  early: ProcessMemory;
  late: ProcessMemory;
  /** RSS every {@linkcode SAMPLE_EVERY} calls, in KiB. */
  samples: number[];
  callsPerSecond: number;
  errors: number;
}

/** The soak test's mix: a company, a ticket search, a ticket, a contact. */
function call(i: number, ids: Ids): [string, Record<string, unknown>] {
  const company = ids.companies[i % ids.companies.length];
  switch (i % 4) {
    case 0:
      return ["get_company", { id: company }];
    case 1:
      return ["search_tickets", { limit: 1 + (i % 10), companyID: company }];
    case 2:
      return ["get_ticket", { id: ids.tickets[i % ids.tickets.length] }];
    default:
      return ["get_contact", { id: ids.contacts[i % ids.contacts.length] }];
  }
}

/** Calls `from` to `to` with `width` in flight; returns how many were error results. */
async function run(
  server: Target,
  ids: Ids,
  range: { from: number; to: number; width: number },
): Promise<number> {
  let next = range.from;
  let errors = 0;
  await Promise.all(Array.from({ length: range.width }, async () => {
    while (next < range.to) {
      const [name, args] = call(next++, ids);
      if ((await server.callTool(name, args)).result.isError) errors++;
    }
  }));
  return errors;
}

/** Which server a run measures: stdio with extra flags, or HTTP mode. */
interface Variant {
  label: string;
  extraFlags?: string[];
  http?: boolean;
}

async function load(
  tenant: ServedSandbox,
  options: MemoryOptions,
  variant: Variant,
): Promise<Load> {
  const spawn = {
    flags: [...await serverFlags(), ...variant.extraFlags ?? []],
    env: serverEnv(tenant),
  };
  const server: Target = variant.http
    ? await HttpServerProcess.start(spawn)
    : await startServer(spawn);
  try {
    const ids: Ids = {
      companies: tenant.sandbox.records("Companies").slice(1, 40).map((r) => r.id as number),
      tickets: tenant.sandbox.records("Tickets").slice(0, 40).map((r) => r.id as number),
      contacts: tenant.sandbox.records("Contacts").slice(0, 40).map((r) => r.id as number),
    };
    const width = options.concurrency;
    const started = performance.now();
    let errors = await run(server, ids, { from: 0, to: FIRST_SAMPLE, width });
    const early = await server.memory();
    const samples: number[] = [];
    for (let done = FIRST_SAMPLE; done < options.calls;) {
      const to = Math.min(options.calls, Math.ceil((done + 1) / SAMPLE_EVERY) * SAMPLE_EVERY);
      errors += await run(server, ids, { from: done, to, width });
      done = to;
      const memory = await server.memory();
      samples.push(memory.rssKib);
      options.progress(
        `memory${variant.label}: ${fmt(done)} calls, RSS ${show(memory.rssKib, MIB_FROM_KIB)}`,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const late = await server.memory();
    return { early, late, samples, callsPerSecond: options.calls / seconds, errors };
  } finally {
    await server.close();
  }
}

function signed(kib: number): string {
  return `${kib >= 0 ? "+" : ""}${show(kib, MIB_FROM_KIB)}`;
}

/** RSS at the end over RSS after the first 100 calls. */
function ratio(result: Load): string {
  return `${fmt(result.late.rssKib / result.early.rssKib, 2)}x`;
}

function growth(result: Load): string {
  return signed(result.late.rssKib - result.early.rssKib);
}

/**
 * Growth of the RSS floor: the lowest of the first three samples against the lowest of the last
 * three. Under a heap cap one reading lands before or after a collection (tens of MiB apart);
 * the floor rises only when memory is kept.
 */
function floorGrowth(result: Load): string {
  return signed(Math.min(...result.samples.slice(-3)) - Math.min(...result.samples.slice(0, 3)));
}

/** The row of a run under a V8 heap cap. */
function cappedRow(measure: string, flag: string, capped: Load): Row {
  return valueRow(6, measure, {
    value: floorGrowth(capped),
    notes: `diagnostic, \`${flag}\` is not a production flag; the value compares the lowest ` +
      `RSS of the first and last three samples; RSS ${show(capped.early.rssKib, MIB_FROM_KIB)} → ${
        show(capped.late.rssKib, MIB_FROM_KIB)
      }, samples ${showSpread(summarize(capped.samples), MIB_FROM_KIB)}, peak ${
        peak(capped)
      }; ${capped.errors} tool errors; ${fmt(capped.callsPerSecond)} calls/s. ` +
      "Memory retained per call would raise the floor (or fail) under the cap",
  });
}

function peak(result: Load): string {
  return result.late.peakKib === undefined ? "n/a" : show(result.late.peakKib, MIB_FROM_KIB);
}

/** `options.calls` calls, RSS sampled after the first 100 and every 1,000 after that. */
export async function memoryUnderLoad(
  tenant: ServedSandbox,
  options: MemoryOptions,
): Promise<SectionResult> {
  const plain = await load(tenant, options, { label: "" });
  const calls = fmt(options.calls);
  const rows: Row[] = [
    valueRow(6, `Server RSS after ${fmt(FIRST_SAMPLE)} tool calls`, {
      value: show(plain.early.rssKib, MIB_FROM_KIB),
      notes: "get_company, search_tickets, get_ticket, get_contact in turn, " +
        `${options.concurrency} in flight`,
    }),
    {
      item: 6,
      measure: `Server RSS after ${calls} tool calls`,
      value: show(plain.late.rssKib, MIB_FROM_KIB),
      spread: showSpread(summarize(plain.samples), MIB_FROM_KIB),
      runs: `${plain.samples.length} samples`,
      notes: `value: at the end; spread: samples every ${fmt(SAMPLE_EVERY)} calls; peak ` +
        `(VmHWM) ${peak(plain)}; ${fmt(plain.callsPerSecond)} calls/s; ${plain.errors} tool errors`,
    },
    valueRow(6, `RSS growth from ${fmt(FIRST_SAMPLE)} to ${calls} calls`, {
      value: growth(plain),
      notes: `${ratio(plain)}; no GC is forced: V8 grows its heap before it collects, as far ` +
        "as the production flag `--v8-flags=--max-semi-space-size=8,--heap-growing-percent=10` " +
        "lets it (scripts/permissions.ts; without it 93 → 193 MiB over stdio, 118 → 236 MiB " +
        "over HTTP, all garbage: see the capped row)",
    }),
  ];
  if (options.heapCapMib > 0) {
    const flag = `--v8-flags=--max-old-space-size=${options.heapCapMib}`;
    const capped = await load(tenant, options, { label: ` (${flag})`, extraFlags: [flag] });
    rows.push(
      cappedRow(
        `Same ${calls} calls with V8's old space capped at ${options.heapCapMib} MiB: RSS floor growth`,
        flag,
        capped,
      ),
    );
  }
  const http = await load(tenant, options, { label: " (--http)", http: true });
  rows.push(
    valueRow(
      6,
      `HTTP mode (\`--http\`): server RSS after ${fmt(FIRST_SAMPLE)} and ${calls} calls`,
      {
        value: `${show(http.early.rssKib, MIB_FROM_KIB)} → ${show(http.late.rssKib, MIB_FROM_KIB)}`,
        notes: `the same calls as keep-alive POSTs to /mcp (answered as JSON on the policy's ` +
          `shared connection); growth ${growth(http)}, ${
            ratio(http)
          } (issue 19: at most 1.25x); peak ${peak(http)}; ${fmt(http.callsPerSecond)} calls/s; ` +
          `${http.errors} tool errors`,
      },
    ),
  );
  if (options.heapCapMib > 0) {
    const flag = `--v8-flags=--max-old-space-size=${options.heapCapMib}`;
    const capped = await load(tenant, options, {
      label: ` (--http ${flag})`,
      http: true,
      extraFlags: [flag],
    });
    rows.push(
      cappedRow(
        `HTTP mode, old space capped at ${options.heapCapMib} MiB: RSS floor growth`,
        flag,
        capped,
      ),
    );
  }
  return { rows };
}
