/**
 * For the report tests: the server spawned with the production flags against a tenant on
 * loopback, and the oracle: local days computed with Intl straight from the tenant's records, not
 * with the product's date code.
 */

import assert from "node:assert/strict";
import type { SandboxOptions, ServedSandbox } from "../lib/sandbox/mod.ts";
import { dashboardReportSchema } from "../lib/ui/mod.ts";
import { connectStdio, startTenant, type StdioSession, tenantEnv } from "./harness.ts";

/** A record as the tenant holds it. */
export type Rec = Record<string, unknown> & { id: number };
/** A table row of a report. */
export type Row = Record<string, string | number | null>;

/** West of UTC (the tenant's own office zone) and east of it (Portland's afternoon is Tokyo's next morning). */
export const WEST = "America/Los_Angeles";
export const EAST = "Asia/Tokyo";

const DAY = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date (YYYY-MM-DD) of an instant in `zone`, from the runtime's zone data. */
export function dateIn(zone: string, instant: string | number): string {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    formats.set(zone, format);
  }
  return format.format(new Date(typeof instant === "string" ? Date.parse(instant) : instant));
}

/** `day` plus `n` days. */
export function plusDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekday(day: string): number {
  return new Date(`${day}T00:00:00Z`).getUTCDay();
}

/** The Monday on or before `day`. */
export function monday(day: string): string {
  return plusDays(day, -((weekday(day) + 6) % 7));
}

/** The date part of a date-only field. */
export function dayOf(value: unknown): string {
  return String(value).slice(0, 10);
}

/** Sum of `pick` over `items`. */
export function sum<T>(items: T[], pick: (item: T) => number): number {
  return items.reduce((s, item) => s + pick(item), 0);
}

/** Asserts two hour or money figures agree to the hundredth (reports round to two decimals). */
export function near(actual: unknown, expected: number, what: string): void {
  assert.equal(typeof actual, "number", `${what}: ${actual}`);
  assert.ok(Math.abs((actual as number) - expected) < 0.011, `${what}: ${actual} vs ${expected}`);
}

/** A report's result checked against the dashboard contract; the table titled `title` (or the first). */
export function table(result: Record<string, unknown>, title?: string): Row[] {
  const report = dashboardReportSchema.parse(result);
  const found = title === undefined
    ? report.tables[0]
    : report.tables.find((t) => t.title === title);
  assert.ok(found, `table ${title}: ${report.tables.map((t) => t.title)}`);
  return found.rows;
}

/** The summary card labelled `label`. */
export function card(result: Record<string, unknown>, label: string): number | string {
  const item = dashboardReportSchema.parse(result).summary?.find((s) => s.label === label);
  assert.ok(item, `summary ${label}`);
  return item.value;
}

/** A server spawned with the production flags (reports enabled) and the tenant it talks to. */
export interface ReportSession {
  tenant: ServedSandbox;
  session: StdioSession;
}

/** Runs `fn` with a fresh tenant and a server in `zone`; both are closed afterwards. */
export async function withReports(
  zone: string,
  fn: (s: ReportSession) => Promise<void>,
  options: { tenant?: SandboxOptions; env?: Record<string, string> } = {},
): Promise<void> {
  const tenant = await startTenant(options.tenant);
  try {
    const session = await connectStdio({
      env: {
        ...tenantEnv(tenant),
        AUTOTASK_TOOLSETS: "reports",
        AUTOTASK_TIME_ZONE: zone,
        ...options.env,
      },
    });
    try {
      await fn({ tenant, session });
    } finally {
      await session.close();
    }
  } finally {
    await tenant.close();
  }
}

/** Requests the tenant answered since its last `resetStats`, budget readings left out. */
export function tenantRequests(tenant: ServedSandbox): { method: string; path: string }[] {
  return tenant.sandbox.log
    .filter((e) => !/ThresholdInformation/i.test(e.path))
    .map((e) => ({ method: e.method, path: e.path.split("?")[0].replace(/^.*\/V1\.0\//i, "") }));
}
