/**
 * Chart geometry without the DOM: scales, ticks, bars and line paths in SVG user units, so the
 * arithmetic is tested in Deno and the page only turns the result into elements.
 */

import type { DashboardChart, DashboardChartKind, DashboardTable } from "../report.ts";
import { type Formatter, numberOf } from "./format.ts";

/** Chart width when the page cannot measure its container. */
export const DEFAULT_CHART_WIDTH = 640;
/** Narrowest layout; below it the SVG scales down instead. */
const MIN_CHART_WIDTH = 320;
/** Most categories a bar chart draws (the table still lists every row). */
export const MAX_BAR_CATEGORIES = 40;
/** Most points a line chart draws. */
export const MAX_LINE_POINTS = 120;
/** Rough width of one character of 12px text, for label room. */
const CHAR_WIDTH = 6.8;
const VERTICAL_HEIGHT = 280;

/** A value-axis tick. */
export interface Tick {
  value: number;
  /** Position along the value axis (y when vertical, x when horizontal). */
  pos: number;
  label: string;
}

/** A category (a row of the table). */
export interface Category {
  /** The full label (tooltips, accessible text). */
  label: string;
  /** The label cut to the room it has; empty when this category's label is skipped. */
  short: string;
  /** Centre along the category axis. */
  pos: number;
}

