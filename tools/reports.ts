/**
 * The reports MSP owners run every week, aggregated in the server: time, utilization, service
 * desk health (ticket aging, created vs completed, SLA) and block-hour / retainer contracts. Each
 * result is a dashboard report (lib/ui) that MCP Apps hosts draw and every client reads as JSON.
 */

import * as z from "zod";
import type { AutotaskRecord } from "../lib/autotask/client.ts";
import { eq, type Filter } from "../lib/autotask/query.ts";
import { formatLocal, localDate } from "../lib/dates.ts";
import { defineTool, idSchema, type ToolContext, type ToolModule } from "../lib/mcp/mod.ts";
import {
  type DashboardChart,
  type DashboardColumn,
  type DashboardReport,
  dashboardToolMeta,
} from "../lib/ui/mod.ts";
import {
  addDays,
  dateOnlyBetween,
  dayOfField,
  type DayRange,
  daysBetween,
  fitReport,
  mondayOf,
  parseRange,
  percent,
  plural,
  rangeInstants,
  ReportRun,
  round2,
  weekdayOf,
  weeksOf,
} from "./report_run.ts";
import { TICKETS } from "./tickets.ts";

const TOOLSET = "reports";
const PAGE = 500;

/** Autotask's system values of Contracts.contractType (documented, the same in every tenant). */
const CONTRACT_TYPE = { blockHours: 4, retainer: 6 } as const;
/** Contracts.status and purchase status: Autotask's system values. */
const ACTIVE = 1;
const INACTIVE = 0;

const COMPLETE = TICKETS.system.status.complete;

/** Every report's result: the dashboard contract plus what the report cost. */
const reportOutput = z.looseObject({
  report: z.string(),
  title: z.string(),
  tables: z.array(
    z.looseObject({ title: z.string(), rows: z.array(z.record(z.string(), z.unknown())) }),
  ),
  charts: z.array(z.looseObject({ kind: z.string(), table: z.number() })),
  requests: z.looseObject({ made: z.number() }),
});

const dayArg = z.string().trim().min(1).max(20);
const rangeShape = {
  from: dayArg.optional().describe("First day: YYYY-MM-DD, today or yesterday (your zone)"),
  to: dayArg.optional().describe("Last day, included (default today)"),
};

function pages(rows: number): number {
  return Math.max(1, Math.ceil(rows / PAGE));
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function idOf(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) ? value : null;
}

/** The report as the tool returns it: its cost added, cut to the size cap. */
function finish(run: ReportRun, report: DashboardReport): Record<string, unknown> {
  report.requests = run.usage();
  return fitReport(report, run.ctx.maxResultChars);
}

function period(range: DayRange, ctx: ToolContext): DashboardReport["period"] {
  return { from: range.from, to: range.to, timeZone: ctx.timeZone };
}

const hoursColumn = (key: string, label: string): DashboardColumn => ({ key, label, unit: "h" });

/** A shorter range that fits `left` requests, for budget refusals. */
function shorter(
  range: DayRange,
  options: { left: number; perDay: number; fixed?: number },
): string {
  // The next call's own count, a page count that rounds up, and a margin: days are not equally busy.
  const spare = options.left - (options.fixed ?? 0) - 2;
  const days = Math.floor((0.8 * spare) / Math.max(options.perDay, 1e-9));
  if (days < 1) return "Try again after the hourly window resets";
  return `Ask for ${days} days or fewer (e.g. from ${
    addDays(range.to, -(Math.min(days, range.days) - 1))
  } to ${range.to})`;
}

// ---- Time ---------------------------------------------------------------------------------------

const TIME_GROUPS = [
  "resource",
  "company",
  "project",
  "ticket",
  "contract",
  "role",
  "workType",
  "day",
  "week",
] as const;
type TimeGroup = typeof TIME_GROUPS[number];

const GROUP_LABEL: Record<TimeGroup, string> = {
  resource: "Resource",
  company: "Company",
  project: "Project",
  ticket: "Ticket",
  contract: "Contract",
  role: "Role",
  workType: "Work type",
  day: "Day",
  week: "Week",
};

/** The row of time that has none of the group's field. */
const NONE_LABEL: Record<TimeGroup, string> = {
  resource: "(no resource)",
  company: "(internal time: no company)",
  project: "(not project work)",
  ticket: "(not ticket work)",
  contract: "(no contract)",
  role: "(no role)",
  workType: "(no work type)",
  day: "",
  week: "",
};

/** The time entry field each group reads, and the entity its ids name. */
const GROUP_FIELD: Partial<Record<TimeGroup, { field: string; entity: string }>> = {
  resource: { field: "resourceID", entity: "Resources" },
  contract: { field: "contractID", entity: "Contracts" },
  role: { field: "roleID", entity: "Roles" },
  workType: { field: "billingCodeID", entity: "BillingCodes" },
  ticket: { field: "ticketID", entity: "Tickets" },
};

interface Hours {
  billable: number;
  nonBillable: number;
  toBill: number;
  entries: number;
}

function noHours(): Hours {
  return { billable: 0, nonBillable: 0, toBill: 0, entries: 0 };
}

function addEntry(hours: Hours, e: AutotaskRecord): void {
  const worked = num(e.hoursWorked);
  if (e.isNonBillable === true) hours.nonBillable += worked;
  else hours.billable += worked;
  hours.toBill += num(e.hoursToBill);
  hours.entries++;
}

function sumHours(list: Iterable<Hours>): Hours {
  const total = noHours();
  for (const h of list) {
    total.billable += h.billable;
    total.nonBillable += h.nonBillable;
    total.toBill += h.toBill;
    total.entries += h.entries;
  }
  return total;
}

function hoursCells(h: Hours, total: number): Record<string, number | null> {
  return {
    billable: round2(h.billable),
    nonBillable: round2(h.nonBillable),
    total: round2(h.billable + h.nonBillable),
    share: percent(h.billable + h.nonBillable, total),
  };
}

/** A time entry's group key: an id, a day, or null when the entry has none. */
function keyOf(group: TimeGroup, e: AutotaskRecord): string | number | null {
  switch (group) {
    case "day":
      return dayOfField(e.dateWorked);
    case "week":
      return mondayOf(dayOfField(e.dateWorked));
    case "company":
    case "project":
      // Resolved to a company or project once the tickets and tasks are known.
      if (idOf(e.ticketID) !== null) return group === "company" ? `t${e.ticketID}` : null;
      if (idOf(e.taskID) !== null) return `k${e.taskID}`;
      return null;
    default:
      return idOf(e[GROUP_FIELD[group]!.field]);
  }
}

function fieldsFor(group: TimeGroup): string[] {
  const base = ["hoursWorked", "hoursToBill", "isNonBillable"];
  if (group === "day" || group === "week") return [...base, "dateWorked"];
  if (group === "company") return [...base, "ticketID", "taskID"];
  if (group === "project") return [...base, "taskID"];
  return [...base, GROUP_FIELD[group]!.field];
}

