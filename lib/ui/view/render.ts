/**
 * Turns a report into the page's elements: heading, summary cards, SVG charts and tables.
 * Every piece of report text goes in through text nodes, never parsed as markup: names and
 * titles come from the PSA and may hold anything.
 */

import type {
  DashboardChart,
  DashboardChartKind,
  DashboardReport,
  DashboardTable,
} from "../report.ts";
import { type ChartLayout, layoutChart } from "./chart.ts";
import type { DomDocument, DomElement } from "./dom.ts";
import { type Formatter, numberOf } from "./format.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
/** Series colours cycle through this many CSS classes (s0..s7). */
const PALETTE_SIZE = 8;
const KIND_NAMES: Record<DashboardChartKind, string> = {
  "bar": "Bar chart",
  "stacked-bar": "Stacked bar chart",
  "line": "Line chart",
};

/** `value` as a report when it has the contract's shape; charts that do not are dropped. */
export function asReport(value: unknown): DashboardReport | null {
  if (!isObject(value) || typeof value.title !== "string" || !Array.isArray(value.tables)) {
    return null;
  }
  if (!value.tables.every(isTable)) return null;
  const charts = Array.isArray(value.charts) ? value.charts.filter(isChart) : [];
  return { ...value, title: value.title, tables: value.tables, charts } as DashboardReport;
}

/** Small element builder over the page's document. */
class Builder {
  constructor(readonly doc: DomDocument) {}

  html(
    tag: string,
    attrs: Record<string, string> = {},
    ...children: (DomElement | string)[]
  ): DomElement {
    return this.fill(this.doc.createElement(tag), attrs, children);
  }

  svg(
    tag: string,
    attrs: Record<string, string | number> = {},
    ...children: (DomElement | string)[]
  ): DomElement {
    return this.fill(this.doc.createElementNS(SVG_NS, tag), attrs, children);
  }

  private fill(
    element: DomElement,
    attrs: Record<string, string | number>,
    children: (DomElement | string)[],
  ): DomElement {
    for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
    for (const child of children) {
      element.appendChild(typeof child === "string" ? this.doc.createTextNode(child) : child);
    }
    return element;
  }
}

/** Where the page draws: its document and the element it fills. */
export interface Surface {
  doc: DomDocument;
  root: DomElement;
}

/** Replaces the surface's content with the drawn report, charts `chartWidth` pixels wide. */
export function renderReport(
  surface: Surface,
  report: DashboardReport,
  options: { format: Formatter; chartWidth: number },
): void {
  const { format, chartWidth } = options;
  const { doc, root } = surface;
  const b = new Builder(doc);
  const parts: DomElement[] = [header(b, report, format)];
  if (report.summary?.length) parts.push(summary(b, report, format));
  report.charts.forEach((chart, i) =>
    parts.push(figure(b, chart, i, report.tables, { format, width: chartWidth }))
  );
  report.tables.forEach((table, i) => parts.push(tableView(b, table, i, format)));
  const notes = (report.notes ?? []).filter((n) => typeof n === "string");
  if (notes.length) {
    parts.push(b.html("ul", { class: "notes" }, ...notes.map((n) => b.html("li", {}, n))));
  }
  root.replaceChildren(...parts);
}

/** Replaces the surface's content with a status line (waiting, cancelled, not a report). */
export function renderMessage(
  surface: Surface,
  message: string,
  options: { error?: boolean; detail?: string } = {},
): void {
  const { doc, root } = surface;
  const b = new Builder(doc);
  const parts = [
    b.html("p", {
      class: options.error ? "status error" : "status",
      role: options.error ? "alert" : "status",
    }, message),
  ];
  if (options.detail) parts.push(b.html("pre", { class: "detail" }, options.detail));
  root.replaceChildren(...parts);
}

function header(b: Builder, report: DashboardReport, format: Formatter): DomElement {
  const head = b.html("header", {}, b.html("h1", {}, report.title));
  const period = report.period;
  if (isObject(period) && typeof period.from === "string" && typeof period.to === "string") {
    const zone = typeof period.timeZone === "string" ? period.timeZone : undefined;
    const range = `${format.date(period.from, zone)} – ${format.date(period.to, zone)}`;
    head.appendChild(b.html("p", { class: "period" }, zone ? `${range} · ${zone}` : range));
  }
  return head;
}