/** One bar (or one segment of a stacked bar). */
export interface Bar {
  series: number;
  category: number;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One series of a line chart. */
export interface Line {
  series: number;
  /** SVG path data; a missing value starts a new segment. */
  path: string;
  points: { x: number; y: number; value: number; category: number }[];
}

/** Everything the page needs to draw one chart. */
export interface ChartLayout {
  kind: DashboardChartKind;
  /** Bars grow to the right (long or many labels); lines are always vertical. */
  horizontal: boolean;
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  /** Position of the value zero (the baseline bars grow from). */
  zero: number;
  ticks: Tick[];
  categories: Category[];
  bars: Bar[];
  lines: Line[];
  /** Draw point markers (few points only). */
  markers: boolean;
  series: { key: string; label: string; unit?: string }[];
  /** Unit shared by every series, for the axis title. */
  unit?: string;
  /** Categories drawn and categories in the table. */
  shown: number;
  total: number;
  /** False when no series cell holds a number. */
  hasData: boolean;
}

/** Nice round tick values covering `[min, max]`, about `target` of them, including zero. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  let lo = Math.min(0, min);
  let hi = Math.max(0, max);
  if (lo === hi) hi = 1;
  const span = hi - lo;
  const magnitude = 10 ** Math.floor(Math.log10(span / target));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => span / s <= target) ??
    10 * magnitude;
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step / 2; i++) {
    ticks.push(Number((lo + i * step).toPrecision(12)));
  }
  return ticks;
}

/** `text` cut to `chars` characters with an ellipsis. */
export function truncate(text: string, chars: number): string {
  if (chars < 1) return "";
  if (text.length <= chars) return text;
  return chars === 1 ? "…" : `${text.slice(0, chars - 1)}…`;
}

/**
 * Lays out `chart` over its table, `width` user units wide (the page passes its container's
 * width in CSS pixels, so 12px text stays 12px), or says why it cannot be drawn.
 */
export function layoutChart(
  chart: DashboardChart,
  tables: DashboardTable[],
  options: { format: Formatter; width?: number },
): ChartLayout | { problem: string } {
  const { format } = options;
  const width = Math.max(MIN_CHART_WIDTH, Math.floor(options.width ?? DEFAULT_CHART_WIDTH));
  const table = Number.isInteger(chart.table) ? tables[chart.table] : undefined;
  if (!table) return { problem: `This chart points at table ${chart.table}, which is missing.` };
  const columns = new Map(table.columns.map((column) => [column.key, column]));
  const series = chart.series.map((s) => ({ ...s, unit: columns.get(s.key)?.unit }));
  const units = new Set(series.map((s) => s.unit ?? ""));
  const unit = units.size === 1 ? [...units][0] || undefined : undefined;

  const limit = chart.kind === "line" ? MAX_LINE_POINTS : MAX_BAR_CATEGORIES;
  const rows = table.rows.slice(0, limit);
  const labels = rows.map((row) => categoryLabel(row[chart.x.key]));
  const values = rows.map((row) => series.map((s) => numberOf(row[s.key])));

  // Stacked bars span from the sum of the negatives to the sum of the positives.
  const extents = values.map((cells): [number, number] => {
    const numbers = cells.filter((v): v is number => v !== null);
    if (chart.kind !== "stacked-bar") return [Math.min(0, ...numbers), Math.max(0, ...numbers)];
    return [
      numbers.filter((v) => v < 0).reduce((a, b) => a + b, 0),
      numbers.filter((v) => v > 0).reduce((a, b) => a + b, 0),
    ];
  });
  const hasData = values.some((cells) => cells.some((v) => v !== null));
  const ticksValues = niceTicks(
    Math.min(0, ...extents.map((e) => e[0])),
    Math.max(0, ...extents.map((e) => e[1])),
  );
  const compact = Math.max(...ticksValues.map(Math.abs)) >= 10_000;
  const tickLabels = ticksValues.map((v) => format.tick(v, compact));

  const longest = Math.max(0, ...labels.map((l) => l.length));
  const horizontal = chart.kind !== "line" && (rows.length > 12 || longest > 10);
  const base = {
    kind: chart.kind,
    series,
    unit,
    shown: rows.length,
    total: table.rows.length,
    hasData,
    markers: chart.kind === "line" && rows.length <= 40,
  };
  const geometry = horizontal
    ? horizontalGeometry(width, rows.length, labels, tickLabels, chart.kind, series.length)
    : verticalGeometry(width, rows.length, labels, tickLabels);
  const { plot, band } = geometry;
  const d0 = ticksValues[0];
  const d1 = ticksValues[ticksValues.length - 1];
  const scale = horizontal
    ? (v: number) => plot.left + ((v - d0) / (d1 - d0)) * (plot.right - plot.left)
    : (v: number) => plot.bottom - ((v - d0) / (d1 - d0)) * (plot.bottom - plot.top);
  const start = horizontal ? plot.top : plot.left;
  const ticks = ticksValues.map((value, i) => ({ value, pos: scale(value), label: tickLabels[i] }));
  const zero = scale(0);

  const bars: Bar[] = [];
  const lines: Line[] = [];
  if (chart.kind === "line") {
    series.forEach((_, s) => {
      const points: Line["points"] = [];
      let path = "";
      let open = false;
      values.forEach((cells, c) => {
        const v = cells[s];
        if (v === null) {
          open = false;
          return;
        }
        const x = start + (c + 0.5) * band;
        const y = scale(v);
        path += `${open ? "L" : "M"}${round(x)} ${round(y)}`;
        open = true;
        points.push({ x, y, value: v, category: c });
      });
      lines.push({ series: s, path, points });
    });
  } else {
    const stacked = chart.kind === "stacked-bar";
    const group = band * (stacked ? 0.7 : 0.8);
    const thickness = stacked ? group : group / Math.max(1, series.length);
    values.forEach((cells, c) => {
      let positive = 0;
      let negative = 0;
      cells.forEach((v, s) => {
        if (v === null || v === 0) return;
        let from = 0;
        if (stacked) {
          from = v > 0 ? positive : negative;
          if (v > 0) positive += v;
          else negative += v;
        }
        const a = scale(from);
        const b = scale(from + v);
        const offset = start + c * band + (band - group) / 2 + (stacked ? 0 : s * thickness);
        bars.push(
          horizontal
            ? {
              series: s,
              category: c,
              value: v,
              x: Math.min(a, b),
              y: offset,
              width: Math.abs(b - a),
              height: thickness,
            }
            : {
              series: s,
              category: c,
              value: v,
              x: offset,
              y: Math.min(a, b),
              width: thickness,
              height: Math.abs(b - a),
            },
        );
      });
    });
  }

  return {
    ...base,
    horizontal,
    width,
    height: geometry.height,
    plot,
    zero,
    ticks,
    categories: labels.map((label, c) => ({
      label,
      short: geometry.shortLabel(label, c),
      pos: start + (c + 0.5) * band,
    })),
    bars,
    lines,
  };
}

interface Geometry {
  plot: ChartLayout["plot"];
  height: number;
  /** Room per category along the category axis. */
  band: number;
  shortLabel(label: string, index: number): string;
}

function verticalGeometry(
  width: number,
  count: number,
  labels: string[],
  tickLabels: string[],
): Geometry {
  const widest = Math.max(...tickLabels.map((l) => l.length));
  const plot = {
    left: Math.max(36, widest * CHAR_WIDTH + 12),
    top: 12,
    right: width - 12,
    bottom: VERTICAL_HEIGHT - 28,
  };
  const band = (plot.right - plot.left) / Math.max(1, count);
  // Skip labels rather than overlap them: every `step`-th category is labelled.
  const wanted = Math.min(10, Math.max(1, ...labels.map((l) => l.length))) * CHAR_WIDTH + 8;
  const step = Math.max(1, Math.ceil(wanted / band));
  const chars = Math.floor((band * step - 6) / CHAR_WIDTH);
  return {
    plot,
    height: VERTICAL_HEIGHT,
    band,
    shortLabel: (label, index) => index % step === 0 ? truncate(label, chars) : "",
  };
}

function horizontalGeometry(
  width: number,
  count: number,
  labels: string[],
  tickLabels: string[],
  kind: DashboardChartKind,
  seriesCount: number,
): Geometry {
  const longest = Math.max(1, ...labels.map((l) => l.length));
  // Labels get what they need, but never more than 220 units or two fifths of the width.
  const left = Math.min(220, width * 0.4, Math.max(60, longest * CHAR_WIDTH + 14));
  const band = kind === "stacked-bar" ? 24 : Math.max(22, seriesCount * 10 + 10);
  const lastTick = tickLabels[tickLabels.length - 1] ?? "";
  const plot = {
    left,
    top: 8,
    right: width - Math.max(16, (lastTick.length * CHAR_WIDTH) / 2 + 6),
    bottom: 8 + count * band,
  };
  const chars = Math.floor((left - 14) / CHAR_WIDTH);
  return { plot, height: plot.bottom + 26, band, shortLabel: (label) => truncate(label, chars) };
}

function categoryLabel(cell: unknown): string {
  if (cell === null || cell === undefined || cell === "") return "—";
  return String(cell);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
