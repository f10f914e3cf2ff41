/** The one place dates are read and written: a date-time without a zone is UTC, as Autotask reads it. */

/** A calendar date alone: `2026-11-24`. */
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** An ISO-8601 date-time with no zone: `2026-11-24T14:00`, `2026-11-24 14:00:00.5`. */
const ZONELESS = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$/i;
/** An ISO-8601 date, or date-time with an optional zone (what Autotask stores and accepts). */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Milliseconds since the epoch of an ISO-8601 date or date-time, NaN when it is none. A date
 * alone is midnight UTC and a date-time without a zone is UTC (Autotask's reading, whatever the
 * machine's zone); a date-time with `Z` or an offset means what it says. Other text the
 * JavaScript date parser understands keeps that parser's reading.
 */
export function parseInstant(text: string): number {
  const trimmed = text.trim();
  if (DATE_ONLY.test(trimmed)) return Date.parse(`${trimmed}T00:00:00Z`);
  const zoneless = ZONELESS.exec(trimmed);
  if (zoneless) return Date.parse(`${zoneless[1]}T${zoneless[2]}Z`);
  return Date.parse(trimmed);
}

/** True when `text` is a date or date-time {@linkcode parseInstant} can read. */
export function isInstant(text: string): boolean {
  return !Number.isNaN(parseInstant(text));
}

/** True for ISO-8601 dates and date-times (with or without a zone) that exist. */
export function isIsoDate(text: string): boolean {
  const trimmed = text.trim();
  return ISO_DATE.test(trimmed) && isInstant(trimmed);
}

/** True for a `YYYY-MM-DD` date that exists on the calendar (no 2026-02-30). */
export function isCalendarDate(text: string): boolean {
  if (!DATE_ONLY.test(text)) return false;
  const day = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && utcDate(day.getTime()) === text;
}

/** The UTC calendar date of an instant, `YYYY-MM-DD`. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A calendar date as Autotask holds date-only fields: midnight UTC, `2026-11-24T00:00:00Z`. */
export function utcMidnight(date: string): string {
  return `${date}T00:00:00Z`;
}

/** An instant as ISO-8601 UTC without milliseconds, `2026-11-24T14:00:00Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** An instant as ISO-8601 UTC with milliseconds, `2026-11-24T14:00:00.000Z`. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * True when `end` comes before `start`, both read by {@linkcode parseInstant} (so a zoneless
 * end and a `Z` start compare as Autotask will store them). Unreadable text is never out of
 * order: the caller's schema refuses it.
 */
export function endsBeforeStart(start: string, end: string): boolean {
  return parseInstant(end) < parseInstant(start);
}

// ---- The user's time zone (AUTOTASK_TIME_ZONE): local days, local wall times, offsets. ----

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, found);
  }
  return found;
}

/** A wall-clock reading in one zone. */
interface WallClock {
  date: string;
  time: string;
  /** The wall clock read as if it were UTC, in ms (for offset arithmetic). */
  asUtc: number;
}

/** The wall clock as `Intl` reads it (slow: a formatter call per reading). */
function measuredWallClock(ms: number, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    parts[part.type] = part.value;
  }
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const time = `${parts.hour}:${parts.minute}:${parts.second}`;
  return { date, time, asUtc: Date.parse(`${date}T${time}Z`) };
}

/** Offsets change on quarter hours of UTC (every zone's offsets are whole quarter hours). */
const QUARTER_HOUR_MS = 15 * 60_000;
/** Offset in minutes per zone and quarter hour: results show many instants of a few days. */
const OFFSETS = new Map<string, number>();
const MAX_OFFSETS = 4096;
/** Instants whose ISO form is `YYYY-MM-DDTHH:MM:SS.sssZ` (years 1 to 9999). */
const FOUR_DIGIT_YEARS = [Date.UTC(1, 0, 1), Date.UTC(10_000, 0, 1)];

function fourDigitYear(ms: number): boolean {
  return ms >= FOUR_DIGIT_YEARS[0] && ms < FOUR_DIGIT_YEARS[1];
}

function measuredOffset(ms: number, timeZone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return Math.round((measuredWallClock(whole, timeZone).asUtc - whole) / 60_000);
}

/**
 * The offset at `ms`, measured once per zone and quarter hour: the same at both ends of the
 * quarter hour, it holds all through it (a zone whose change falls inside one, as old local
 * mean times did, is measured at each instant instead).
 */
function cachedOffset(ms: number, timeZone: string): number {
  const quarter = Math.floor(ms / QUARTER_HOUR_MS);
  const key = `${timeZone}|${quarter}`;
  const known = OFFSETS.get(key);
  if (known !== undefined) return known;
  const start = quarter * QUARTER_HOUR_MS;
  const first = measuredOffset(start, timeZone);
  if (first !== measuredOffset(start + QUARTER_HOUR_MS - 1000, timeZone)) {
    return measuredOffset(ms, timeZone);
  }
  if (OFFSETS.size >= MAX_OFFSETS) OFFSETS.clear();
  OFFSETS.set(key, first);
  return first;
}

