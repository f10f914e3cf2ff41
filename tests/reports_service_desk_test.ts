/**
 * Service desk reports through the official MCP client, the server spawned with the production
 * flags, against the simulated tenant over HTTP: open tickets by age, created vs completed per
 * week and SLA results, each against the tenant's own records with local days computed in zones
 * west and east of UTC. The count-based reports download no ticket.
 */

import assert from "node:assert/strict";
import { callOk } from "./harness.ts";
import {
  card,
  dateIn,
  EAST,
  monday,
  near,
  plusDays,
  type Rec,
  type Row,
  table,
  tenantRequests,
  weekday,
  WEST,
  withReports,
} from "./reports_oracle.ts";
import type { ServedSandbox } from "../lib/sandbox/mod.ts";

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** No ticket was downloaded: only counts (and the metadata and resource lists they group by). */
function onlyCounts(tenant: ServedSandbox): void {
  const sent = tenantRequests(tenant);
  const downloads = sent.filter((r) => /^Tickets\/query(\/next)?$/i.test(r.path));
  assert.deepEqual(downloads, [], "no ticket downloaded");
  assert.ok(sent.some((r) => /^Tickets\/query\/count$/i.test(r.path)));
}

async function checkFlow(
  tenant: ServedSandbox,
  client: Parameters<typeof callOk>[0],
  zone: string,
) {
  const today = dateIn(zone, Date.now());
  // Thursday eight weeks back to the Monday before last: partial weeks at both ends.
  const from = plusDays(monday(today), -53);
  const to = plusDays(monday(today), -7);
  assert.equal(weekday(from), 4);
  tenant.sandbox.resetStats();
  const out = await callOk(client, "report_ticket_flow", { from, to });
  onlyCounts(tenant);
  const rows = table(out);
  assert.equal((out.requests as { made: number }).made, tenantRequests(tenant).length);
  assert.equal(rows.length, 8);
  assert.equal(rows[0].days, 4);
  assert.equal(rows.at(-1)!.days, 1);
  const tickets = tenant.sandbox.records("Tickets") as Rec[];
  let shifted = 0;
  for (const row of rows) {
    const [start, end] = [row.from as string, row.to as string];
    const inWeek = (field: string) =>
      tickets.filter((t) => {
        if (typeof t[field] !== "string") return false;
        const day = dateIn(zone, t[field] as string);
        if (day !== (t[field] as string).slice(0, 10)) shifted++;
        return day >= start && day <= end;
      }).length;
    assert.equal(row.created, inWeek("createDate"), `${zone} created ${start}..${end}`);
    assert.equal(row.completed, inWeek("completedDate"), `${zone} completed ${start}..${end}`);
    assert.equal(row.net, (row.created as number) - (row.completed as number));
  }
  // The zone matters for these tickets: their local day is not their UTC day.
  assert.ok(shifted > 100, `${shifted} tickets whose local day differs from the UTC day`);
  assert.equal(card(out, "Created"), rows.reduce((s, r) => s + (r.created as number), 0));
}

Deno.test({
  name: "report_ticket_flow counts created and completed per local week, west of UTC",
  async fn() {
    await withReports(WEST, async ({ tenant, session: { client } }) => {
      await checkFlow(tenant, client, WEST);
    });
  },
});

