/** Helpers of the bulk tests: a server with the bulk toolset, and what the tenant's log says each record got. */

import type { RequestLogEntry, SandboxOptions, ServedSandbox } from "../lib/sandbox/mod.ts";
import { connectStdio, startTenant, type StdioSession, tenantEnv } from "./harness.ts";

type Rec = Record<string, unknown>;

/** A tenant and a spawned server (production flags) listing the bulk tools. */
export interface BulkSetup {
  tenant: ServedSandbox;
  session: StdioSession;
  close(): Promise<void>;
}

/** Starts both; `env` adds to the server's environment. */
export async function bulkSetup(
  options: { tenant?: SandboxOptions; env?: Record<string, string> } = {},
): Promise<BulkSetup> {
  const tenant = await startTenant(options.tenant);
  const session = await connectStdio({
    env: { ...tenantEnv(tenant), AUTOTASK_TOOLSETS: "default,bulk", ...options.env },
  });
  return {
    tenant,
    session,
    close: async () => {
      await session.close();
      await tenant.close();
    },
  };
}

/** Requests that change data (not queries, which are POSTs too). */
export function writesIn(log: readonly RequestLogEntry[]): RequestLogEntry[] {
  return log.filter((e) =>
    (e.method === "POST" || e.method === "PATCH" || e.method === "PUT" ||
      e.method === "DELETE") && !/\/query(\/count|\/next)?(\?|$)/i.test(e.path)
  );
}

/** `PATCH {Entity}` (or under a parent) requests per record id, with their statuses in order. */
export function patchesById(log: readonly RequestLogEntry[]): Map<number, number[]> {
  const byId = new Map<number, number[]>();
  for (const entry of log) {
    if (entry.method !== "PATCH") continue;
    const id = (entry.body as Rec | undefined)?.id;
    if (typeof id !== "number") continue;
    byId.set(id, [...byId.get(id) ?? [], entry.status]);
  }
  return byId;
}

/** The requests of `log` as `METHOD Path` with ids folded, ThresholdInformation left out. */
export function shapes(log: readonly RequestLogEntry[]): string[] {
  return log.filter((e) => !/ThresholdInformation/i.test(e.path)).map((e) =>
    `${e.method} ${
      e.path.split("?")[0].replace(/^\/ATServicesRest\/V1\.0\//i, "").replace(/\/\d+/g, "/{id}")
    }`
  );
}

/** Expands `3-5, 9` (a batch result's id list) to `[3, 4, 5, 9]`. */
export function expandIds(text: unknown): number[] {
  if (typeof text !== "string" || text.trim() === "") return [];
  return text.split(",").flatMap((part) => {
    const [from, to] = part.trim().split("-").map(Number);
    return to === undefined ? [from] : Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/** Every id a grouped list (`skipped`, `failed`) names. */
export function groupedIds(groups: unknown, key = "ids"): number[] {
  return Array.isArray(groups) ? groups.flatMap((g) => expandIds((g as Rec)[key])) : [];
}

/** Open tickets (not Complete), in id order. */
export function openTickets(tenant: ServedSandbox, count: number): Rec[] {
  return tenant.sandbox.records("Tickets").filter((t) => t.status !== 5).slice(0, count);
}
