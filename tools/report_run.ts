/** What every report shares: its Autotask calls counted, the budget checked up front, local days and weeks, progress, the size cap. */

import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { isBudgetRefusal } from "../lib/autotask/errors.ts";
import { type Filter, inList, MAX_OR_CONDITIONS, MAX_PAGE_SIZE } from "../lib/autotask/query.ts";
import { localDate, localDay, localDayRange, utcMidnight } from "../lib/dates.ts";
import { InputError, jsonLength, type ToolContext } from "../lib/mcp/mod.ts";
import type { DashboardReport, DashboardTable } from "../lib/ui/mod.ts";

/** Autotask's documented hourly limit, assumed while ThresholdInformation has not been read. */
const DOCUMENTED_HOURLY_LIMIT = 10_000;
/** Room left under the size cap for what the server adds after the report (the budget notice). */
const CAP_MARGIN = 1_000;
const DAY_MS = 86_400_000;
/**
 * Calls one report has in flight at once: Autotask's 3 per entity. A report that fans out (a
 * count per week, per value and age) queues here, where waiting costs nothing; queued in the
 * client instead, each call's timeout would run while it waited, and at scale the last counts of
 * a year's flow gave up unsent.
 */
const IN_FLIGHT = 3;

/** How many Autotask calls a report made and what share of the hourly limit that is. */
export interface RequestUsage {
  /** Calls this report sent (pages, counts, lookups, metadata not yet cached; retries not included). */
  made: number;
  /** `made` over the hourly limit, e.g. 0.0012; null while the limit is unknown. */
  budgetShare: number | null;
  /** The tenant's hourly limit as last read, null before the first reading. */
  hourlyLimit: number | null;
  /** Requests used in the current window (all integrations of the tenant), when known. */
  usedThisHour: number | null;
}

/** Why a report would be too expensive, and what narrower report to ask for instead. */
export interface BudgetAdvice {
  /** What the requests are for: "14 pages of time entries plus 3 lookups". */
  work: string;
  /**
   * What to ask for instead, given the requests left before the hard share: "ask for 12 days
   * or fewer (from 2026-03-01), or one resourceID". Sentence case, no final period.
   */
  narrower(left: number): string;
}

/**
 * One run of a report: every Autotask call goes through it so the report can say how many it
 * made, report progress, and refuse up front when the estimate would pass the hard budget share.
 */
