/**
 * report_time's other groupings (project, ticket, contract, role, work type) and its resourceID
 * and contractID filters, through the official MCP client against the simulated tenant: every row
 * against a direct computation over the tenant's time entries, names included.
 */

import assert from "node:assert/strict";
import { callOk } from "./harness.ts";
import {
  dateIn,
  dayOf,
  monday,
  near,
  plusDays,
  type Rec,
  type Row,
  sum,
  table,
  WEST,
  withReports,
} from "./reports_oracle.ts";

/** Billable, non-billable and total hours of `entries`, checked against `row`. */
function checkRow(row: Row | undefined, entries: Rec[], what: string): void {
  assert.ok(row, `${what}: no row`);
  const billable = sum(
    entries.filter((e) => e.isNonBillable !== true),
    (e) => e.hoursWorked as number,
  );
  const nonBillable = sum(
    entries.filter((e) => e.isNonBillable === true),
    (e) => e.hoursWorked as number,
  );
  near(row.billable, billable, `${what} billable`);
  near(row.nonBillable, nonBillable, `${what} non-billable`);
  near(row.total, billable + nonBillable, `${what} total`);
}

/**
 * Checks a grouped report: one row per key among the `limit` busiest, the rest summed in
 * "(N others)", the row of entries without a key labelled `none`, names from `nameOf`.
 */
function checkGroups(
  rows: Row[],
  entries: Rec[],
  options: {
    group: string;
    keyOf: (e: Rec) => number | null;
    none: string;
    nameOf: (id: number) => string;
    limit: number;
  },
): void {
  const { group, keyOf } = options;
  const keys = new Set(entries.map(keyOf));
  const others = rows.find((r) => String(r[group]).match(/^\(\d+ others\)$/));
  const listed = rows.filter((r) => r !== others);
  assert.equal(listed.length, Math.min(keys.size, options.limit), `${group}: rows`);
  for (const row of listed) {
    const id = row.id as number | null;
    assert.ok(keys.has(id), `${group} ${id} has time in the range`);
    checkRow(row, entries.filter((e) => keyOf(e) === id), `${group} ${id}`);
    assert.equal(row[group], id === null ? options.none : options.nameOf(id), `${group} name`);
  }
  if (keys.size > options.limit) {
    assert.equal(others?.[group], `(${keys.size - options.limit} others)`);
    const shown = new Set(listed.map((r) => r.id));
    checkRow(others, entries.filter((e) => !shown.has(keyOf(e))), `${group} others`);
  } else {
    assert.equal(others, undefined, `${group}: no others row`);
  }
}

Deno.test({
  name:
    "report_time by project, ticket, contract, role and work type, and for one resource or contract, matches the tenant's entries",
  async fn() {
    await withReports(WEST, async ({ tenant, session: { client } }) => {
      const today = dateIn(WEST, Date.now());
      const from = plusDays(monday(today), -27);
      const to = plusDays(monday(today), -1);
      const records = tenant.sandbox.records("TimeEntries") as Rec[];
      const inRange = records.filter((e) =>
        dayOf(e.dateWorked) >= from && dayOf(e.dateWorked) <= to
      );
      assert.ok(inRange.length > 500, `${inRange.length} entries in range`);
      const record = (entity: string, id: number): Rec => {
        const found = tenant.sandbox.record(entity, id);
        assert.ok(found, `${entity} ${id}`);
        return found as Rec;
      };
      const idOr = (v: unknown): number | null => typeof v === "number" ? v : null;

      const groups = [
        {
          group: "project",
          keyOf: (e: Rec) =>
            e.taskID === null ? null : record("Tasks", e.taskID as number).projectID as number,
          none: "(not project work)",
          nameOf: (id: number) => String(record("Projects", id).projectName),
        },
        {
          group: "ticket",
          keyOf: (e: Rec) => idOr(e.ticketID),
          none: "(not ticket work)",
          nameOf: (id: number) => String(record("Tickets", id).ticketNumber),
        },
        {
          group: "contract",
          keyOf: (e: Rec) => idOr(e.contractID),
          none: "(no contract)",
          nameOf: (id: number) => String(record("Contracts", id).contractName),
        },
        {
          group: "role",
          keyOf: (e: Rec) => idOr(e.roleID),
          none: "(no role)",
          nameOf: (id: number) => String(record("Roles", id).name),
        },
        {
          group: "workType",
          keyOf: (e: Rec) => idOr(e.billingCodeID),
          none: "(no work type)",
          nameOf: (id: number) => String(record("BillingCodes", id).name),
        },
      ];
      for (const g of groups) {
        const limit = 100;
        const out = await callOk(client, "report_time", { from, to, groupBy: g.group, limit });
        const rows = table(out);
        checkGroups(rows, inRange, { ...g, limit });
        assert.ok(rows.some((r) => r.id !== null), `${g.group}: some time has one`);
        if (g.group === "ticket") {
          for (const row of rows.filter((r) => typeof r.id === "number")) {
            const ticket = record("Tickets", row.id as number);
            assert.equal(
              row.company,
              String(record("Companies", ticket.companyID as number).companyName),
              "a ticket's company by name",
            );
          }
        }
      }
      // Both kinds of time exist in the range, so the "(no ...)" rows were really checked.
      assert.ok(inRange.some((e) => e.contractID === null) && inRange.some((e) => e.contractID));

      // Filters: one resource's time by work type, one contract's time by role.
      const resourceID = inRange[0].resourceID as number;
      const mine = inRange.filter((e) => e.resourceID === resourceID);
      checkGroups(
        table(
          await callOk(client, "report_time", { from, to, groupBy: "workType", resourceID }),
        ),
        mine,
        { ...groups[4], limit: 25 },
      );
      const contractID = inRange.find((e) => typeof e.contractID === "number")!
        .contractID as number;
      const charged = inRange.filter((e) => e.contractID === contractID);
      checkGroups(
        table(await callOk(client, "report_time", { from, to, groupBy: "role", contractID })),
        charged,
        { ...groups[3], limit: 25 },
      );
    });
  },
});