/** Maps the `t<ticket>` / `k<task>` keys of company or project grouping to companies or projects. */
async function resolveWork(
  run: ReportRun,
  group: "company" | "project",
  byKey: Map<string | number | null, Hours>,
): Promise<Map<number | null, Hours>> {
  const tickets: number[] = [];
  const tasks: number[] = [];
  for (const key of byKey.keys()) {
    if (typeof key !== "string") continue;
    (key[0] === "t" ? tickets : tasks).push(Number(key.slice(1)));
  }
  const ticketCompany = tickets.length === 0
    ? new Map<number, AutotaskRecord>()
    : await run.byIds("Tickets", tickets, { fields: ["companyID"] });
  const taskProject = tasks.length === 0
    ? new Map<number, AutotaskRecord>()
    : await run.byIds("Tasks", tasks, { fields: ["projectID"] });
  const projectIds = [...taskProject.values()].map((t) => idOf(t.projectID))
    .filter((id): id is number => id !== null);
  const projectCompany = group === "company" && projectIds.length > 0
    ? await run.byIds("Projects", projectIds, { fields: ["companyID"] })
    : new Map<number, AutotaskRecord>();
  const out = new Map<number | null, Hours>();
  for (const [key, hours] of byKey) {
    let target: number | null = null;
    if (typeof key === "string") {
      const id = Number(key.slice(1));
      if (key[0] === "t") target = idOf(ticketCompany.get(id)?.companyID);
      else {
        const project = idOf(taskProject.get(id)?.projectID);
        target = group === "project"
          ? project
          : project === null
          ? null
          : idOf(projectCompany.get(project)?.companyID);
      }
    }
    out.set(target, sumHours([out.get(target) ?? noHours(), hours]));
  }
  return out;
}

const timeReport = defineTool({
  name: "report_time",
  title: "Time report",
  description: "Hours logged in a range of days, billable and non-billable, grouped by resource, " +
    "company, project, ticket, contract, role, work type, day or week, with totals.",
  kind: "read",
  toolset: TOOLSET,
  openWorld: false,
  meta: dashboardToolMeta(),
  input: z.object({
    ...rangeShape,
    groupBy: z.enum(TIME_GROUPS).default("resource"),
    resourceID: idSchema.optional(),
    contractID: idSchema.optional(),
    limit: z.number().int().min(1).max(100).default(25).describe("Rows shown; the rest are summed"),
  }),
  output: reportOutput,
  handler: async (args, ctx) => {
    const group = args.groupBy;
    const range = parseRange(args, ctx, {
      defaultDays: 7,
      maxDays: group === "day" ? 92 : 366,
      tooLong: group === "day" ? "group by week, or ask for fewer days" : "ask for fewer days",
    });
    const run = new ReportRun(ctx);
    const filter: Filter[] = dateOnlyBetween("dateWorked", range);
    if (args.resourceID !== undefined) filter.push(eq("resourceID", args.resourceID));
    if (args.contractID !== undefined) filter.push(eq("contractID", args.contractID));
    const n = await run.count("TimeEntries", filter);
    const pageCount = n === 0 ? 0 : pages(n);
    // Names of the rows shown; company and project time goes through its tickets and tasks.
    const fixed = group === "day" || group === "week"
      ? 0
      : group === "company"
      ? 3
      : group === "project" || group === "ticket"
      ? 2
      : 1;
    const perPage = group === "company" ? 2 : 1;
    const lookups = fixed + (perPage - 1) * pageCount;
    run.checkBudget(pageCount + lookups, {
      work: `${plural(pageCount, "page")} of ${n.toLocaleString("en-US")} time entries and ${
        plural(lookups, "lookup")
      }`,
      narrower: (left) =>
        `${shorter(range, { left, perDay: (perPage * pageCount) / range.days, fixed })}, ` +
        "or one resourceID",
    });
    const byKey = new Map<string | number | null, Hours>();
    if (n > 0) {
      await run.eachPage("TimeEntries", { filter, fields: fieldsFor(group) }, (items) => {
        for (const e of items) {
          const key = keyOf(group, e);
          let hours = byKey.get(key);
          if (!hours) byKey.set(key, hours = noHours());
          addEntry(hours, e);
        }
      });
    }
    const total = sumHours(byKey.values());
    const logged = total.billable + total.nonBillable;
    const report: DashboardReport = {
      report: "report_time",
      title: `Hours by ${GROUP_LABEL[group].toLowerCase()}`,
      period: period(range, ctx),
      summary: [
        { label: "Hours logged", value: round2(logged), unit: "h" },
        { label: "Billable", value: round2(total.billable), unit: "h" },
        { label: "Non-billable", value: round2(total.nonBillable), unit: "h" },
        { label: "Billable share", value: percent(total.billable, logged) ?? 0, unit: "%" },
        { label: "Time entries", value: total.entries },
      ],
      tables: [],
      charts: [],
      notes: [
        `Days are Autotask's dateWorked (the day each entry is logged for); today is read in ${ctx.timeZone}`,
      ],
      groupBy: group,
      hoursToBill: round2(total.toBill),
    };
    const hourColumns = [
      hoursColumn("billable", "Billable"),
      hoursColumn("nonBillable", "Non-billable"),
      hoursColumn("total", "Total"),
    ];
    if (group === "day" || group === "week") {
      const rows = group === "day"
        ? Array.from({ length: range.days }, (_, i) => addDays(range.from, i)).map((day) => ({
          day,
          ...hoursCells(byKey.get(day) ?? noHours(), logged),
        }))
        : weeksOf(range).map((w) => ({
          week: w.monday,
          days: w.days,
          ...hoursCells(byKey.get(w.monday) ?? noHours(), logged),
        }));
      for (const row of rows) delete (row as Record<string, unknown>).share;
      report.tables.push({
        title: `Hours per ${group}`,
        columns: [
          { key: group, label: group === "week" ? "Week (Monday)" : "Day" },
          ...(group === "week" ? [{ key: "days", label: "Days in range" }] : []),
          ...hourColumns,
        ],
        rows,
      });
      report.charts.push({
        kind: group === "day" ? "line" : "stacked-bar",
        title: `Hours per ${group}`,
        x: { key: group, label: GROUP_LABEL[group] },
        series: group === "day"
          ? [{ key: "total", label: "Total" }, { key: "billable", label: "Billable" }]
          : [{ key: "billable", label: "Billable" }, { key: "nonBillable", label: "Non-billable" }],
        table: 0,
      });
      if (group === "week" && weeksOf(range).some((w) => w.days < 7)) {
        report.notes!.push(
          "Weeks run Monday to Sunday; a week cut by the range is partial (see days)",
        );
      }
      return finish(run, report);
    }

    const grouped: Map<number | null, Hours> = group === "company" || group === "project"
      ? await resolveWork(run, group, byKey)
      : byKey as Map<number | null, Hours>;
    const sorted = [...grouped].sort((a, b) =>
      (b[1].billable + b[1].nonBillable) - (a[1].billable + a[1].nonBillable)
    );
    const shown = sorted.slice(0, args.limit);
    const rest = sorted.slice(args.limit);
    const ids = shown.map(([id]) => id).filter((id): id is number => id !== null);
    const entity = group === "company"
      ? "Companies"
      : group === "project"
      ? "Projects"
      : GROUP_FIELD[group]!.entity;
    let names: Map<number, string>;
    let ticketCompanies = new Map<number, string>();
    if (group === "ticket") {
      const tickets = await run.byIds("Tickets", ids, {
        fields: ["ticketNumber", "companyID"],
        optional: true,
      });
      names = new Map(
        [...tickets].map(([id, t]) => [id, String(t.ticketNumber ?? `Ticket ${id}`)]),
      );
      const companyNames = await run.names(
        "Companies",
        [...tickets.values()].map((t) => idOf(t.companyID)).filter((c): c is number => c !== null),
      );
      ticketCompanies = new Map(
        [...tickets].map((
          [id, t],
        ) => [id, companyNames.get(idOf(t.companyID) ?? -1) ?? `Company ${t.companyID}`]),
      );
    } else {
      names = await run.names(entity, ids);
    }
    const rows: Record<string, string | number | null>[] = shown.map(([id, hours]) => ({
      [group]: id === null ? NONE_LABEL[group] : names.get(id) ?? `${GROUP_LABEL[group]} ${id}`,
      id,
      ...(group === "ticket"
        ? { company: id === null ? null : ticketCompanies.get(id) ?? null }
        : {}),
      ...hoursCells(hours, logged),
    }));
    if (rest.length > 0) {
      rows.push({
        [group]: `(${rest.length} others)`,
        id: null,
        ...(group === "ticket" ? { company: null } : {}),
        ...hoursCells(sumHours(rest.map(([, h]) => h)), logged),
      });
      report.notes!.push(
        `The ${rest.length} ${
          GROUP_LABEL[group].toLowerCase()
        } rows past limit ${args.limit} are summed in "(${rest.length} others)"`,
      );
    }
    report.tables.push({
      title: `Hours by ${GROUP_LABEL[group].toLowerCase()}`,
      columns: [
        { key: group, label: GROUP_LABEL[group] },
        ...(group === "ticket" ? [{ key: "company", label: "Company" }] : []),
        ...hourColumns,
        { key: "share", label: "Share of hours", unit: "%" },
      ],
      rows,
    });
    report.charts.push({
      kind: "stacked-bar",
      title: `Billable and non-billable hours by ${GROUP_LABEL[group].toLowerCase()}`,
      x: { key: group, label: GROUP_LABEL[group] },
      series: [{ key: "billable", label: "Billable" }, {
        key: "nonBillable",
        label: "Non-billable",
      }],
      table: 0,
    });
    return finish(run, report);
  },
});