Deno.test({
  name:
    "east of UTC: ticket aging by local days, weekly flow and SLA of completed tickets match the tenant",
  async fn() {
    await withReports(EAST, async ({ tenant, session: { client } }) => {
      await checkFlow(tenant, client, EAST);
      const tickets = tenant.sandbox.records("Tickets") as Rec[];

      // Aging: counted, not downloaded; ages in whole local days up to the report's own instant.
      const buckets: [string, number, number][] = [
        ["d0_1", 0, 1],
        ["d2_7", 2, 7],
        ["d8_30", 8, 30],
        ["d31_90", 31, 90],
        ["d90plus", 91, Infinity],
      ];
      for (const by of ["priority", "queue", "assignee"] as const) {
        tenant.sandbox.resetStats();
        const out = await callOk(client, "report_ticket_aging", { by });
        onlyCounts(tenant);
        assert.equal((out.requests as { made: number }).made, tenantRequests(tenant).length);
        const today = dateIn(EAST, out.asOf as string);
        const open = tickets.filter((t) => t.status !== 5);
        const age = (t: Rec) => daysBetween(dateIn(EAST, t.createDate as string), today);
        const field =
          { priority: "priority", queue: "queueID", assignee: "assignedResourceID" }[by];
        const rows = table(out);
        assert.equal(card(out, "Open tickets"), open.length);
        const values = new Set(open.map((t) => (t[field] ?? null) as number | null));
        assert.ok(values.size >= 3, `${by}: ${values.size} values`);
        for (const value of values) {
          // No value has its own row ("(unassigned)", "(no queue)"); "(other)" is another.
          const none = by === "assignee" ? "(unassigned)" : "(no queue)";
          const row = value === null
            ? rows.find((r) => r[by] === none)
            : rows.find((r) => r.id === value);
          assert.ok(row, `${by} ${value}`);
          for (const [key, first, last] of buckets) {
            const expected = open.filter((t) =>
              (t[field] ?? null) === value && age(t) >= first && age(t) <= last
            ).length;
            assert.equal(row[key], expected, `${by} ${value} ${key}`);
          }
        }
        const ages = table(out, "Open tickets by age");
        for (const [k, [, first, last]] of buckets.entries()) {
          assert.equal(ages[k].open, open.filter((t) => age(t) >= first && age(t) <= last).length);
        }
        // Local days, not hours: a ticket created late yesterday (Tokyo) is in 0-1 either way, but
        // one created 48 hours ago at 23:00 is 2 days old although under 49 hours have passed.
        assert.ok(
          open.some((t) =>
            age(t) === 2 &&
            Date.parse(out.asOf as string) - Date.parse(t.createDate as string) < 49 * 3_600_000
          ) ||
            open.some((t) => age(t) === 1),
          "the data has tickets near the day boundaries",
        );
      }

      // SLA of the tickets completed in the last four weeks (Tokyo days).
      const to = plusDays(dateIn(EAST, Date.now()), -1);
      const from = plusDays(to, -27);
      tenant.sandbox.resetStats();
      const sla = await callOk(client, "report_sla", { from, to, missesLimit: 100 });
      assert.equal((sla.requests as { made: number }).made, tenantRequests(tenant).length);
      const results = new Map(
        (tenant.sandbox.records("ServiceLevelAgreementResults") as Rec[]).map((
          r,
        ) => [r.ticketID, r]),
      );
      const completed = tickets.filter((t) =>
        typeof t.completedDate === "string" &&
        dateIn(EAST, t.completedDate) >= from && dateIn(EAST, t.completedDate) <= to
      );
      assert.equal(card(sla, "Completed tickets"), completed.length);
      const withSla = completed.filter((t) => t.serviceLevelAgreementID !== null);
      assert.equal(card(sla, "With an SLA"), withSla.length);
      const flags = [
        ["firstResponse", "isFirstResponseMet"],
        ["resolutionPlan", "isResolutionPlanMet"],
        ["resolution", "isResolutionMet"],
      ] as const;
      const missedAny = (t: Rec) => flags.some(([, f]) => results.get(t.id)?.[f] === false);
      assert.equal(sla.missesTotal, withSla.filter(missedAny).length);
      assert.ok((sla.missesTotal as number) > 10, `${sla.missesTotal} misses`);
      const byPriority = table(sla, "SLA by priority");
      for (const row of byPriority) {
        const mine = withSla.filter((t) => t.priority === row.id);
        assert.equal(row.tickets, mine.length, `priority ${row.priority}`);
        for (const [key, flag] of flags) {
          const met = mine.filter((t) => results.get(t.id)?.[flag] === true).length;
          const missed = mine.filter((t) => results.get(t.id)?.[flag] === false).length;
          assert.equal(row[`${key}Missed`], missed, `${row.priority} ${key} missed`);
          near(
            row[`${key}Met`],
            Math.round((met / (met + missed)) * 1000) / 10,
            `${row.priority} ${key} %`,
          );
        }
        assert.equal(row.withMiss, mine.filter(missedAny).length);
      }
      assert.equal(byPriority.reduce((s, r) => s + (r.tickets as number), 0), withSla.length);
      const byQueue = table(sla, "SLA by queue");
      for (const row of byQueue) {
        const mine = withSla.filter((t) => (t.queueID ?? null) === row.id);
        assert.equal(row.tickets, mine.length, `queue ${row.queue}`);
        assert.equal(
          row.resolutionMissed,
          mine.filter((t) => results.get(t.id)?.isResolutionMet === false).length,
        );
      }
      // The misses: real misses, named, the latest first, with how late they were.
      const misses = table(sla, "Missed SLA targets") as Row[];
      assert.equal(misses.length, Math.min(100, sla.missesTotal as number));
      for (const miss of misses) {
        const t = tenant.sandbox.record("Tickets", miss.id as number) as Rec;
        assert.equal(miss.ticket, t.ticketNumber);
        assert.ok(missedAny(t), `${miss.ticket} missed`);
        const expected = flags.filter(([, f]) => results.get(t.id)?.[f] === false)
          .map(([key]) =>
            ({
              firstResponse: "first response",
              resolutionPlan: "resolution plan",
              resolution: "resolution",
            })[key]
          );
        assert.equal(miss.missed, expected.join(", "));
        const company = tenant.sandbox.record("Companies", t.companyID as number)!;
        assert.equal(miss.company, company.companyName);
      }
      const late = misses.map((m) => m.hoursLate as number);
      assert.ok(late.every((h, i) => i === 0 || h <= late[i - 1]), "the latest first");
      assert.ok(late[0] > 0);
    });
  },
});
