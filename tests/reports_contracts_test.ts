/**
 * report_contracts through the official MCP client, the server spawned with the production flags,
 * against the simulated tenant over HTTP: purchases, use, 30-day burn and run-out of block-hour
 * and retainer contracts, and the contracts ending soon, against the tenant's records.
 */

import assert from "node:assert/strict";
import { callOk, tenantClient } from "./harness.ts";
import {
  card,
  dateIn,
  dayOf,
  near,
  plusDays,
  type Rec,
  sum,
  table,
  tenantRequests,
  WEST,
  withReports,
} from "./reports_oracle.ts";

Deno.test({
  name:
    "report_contracts: purchased, used, remaining, 30-day burn, run-out and contracts ending soon",
  async fn() {
    await withReports(WEST, async ({ tenant, session: { client } }) => {
      // A cancelled (inactive) purchase on a block-hour contract: bought nothing.
      const block = (tenant.sandbox.records("ContractBlocks") as Rec[]).find((p) =>
        tenant.sandbox.record("Contracts", p.contractID as number)?.status === 1
      )!;
      await tenantClient(tenant).create("ContractBlocks", {
        contractID: block.contractID,
        datePurchased: block.startDate,
        startDate: block.startDate,
        endDate: block.endDate,
        hours: 400,
        hourlyRate: 100,
        status: 0,
      });
      tenant.sandbox.resetStats();
      const out = await callOk(client, "report_contracts", { endingWithinDays: 45 });
      const today = dateIn(WEST, Date.now());
      assert.equal((out.requests as { made: number }).made, tenantRequests(tenant).length);

      const contracts = tenant.sandbox.records("Contracts") as Rec[];
      const entries = tenant.sandbox.records("TimeEntries") as Rec[];
      const roles = new Map((tenant.sandbox.records("Roles") as Rec[]).map((r) => [r.id, r]));
      const check = (
        type: number,
        title: string,
        child: string,
        size: string,
        approved: string,
      ) => {
        const rows = table(out, title);
        const expected = contracts.filter((c) => c.status === 1 && c.contractType === type);
        assert.equal(rows.length, expected.length, title);
        assert.ok(rows.length >= 2, `${title}: ${rows.length}`);
        for (const c of expected) {
          const row = rows.find((r) => r.id === c.id)!;
          const buys = (tenant.sandbox.records(child) as Rec[]).filter((p) =>
            p.contractID === c.id && p.status !== 0
          );
          const first = buys.map((p) => dayOf(p.startDate)).sort()[0];
          const worth = (e: Rec) =>
            (e.hoursToBill as number) *
            (type === 6 ? roles.get(e.roleID as number)!.hourlyRate as number : 1);
          const billable = entries.filter((e) =>
            e.contractID === c.id && e.isNonBillable === false && dayOf(e.dateWorked) >= first
          );
          const purchased = sum(buys, (p) => p[size] as number);
          const used = sum(billable, worth);
          const last30 = sum(
            billable.filter((e) =>
              dayOf(e.dateWorked) >= plusDays(today, -29) && dayOf(e.dateWorked) <= today
            ),
            worth,
          );
          const what = String(c.contractName);
          // Money is summed per role before rounding: allow a cent per role.
          const tolerance = type === 6 ? 0.1 : 0.011;
          assert.ok(
            Math.abs((row.used as number) - used) < tolerance,
            `${what} used ${row.used} vs ${used}`,
          );
          near(row.purchased, purchased, `${what} purchased`);
          near(row.approved, sum(buys, (p) => p[approved] as number), `${what} approved`);
          assert.ok(
            Math.abs((row.remaining as number) - (purchased - used)) < tolerance,
            `${what} remaining`,
          );
          assert.ok(Math.abs((row.burn30 as number) - last30) < tolerance, `${what} burn`);
          assert.equal(row.ends, dayOf(c.endDate));
          assert.equal(
            row.company,
            tenant.sandbox.record("Companies", c.companyID as number)!.companyName,
          );
          const remaining = row.remaining as number;
          const daysLeft = remaining <= 0
            ? 0
            : (row.burn30 as number) > 0
            ? Math.ceil(remaining / ((row.burn30 as number) / 30))
            : null;
          assert.equal(
            row.runOut,
            daysLeft === null ? null : plusDays(today, daysLeft),
            `${what} run-out`,
          );
        }
        return rows;
      };
      const blocks = check(
        4,
        "Block-hour contracts (hours)",
        "ContractBlocks",
        "hours",
        "hoursApproved",
      );
      check(6, "Retainers (amounts)", "ContractRetainers", "amount", "amountApproved");
      // The tenant has a block-hour contract that runs out within about two weeks.
      assert.ok(
        blocks.some((r) => r.runOut !== null && (r.runOut as string) <= plusDays(today, 30)),
        JSON.stringify(blocks),
      );
      assert.ok((card(out, "Run out within 30 days") as number) >= 1);

      const ending = table(out, "Contracts ending within 45 days");
      const soon = contracts.filter((c) =>
        c.status === 1 && dayOf(c.endDate) >= today && dayOf(c.endDate) <= plusDays(today, 45)
      );
      assert.deepEqual(ending.map((r) => r.id).sort(), soon.map((c) => c.id).sort());
      assert.ok(ending.length >= 2);
      for (const row of ending) {
        const c = soon.find((x) => x.id === row.id)!;
        assert.equal(row.ends, dayOf(c.endDate));
        assert.equal(
          row.daysLeft,
          Math.round((Date.parse(dayOf(c.endDate)) - Date.parse(today)) / 86_400_000),
        );
      }
      assert.ok(
        ending.every((r, i) =>
          i === 0 || (r.daysLeft as number) >= (ending[i - 1].daysLeft as number)
        ),
      );
      assert.equal(card(out, "Ending within 45 days"), soon.length);

      // The last day counts: a contract ending in exactly N days is within N days, not N - 1.
      const next = ending.find((r) => (r.daysLeft as number) >= 1)!;
      const within = async (days: number) =>
        table(
          await callOk(client, "report_contracts", { endingWithinDays: days }),
          `Contracts ending within ${days} days`,
        ).map((r) => r.id);
      assert.ok((await within(next.daysLeft as number)).includes(next.id));
      assert.ok(!(await within((next.daysLeft as number) - 1)).includes(next.id));
    });
  },
});
