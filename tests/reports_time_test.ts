/**
 * report_time and report_utilization through the official MCP client, the server spawned with the
 * production flags, against the simulated tenant over HTTP: every number against a direct
 * computation over the tenant's records, with partial weeks and days read in zones west and east
 * of UTC.
 */

import assert from "node:assert/strict";
import { callError, callOk } from "./harness.ts";
import {
  card,
  dateIn,
  dayOf,
  monday,
  near,
  plusDays,
  type Rec,
  type Row,
  sum,
  table,
  tenantRequests,
  weekday,
  WEST,
  withReports,
} from "./reports_oracle.ts";

/** Billable and non-billable hours of `entries`. */
function hours(entries: Rec[]): { billable: number; nonBillable: number } {
  return {
    billable: sum(entries.filter((e) => e.isNonBillable !== true), (e) => e.hoursWorked as number),
    nonBillable: sum(
      entries.filter((e) => e.isNonBillable === true),
      (e) => e.hoursWorked as number,
    ),
  };
}

function checkRow(row: Row | undefined, entries: Rec[], what: string): void {
  assert.ok(row, `${what}: no row`);
  const h = hours(entries);
  near(row.billable, h.billable, `${what} billable`);
  near(row.nonBillable, h.nonBillable, `${what} non-billable`);
  near(row.total, h.billable + h.nonBillable, `${what} total`);
}

/** Days from `day` to today (UTC). */
function daysAgo(day: string): number {
  return (Date.now() - Date.parse(`${day}T00:00:00Z`)) / 86_400_000;
}

/** A range with a partial week at both ends: a Wednesday about ten weeks back to a Tuesday. */
function partialRange(zone: string): { from: string; to: string } {
  const today = dateIn(zone, Date.now());
  return { from: plusDays(monday(today), -68), to: plusDays(monday(today), -13) };
}