export class ReportRun {
  readonly ctx: ToolContext;
  #made = 0;
  #expected = 0;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(ctx: ToolContext) {
    this.ctx = ctx;
  }

  /** Calls made so far. */
  get made(): number {
    return this.#made;
  }

  /** Adds `requests` to the work progress is reported against. */
  expect(requests: number): void {
    this.#expected += Math.max(0, requests);
  }

  /** Runs `call` when fewer than IN_FLIGHT of this report's calls are running. */
  async #slot<T>(call: () => Promise<T>): Promise<T> {
    while (this.#running >= IN_FLIGHT) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#running++;
    try {
      return await call();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }

  async #sent(message: string): Promise<void> {
    this.#made++;
    await this.ctx.progress(this.#made, Math.max(this.#expected, this.#made), message);
  }

  /** `query/count` of `entity` under `filter`. */
  async count(entity: string, filter: Filter[]): Promise<number> {
    const n = await this.#slot(() =>
      this.ctx.client.count(entity, { filter, signal: this.ctx.signal })
    );
    await this.#sent(`counted ${entity}`);
    return n;
  }

  /**
   * Every record `filter` matches, handed to `each` one page at a time (500 rows, `fields`
   * only); nothing is kept here, so memory does not grow with the tenant. Returns the rows read.
   */
  async eachPage(
    entity: string,
    options: { filter: Filter[]; fields: string[] },
    each: (items: AutotaskRecord[]) => void,
  ): Promise<number> {
    const { client, signal } = this.ctx;
    let page = await this.#slot(() =>
      client.query(entity, {
        filter: options.filter,
        includeFields: options.fields,
        maxRecords: MAX_PAGE_SIZE,
        signal,
      })
    );
    let rows = page.items.length;
    each(page.items);
    await this.#sent(`read ${rows} ${entity}`);
    while (page.next) {
      const next = page.next;
      page = await this.#slot(() => client.queryNext(entity, next, { signal }));
      rows += page.items.length;
      each(page.items);
      await this.#sent(`read ${rows} ${entity}`);
    }
    return rows;
  }

  /** Every record `filter` matches (for small sets: contracts, purchases, holidays). */
  async all(
    entity: string,
    options: { filter: Filter[]; fields: string[] },
  ): Promise<AutotaskRecord[]> {
    const out: AutotaskRecord[] = [];
    await this.eachPage(entity, options, (items) => out.push(...items));
    return out;
  }

  /**
   * Records of `entity` by id (`in` lists of at most 500 values), with `fields`. `optional`
   * lookups (names) are skipped when the hourly budget is past its hard share: the ids stand
   * alone then.
   */
  async byIds(
    entity: string,
    ids: Iterable<number>,
    options: { fields: string[]; optional?: boolean; field?: string },
  ): Promise<Map<number, AutotaskRecord>> {
    const wanted = [...new Set(ids)].filter((id) => Number.isInteger(id));
    const field = options.field ?? "id";
    const found = new Map<number, AutotaskRecord>();
    for (let start = 0; start < wanted.length; start += MAX_OR_CONDITIONS) {
      const chunk = wanted.slice(start, start + MAX_OR_CONDITIONS);
      try {
        const filter = [inList(field, chunk)];
        if (field === "id") {
          const page = await this.#slot(() =>
            this.ctx.client.query(entity, {
              filter,
              includeFields: options.fields,
              maxRecords: chunk.length,
              signal: this.ctx.signal,
              optional: options.optional,
            })
          );
          await this.#sent(`looked up ${entity}`);
          for (const r of page.items) found.set(r.id as number, r);
        } else {
          await this.eachPage(entity, { filter, fields: options.fields }, (items) => {
            for (const r of items) found.set(r.id as number, r);
          });
        }
      } catch (error) {
        if (options.optional && isBudgetRefusal(error)) return found;
        throw error;
      }
    }
    return found;
  }

  /**
   * Display names by id, from the entity's name fields (first and last name, company name, ...).
   * A courtesy: past the hard budget share the lookup is skipped and rows show ids.
   */
  async names(
    entity: string,
    ids: Iterable<number>,
    fields?: readonly string[],
  ): Promise<Map<number, string>> {
    const nameFields = fields ?? this.ctx.names.nameFieldsOf(entity);
    const records = await this.byIds(entity, ids, { fields: [...nameFields], optional: true });
    const names = new Map<number, string>();
    for (const [id, r] of records) {
      const name = nameFields.map((f) => r[f]).filter((v) => v !== null && v !== undefined)
        .map(String).join(" ").trim();
      if (name) names.set(id, name);
    }
    return names;
  }

  /**
   * A picklist's active values in the tenant's order, value (as a number where numeric) and
   * label. Field metadata is cached by the client: only a miss is a request, and counted.
   */
  async picklist(
    entity: string,
    field: string,
  ): Promise<{ value: number | string; label: string; active: boolean }[]> {
    const before = this.ctx.client.stats().requests;
    const info = await this.ctx.picklists.field(entity, field, this.ctx.signal);
    if (this.ctx.client.stats().requests > before) await this.#sent(`read ${entity} metadata`);
    return [...(info.picklistValues ?? [])]
      .sort((a, b) => (a.sortOrder ?? 0) - (b.sortOrder ?? 0))
      .map((v) => ({
        value: /^-?\d+$/.test(v.value) ? Number(v.value) : v.value,
        label: v.label,
        active: v.isActive !== false,
      }));
  }

  /**
   * Refuses the report before it fetches anything more when `estimate` further requests would
   * take the hour past the hard share (AUTOTASK_BUDGET_HARD): the message gives the numbers and
   * a narrower report. Autotask's limit is shared by every integration of the tenant.
   */
  checkBudget(estimate: number, advice: BudgetAdvice): void {
    const budget = this.ctx.client.stats().budget;
    const limit = budget.limit ?? DOCUMENTED_HOURLY_LIMIT;
    const ceiling = Math.floor(limit * budget.hardShare);
    const left = Math.max(0, ceiling - budget.used);
    this.#expected = Math.max(this.#expected, this.#made + estimate);
    if (estimate <= left) return;
    const n = (x: number) => x.toLocaleString("en-US");
    const known = budget.limit === undefined
      ? `Autotask's documented ${n(limit)} an hour (the tenant's own figure is not read yet)`
      : `${n(limit)} an hour`;
    throw new InputError(
      `This report would need about ${n(estimate)} more Autotask requests (${advice.work}), but ` +
        `only ${n(left)} are left before ${Math.round(budget.hardShare * 100)}% ` +
        `(AUTOTASK_BUDGET_HARD) of the hourly limit: ${n(budget.used)} of ${known} are used ` +
        `by this tenant's integrations. Nothing more was fetched (${
          plural(this.#made, "request")
        } so far). ` +
        advice.narrower(left),
    );
  }

  /** The calls made and their share of the hourly limit, for the result. */
  usage(): RequestUsage {
    const budget = this.ctx.client.stats().budget;
    const limit = budget.limit ?? null;
    return {
      made: this.#made,
      budgetShare: limit ? Math.round((this.#made / limit) * 1e6) / 1e6 : null,
      hourlyLimit: limit,
      usedThisHour: budget.limit === undefined ? null : budget.used,
    };
  }
}

/** `1 page`, `3 pages`. */
export function plural(n: number, word: string): string {
  return `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`;
}

/** Two decimals, as Autotask keeps hours and money; -0 becomes 0. */
export function round2(n: number): number {
  return Math.round(n * 100) / 100 + 0;
}

/** A share as a percentage with one decimal, null when there is nothing to divide by. */
export function percent(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 1000) / 10 : null;
}

// ---- Local days and weeks ----------------------------------------------------------------------

