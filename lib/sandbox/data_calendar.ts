/** The tenant's clock: its time zone (US Pacific), local days, business hours, holidays and SLA hours. */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The zone the simulated MSP works in (Portland, Oregon): its local days are Pacific days. */
export const TENANT_TIME_ZONE = "America/Los_Angeles";

/** Business hours of the tenant's one location, in local minutes after midnight (08:00-17:00). */
export const BUSINESS_HOURS = { open: 8 * 60, close: 17 * 60 } as const;

/**
 * A local calendar day as a number: days since 1970-01-01 of the local date. Arithmetic on days
 * never crosses a time zone: day + 1 is the next local date whatever the UTC offset does.
 */
export type LocalDay = number;

/** The day number of the nth (1-based) Sunday of a month (month 0-based). */
function nthSunday(year: number, month: number, n: number): LocalDay {
  const first = Date.UTC(year, month, 1) / DAY;
  return first + ((7 - weekday(first)) % 7) + 7 * (n - 1);
}

/** 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
export function weekday(day: LocalDay): number {
  return ((day % 7) + 11) % 7;
}

/**
 * UTC offset of US Pacific time at an instant, in hours: -7 from the second Sunday of March 02:00
 * to the first Sunday of November 02:00 local, -8 otherwise (the rule since 2007). Computed rather
 * than asked of Intl so the tenant's data does not depend on the runtime's time zone database.
 */
export function pacificOffsetHours(ms: number): number {
  let span = lastSpan;
  if (ms < span.from || ms >= span.to) {
    const year = new Date(ms).getUTCFullYear();
    span = DST_SPANS.get(year) ?? dstSpan(year);
    lastSpan = span;
  }
  return ms >= span.start && ms < span.end ? -7 : -8;
}

/** A UTC year and its daylight-time span (the seeding asks this tens of thousands of times). */
interface DstSpan {
  from: number;
  to: number;
  start: number;
  end: number;
}

const DST_SPANS = new Map<number, DstSpan>();
let lastSpan: DstSpan = { from: 0, to: 0, start: 0, end: 0 };

function dstSpan(year: number): DstSpan {
  const span = {
    from: Date.UTC(year, 0, 1),
    to: Date.UTC(year + 1, 0, 1),
    start: nthSunday(year, 2, 2) * DAY + 10 * HOUR, // 02:00 PST
    end: nthSunday(year, 10, 1) * DAY + 9 * HOUR, // 02:00 PDT
  };
  DST_SPANS.set(year, span);
  return span;
}

const DAY_PREFIX = new Map<number, string>();
const MINUTE_SUFFIX: string[] = Array.from(
  { length: 1440 },
  (_, m) =>
    `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}:00.000Z`,
);

/**
 * `new Date(ms).toISOString()`, cheaper for whole minutes: a cached date part joined to a cached
 * time of day. The tenant formats tens of thousands of timestamps when it starts.
 */
export function isoOf(ms: number): string {
  if (ms % MINUTE !== 0) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY);
  let prefix = DAY_PREFIX.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY).toISOString().slice(0, 11);
    DAY_PREFIX.set(day, prefix);
  }
  return prefix + MINUTE_SUFFIX[(ms - day * DAY) / MINUTE];
}

/** The local day an instant falls on. */
export function localDayOf(ms: number): LocalDay {
  return Math.floor((ms + pacificOffsetHours(ms) * HOUR) / DAY);
}

/**
 * The instant of a local wall-clock time. Uses the day's offset at noon, so times between 00:00
 * and 02:00 on the two switch days are an hour off; the data places nothing there.
 */
export function localTime(day: LocalDay, minutes: number): number {
  const offset = pacificOffsetHours(day * DAY + 20 * HOUR);
  return day * DAY + minutes * MINUTE - offset * HOUR;
}

/** A date-only field's value: the local date at midnight with no zone shift. */
export function dayIso(day: LocalDay): string {
  return isoOf(day * DAY);
}

/** The local day a date-only value (`...T00:00:00Z`) names. */
export function dayOfIso(value: string): LocalDay {
  return Math.floor(Date.parse(value) / DAY);
}

/** Monday of the week a day is in (weeks run Monday to Sunday). */
export function mondayOf(day: LocalDay): LocalDay {
  return day - ((weekday(day) + 6) % 7);
}

/** A holiday observed on a weekday when it falls on a weekend. */
function observed(day: LocalDay): LocalDay {
  const dow = weekday(day);
  return dow === 6 ? day - 1 : dow === 0 ? day + 1 : day;
}