Deno.test({
  name:
    "report_time: hours by resource, company and week (partial weeks) match the tenant's entries",
  async fn() {
    await withReports(WEST, async ({ tenant, session: { client } }) => {
      const { from, to } = partialRange(WEST);
      assert.equal(weekday(from), 3);
      assert.equal(weekday(to), 2);
      const records = tenant.sandbox.records("TimeEntries") as Rec[];
      const inRange = records.filter((e) =>
        dayOf(e.dateWorked) >= from && dayOf(e.dateWorked) <= to
      );
      assert.ok(inRange.length > 1_000, `${inRange.length} entries in range`);
      const all = hours(inRange);

      tenant.sandbox.resetStats();
      const byResource = await callOk(client, "report_time", { from, to, groupBy: "resource" });
      const rows = table(byResource);
      const resources = new Set(inRange.map((e) => e.resourceID as number));
      assert.equal(rows.length, resources.size, "one row per resource who logged time");
      for (const id of resources) {
        checkRow(
          rows.find((r) => r.id === id),
          inRange.filter((e) => e.resourceID === id),
          `resource ${id}`,
        );
      }
      const named = tenant.sandbox.record("Resources", rows[0].id as number)!;
      assert.equal(rows[0].resource, `${named.firstName} ${named.lastName}`, "names, not ids");
      near(card(byResource, "Billable"), all.billable, "billable card");
      near(card(byResource, "Hours logged"), all.billable + all.nonBillable, "total card");
      assert.equal(card(byResource, "Time entries"), inRange.length);
      assert.deepEqual(byResource.period, { from, to, timeZone: WEST });
      // It said what it cost, and it cost that: a count, the pages, one name lookup.
      const sent = tenantRequests(tenant);
      const usage = byResource.requests as Record<string, number>;
      assert.equal(usage.made, sent.length, JSON.stringify(sent));
      assert.equal(usage.made, 1 + Math.ceil(inRange.length / 500) + 1);
      assert.equal(usage.hourlyLimit, 10_000);
      near(usage.budgetShare, usage.made / 10_000, "budget share");
      const pages = sent.filter((r) => /^TimeEntries\/query(\/next)?$/i.test(r.path));
      assert.equal(pages.length, Math.ceil(inRange.length / 500));
      const bodies = tenant.sandbox.log
        .filter((e) => /TimeEntries\/query(\/next)?$/i.test(e.path.split("?")[0]))
        .map((e) => e.body as { IncludeFields?: string[] });
      for (const body of bodies) {
        assert.deepEqual(
          [...body.IncludeFields!].sort(),
          ["hoursToBill", "hoursWorked", "id", "isNonBillable", "resourceID"],
          "only the fields the report needs",
        );
      }

      // Company: ticket time by the ticket's company, project time by the project's, the rest internal.
      const tickets = new Map((tenant.sandbox.records("Tickets") as Rec[]).map((t) => [t.id, t]));
      const tasks = new Map((tenant.sandbox.records("Tasks") as Rec[]).map((t) => [t.id, t]));
      const projects = new Map((tenant.sandbox.records("Projects") as Rec[]).map((p) => [p.id, p]));
      const companyOf = (e: Rec): number | null =>
        e.ticketID !== null
          ? tickets.get(e.ticketID as number)!.companyID as number
          : e.taskID !== null
          ? projects.get(tasks.get(e.taskID as number)!.projectID as number)!.companyID as number
          : null;
      const byCompany = table(
        await callOk(client, "report_time", { from, to, groupBy: "company", limit: 100 }),
      );
      const companies = new Set(inRange.map(companyOf));
      assert.equal(byCompany.length, companies.size);
      for (const id of companies) {
        checkRow(
          byCompany.find((r) => r.id === id),
          inRange.filter((e) => companyOf(e) === id),
          `company ${id}`,
        );
      }
      assert.equal(byCompany.find((r) => r.id === null)?.company, "(internal time: no company)");
      assert.ok(
        byCompany.every((r, i) =>
          i === 0 || (r.total as number) <= (byCompany[i - 1].total as number)
        ),
      );

      // A limit sums the rest into one row: nothing is lost.
      const top3 = table(
        await callOk(client, "report_time", { from, to, groupBy: "company", limit: 3 }),
      );
      assert.equal(top3.length, 4);
      assert.equal(top3[3].company, `(${companies.size - 3} others)`);
      near(
        sum(top3, (r) => r.total as number),
        all.billable + all.nonBillable,
        "limit keeps the total",
      );

      // Weeks: Monday to Sunday, the first and last cut by the range.
      const weekly = await callOk(client, "report_time", { from, to, groupBy: "week" });
      const weeks = table(weekly);
      assert.equal(weeks[0].week, monday(from));
      assert.equal(weeks[0].days, 5);
      assert.equal(weeks.at(-1)!.days, 2);
      assert.equal(weeks.length, 9);
      for (const w of weeks) {
        const start = w.week as string;
        checkRow(
          w,
          inRange.filter((e) =>
            dayOf(e.dateWorked) >= start && dayOf(e.dateWorked) <= plusDays(start, 6)
          ),
          `week ${start}`,
        );
      }
      assert.ok((weekly.notes as string[]).some((n) => n.includes("partial")));
    });
  },
});

