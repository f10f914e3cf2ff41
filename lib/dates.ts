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

function wallClock(ms: number, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(ms))) {
    parts[part.type] = part.value;
  }
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const time = `${parts.hour}:${parts.minute}:${parts.second}`;
  return { date, time, asUtc: Date.parse(`${date}T${time}Z`) };
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
  const whole = Math.floor(ms / 1000) * 1000;
  return Math.round((wallClock(whole, timeZone).asUtc - whole) / 60_000);
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