function summary(b: Builder, report: DashboardReport, format: Formatter): DomElement {
  const cards = (report.summary ?? []).filter(isObject).map((item) => {
    const unit = typeof item.unit === "string" ? item.unit : undefined;
    const value = typeof item.value === "number"
      ? format.value(item.value, unit)
      : `${String(item.value ?? "")}${unit ? ` ${unit}` : ""}`;
    return b.html(
      "div",
      { class: "card" },
      b.html("dt", {}, String(item.label ?? "")),
      b.html("dd", {}, value),
    );
  });
  return b.html("dl", { class: "summary", "aria-label": "Summary" }, ...cards);
}

function figure(
  b: Builder,
  chart: DashboardChart,
  index: number,
  tables: DashboardTable[],
  options: { format: Formatter; width: number },
): DomElement {
  const { format, width } = options;
  const id = `chart-${index}`;
  const fig = b.html(
    "figure",
    { class: "chart", "aria-labelledby": `${id}-caption` },
    b.html("figcaption", { id: `${id}-caption` }, chart.title),
  );
  const layout = layoutChart(chart, tables, { format, width });
  if ("problem" in layout) {
    fig.appendChild(b.html("p", { class: "status error" }, layout.problem));
    return fig;
  }
  if (!layout.hasData) {
    fig.appendChild(b.html("p", { class: "status" }, "No numbers to chart."));
    return fig;
  }
  fig.appendChild(legend(b, layout));
  fig.appendChild(chartSvg(b, chart, layout, id, tables[chart.table].title, format));
  if (layout.shown < layout.total) {
    fig.appendChild(
      b.html(
        "p",
        { class: "note" },
        `Showing the first ${layout.shown} of ${layout.total} rows; the table lists them all.`,
      ),
    );
  }
  return fig;
}

function legend(b: Builder, layout: ChartLayout): DomElement {
  const items = layout.series.map((s, i) =>
    b.html(
      "li",
      {},
      b.html("span", { class: `swatch ${seriesClass(i)}`, "aria-hidden": "true" }),
      s.label,
    )
  );
  if (layout.unit) items.push(b.html("li", { class: "unit" }, `Values in ${layout.unit}`));
  return b.html("ul", { class: "legend" }, ...items);
}

function chartSvg(
  b: Builder,
  chart: DashboardChart,
  layout: ChartLayout,
  id: string,
  tableTitle: string,
  format: Formatter,
): DomElement {
  const { plot, horizontal } = layout;
  const names = layout.series.map((s) => s.label).join(", ");
  const description = `${KIND_NAMES[layout.kind]} of ${names} by ${chart.x.label}, ` +
    `${layout.shown} ${
      layout.shown === 1 ? "row" : "rows"
    }. The table "${tableTitle}" lists the values.`;
  const svg = b.svg(
    "svg",
    {
      viewBox: `0 0 ${layout.width} ${layout.height}`,
      role: "img",
      "aria-labelledby": `${id}-title ${id}-desc`,
      class: horizontal ? "horizontal" : "vertical",
    },
    b.svg("title", { id: `${id}-title` }, chart.title),
    b.svg("desc", { id: `${id}-desc` }, description),
  );

  const grid = b.svg("g", { class: "grid", "aria-hidden": "true" });
  const ticks = b.svg("g", { class: "ticks", "aria-hidden": "true" });
  for (const tick of layout.ticks) {
    if (horizontal) {
      grid.appendChild(line(b, tick.pos, plot.top, tick.pos, plot.bottom));
      ticks.appendChild(
        b.svg("text", { x: tick.pos, y: plot.bottom + 16, "text-anchor": "middle" }, tick.label),
      );
    } else {
      grid.appendChild(line(b, plot.left, tick.pos, plot.right, tick.pos));
      ticks.appendChild(
        b.svg("text", { x: plot.left - 6, y: tick.pos + 4, "text-anchor": "end" }, tick.label),
      );
    }
  }
  svg.appendChild(grid);
  svg.appendChild(ticks);

  const valueText = (series: number, category: number, value: number) =>
    `${layout.categories[category].label}: ${layout.series[series].label} ` +
    format.value(value, layout.series[series].unit);
  const marks = b.svg("g", { class: "marks" });
  for (const bar of layout.bars) {
    marks.appendChild(
      b.svg(
        "rect",
        {
          class: `bar ${seriesClass(bar.series)}`,
          x: round(bar.x),
          y: round(bar.y),
          width: round(Math.max(bar.width, 0.5)),
          height: round(Math.max(bar.height, 0.5)),
        },
        b.svg("title", {}, valueText(bar.series, bar.category, bar.value)),
      ),
    );
  }
  for (const series of layout.lines) {
    if (!series.path) continue;
    marks.appendChild(
      b.svg("path", { class: `line ${seriesClass(series.series)}`, d: series.path }),
    );
    if (!layout.markers) continue;
    for (const point of series.points) {
      marks.appendChild(
        b.svg(
          "circle",
          {
            class: `dot ${seriesClass(series.series)}`,
            cx: round(point.x),
            cy: round(point.y),
            r: 3,
          },
          b.svg("title", {}, valueText(series.series, point.category, point.value)),
        ),
      );
    }
  }
  svg.appendChild(marks);

  // The zero line sits over the bars so negative and positive bars share a visible baseline.
  svg.appendChild(
    horizontal
      ? line(b, layout.zero, plot.top, layout.zero, plot.bottom, "axis")
      : line(b, plot.left, layout.zero, plot.right, layout.zero, "axis"),
  );

  const labels = b.svg("g", { class: "labels" });
  for (const category of layout.categories) {
    if (!category.short) continue;
    const attrs = horizontal
      ? { x: plot.left - 6, y: category.pos + 4, "text-anchor": "end" }
      : { x: category.pos, y: plot.bottom + 18, "text-anchor": "middle" };
    const label = b.svg("text", attrs, category.short);
    if (category.short !== category.label) {
      label.appendChild(b.svg("title", {}, category.label));
    }
    labels.appendChild(label);
  }
  svg.appendChild(labels);
  return svg;
}

