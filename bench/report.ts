/** Rows of the results table, detail tables, and their markdown. */

import { show, showSpread, type Summary, type Unit } from "./stats.ts";

/** One line of the main table. */
export interface Row {
  /** The benchmark it belongs to, 1-8 (see bench/main.ts). */
  item: number;
  measure: string;
  /** The median, or the value of a deterministic measurement. */
  value: string;
  /** min–max or p10–p90, or "—" for a single deterministic value. */
  spread: string;
  /** Repetitions behind the value. */
  runs: string;
  notes: string;
}

/** A table of its own (for example the requests of every seed tool). */
export interface DetailTable {
  title: string;
  intro: string;
  header: string[];
  body: string[][];
}

/** What one benchmark module produces. */
export interface SectionResult {
  rows: Row[];
  details?: DetailTable[];
}

/** What a row of repeated measurements shows. */
export interface SummaryRowOptions {
  summary: Summary;
  unit: Unit;
  notes?: string;
}

/** A row from a summary of repeated measurements: the median and its spread. */
export function summaryRow(item: number, measure: string, options: SummaryRowOptions): Row {
  return {
    item,
    measure,
    value: show(options.summary.median, options.unit),
    spread: showSpread(options.summary, options.unit),
    runs: String(options.summary.count),
    notes: options.notes ?? "",
  };
}

/** What a row of one value shows. */
export interface ValueRowOptions {
  value: string;
  notes?: string;
  /** Repetitions behind a pass/fail (default 1). */
  runs?: number;
}

/** A row holding one value (deterministic, or a pass/fail over `runs` repetitions). */
export function valueRow(item: number, measure: string, options: ValueRowOptions): Row {
  return {
    item,
    measure,
    value: options.value,
    spread: "—",
    runs: String(options.runs ?? 1),
    notes: options.notes ?? "",
  };
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** A GitHub-flavoured markdown table (deno fmt aligns it afterwards). */
export function markdownTable(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...body.map(line)].join("\n");
}

/** The main table of all rows. */
export function mainTable(rows: Row[]): string {
  return markdownTable(
    ["#", "Measure", "Median / value", "Spread", "Runs", "Notes"],
    rows.map((r) => [String(r.item), r.measure, r.value, r.spread, r.runs, r.notes]),
  );
}
