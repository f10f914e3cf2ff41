/** The report data contract: what a report tool puts in `structuredContent` for the dashboard. */

/**
 * A report as the dashboard draws it. Report tools return exactly this as
 * `structuredContent` (and the same JSON as text, so clients without MCP Apps
 * get every number). Keys not listed here are allowed and ignored by the page.
 *
 * @example
 * ```ts
 * const report: DashboardReport = {
 *   report: "time_by_resource",
 *   title: "Hours by resource",
 *   period: { from: "2026-03-02", to: "2026-03-08", timeZone: "Europe/Berlin" },
 *   summary: [{ label: "Hours logged", value: 212.5, unit: "h" }],
 *   tables: [{
 *     title: "Hours by resource",
 *     columns: [
 *       { key: "resource", label: "Resource" },
 *       { key: "billable", label: "Billable", unit: "h" },
 *     ],
 *     rows: [{ resource: "Alice Smith", billable: 31.5 }],
 *   }],
 *   charts: [{
 *     kind: "bar",
 *     title: "Billable hours",
 *     x: { key: "resource", label: "Resource" },
 *     series: [{ key: "billable", label: "Billable" }],
 *     table: 0,
 *   }],
 * };
 * ```
 */
export interface DashboardReport {
  /** Stable report id, usually the tool's name (`time_by_resource`). */
  report: string;
  /** Heading shown above everything else. */
  title: string;
  /** Range the report covers; dates or datetimes as ISO-8601 text, shown as given. */
  period?: DashboardPeriod;
  /** Headline numbers shown as cards (totals, shares). */
  summary?: DashboardSummaryItem[];
  /** The data. Every chart draws one of these; each is also shown as a table. */
  tables: DashboardTable[];
  /** Charts over the tables; a report with no charts is shown as tables only. */
  charts: DashboardChart[];
  /** Short remarks shown under the report (assumptions, what was left out). */
  notes?: string[];
  /** Anything else (request counts, budget notices) is ignored by the page. */
  [extra: string]: unknown;
}

/** The range a report covers. */
export interface DashboardPeriod {
  /** First day or instant, ISO-8601 (`2026-03-02`). */
  from: string;
  /** Last day or instant, ISO-8601 (`2026-03-08`). */
  to: string;
  /** IANA zone the local days were computed in (`Europe/Berlin`). */
  timeZone?: string;
}

/** One headline number. */
export interface DashboardSummaryItem {
  label: string;
  /** Numbers are formatted for the user's locale; text is shown as is. */
  value: number | string;
  /** Shown after the value: `h`, `%`, `tickets`. */
  unit?: string;
}

/** A table of rows keyed by column `key`. */
export interface DashboardTable {
  title: string;
  /** Columns in display order. */
  columns: DashboardColumn[];
  /** Cells by column key; `null` (or a missing key) is shown as an empty cell. */
  rows: Record<string, string | number | null>[];
}

/** One column of a {@linkcode DashboardTable}. */
export interface DashboardColumn {
  /** Key of the cell in each row. */
  key: string;
  /** Header text. */
  label: string;
  /** Unit of the column's numbers (`h`, `%`), shown in the header and on chart axes. */
  unit?: string;
}

/** Chart kinds the page draws. */
export type DashboardChartKind = "bar" | "line" | "stacked-bar";

/** A chart over one table: one category (x) column and one or more number columns (series). */
export interface DashboardChart {
  /** `bar`: grouped bars; `stacked-bar`: series stacked per category; `line`: one line per series. */
  kind: DashboardChartKind;
  title: string;
  /** The category column: its cells label the bars or points, in row order. */
  x: { key: string; label: string };
  /** Number columns to draw; a cell that is not a number leaves a gap. */
  series: { key: string; label: string }[];
  /** Index into {@linkcode DashboardReport.tables}. */
  table: number;
}
