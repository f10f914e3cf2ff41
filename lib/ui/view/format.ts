/** Number and date text for the dashboard, in the user's locale (the host's, else the browser's). */

/** Formats values the same way everywhere on the page. */
export interface Formatter {
  /** The locale actually used (an invalid one falls back to `en-US`). */
  readonly locale: string;
  /** A cell or summary value: grouping, at most two decimals, the unit after it. */
  value(value: number, unit?: string): string;
  /** An axis tick: compact (`12K`) once the axis reaches ten thousand. */
  tick(value: number, compact: boolean): string;
  /** An ISO date (`2026-03-02`) or datetime, as a medium date; anything else unchanged. */
  date(text: string, timeZone?: string): string;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** A formatter for `locale`, falling back to `en-US` when the browser refuses it. */
export function formatter(locale: string | undefined): Formatter {
  const used = supported(locale) ? locale! : "en-US";
  const plain = new Intl.NumberFormat(used, { maximumFractionDigits: 2 });
  const compact = new Intl.NumberFormat(used, {
    notation: "compact",
    maximumFractionDigits: 1,
  });
  return {
    locale: used,
    value(value: number, unit?: string): string {
      const text = plain.format(value);
      if (!unit) return text;
      return unit === "%" ? `${text}%` : `${text} ${unit}`;
    },
    tick(value: number, useCompact: boolean): string {
      return (useCompact ? compact : plain).format(value);
    },
    date(text: string, timeZone?: string): string {
      const day = DATE_ONLY.exec(text);
      try {
        if (day) {
          // A date-only value names a local day: format it as UTC so no zone shifts it.
          const at = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
          return new Intl.DateTimeFormat(used, { dateStyle: "medium", timeZone: "UTC" }).format(at);
        }
        if (DATE_TIME.test(text)) {
          const at = Date.parse(text);
          if (Number.isNaN(at)) return text;
          return new Intl.DateTimeFormat(used, {
            dateStyle: "medium",
            timeStyle: "short",
            timeZone: timeZone || undefined,
          }).format(at);
        }
      } catch {
        // An unknown time zone: show the text as the report gave it.
      }
      return text;
    },
  };
}

function supported(locale: string | undefined): boolean {
  if (!locale) return false;
  try {
    return Intl.NumberFormat.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false;
  }
}

/** A cell as a number, or null when it is empty or not numeric (a gap in the chart). */
export function numberOf(cell: unknown): number | null {
  if (typeof cell === "number") return Number.isFinite(cell) ? cell : null;
  if (typeof cell === "string" && cell.trim() !== "") {
    const parsed = Number(cell);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}