function wallClock(ms: number, timeZone: string): WallClock {
  const whole = Math.floor(ms / 1000) * 1000;
  if (!fourDigitYear(whole)) return measuredWallClock(whole, timeZone);
  const asUtc = whole + cachedOffset(whole, timeZone) * 60_000;
  const iso = new Date(asUtc).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 19), asUtc };
}

/** True when `name` is an IANA time zone this runtime knows (`America/Los_Angeles`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return name.trim() !== "";
  } catch {
    return false;
  }
}

/** The machine's time zone, through `Intl` (no permission needed); UTC when it says nothing. */
export function machineTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** Minutes `timeZone` is ahead of UTC at instant `ms` (-480 for Los Angeles in winter). */
export function offsetMinutes(ms: number, timeZone: string): number {
  return fourDigitYear(ms) ? cachedOffset(ms, timeZone) : measuredOffset(ms, timeZone);
}

/** The calendar date in `timeZone` at instant `ms`, `YYYY-MM-DD`. */
export function localDate(ms: number, timeZone: string): string {
  return wallClock(ms, timeZone).date;
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` `time` (`HH:MM[:SS]`). A time
 * skipped by a DST change (02:30 on a spring-forward night) lands just after the gap; a time
 * that occurs twice lands on its first occurrence.
 */
export function localWallTime(date: string, time: string, timeZone: string): number {
  const wall = Date.parse(`${date}T${time.length === 5 ? `${time}:00` : time}Z`);
  const first = wall - offsetMinutes(wall, timeZone) * 60_000;
  const second = wall - offsetMinutes(first, timeZone) * 60_000;
  // Near a change the two guesses differ: take the earlier one that shows the wanted wall time.
  const candidates = [Math.min(first, second), Math.max(first, second)];
  return candidates.find((ms) => wallClock(ms, timeZone).asUtc === wall) ?? Math.max(first, second);
}

/** The instants a local calendar day spans in `timeZone`: `[start, end)` (23 to 25 hours). */
export function localDayRange(date: string, timeZone: string): { start: number; end: number } {
  const next = utcDate(Date.parse(`${date}T00:00:00Z`) + 86_400_000);
  return {
    start: localWallTime(date, "00:00:00", timeZone),
    end: localWallTime(next, "00:00:00", timeZone),
  };
}

/** An instant as local ISO-8601 with its offset: `2026-12-01T16:30:00-08:00` (`Z` for UTC itself). */
export function formatLocal(ms: number, timeZone: string): string {
  const { date, time } = wallClock(ms, timeZone);
  const offset = offsetMinutes(ms, timeZone);
  if (offset === 0 && timeZone.toUpperCase() === "UTC") return `${date}T${time}Z`;
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${date}T${time}${sign}${hh}:${mm}`;
}

/** Words a person uses for a day, resolved in their zone. */
const RELATIVE_DAYS: Record<string, number> = { yesterday: -1, today: 0, tomorrow: 1 };

/**
 * A day as a person says it, in `timeZone`: `today`, `yesterday`, `tomorrow` (any case) or a
 * `YYYY-MM-DD` date, returned as `YYYY-MM-DD`; undefined when it is neither.
 */
export function localDay(
  text: string,
  options: { timeZone: string; now: number },
): string | undefined {
  const word = text.trim().toLowerCase();
  if (Object.hasOwn(RELATIVE_DAYS, word)) {
    const today = localDate(options.now, options.timeZone);
    return utcDate(Date.parse(`${today}T00:00:00Z`) + RELATIVE_DAYS[word] * 86_400_000);
  }
  return isCalendarDate(word) ? word : undefined;
}

/**
 * An instant as a person gives it, in `timeZone`: a date-time with `Z` or an offset means what
 * it says; a date-time without a zone is wall-clock time in `timeZone`; a day (`2026-12-01`,
 * `today`, ...) is local midnight. NaN when the text is none of these.
 */
export function parseLocalInstant(
  text: string,
  options: { timeZone: string; now: number },
): number {
  const trimmed = text.trim();
  const day = localDay(trimmed, options);
  if (day !== undefined) return localWallTime(day, "00:00:00", options.timeZone);
  const zoneless = ZONELESS.exec(trimmed);
  if (zoneless) {
    if (!isCalendarDate(zoneless[1])) return NaN;
    return localWallTime(zoneless[1], zoneless[2].slice(0, 8), options.timeZone);
  }
  return ISO_DATE.test(trimmed) ? Date.parse(trimmed) : NaN;
}

// ---- Autotask's forms of what a person says, and people's forms of what Autotask stores. ----

/** Options of the conversions below: the user's zone and the time now. */
export interface ZoneOptions {
  timeZone: string;
  now: number;
}

/** Autotask's form of a date-only value: exactly midnight UTC, `2026-12-01T00:00:00Z`. */
const STORED_DAY = /^(\d{4}-\d{2}-\d{2})T00:00(:00(\.0+)?)?Z$/i;

/** True when `text` is a day alone: `YYYY-MM-DD`, `today`, `yesterday` or `tomorrow`. */
export function isDayText(text: string): boolean {
  return localDay(text, { timeZone: "UTC", now: 0 }) !== undefined;
}

