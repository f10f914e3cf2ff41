/**
 * 7. Scale: `search_tickets` with a filter, paged by cursor, on a 1,000-ticket and a 100,000-ticket
 * tenant: time per page and the server's memory. Both make the same number of calls (a small
 * tenant is paged through again from the first page when it runs out), so the figures compare.
 */

import { type Row, type SectionResult, summaryRow, valueRow } from "./report.ts";
import { type ServerProcess, startServer } from "./server_process.ts";
import { fmt, MIB_FROM_KIB, MS, show, summarize } from "./stats.ts";
import { serverEnv, serverFlags, startTenant } from "./tenant.ts";

/** Options of {@linkcode scale}. */
export interface ScaleOptions {
  tenantSizes: number[];
  /** Results to page through: results / pageSize pages on every tenant. */
  results: number;
  pageSize: number;
  progress(line: string): void;
}

/** The filter: open tickets (status not Complete), matched by most of the table. */
const FILTER = { openOnly: true };

/** What paging through one tenant measured. */
interface Paging {
  pages: number;
  results: number;
  /** When the tenant ran out of matches before the target: one full pass, in results and pages. */
  pass?: { results: number; pages: number };
  perPage: number[];
  tenantPerPage: number[];
  requests: number;
  /** Requests besides the page's own query, per entity (name lookups, budget readings). */
  others: Map<string, number>;
  startKib: number;
  endKib: number;
  peakKib?: number;
}

async function page(server: ServerProcess, args: Record<string, unknown>) {
  const started = performance.now();
  const out = await server.callOk("search_tickets", args);
  return { out, elapsed: performance.now() - started };
}

function isPageQuery(path: string): boolean {
  return /\/Tickets\/query(\/next)?$/i.test(path.split("?")[0]);
}

async function pageThrough(size: number, options: ScaleOptions): Promise<Paging> {
  const tenant = await startTenant({ ticketCount: size });
  const server = await startServer({ flags: await serverFlags(), env: serverEnv(tenant) });
  const first = { ...FILTER, limit: options.pageSize };
  try {
    // One unmeasured first page: the budget read, the status picklist and the names.
    await page(server, first);
    const start = await server.memory();
    const result: Paging = {
      pages: 0,
      results: 0,
      perPage: [],
      tenantPerPage: [],
      requests: 0,
      others: new Map(),
      startKib: start.rssKib,
      endKib: 0,
    };
    const pages = Math.ceil(options.results / options.pageSize);
    let args: Record<string, unknown> = first;
    while (result.pages < pages) {
      tenant.sandbox.resetStats();
      const { out, elapsed } = await page(server, args);
      const log = tenant.sandbox.log;
      result.pages++;
      result.results += (out.items as unknown[]).length;
      result.perPage.push(elapsed);
      result.tenantPerPage.push(log.reduce((sum, e) => sum + (e.end - e.start), 0));
      result.requests += log.length;
      for (const entry of log.filter((e) => !isPageQuery(e.path))) {
        const key = entry.entity ?? entry.path.split("?")[0].replace(/^.*\/V1\.0\//i, "");
        result.others.set(key, (result.others.get(key) ?? 0) + 1);
      }
      if (out.hasMore && typeof out.cursor === "string") {
        args = { cursor: out.cursor };
      } else {
        result.pass ??= { results: result.results, pages: result.pages };
        args = first;
      }
    }
    const end = await server.memory();
    result.endKib = end.rssKib;
    result.peakKib = end.peakKib;
    options.progress(
      `scale: ${fmt(size)} tickets, ${fmt(result.results)} results in ${result.pages} pages`,
    );
    return result;
  } finally {
    await server.close();
    await tenant.close();
  }
}

function otherText(others: Map<string, number>): string {
  if (others.size === 0) return "the page query alone";
  const parts = [...others].map(([entity, n]) => `${n} ${entity}`).join(", ");
  return `besides the page queries: ${parts}`;
}

function coverage(paging: Paging): string {
  return paging.pass === undefined
    ? `${fmt(paging.results)} results in ${paging.pages} pages by cursor`
    : `${paging.pages} pages: all ${fmt(paging.pass.results)} matching tickets ` +
      `(${paging.pass.pages} pages by cursor) again and again`;
}

/** Pages through each tenant size in turn (each tenant and server fresh). */
export async function scale(options: ScaleOptions): Promise<SectionResult> {
  const rows: Row[] = [];
  for (const size of options.tenantSizes) {
    const paging = await pageThrough(size, options);
    const tenantShare = summarize(paging.tenantPerPage);
    const own = summarize(paging.perPage.map((t, i) => t - paging.tenantPerPage[i]));
    const label = `${fmt(size)}-ticket tenant`;
    rows.push(
      summaryRow(
        7,
        `\`search_tickets\` open tickets, ${options.pageSize} per page, ${label}: time per page`,
        {
          summary: summarize(paging.perPage),
          unit: MS,
          notes:
            `${coverage(paging)}; ${
              (paging.requests / paging.pages).toFixed(2)
            } Autotask requests ` +
            `per page (${otherText(paging.others)}); the tenant's own time ${
              show(tenantShare.median, MS)
            }, the rest ${show(own.median, MS)} (medians)`,
        },
      ),
      valueRow(7, `Server peak RSS (VmHWM) after those pages, ${label}`, {
        value: paging.peakKib === undefined
          ? `${show(paging.endKib, MIB_FROM_KIB)} (RSS)`
          : show(paging.peakKib, MIB_FROM_KIB),
        notes: `RSS ${show(paging.startKib, MIB_FROM_KIB)} before paging, ${
          show(paging.endKib, MIB_FROM_KIB)
        } after`,
      }),
    );
  }
  return { rows };
}