function tableView(
  b: Builder,
  table: DashboardTable,
  index: number,
  format: Formatter,
): DomElement {
  const id = `table-${index}`;
  const numeric = new Set(
    table.columns.filter((column) => {
      const cells = table.rows.map((row) => row[column.key]).filter((c) => c !== null && c !== "");
      return column.unit !== undefined ||
        (cells.length > 0 && cells.every((c) => typeof c === "number"));
    }).map((column) => column.key),
  );
  const head = b.html(
    "tr",
    {},
    ...table.columns.map((column) =>
      b.html(
        "th",
        { scope: "col", class: numeric.has(column.key) ? "num" : "" },
        column.unit ? `${column.label} (${column.unit})` : column.label,
      )
    ),
  );
  const body = table.rows.map((row) =>
    b.html(
      "tr",
      {},
      ...table.columns.map((column) => {
        const cell = row[column.key];
        const number = typeof cell === "number" ? numberOf(cell) : null;
        const shown = number !== null
          ? format.value(number)
          : cell === null || cell === undefined
          ? ""
          : String(cell);
        return b.html("td", { class: numeric.has(column.key) ? "num" : "" }, shown);
      }),
    )
  );
  const rows = table.rows.length === 0
    ? [b.html("tr", {}, b.html("td", { colspan: String(table.columns.length || 1) }, "No rows."))]
    : body;
  // A focusable scroll region, so keyboard users can scroll long tables.
  return b.html(
    "div",
    { class: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": `${id}-caption` },
    b.html(
      "table",
      { id },
      b.html("caption", { id: `${id}-caption` }, table.title),
      b.html("thead", {}, head),
      b.html("tbody", {}, ...rows),
    ),
  );
}

function line(b: Builder, x1: number, y1: number, x2: number, y2: number, cls = ""): DomElement {
  const attrs: Record<string, number | string> = {
    x1: round(x1),
    y1: round(y1),
    x2: round(x2),
    y2: round(y2),
  };
  if (cls) attrs.class = cls;
  return b.svg("line", attrs);
}

function seriesClass(index: number): string {
  return `s${index % PALETTE_SIZE}${index >= PALETTE_SIZE ? " alt" : ""}`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isTable(value: unknown): value is DashboardTable {
  return isObject(value) && typeof value.title === "string" && Array.isArray(value.columns) &&
    value.columns.every((c) =>
      isObject(c) && typeof c.key === "string" && typeof c.label === "string"
    ) &&
    Array.isArray(value.rows) && value.rows.every(isObject);
}

function isChart(value: unknown): value is DashboardChart {
  return isObject(value) && typeof value.title === "string" &&
    (value.kind === "bar" || value.kind === "line" || value.kind === "stacked-bar") &&
    isObject(value.x) && typeof value.x.key === "string" && typeof value.x.label === "string" &&
    Array.isArray(value.series) && value.series.length > 0 &&
    value.series.every((s) =>
      isObject(s) && typeof s.key === "string" && typeof s.label === "string"
    ) &&
    typeof value.table === "number";
}