/** `date` plus `days` calendar days (`YYYY-MM-DD`). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to` (`to - from`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The Monday on or before `date` (weeks run Monday to Sunday, ISO 8601). */
export function mondayOf(date: string): string {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((weekday + 6) % 7));
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** A range of local days, both ends included. */
export interface DayRange {
  from: string;
  to: string;
  days: number;
}

/** The week of a range: Monday, and the range's days in it (fewer than 7 at a partial end). */
export interface RangeWeek {
  monday: string;
  from: string;
  to: string;
  days: number;
}

/** The Monday-to-Sunday weeks a range touches, each clipped to the range. */
export function weeksOf(range: DayRange): RangeWeek[] {
  const weeks: RangeWeek[] = [];
  for (let monday = mondayOf(range.from); monday <= range.to; monday = addDays(monday, 7)) {
    const from = monday < range.from ? range.from : monday;
    const sunday = addDays(monday, 6);
    const to = sunday > range.to ? range.to : sunday;
    weeks.push({ monday, from, to, days: daysBetween(from, to) + 1 });
  }
  return weeks;
}

/** Options of {@linkcode parseRange}. */
export interface RangeOptions {
  /** Days covered when `from` is not given (ending at `to`). */
  defaultDays: number;
  /** Longest range allowed, in days. */
  maxDays: number;
  /** What to suggest past `maxDays`. */
  tooLong: string;
}

function dayOf(text: string | undefined, name: string, ctx: ToolContext): string | undefined {
  if (text === undefined) return undefined;
  const day = localDay(text, { timeZone: ctx.timeZone, now: ctx.now() });
  if (day === undefined) {
    throw new InputError(
      `${name} must be a day: YYYY-MM-DD, today or yesterday (got ${JSON.stringify(text)})`,
    );
  }
  return day;
}

/**
 * The local days of `from`..`to` in the user's zone: `today`/`yesterday` resolved there, `to`
 * defaulting to today and `from` to `defaultDays` back.
 */
export function parseRange(
  args: { from?: string; to?: string },
  ctx: ToolContext,
  options: RangeOptions,
): DayRange {
  const to = dayOf(args.to, "to", ctx) ?? localDate(ctx.now(), ctx.timeZone);
  const from = dayOf(args.from, "from", ctx) ?? addDays(to, -(options.defaultDays - 1));
  if (from > to) {
    throw new InputError(`from (${from}) is after to (${to}): give the earlier day as from`);
  }
  const days = daysBetween(from, to) + 1;
  if (days > options.maxDays) {
    throw new InputError(
      `${from} to ${to} is ${days} days; this report covers at most ${options.maxDays}: ` +
        options.tooLong,
    );
  }
  return { from, to, days };
}

/** The instants a range of local days spans in `timeZone`: `[start, end)` as ISO text. */
export function rangeInstants(
  range: { from: string; to: string },
  timeZone: string,
): { start: string; end: string } {
  return {
    start: new Date(localDayRange(range.from, timeZone).start).toISOString(),
    end: new Date(localDayRange(range.to, timeZone).end).toISOString(),
  };
}

/**
 * A date-only Autotask field (dateWorked, endDate) between two days, both included: such fields
 * hold midnight with no zone shift, so the days are sent as they are.
 */
export function dateOnlyBetween(field: string, range: { from: string; to: string }): Filter[] {
  return [
    { op: "gte", field, value: utcMidnight(range.from) },
    { op: "lte", field, value: utcMidnight(range.to) },
  ];
}

/** The day of a date-only field's value (`2026-03-02T00:00:00Z` -> `2026-03-02`), or "". */
export function dayOfField(value: unknown): string {
  return typeof value === "string" ? value.slice(0, 10) : "";
}

// ---- The size cap ------------------------------------------------------------------------------

/**
 * Cuts rows off the end of the longest table until the report's JSON fits `maxChars` (less a
 * margin for the notice the server may add), and says so in the notes.
 */
export function fitReport(report: DashboardReport, maxChars: number): DashboardReport {
  const cap = Math.max(2_000, maxChars - CAP_MARGIN);
  const cut = new Map<DashboardTable, number>();
  while (jsonLength(report) > cap) {
    const longest = report.tables.reduce((a, b) => (b.rows.length > a.rows.length ? b : a));
    if (longest.rows.length <= 1) break;
    const excess = jsonLength(report) - cap;
    const perRow = jsonLength(longest.rows) / longest.rows.length;
    const drop = Math.min(longest.rows.length - 1, Math.max(1, Math.ceil(excess / perRow)));
    longest.rows.splice(longest.rows.length - drop, drop);
    cut.set(longest, (cut.get(longest) ?? 0) + drop);
  }
  if (cut.size > 0) {
    report.notes = [
      ...(report.notes ?? []),
      ...[...cut].map(([table, n]) =>
        `${n} rows of "${table.title}" were left out to fit the result size cap ` +
        "(AUTOTASK_MAX_RESULT_CHARS): narrow the report or lower limit"
      ),
    ];
  }
  return report;
}
