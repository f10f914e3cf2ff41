/** A sample report in the dashboard contract, shared by the dashboard's unit and browser tests. */

import type { DashboardReport } from "../lib/ui/mod.ts";

/** A company name with markup in it: the page must show it as text. */
export const MARKUP_NAME = 'Müller & Söhne <b onmouseover="alert(1)">GmbH</b>';

/** Hours by resource (bar, stacked bar) and tickets per week (line), with gaps and odd names. */
export function sampleReport(): DashboardReport {
  const resources = [
    ["Alice Smith", 31.5, 4.25],
    ["Bob Jones", 28, 9.5],
    ["Chandra Venkataraman-Okonkwo", 36.75, 2],
    ["Dmitri Ivanov", 12, null],
    [MARKUP_NAME, 19.5, 6],
  ] as const;
  const weeks = [
    ["2026-W06", 42, 38],
    ["2026-W07", 51, 47],
    ["2026-W08", 39, null],
    ["2026-W09", 44, 49],
    ["2026-W10", 58, 52],
    ["2026-W11", 47, 50],
  ] as const;
  return {
    report: "time_by_resource",
    title: "Hours by resource",
    period: { from: "2026-02-02", to: "2026-03-15", timeZone: "Europe/Berlin" },
    summary: [
      { label: "Hours logged", value: 149.25, unit: "h" },
      { label: "Billable share", value: 85.09, unit: "%" },
      { label: "Tickets created", value: 1234567 },
      { label: "Busiest week", value: "2026-W10" },
    ],
    tables: [
      {
        title: "Hours by resource",
        columns: [
          { key: "resource", label: "Resource" },
          { key: "billable", label: "Billable", unit: "h" },
          { key: "nonBillable", label: "Non-billable", unit: "h" },
        ],
        rows: resources.map(([resource, billable, nonBillable]) => ({
          resource,
          billable,
          nonBillable,
        })),
      },
      {
        title: "Tickets created and completed per week",
        columns: [
          { key: "week", label: "Week" },
          { key: "created", label: "Created" },
          { key: "completed", label: "Completed" },
        ],
        rows: weeks.map(([week, created, completed]) => ({ week, created, completed })),
      },
    ],
    charts: [
      {
        kind: "bar",
        title: "Billable and non-billable hours",
        x: { key: "resource", label: "Resource" },
        series: [{ key: "billable", label: "Billable" }, {
          key: "nonBillable",
          label: "Non-billable",
        }],
        table: 0,
      },
      {
        kind: "stacked-bar",
        title: "Hours logged",
        x: { key: "resource", label: "Resource" },
        series: [{ key: "billable", label: "Billable" }, {
          key: "nonBillable",
          label: "Non-billable",
        }],
        table: 0,
      },
      {
        kind: "line",
        title: "Created vs completed",
        x: { key: "week", label: "Week" },
        series: [{ key: "created", label: "Created" }, { key: "completed", label: "Completed" }],
        table: 1,
      },
    ],
    notes: [
      "Local days in Europe/Berlin; weeks start on Monday.",
      "Dmitri Ivanov logged no non-billable time.",
    ],
    requests: { made: 14, budgetShare: 0.0014 },
  };
}

/** Bars the sample draws: non-null values of the two bar charts (9 each). */
export const SAMPLE_BAR_COUNT = 18;