// ---- Utilization --------------------------------------------------------------------------------

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

/** Minutes after midnight of a wall-clock time Autotask keeps on a placeholder date. */
function wallMinutes(value: unknown): number | null {
  if (typeof value !== "string") return null;
  const match = /T(\d{2}):(\d{2})/.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

function spanHours(start: unknown, end: unknown): number {
  const [from, to] = [wallMinutes(start), wallMinutes(end)];
  return from !== null && to !== null && to > from ? (to - from) / 60 : 0;
}

/** Business hours of a location over a range of days, less its holidays. */
function workingHours(
  location: AutotaskRecord,
  range: DayRange,
  holidays: Set<string>,
): number {
  let hours = 0;
  for (let i = 0; i < range.days; i++) {
    const day = addDays(range.from, i);
    if (holidays.has(day)) {
      if (location.noHoursOnHolidays === true) continue;
      if (location.holidayHoursStartTime && location.holidayHoursEndTime) {
        hours += spanHours(location.holidayHoursStartTime, location.holidayHoursEndTime);
        continue;
      }
    }
    const name = WEEKDAYS[weekdayOf(day)];
    hours += spanHours(
      location[`${name}BusinessHoursStartTime`],
      location[`${name}BusinessHoursEndTime`],
    );
  }
  return hours;
}

const LOCATION_FIELDS = [
  "name",
  "holidaySetID",
  "noHoursOnHolidays",
  "holidayHoursStartTime",
  "holidayHoursEndTime",
  ...WEEKDAYS.flatMap((d) => [`${d}BusinessHoursStartTime`, `${d}BusinessHoursEndTime`]),
];

const utilizationReport = defineTool({
  name: "report_utilization",
  title: "Utilization report",
  description: "Per resource: billable hours over hours logged, and over the working hours of " +
    "the resource's location (business hours less holidays) in a range of days.",
  kind: "read",
  toolset: TOOLSET,
  openWorld: false,
  meta: dashboardToolMeta(),
  input: z.object({ ...rangeShape, resourceID: idSchema.optional() }),
  output: reportOutput,
  handler: async (args, ctx) => {
    const range = parseRange(args, ctx, {
      defaultDays: 7,
      maxDays: 366,
      tooLong: "ask for fewer days",
    });
    const run = new ReportRun(ctx);
    const filter: Filter[] = dateOnlyBetween("dateWorked", range);
    if (args.resourceID !== undefined) filter.push(eq("resourceID", args.resourceID));
    const n = await run.count("TimeEntries", filter);
    const pageCount = n === 0 ? 0 : pages(n);
    run.checkBudget(pageCount + 3, {
      work: `${plural(pageCount, "page")} of ${
        n.toLocaleString("en-US")
      } time entries and 3 lookups`,
      narrower: (left) =>
        `${shorter(range, { left, perDay: pageCount / range.days, fixed: 3 })}, or one resourceID`,
    });
    const byResource = new Map<number, Hours>();
    if (n > 0) {
      await run.eachPage("TimeEntries", {
        filter,
        fields: ["resourceID", "hoursWorked", "hoursToBill", "isNonBillable"],
      }, (items) => {
        for (const e of items) {
          const id = idOf(e.resourceID);
          if (id === null) continue;
          let hours = byResource.get(id);
          if (!hours) byResource.set(id, hours = noHours());
          addEntry(hours, e);
        }
      });
    }
    const resources = await run.byIds("Resources", byResource.keys(), {
      fields: ["firstName", "lastName", "locationID", "isActive"],
    });
    const locationIds = [...resources.values()].map((r) => idOf(r.locationID))
      .filter((id): id is number => id !== null);
    const locations = locationIds.length === 0
      ? new Map<number, AutotaskRecord>()
      : await run.byIds("InternalLocationWithBusinessHours", locationIds, {
        fields: LOCATION_FIELDS,
      });
    const sets = [...locations.values()].map((l) => idOf(l.holidaySetID))
      .filter((id): id is number => id !== null);
    const holidaysOf = new Map<number, Set<string>>();
    if (sets.length > 0) {
      const holidays = await run.all("Holidays", {
        filter: [
          { op: "in", field: "holidaySetID", value: [...new Set(sets)] },
          ...dateOnlyBetween("holidayDate", range),
        ],
        fields: ["holidaySetID", "holidayDate"],
      });
      for (const h of holidays) {
        const set = idOf(h.holidaySetID)!;
        if (!holidaysOf.has(set)) holidaysOf.set(set, new Set());
        holidaysOf.get(set)!.add(dayOfField(h.holidayDate));
      }
    }
    const workingOf = new Map<number, number>();
    for (const [id, location] of locations) {
      const set = idOf(location.holidaySetID);
      workingOf.set(
        id,
        workingHours(location, range, set === null ? new Set() : holidaysOf.get(set) ?? new Set()),
      );
    }

    let teamWorking = 0;
    let teamBillableOfWorking = 0;
    let inactive = 0;
    const rows = [...byResource].map(([id, hours]) => {
      const r = resources.get(id);
      const name = r ? `${r.firstName ?? ""} ${r.lastName ?? ""}`.trim() : `Resource ${id}`;
      const active = r?.isActive !== false;
      if (!active) inactive++;
      const location = idOf(r?.locationID);
      const working = active && location !== null ? workingOf.get(location) ?? null : null;
      const logged = hours.billable + hours.nonBillable;
      if (working !== null) {
        teamWorking += working;
        teamBillableOfWorking += hours.billable;
      }
      return {
        resource: active ? name : `${name} (inactive)`,
        id,
        logged: round2(logged),
        billable: round2(hours.billable),
        nonBillable: round2(hours.nonBillable),
        billableShare: percent(hours.billable, logged),
        working: working === null ? null : round2(working),
        loggedOfWorking: working === null ? null : percent(logged, working),
        billableOfWorking: working === null ? null : percent(hours.billable, working),
      };
    }).sort((a, b) => b.logged - a.logged || a.resource.localeCompare(b.resource));
    const total = sumHours(byResource.values());
    const logged = total.billable + total.nonBillable;
    const notes = [
      "Working hours are the business hours of each resource's location " +
      "(InternalLocationWithBusinessHours) on the range's days, less its holidays; time off is not recorded there",
      `Days are Autotask's dateWorked; today is read in ${ctx.timeZone}`,
    ];
    if (inactive > 0) {
      notes.push(
        `${inactive} inactive resources have no working hours (they left; when is not recorded)`,
      );
    }
    if (rows.some((r) => r.working === null && !r.resource.endsWith("(inactive)"))) {
      notes.push("Resources without a location have no working hours");
    }
    const report: DashboardReport = {
      report: "report_utilization",
      title: "Utilization by resource",
      period: period(range, ctx),
      summary: [
        { label: "Hours logged", value: round2(logged), unit: "h" },
        { label: "Billable", value: round2(total.billable), unit: "h" },
        { label: "Billable of logged", value: percent(total.billable, logged) ?? 0, unit: "%" },
        { label: "Working hours", value: round2(teamWorking), unit: "h" },
        {
          label: "Billable of working",
          value: percent(teamBillableOfWorking, teamWorking) ?? 0,
          unit: "%",
        },
      ],
      tables: [{
        title: "Utilization by resource",
        columns: [
          { key: "resource", label: "Resource" },
          hoursColumn("logged", "Logged"),
          hoursColumn("billable", "Billable"),
          hoursColumn("nonBillable", "Non-billable"),
          { key: "billableShare", label: "Billable of logged", unit: "%" },
          hoursColumn("working", "Working hours"),
          { key: "loggedOfWorking", label: "Logged of working", unit: "%" },
          { key: "billableOfWorking", label: "Billable of working", unit: "%" },
        ],
        rows,
      }],
      charts: [
        {
          kind: "bar",
          title: "Utilization",
          x: { key: "resource", label: "Resource" },
          series: [
            { key: "billableShare", label: "Billable of logged" },
            { key: "billableOfWorking", label: "Billable of working" },
          ],
          table: 0,
        },
        {
          kind: "stacked-bar",
          title: "Hours logged",
          x: { key: "resource", label: "Resource" },
          series: [
            { key: "billable", label: "Billable" },
            { key: "nonBillable", label: "Non-billable" },
          ],
          table: 0,
        },
      ],
      notes,
    };
    return finish(run, report);
  },
});

// ---- Service desk: open tickets by age ----------------------------------------------------------

/** Age buckets in whole local days since the ticket was created: [first, last] (null = no end). */
const AGE_BUCKETS: { key: string; label: string; first: number; last: number | null }[] = [
  { key: "d0_1", label: "0-1 days", first: 0, last: 1 },
  { key: "d2_7", label: "2-7 days", first: 2, last: 7 },
  { key: "d8_30", label: "8-30 days", first: 8, last: 30 },
  { key: "d31_90", label: "31-90 days", first: 31, last: 90 },
  { key: "d90plus", label: "90+ days", first: 91, last: null },
];

const AGING_BY = ["priority", "queue", "assignee"] as const;
const AGING_FIELD = { priority: "priority", queue: "queueID", assignee: "assignedResourceID" };
/** Most values counted one by one; the rest are in "(other)". */
const MAX_AGING_VALUES = 200;

interface AgingValue {
  value: number | string | null;
  label: string;
}

async function agingValues(
  run: ReportRun,
  by: typeof AGING_BY[number],
): Promise<AgingValue[]> {
  if (by === "assignee") {
    const resources = await run.all("Resources", {
      filter: [eq("isActive", true)],
      fields: ["firstName", "lastName"],
    });
    return [
      ...resources.slice(0, MAX_AGING_VALUES).map((r) => ({
        value: r.id as number,
        label: `${r.firstName ?? ""} ${r.lastName ?? ""}`.trim() || `Resource ${r.id}`,
      })),
      { value: null, label: "(unassigned)" },
    ];
  }
  const values = (await run.picklist("Tickets", AGING_FIELD[by])).slice(0, MAX_AGING_VALUES)
    .map((v) => ({ value: v.value, label: v.active ? v.label : `${v.label} (inactive)` }));
  return by === "queue" ? [...values, { value: null, label: "(no queue)" }] : values;
}

const agingReport = defineTool({
  name: "report_ticket_aging",
  title: "Open tickets by age",
  description: "Open tickets by age (0-1, 2-7, 8-30, 31-90, 90+ local days since created) per " +
    "priority, queue or assignee. Counted by Autotask: no ticket is downloaded.",
  kind: "read",
  toolset: TOOLSET,
  openWorld: false,
  meta: dashboardToolMeta(),
  input: z.object({
    by: z.enum(AGING_BY).default("priority"),
    companyID: idSchema.optional(),
  }),
  output: reportOutput,
  handler: async (args, ctx) => {
    const run = new ReportRun(ctx);
    const asOf = ctx.now();
    const today = localDate(asOf, ctx.timeZone);
    const base: Filter[] = [{ op: "noteq", field: "status", value: COMPLETE }];
    if (args.companyID !== undefined) base.push(eq("companyID", args.companyID));
    // A bucket of ages [first, last] is a range of creation instants: local midnights.
    const midnight = (daysAgo: number) =>
      rangeInstants({ from: addDays(today, -daysAgo), to: today }, ctx.timeZone).start;
    const bucketFilter = (b: typeof AGE_BUCKETS[number]): Filter[] => {
      const out: Filter[] = [];
      if (b.last !== null) out.push({ op: "gte", field: "createDate", value: midnight(b.last) });
      if (b.first > 0) out.push({ op: "lt", field: "createDate", value: midnight(b.first - 1) });
      return out;
    };
    const values = await agingValues(run, args.by);
    const field = AGING_FIELD[args.by];
    const condition = (v: AgingValue): Filter =>
      v.value === null ? { op: "notExist", field } : eq(field, v.value);
    const estimate = 1 + AGE_BUCKETS.length + values.length * (1 + AGE_BUCKETS.length);
    run.checkBudget(estimate, {
      work:
        `up to ${estimate} counts: ${values.length} ${args.by} values by ${AGE_BUCKETS.length} ages`,
      narrower: () =>
        args.by === "assignee"
          ? "Group by priority or queue (fewer values), or give a companyID"
          : "Try again after the hourly window resets, or give a companyID",
    });
    const [open, bucketTotals, valueTotals] = await Promise.all([
      run.count("Tickets", base),
      Promise.all(AGE_BUCKETS.map((b) => run.count("Tickets", [...base, ...bucketFilter(b)]))),
      Promise.all(values.map((v) => run.count("Tickets", [...base, condition(v)]))),
    ]);
    const rows = await Promise.all(values.map(async (v, i) => {
      const counts = valueTotals[i] === 0 ? AGE_BUCKETS.map(() => 0) : await Promise.all(
        AGE_BUCKETS.map((b) => run.count("Tickets", [...base, condition(v), ...bucketFilter(b)])),
      );
      const row: Record<string, string | number | null> = {
        [args.by]: v.label,
        id: typeof v.value === "number" ? v.value : null,
      };
      AGE_BUCKETS.forEach((b, k) => row[b.key] = counts[k]);
      row.total = valueTotals[i];
      return row;
    }));
    const listed = rows.filter((r) => (r.total as number) > 0);
    // Values past the cap, inactive resources, values outside the picklist: by difference.
    const other: Record<string, string | number | null> = { [args.by]: "(other)", id: null };
    let otherTotal = 0;
    AGE_BUCKETS.forEach((b, k) => {
      const rest = bucketTotals[k] - listed.reduce((s, r) => s + (r[b.key] as number), 0);
      other[b.key] = rest;
      otherTotal += rest;
    });
    other.total = otherTotal;
    if (otherTotal !== 0) listed.push(other);
    if (args.by !== "priority") listed.sort((a, b) => (b.total as number) - (a.total as number));
    const byLabel = args.by[0].toUpperCase() + args.by.slice(1);
    const report: DashboardReport = {
      report: "report_ticket_aging",
      title: `Open tickets by age and ${args.by}`,
      period: { from: today, to: today, timeZone: ctx.timeZone },
      summary: [
        { label: "Open tickets", value: open },
        ...AGE_BUCKETS.map((b, k) => ({ label: b.label, value: bucketTotals[k] })),
      ],
      tables: [
        {
          title: `Open tickets by ${args.by} and age`,
          columns: [
            { key: args.by, label: byLabel },
            ...AGE_BUCKETS.map((b) => ({ key: b.key, label: b.label })),
            { key: "total", label: "Total" },
          ],
          rows: listed,
        },
        {
          title: "Open tickets by age",
          columns: [{ key: "age", label: "Age" }, { key: "open", label: "Open tickets" }],
          rows: AGE_BUCKETS.map((b, k) => ({ age: b.label, open: bucketTotals[k] })),
        },
      ],
      charts: [
        {
          kind: "stacked-bar",
          title: `Open tickets by ${args.by}, by age`,
          x: { key: args.by, label: byLabel },
          series: AGE_BUCKETS.map((b) => ({ key: b.key, label: b.label })),
          table: 0,
        },
        {
          kind: "bar",
          title: "Open tickets by age",
          x: { key: "age", label: "Age" },
          series: [{ key: "open", label: "Open tickets" }],
          table: 1,
        },
      ],
      notes: [
        `Age in local days (${ctx.timeZone}) from the ticket's creation to ${today}: 0-1 is ` +
        "created today or yesterday; 90+ is more than 90 days",
      ],
      by: args.by,
      asOf: formatLocal(asOf, ctx.timeZone),
    };
    if (open !== bucketTotals.reduce((s, n) => s + n, 0)) {
      report.notes!.push("Tickets changed while they were counted: totals may differ by a few");
    }
    return finish(run, report);
  },
});

// ---- Service desk: created vs completed per week ------------------------------------------------

const flowReport = defineTool({
  name: "report_ticket_flow",
  title: "Tickets created vs completed",
  description: "Tickets created and completed per week (Monday-Sunday, your zone) over a range " +
    "of days (default 12 weeks). Counted by Autotask: no ticket is downloaded.",
  kind: "read",
  toolset: TOOLSET,
  openWorld: false,
  meta: dashboardToolMeta(),
  input: z.object({ ...rangeShape, companyID: idSchema.optional() }),
  output: reportOutput,
  handler: async (args, ctx) => {
    // Twelve weeks by default: the week of `to` and the eleven before it.
    const end = parseRange({ to: args.to }, ctx, { defaultDays: 1, maxDays: 1, tooLong: "" }).to;
    const range = parseRange({ from: args.from ?? addDays(mondayOf(end), -77), to: end }, ctx, {
      defaultDays: 1,
      maxDays: 371,
      tooLong: "ask for 53 weeks or fewer",
    });
    const run = new ReportRun(ctx);
    const weeks = weeksOf(range);
    const estimate = 2 * weeks.length;
    run.checkBudget(estimate, {
      work: `${estimate} counts: created and completed in ${weeks.length} weeks`,
      narrower: (left) => `Ask for ${Math.max(1, Math.floor(left / 2))} weeks or fewer`,
    });
    const company: Filter[] = args.companyID === undefined ? [] : [eq("companyID", args.companyID)];
    const between = (field: string, w: { from: string; to: string }): Filter[] => {
      const { start, end } = rangeInstants(w, ctx.timeZone);
      return [...company, { op: "gte", field, value: start }, { op: "lt", field, value: end }];
    };
    const rows = await Promise.all(weeks.map(async (w) => {
      const [created, completed] = await Promise.all([
        run.count("Tickets", between("createDate", w)),
        run.count("Tickets", between("completedDate", w)),
      ]);
      return {
        week: w.monday,
        from: w.from,
        to: w.to,
        days: w.days,
        created,
        completed,
        net: created - completed,
      };
    }));
    const created = rows.reduce((s, r) => s + r.created, 0);
    const completed = rows.reduce((s, r) => s + r.completed, 0);
    const notes = [
      `Weeks run Monday to Sunday in ${ctx.timeZone}; createDate and completedDate are read ` +
      "at local midnight boundaries",
    ];
    if (weeks.some((w) => w.days < 7)) {
      notes.push("A week cut by the range is partial: days says how many of its days count");
    }
    const report: DashboardReport = {
      report: "report_ticket_flow",
      title: "Tickets created and completed per week",
      period: period(range, ctx),
      summary: [
        { label: "Created", value: created },
        { label: "Completed", value: completed },
        { label: "Backlog change", value: created - completed },
      ],
      tables: [{
        title: "Tickets created and completed per week",
        columns: [
          { key: "week", label: "Week (Monday)" },
          { key: "days", label: "Days in range" },
          { key: "created", label: "Created" },
          { key: "completed", label: "Completed" },
          { key: "net", label: "Created - completed" },
        ],
        rows,
      }],
      charts: [{
        kind: "line",
        title: "Created vs completed",
        x: { key: "week", label: "Week" },
        series: [{ key: "created", label: "Created" }, { key: "completed", label: "Completed" }],
        table: 0,
      }],
      notes,
    };
    return finish(run, report);
  },
});

// ---- Service desk: SLA ----------------------------------------------------------------------------

/** The three SLA events: the flag on ServiceLevelAgreementResults, the ticket's event and due dates. */
const SLA_TARGETS = [
  {
    key: "firstResponse",
    label: "First response",
    flag: "isFirstResponseMet",
    at: "firstResponseDateTime",
    due: "firstResponseDueDateTime",
  },
  {
    key: "resolutionPlan",
    label: "Resolution plan",
    flag: "isResolutionPlanMet",
    at: "resolutionPlanDateTime",
    due: "resolutionPlanDueDateTime",
  },
  {
    key: "resolution",
    label: "Resolution",
    flag: "isResolutionMet",
    at: "resolvedDateTime",
    due: "resolvedDueDateTime",
  },
] as const;

const SLA_TICKET_FIELDS = [
  "ticketNumber",
  "priority",
  "queueID",
  "companyID",
  "assignedResourceID",
  "serviceLevelAgreementID",
  "completedDate",
  ...SLA_TARGETS.flatMap((t) => [t.at, t.due]),
];

interface SlaTally {
  tickets: number;
  met: Record<string, number>;
  missed: Record<string, number>;
  anyMiss: number;
}

function newTally(): SlaTally {
  return { tickets: 0, met: {}, missed: {}, anyMiss: 0 };
}

function tallyRow(label: string, key: string, t: SlaTally): Record<string, string | number | null> {
  const row: Record<string, string | number | null> = { [key]: label, tickets: t.tickets };
  for (const target of SLA_TARGETS) {
    const met = t.met[target.key] ?? 0;
    const missed = t.missed[target.key] ?? 0;
    row[`${target.key}Met`] = percent(met, met + missed);
    row[`${target.key}Missed`] = missed;
  }
  row.withMiss = t.anyMiss;
  return row;
}

function tallyColumns(key: string, label: string): DashboardColumn[] {
  return [
    { key, label },
    { key: "tickets", label: "Tickets" },
    ...SLA_TARGETS.flatMap((t) => [
      { key: `${t.key}Met`, label: `${t.label} met`, unit: "%" },
      { key: `${t.key}Missed`, label: `${t.label} missed` },
    ]),
    { key: "withMiss", label: "Tickets with a miss" },
  ];
}

function metChart(title: string, x: { key: string; label: string }, table: number): DashboardChart {
  return {
    kind: "bar",
    title,
    x,
    series: SLA_TARGETS.map((t) => ({ key: `${t.key}Met`, label: `${t.label} met` })),
    table,
  };
}

const slaReport = defineTool({
  name: "report_sla",
  title: "SLA report",
  description: "SLA of the tickets completed in a range of days: first response, resolution " +
    "plan and resolution met (Autotask's flags) by priority and queue, with the misses listed.",
  kind: "read",
  toolset: TOOLSET,
  openWorld: false,
  meta: dashboardToolMeta(),
  input: z.object({
    ...rangeShape,
    companyID: idSchema.optional(),
    missesLimit: z.number().int().min(0).max(100).default(25).describe("Misses listed"),
  }),
  output: reportOutput,
  handler: async (args, ctx) => {
    const range = parseRange(args, ctx, {
      defaultDays: 30,
      maxDays: 366,
      tooLong: "ask for fewer days",
    });
    const run = new ReportRun(ctx);
    const { start, end } = rangeInstants(range, ctx.timeZone);
    const filter: Filter[] = [
      { op: "gte", field: "completedDate", value: start },
      { op: "lt", field: "completedDate", value: end },
    ];
    if (args.companyID !== undefined) filter.push(eq("companyID", args.companyID));
    const n = await run.count("Tickets", filter);
    const pageCount = n === 0 ? 0 : pages(n);
    const estimate = 2 * pageCount + 4;
    run.checkBudget(estimate, {
      work: `${pageCount} pages of ${
        n.toLocaleString("en-US")
      } tickets, as many of SLA results, and lookups`,
      narrower: (left) =>
        `${
          shorter(range, { left, perDay: (2 * pageCount) / range.days, fixed: 4 })
        }, or one companyID`,
    });
    const tickets: AutotaskRecord[] = [];
    if (n > 0) {
      await run.eachPage("Tickets", { filter, fields: SLA_TICKET_FIELDS }, (items) => {
        for (const t of items) if (idOf(t.serviceLevelAgreementID) !== null) tickets.push(t);
        // Tickets without an SLA only count: no need to keep them.
      });
    }
    const results = tickets.length === 0 ? new Map<number, AutotaskRecord>() : new Map(
      [...(await run.byIds("ServiceLevelAgreementResults", tickets.map((t) => t.id as number), {
        field: "ticketID",
        fields: ["ticketID", ...SLA_TARGETS.map((t) => t.flag)],
      })).values()].map((r) => [r.ticketID as number, r]),
    );
    const [priorities, queues] = await Promise.all([
      run.picklist("Tickets", "priority"),
      run.picklist("Tickets", "queueID"),
    ]);
    const priorityLabel = new Map(priorities.map((p) => [p.value, p.label]));
    const queueLabel = new Map(queues.map((q) => [q.value, q.label]));
    const total = newTally();
    const byPriority = new Map<number | null, SlaTally>();
    const byQueue = new Map<number | null, SlaTally>();
    const misses: { ticket: AutotaskRecord; missed: string[]; late: number | null }[] = [];
    for (const t of tickets) {
      const result = results.get(t.id as number);
      const groups = [
        total,
        byPriority.get(idOf(t.priority)) ??
          byPriority.set(idOf(t.priority), newTally()).get(idOf(t.priority))!,
        byQueue.get(idOf(t.queueID)) ??
          byQueue.set(idOf(t.queueID), newTally()).get(idOf(t.queueID))!,
      ];
      const missed: string[] = [];
      let late: number | null = null;
      for (const target of SLA_TARGETS) {
        // Autotask's own flag; a ticket without a results row falls back to its dates.
        let met = result ? result[target.flag] : undefined;
        const at = typeof t[target.at] === "string" ? Date.parse(t[target.at] as string) : NaN;
        const due = typeof t[target.due] === "string" ? Date.parse(t[target.due] as string) : NaN;
        if (met === undefined && !Number.isNaN(at) && !Number.isNaN(due)) met = at <= due;
        if (typeof met !== "boolean") continue;
        for (const g of groups) {
          const bucket = met ? g.met : g.missed;
          bucket[target.key] = (bucket[target.key] ?? 0) + 1;
        }
        if (!met) {
          missed.push(target.label.toLowerCase());
          if (!Number.isNaN(at) && !Number.isNaN(due)) {
            late = Math.max(late ?? 0, (at - due) / 3_600_000);
          }
        }
      }
      for (const g of groups) {
        g.tickets++;
        if (missed.length > 0) g.anyMiss++;
      }
      if (missed.length > 0) misses.push({ ticket: t, missed, late });
    }
    misses.sort((a, b) => (b.late ?? -1) - (a.late ?? -1));
    const listed = misses.slice(0, args.missesLimit);
    const [companies, assignees] = await Promise.all([
      run.names(
        "Companies",
        listed.map((m) => idOf(m.ticket.companyID)).filter((id) => id !== null) as number[],
      ),
      run.names(
        "Resources",
        listed.map((m) => idOf(m.ticket.assignedResourceID)).filter((id) =>
          id !== null
        ) as number[],
      ),
    ]);
    const label = (map: Map<number | string, string>, id: number | null, none: string) =>
      id === null ? none : map.get(id) ?? String(id);
    const rowsOf = (
      groups: Map<number | null, SlaTally>,
      key: string,
      labels: Map<number | string, string>,
      none: string,
      order?: (number | string)[],
    ) =>
      [...groups].sort((a, b) =>
        order ? order.indexOf(a[0] ?? -1) - order.indexOf(b[0] ?? -1) : b[1].tickets - a[1].tickets
      ).map(([id, t]) => ({ ...tallyRow(label(labels, id, none), key, t), id }));
    const missed = (key: string) => total.missed[key] ?? 0;
    const met = (key: string) => total.met[key] ?? 0;
    const report: DashboardReport = {
      report: "report_sla",
      title: "SLA of completed tickets",
      period: period(range, ctx),
      summary: [
        { label: "Completed tickets", value: n },
        { label: "With an SLA", value: total.tickets },
        ...SLA_TARGETS.map((t) => ({
          label: `${t.label} met`,
          value: percent(met(t.key), met(t.key) + missed(t.key)) ?? 0,
          unit: "%",
        })),
        { label: "Tickets with a miss", value: total.anyMiss },
      ],
      tables: [
        {
          title: "SLA by priority",
          columns: tallyColumns("priority", "Priority"),
          rows: rowsOf(
            byPriority,
            "priority",
            priorityLabel,
            "(no priority)",
            priorities.map((p) => p.value),
          ),
        },
        {
          title: "SLA by queue",
          columns: tallyColumns("queue", "Queue"),
          rows: rowsOf(byQueue, "queue", queueLabel, "(no queue)"),
        },
        {
          title: "Missed SLA targets",
          columns: [
            { key: "ticket", label: "Ticket" },
            { key: "company", label: "Company" },
            { key: "priority", label: "Priority" },
            { key: "queue", label: "Queue" },
            { key: "assignee", label: "Assignee" },
            { key: "missed", label: "Missed" },
            { key: "hoursLate", label: "Hours late", unit: "h" },
            { key: "completed", label: "Completed" },
          ],
          rows: listed.map(({ ticket: t, missed, late }) => ({
            ticket: String(t.ticketNumber ?? t.id),
            id: t.id as number,
            company: label(companies, idOf(t.companyID), "(none)"),
            priority: label(priorityLabel, idOf(t.priority), "(none)"),
            queue: label(queueLabel, idOf(t.queueID), "(no queue)"),
            assignee: label(assignees, idOf(t.assignedResourceID), "(unassigned)"),
            missed: missed.join(", "),
            hoursLate: late === null ? null : round2(late),
            completed: typeof t.completedDate === "string"
              ? formatLocal(Date.parse(t.completedDate), ctx.timeZone).slice(0, 16)
              : null,
          })),
        },
      ],
      charts: [
        metChart("SLA met by priority", { key: "priority", label: "Priority" }, 0),
        metChart("SLA met by queue", { key: "queue", label: "Queue" }, 1),
      ],
      notes: [
        `Tickets completed from ${range.from} to ${range.to} in ${ctx.timeZone}; met and missed ` +
        "are Autotask's flags (ServiceLevelAgreementResults), hours late its due dates",
      ],
      missesTotal: misses.length,
    };
    if (misses.length > listed.length) {
      report.notes!.push(
        `${
          misses.length - listed.length
        } more misses are not listed (the most overdue come first): raise missesLimit (at most 100) or narrow the range`,
      );
    }
    if (n > total.tickets) report.notes!.push(`${n - total.tickets} completed tickets have no SLA`);
    return finish(run, report);
  },
});

// ---- Contracts ------------------------------------------------------------------------------------

interface Purchase {
  bought: number;
  approved: number;
  firstDay: string;
}

const contractsReport = defineTool({
  name: "report_contracts",
  title: "Block-hour and retainer contracts",
  description: "Block-hour and retainer contracts: purchased, used, remaining, 30-day burn and " +
    "projected run-out; and contracts ending within N days.",
  kind: "read",
  toolset: TOOLSET,
  openWorld: false,
  meta: dashboardToolMeta(),
  input: z.object({
    endingWithinDays: z.number().int().min(0).max(365).default(30),
    companyID: idSchema.optional(),
  }),
  output: reportOutput,
  handler: async (args, ctx) => {
    const run = new ReportRun(ctx);
    const today = localDate(ctx.now(), ctx.timeZone);
    const company: Filter[] = args.companyID === undefined ? [] : [eq("companyID", args.companyID)];
    const contractFields = ["contractName", "companyID", "contractType", "endDate"];
    const [prepaid, ending, types] = await Promise.all([
      run.all("Contracts", {
        filter: [
          eq("status", ACTIVE),
          {
            op: "in",
            field: "contractType",
            value: [CONTRACT_TYPE.blockHours, CONTRACT_TYPE.retainer],
          },
          ...company,
        ],
        fields: contractFields,
      }),
      run.all("Contracts", {
        filter: [
          eq("status", ACTIVE),
          ...dateOnlyBetween("endDate", { from: today, to: addDays(today, args.endingWithinDays) }),
          ...company,
        ],
        fields: contractFields,
      }),
      run.picklist("Contracts", "contractType"),
    ]);
    const blocks = prepaid.filter((c) => c.contractType === CONTRACT_TYPE.blockHours);
    const retainers = prepaid.filter((c) => c.contractType === CONTRACT_TYPE.retainer);
    const purchaseFields = ["contractID", "startDate", "status"];
    const [blockBuys, retainerBuys] = await Promise.all([
      blocks.length === 0 ? [] : run.byIds("ContractBlocks", blocks.map((c) => c.id as number), {
        field: "contractID",
        fields: [...purchaseFields, "hours", "hoursApproved"],
      }).then((m) => [...m.values()]),
      retainers.length === 0
        ? []
        : run.byIds("ContractRetainers", retainers.map((c) => c.id as number), {
          field: "contractID",
          fields: [...purchaseFields, "amount", "amountApproved"],
        }).then((m) => [...m.values()]),
    ]);
    const purchases = new Map<number, Purchase>();
    for (
      const [list, size, approved] of [
        [blockBuys, "hours", "hoursApproved"],
        [retainerBuys, "amount", "amountApproved"],
      ] as const
    ) {
      for (const p of list) {
        if (p.status === INACTIVE) continue;
        const id = idOf(p.contractID)!;
        const first = dayOfField(p.startDate);
        const sum = purchases.get(id) ?? { bought: 0, approved: 0, firstDay: first };
        sum.bought += num(p[size]);
        sum.approved += num(p[approved]);
        if (first && first < sum.firstDay) sum.firstDay = first;
        purchases.set(id, sum);
      }
    }
    // Time used since each contract's first purchase: billable time charged to it.
    const ids = [...purchases.keys()];
    const since = ids.map((id) => purchases.get(id)!.firstDay).filter(Boolean).sort()[0];
    const entryFilter = (chunk: number[]): Filter[] => [
      { op: "in", field: "contractID", value: chunk },
      eq("isNonBillable", false),
      { op: "gte", field: "dateWorked", value: `${since}T00:00:00Z` },
    ];
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += PAGE) chunks.push(ids.slice(i, i + PAGE));
    const counts = since === undefined
      ? []
      : await Promise.all(chunks.map((chunk) => run.count("TimeEntries", entryFilter(chunk))));
    const entryPages = counts.reduce((s, c) => s + (c === 0 ? 0 : pages(c)), 0);
    run.checkBudget(entryPages + 2, {
      work: `${entryPages} pages of ${counts.reduce((s, c) => s + c, 0).toLocaleString("en-US")} ` +
        "time entries charged to the contracts, and 2 lookups",
      narrower: () => "Give a companyID, or try again after the hourly window resets",
    });
    const usedHours = new Map<
      number,
      { all: number; last30: number; byRole: Map<number, [number, number]> }
    >();
    const burnFrom = addDays(today, -29);
    const retainerIds = new Set(retainers.map((c) => c.id as number));
    for (const [k, chunk] of chunks.entries()) {
      if (since === undefined || counts[k] === 0) continue;
      await run.eachPage("TimeEntries", {
        filter: entryFilter(chunk),
        fields: ["contractID", "dateWorked", "hoursToBill", "roleID"],
      }, (items) => {
        for (const e of items) {
          const id = idOf(e.contractID);
          const day = dayOfField(e.dateWorked);
          if (id === null || day < (purchases.get(id)?.firstDay ?? "")) continue;
          const used = usedHours.get(id) ??
            usedHours.set(id, { all: 0, last30: 0, byRole: new Map() }).get(id)!;
          const hours = num(e.hoursToBill);
          const recent = day >= burnFrom && day <= today;
          used.all += hours;
          if (recent) used.last30 += hours;
          if (retainerIds.has(id)) {
            const role = idOf(e.roleID) ?? -1;
            const pair = used.byRole.get(role) ?? [0, 0];
            pair[0] += hours;
            if (recent) pair[1] += hours;
            used.byRole.set(role, pair);
          }
        }
      });
    }
    // Retainers draw money: hours to bill at the role's hourly rate.
    const roleIds = [...usedHours].filter(([id]) => retainerIds.has(id))
      .flatMap(([, u]) => [...u.byRole.keys()]).filter((r) => r >= 0);
    const [roles, companyNames] = await Promise.all([
      roleIds.length === 0
        ? new Map<number, AutotaskRecord>()
        : run.byIds("Roles", roleIds, { fields: ["hourlyRate"] }),
      run.names(
        "Companies",
        [...prepaid, ...ending].map((c) => idOf(c.companyID)).filter((id) =>
          id !== null
        ) as number[],
      ),
    ]);
    const typeLabel = new Map(types.map((t) => [t.value, t.label]));
    const rowOf = (c: AutotaskRecord, retainer: boolean) => {
      const id = c.id as number;
      const bought = purchases.get(id);
      const u = usedHours.get(id);
      let used = u?.all ?? 0;
      let last30 = u?.last30 ?? 0;
      if (retainer && u) {
        [used, last30] = [0, 0];
        for (const [role, [all, recent]] of u.byRole) {
          const rate = num(roles.get(role)?.hourlyRate);
          used += round2(all * rate);
          last30 += round2(recent * rate);
        }
      }
      const purchased = bought?.bought ?? 0;
      const remaining = purchased - used;
      const perDay = last30 / 30;
      const daysLeft = remaining <= 0 ? 0 : perDay > 0 ? Math.ceil(remaining / perDay) : null;
      const ends = dayOfField(c.endDate);
      const runOut = daysLeft === null ? null : addDays(today, daysLeft);
      return {
        contract: String(c.contractName ?? `Contract ${id}`),
        id,
        company: companyNames.get(idOf(c.companyID) ?? -1) ?? `Company ${c.companyID}`,
        purchased: round2(purchased),
        approved: round2(bought?.approved ?? 0),
        used: round2(used),
        remaining: round2(remaining),
        burn30: round2(last30),
        runOut,
        daysLeft,
        ends,
        runsOutBeforeEnd: runOut !== null && ends !== "" && runOut <= ends ? "yes" : "no",
      };
    };
    const byRunOut = (a: { daysLeft: number | null }, b: { daysLeft: number | null }) =>
      (a.daysLeft ?? Infinity) - (b.daysLeft ?? Infinity);
    const blockRows = blocks.map((c) => rowOf(c, false)).sort(byRunOut);
    const retainerRows = retainers.map((c) => rowOf(c, true)).sort(byRunOut);
    const endingRows = ending.map((c) => ({
      contract: String(c.contractName ?? `Contract ${c.id}`),
      id: c.id as number,
      company: companyNames.get(idOf(c.companyID) ?? -1) ?? `Company ${c.companyID}`,
      type: typeLabel.get(c.contractType as number) ?? String(c.contractType),
      ends: dayOfField(c.endDate),
      daysLeft: daysBetween(today, dayOfField(c.endDate)),
    })).sort((a, b) => a.daysLeft - b.daysLeft);
    const soon = [...blockRows, ...retainerRows].filter((r) =>
      r.daysLeft !== null && r.daysLeft <= 30
    );
    const columns = (unit?: string): DashboardColumn[] => [
      { key: "contract", label: "Contract" },
      { key: "company", label: "Company" },
      { key: "purchased", label: "Purchased", unit },
      { key: "approved", label: "Approved in Autotask", unit },
      { key: "used", label: "Used", unit },
      { key: "remaining", label: "Remaining", unit },
      { key: "burn30", label: "Used in 30 days", unit },
      { key: "runOut", label: "Projected run-out" },
      { key: "ends", label: "Contract ends" },
    ];
    const report: DashboardReport = {
      report: "report_contracts",
      title: "Block-hour and retainer contracts",
      period: { from: today, to: addDays(today, args.endingWithinDays), timeZone: ctx.timeZone },
      summary: [
        { label: "Block-hour contracts", value: blockRows.length },
        {
          label: "Block hours remaining",
          value: round2(blockRows.reduce((s, r) => s + Math.max(0, r.remaining), 0)),
          unit: "h",
        },
        { label: "Retainers", value: retainerRows.length },
        { label: "Run out within 30 days", value: soon.length },
        { label: `Ending within ${args.endingWithinDays} days`, value: endingRows.length },
      ],
      tables: [
        { title: "Block-hour contracts (hours)", columns: columns("h"), rows: blockRows },
        { title: "Retainers (amounts)", columns: columns(), rows: retainerRows },
        {
          title: `Contracts ending within ${args.endingWithinDays} days`,
          columns: [
            { key: "contract", label: "Contract" },
            { key: "company", label: "Company" },
            { key: "type", label: "Type" },
            { key: "ends", label: "Ends" },
            { key: "daysLeft", label: "Days left" },
          ],
          rows: endingRows,
        },
      ],
      charts: [
        {
          kind: "stacked-bar",
          title: "Block hours used and remaining",
          x: { key: "contract", label: "Contract" },
          series: [{ key: "used", label: "Used" }, { key: "remaining", label: "Remaining" }],
          table: 0,
        },
        {
          kind: "stacked-bar",
          title: "Retainer amounts used and remaining",
          x: { key: "contract", label: "Contract" },
          series: [{ key: "used", label: "Used" }, { key: "remaining", label: "Remaining" }],
          table: 1,
        },
      ],
      notes: [
        "Used is the billable time (hours to bill) charged to the contract since its first " +
        "purchase, approved or not; Approved is Autotask's own figure on the purchases",
        "Retainers are used at each role's hourly rate (contract rate overrides are not applied)",
        `Run-out: the remaining balance at the last 30 days' rate (${burnFrom} to ${today}), ` +
        "counted from today",
      ],
    };
    return finish(run, report);
  },
});

/** The reports toolset (opt-in: the default tool list has no room left in its byte budget). */
export const reports: ToolModule = {
  resources: [],
  tools: [
    timeReport,
    utilizationReport,
    agingReport,
    flowReport,
    slaReport,
    contractsReport,
  ],
  instructions: [{
    text: "Reports total in the server (prefer them to paging searches), say how many " +
      "Autotask requests they made and refuse up front when the hourly budget is short.",
    needs: ["report_time"],
  }],
};
