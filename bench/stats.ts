/** Summary statistics and number formatting of the benchmarks. */

/** Median and spread of repeated measurements. */
export interface Summary {
  median: number;
  /** Lower end of the spread: the minimum below 20 samples, else the 10th percentile. */
  low: number;
  /** Upper end of the spread: the maximum below 20 samples, else the 90th percentile. */
  high: number;
  /** "min–max" or "p10–p90": which spread `low` and `high` are. */
  spread: "min–max" | "p10–p90";
  count: number;
}

/** How a measured quantity is shown: its unit and the digits its size deserves. */
export interface Unit {
  suffix: string;
  /** Multiplies the measured value (e.g. KiB to MiB). */
  scale: number;
  digits(shown: number): number;
}

/** Milliseconds: two decimals below 10, one below 100, none above. */
export const MS: Unit = {
  suffix: "ms",
  scale: 1,
  digits: (v) => Math.abs(v) < 10 ? 2 : Math.abs(v) < 100 ? 1 : 0,
};

/** Kibibytes as /proc reports them, shown in MiB. */
export const MIB_FROM_KIB: Unit = { suffix: "MiB", scale: 1 / 1024, digits: () => 1 };

/** Fewer samples than this are summarised by their extremes, more by the 10th-90th percentiles. */
const PERCENTILE_SAMPLES = 20;

/** The `p`-th percentile (0-100) of sorted values, linearly interpolated. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (rank - lower);
}

/** Median and spread of `values` (which must not be empty). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error("No samples to summarize: run the measurement first");
  const sorted = [...values].sort((a, b) => a - b);
  const wide = sorted.length >= PERCENTILE_SAMPLES;
  return {
    median: percentile(sorted, 50),
    low: wide ? percentile(sorted, 10) : sorted[0],
    high: wide ? percentile(sorted, 90) : sorted[sorted.length - 1],
    spread: wide ? "p10–p90" : "min–max",
    count: sorted.length,
  };
}

/** A number with `digits` decimals and thousands separators. */
export function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A measured value in its unit, e.g. `1.45 ms`. */
export function show(value: number, unit: Unit): string {
  const shown = value * unit.scale;
  return `${fmt(shown, unit.digits(shown))} ${unit.suffix}`;
}

/** The spread of a summary, e.g. `1.22–1.98 ms (p10–p90)`. */
export function showSpread(summary: Summary, unit: Unit): string {
  const low = summary.low * unit.scale;
  const high = summary.high * unit.scale;
  const digits = unit.digits(Math.max(Math.abs(low), Math.abs(high)));
  return `${fmt(low, digits)}–${fmt(high, digits)} ${unit.suffix} (${summary.spread})`;
}

/** Bytes with the unit. */
export function bytes(value: number): string {
  return `${fmt(value)} B`;
}