Deno.test({
  name: "report_time and report_utilization read today and yesterday in the user's zone, not UTC",
  async fn() {
    // A zone whose date differs from UTC's right now: far east from 10:00 UTC, far west before.
    const zone = new Date().getUTCHours() >= 10 ? "Pacific/Kiritimati" : "Pacific/Pago_Pago";
    await withReports(zone, async ({ tenant, session: { client } }) => {
      const before = dateIn(zone, Date.now());
      const out = await callOk(client, "report_time", {
        from: "yesterday",
        to: "today",
        groupBy: "day",
      });
      const after = dateIn(zone, Date.now());
      const period = out.period as { from: string; to: string };
      assert.ok([before, after].includes(period.to), `today in ${zone}: ${period.to}`);
      assert.notEqual(period.to, new Date().toISOString().slice(0, 10), "not UTC's today");
      assert.equal(period.from, plusDays(period.to, -1));
      // The tenant's own days are Portland's: the report is by the user's days all the same.
      const records = tenant.sandbox.records("TimeEntries") as Rec[];
      const days = table(out);
      assert.deepEqual(days.map((d) => d.day), [period.from, period.to]);
      for (const d of days) {
        checkRow(d, records.filter((e) => dayOf(e.dateWorked) === d.day), `day ${d.day}`);
      }

      // Utilization over two weeks around the latest holiday: logged, billable, and the
      // location's business hours less its holidays.
      const yesterday = plusDays(dateIn(zone, Date.now()), -1);
      const holiday = (tenant.sandbox.records("Holidays") as Rec[]).map((h) => dayOf(h.holidayDate))
        .filter((d) => d < yesterday).sort().at(-1)!;
      const from = plusDays(holiday, -6);
      const to = plusDays(holiday, 7) < yesterday ? plusDays(holiday, 7) : yesterday;
      assert.ok(daysAgo(from) < 180, `a holiday in the history: ${holiday}`);
      const util = await callOk(client, "report_utilization", { from, to });
      const rows = table(util);
      const inRange = records.filter((e) =>
        dayOf(e.dateWorked) >= from && dayOf(e.dateWorked) <= to
      );
      const locations = new Map(
        (tenant.sandbox.records("InternalLocationWithBusinessHours") as Rec[]).map((
          l,
        ) => [l.id, l]),
      );
      const holidays = new Set(
        (tenant.sandbox.records("Holidays") as Rec[]).map((h) =>
          `${h.holidaySetID}/${dayOf(h.holidayDate)}`
        ),
      );
      const names = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
      const clock = (v: unknown) =>
        typeof v === "string" ? Number(v.slice(11, 13)) + Number(v.slice(14, 16)) / 60 : null;
      const workingOf = (location: Rec): number => {
        let total = 0;
        for (let day = from; day <= to; day = plusDays(day, 1)) {
          if (holidays.has(`${location.holidaySetID}/${day}`) && location.noHoursOnHolidays) {
            continue;
          }
          const [start, end] = [
            clock(location[`${names[weekday(day)]}BusinessHoursStartTime`]),
            clock(location[`${names[weekday(day)]}BusinessHoursEndTime`]),
          ];
          if (start !== null && end !== null) total += end - start;
        }
        return total;
      };
      const people = new Set(inRange.map((e) => e.resourceID as number));
      assert.equal(rows.length, people.size);
      let sawWorking = false;
      for (const id of people) {
        const row = rows.find((r) => r.id === id)!;
        const mine = inRange.filter((e) => e.resourceID === id);
        const h = hours(mine);
        const logged = h.billable + h.nonBillable;
        near(row.logged, logged, `logged ${id}`);
        near(row.billable, h.billable, `billable ${id}`);
        near(row.billableShare, Math.round((h.billable / logged) * 1000) / 10, `share ${id}`);
        const resource = tenant.sandbox.record("Resources", id)!;
        if (resource.isActive !== true) {
          assert.equal(row.working, null, "no working hours for someone who left");
          continue;
        }
        const working = workingOf(locations.get(resource.locationID as number)!);
        near(row.working, working, `working ${id}`);
        near(
          row.billableOfWorking,
          Math.round((h.billable / working) * 1000) / 10,
          `of working ${id}`,
        );
        sawWorking ||= working > 0;
      }
      assert.ok(sawWorking, "working hours come from the location");
    });
  },
});

Deno.test({
  name: "report_time refuses what it cannot do with messages that say what to change",
  async fn() {
    await withReports(WEST, async ({ session: { client } }) => {
      assert.match(
        await callError(client, "report_time", { from: "2026-03-10", to: "2026-03-01" }),
        /from \(2026-03-10\) is after to \(2026-03-01\): give the earlier day as from/,
      );
      assert.match(
        await callError(client, "report_time", { from: "last tuesday" }),
        /from must be a day: YYYY-MM-DD, today or yesterday \(got "last tuesday"\)/,
      );
      assert.match(
        await callError(client, "report_time", {
          from: "2026-01-01",
          to: "2026-12-31",
          groupBy: "day",
        }),
        /365 days; this report covers at most 92: group by week, or ask for fewer days/,
      );
      assert.match(
        await callError(client, "report_time", { groupBy: "month" }),
        /groupBy/,
      );
    });
  },
});