function fixedDay(year: number, month: number, date: number): LocalDay {
  return Date.UTC(year, month, date) / DAY;
}

/** The nth (1-based; -1 = last) given weekday of a month. */
function nthWeekday(year: number, month: number, dow: number, n: number): LocalDay {
  if (n === -1) {
    const last = Date.UTC(year, month + 1, 0) / DAY;
    return last - ((weekday(last) - dow + 7) % 7);
  }
  const first = Date.UTC(year, month, 1) / DAY;
  return first + ((dow - weekday(first) + 7) % 7) + 7 * (n - 1);
}

/** The holidays the MSP closes for in a year (observed dates): name and day. */
export function holidaysOf(year: number): { name: string; day: LocalDay }[] {
  const thanksgiving = nthWeekday(year, 10, 4, 4);
  return [
    { name: "New Year's Day", day: observed(fixedDay(year, 0, 1)) },
    { name: "Memorial Day", day: nthWeekday(year, 4, 1, -1) },
    { name: "Independence Day", day: observed(fixedDay(year, 6, 4)) },
    { name: "Labor Day", day: nthWeekday(year, 8, 1, 1) },
    { name: "Thanksgiving", day: thanksgiving },
    { name: "Day after Thanksgiving", day: thanksgiving + 1 },
    { name: "Christmas Eve", day: observed(fixedDay(year, 11, 24)) },
    { name: "Christmas Day", day: observed(fixedDay(year, 11, 25)) },
  ];
}

/**
 * The tenant's calendar: which local days are business days, and SLA clock arithmetic. Business
 * hours are tabled per day with their running total, so elapsed business time is two lookups.
 */
export class Calendar {
  readonly #holidays = new Set<LocalDay>();
  readonly #first: LocalDay;
  /** Per day from #first: opening and closing instants (equal on closed days). */
  readonly #open: Float64Array;
  readonly #close: Float64Array;
  /** Business milliseconds before each day. */
  readonly #before: Float64Array;

  constructor(fromYear: number, toYear: number) {
    for (let y = fromYear; y <= toYear; y++) {
      for (const h of holidaysOf(y)) this.#holidays.add(h.day);
    }
    this.#first = Date.UTC(fromYear, 0, 1) / DAY;
    const days = Date.UTC(toYear + 1, 0, 1) / DAY - this.#first;
    this.#open = new Float64Array(days);
    this.#close = new Float64Array(days);
    this.#before = new Float64Array(days + 1);
    for (let i = 0; i < days; i++) {
      const day = this.#first + i;
      if (this.isBusinessDay(day)) {
        this.#open[i] = localTime(day, BUSINESS_HOURS.open);
        this.#close[i] = localTime(day, BUSINESS_HOURS.close);
      }
      this.#before[i + 1] = this.#before[i] + this.#close[i] - this.#open[i];
    }
  }

  isHoliday(day: LocalDay): boolean {
    return this.#holidays.has(day);
  }

  /** Monday to Friday and not a holiday. */
  isBusinessDay(day: LocalDay): boolean {
    const dow = weekday(day);
    return dow !== 0 && dow !== 6 && !this.#holidays.has(day);
  }

  /** The day's index in the tables; throws outside the years the calendar was built for. */
  #index(ms: number): number {
    const i = localDayOf(ms) - this.#first;
    if (i < 0 || i >= this.#open.length) {
      throw new RangeError(`${new Date(ms).toISOString()} is outside the tenant calendar`);
    }
    return i;
  }

  /** Business milliseconds from the start of the calendar to an instant. */
  #businessAt(ms: number): number {
    const i = this.#index(ms);
    const open = this.#open[i];
    const within = Math.min(Math.max(ms - open, 0), this.#close[i] - open);
    return this.#before[i] + within;
  }

  /** The instant `hours` of business time after `start` (business hours only, holidays skipped). */
  addBusinessHours(start: number, hours: number): number {
    const target = this.#businessAt(start) + Math.round(hours * HOUR);
    for (let i = this.#index(start); i < this.#open.length; i++) {
      const length = this.#close[i] - this.#open[i];
      if (length > 0 && target <= this.#before[i] + length) {
        return this.#open[i] + Math.max(0, target - this.#before[i]);
      }
    }
    throw new RangeError("Business hours run past the end of the tenant calendar");
  }

  /** Business time between two instants, in milliseconds (0 when `end` is not after `start`). */
  businessMsBetween(start: number, end: number): number {
    return end <= start ? 0 : this.#businessAt(end) - this.#businessAt(start);
  }
}