/**
 * True when `text` is a date or date-time a person may give: ISO-8601 with or without a zone,
 * a date alone, or today / yesterday / tomorrow.
 */
export function isLocalInstantText(text: string): boolean {
  return !Number.isNaN(parseLocalInstant(text, { timeZone: "UTC", now: 0 }));
}

/** The instant `ms` as Autotask takes it: ISO-8601 UTC, milliseconds only when there are some. */
export function autotaskInstantOf(ms: number): string {
  return ms % 1000 === 0 ? isoSeconds(ms) : isoInstant(ms);
}

/**
 * A date-time field's value from what a person gave, as Autotask stores it (UTC): a zoneless
 * time is wall-clock time in the zone, a day is its local midnight. Undefined when unreadable.
 */
export function autotaskInstant(text: string, options: ZoneOptions): string | undefined {
  const ms = parseLocalInstant(text, options);
  return Number.isNaN(ms) ? undefined : autotaskInstantOf(ms);
}

/**
 * The calendar day a person means by `text` in the zone: a day as given, the date of a zoneless
 * date-time, the local date of an instant; Autotask's own midnight-UTC form names its date.
 */
export function dayOf(text: string, options: ZoneOptions): string | undefined {
  const trimmed = text.trim();
  const day = localDay(trimmed, options);
  if (day !== undefined) return day;
  const stored = STORED_DAY.exec(trimmed);
  if (stored && isCalendarDate(stored[1])) return stored[1];
  const zoneless = ZONELESS.exec(trimmed);
  if (zoneless) return isCalendarDate(zoneless[1]) ? zoneless[1] : undefined;
  const ms = parseLocalInstant(trimmed, options);
  return Number.isNaN(ms) ? undefined : localDate(ms, options.timeZone);
}

/**
 * A date-only field's value from what a person gave: the day they mean at midnight UTC with no
 * zone shift (`2026-12-01T00:00:00Z`), as Autotask holds date-only fields.
 */
export function autotaskDay(text: string, options: ZoneOptions): string | undefined {
  const day = dayOf(text, options);
  return day === undefined ? undefined : utcMidnight(day);
}

/** A comparison of a date filter: the operators that order values. */
export type RangeOperator = "gt" | "gte" | "lt" | "lte" | "eq" | "noteq";

/**
 * A date-time filter bound from what a person gave. A day means the whole local day: on or
 * after it starts at its local midnight, on or before it ends at the next local midnight, so
 * `lte 2026-12-01` keeps all of December 1 in the zone (23 to 25 hours across a DST change).
 * Other text is the instant it names. Undefined when unreadable.
 */
export function instantBound(
  text: string,
  op: RangeOperator,
  options: ZoneOptions,
): { op: RangeOperator; value: string } | undefined {
  const trimmed = text.trim();
  const day = localDay(trimmed, options);
  if (day === undefined || op === "eq" || op === "noteq") {
    const value = autotaskInstant(trimmed, options);
    return value === undefined ? undefined : { op, value };
  }
  const { start, end } = localDayRange(day, options.timeZone);
  if (op === "gte" || op === "lt") return { op, value: autotaskInstantOf(start) };
  // After the day (gt) starts at its end; up to and including it (lte) stops before its end.
  return { op: op === "gt" ? "gte" : "lt", value: autotaskInstantOf(end) };
}

/**
 * True when a stored value of field `field` is a date-only value by its look: a name that does
 * not end in "Time" (`dateWorked`, `projectedCloseDate`) holding exactly midnight UTC. A
 * date-time that happens to fall on midnight UTC to the millisecond is the rare exception.
 */
export function looksDateOnly(field: string, value: string): boolean {
  return !/time$/i.test(field) && STORED_DAY.test(value.trim());
}

/** A stored date-only value as the day it names, `2026-12-01`; other text unchanged. */
export function showDay(value: string): string {
  const stored = STORED_DAY.exec(value.trim()) ?? /^(\d{4}-\d{2}-\d{2})T00:00:00(\.\d+)?Z?$/i
    .exec(value.trim());
  return stored ? stored[1] : value;
}

/**
 * A stored date-time (UTC, or zoneless as Autotask sometimes answers) as local ISO-8601 with its
 * offset in `timeZone`: `2026-12-01T16:30:00-08:00`. Unreadable text is returned unchanged.
 */
export function showInstant(value: string, timeZone: string): string {
  if (!ISO_DATE.test(value.trim())) return value;
  const ms = parseInstant(value);
  return Number.isNaN(ms) ? value : formatLocal(ms, timeZone);
}

/** `date` plus `days` calendar days, `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  return utcDate(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000);
}

/** The last day of the calendar quarter that `date` (`YYYY-MM-DD`) is in. */
export function endOfQuarter(date: string): string {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const lastMonth = Math.ceil(month / 3) * 3; // 3, 6, 9 or 12
  // Day 0 of the month after is the last day of lastMonth.
  return utcDate(Date.UTC(year, lastMonth, 0));
}
