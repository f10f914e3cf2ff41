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
