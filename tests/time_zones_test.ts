/**
 * End to end over stdio in the user's time zone (AUTOTASK_TIME_ZONE): time entries land on the
 * local day, days people say are local days, search dates are local days, and results show
 * date-times with their offset. West (Los Angeles), east (Tokyo) and across DST (Berlin).
 */

import assert from "node:assert/strict";
import { localDate, localDay } from "../lib/dates.ts";
import type { RequestLogEntry, ServedSandbox } from "../lib/sandbox/mod.ts";
import {
  callError,
  callOk,
  connectStdio,
  startTenant,
  type StdioSession,
  tenantEnv,
} from "./harness.ts";

type Rec = Record<string, unknown>;
const HOUR = 3_600_000;

/** The body of the last POST to `path` (e.g. "TimeEntries") since log index `from`. */
function lastPost(log: RequestLogEntry[], from: number, path: RegExp): Rec | undefined {
  return log.slice(from).findLast((e) => e.method === "POST" && path.test(e.path.split("?")[0]))
    ?.body as Rec | undefined;
}

async function inZone<T>(
  timeZone: string,
  fn: (tenant: ServedSandbox, session: StdioSession) => Promise<T>,
): Promise<T> {
  const tenant = await startTenant();
  const session = await connectStdio({
    env: {
      ...tenantEnv(tenant),
      AUTOTASK_TIME_ZONE: timeZone,
      AUTOTASK_TOOLSETS: "default,time,projects",
    },
  });
  try {
    return await fn(tenant, session);
  } finally {
    await session.close();
    await tenant.close();
  }
}

const entry = { resourceID: 678, ticketID: 9999, summaryNotes: "Replaced the patch lead." };

Deno.test({
  name: "America/Los_Angeles: a 16:30 start files on that local day, shown with its offset",
  async fn() {
    await inZone("America/Los_Angeles", async (tenant, { client }) => {
      const log = tenant.sandbox.log;
      let from = log.length;
      const out = await callOk(client, "create_time_entry", {
        ...entry,
        hoursWorked: 1,
        startDateTime: "2026-12-01T16:30:00-08:00",
      });
      const sent = lastPost(log, from, /TimeEntries$/)!;
      // 16:30 in Los Angeles is 00:30 UTC the next day: the timesheet day is still December 1.
      assert.equal(String(sent.dateWorked).slice(0, 10), "2026-12-01");
      assert.equal(sent.startDateTime, "2026-12-02T00:30:00Z");
      const item = out.item as Rec;
      assert.equal(item.startDateTime, "2026-12-01T16:30:00-08:00");
      assert.equal(item.endDateTime, "2026-12-01T17:30:00-08:00");
      assert.equal(item.dateWorked, "2026-12-01");

      // A zoneless time is wall-clock time in the zone.
      from = log.length;
      await callOk(client, "create_time_entry", {
        ...entry,
        hoursWorked: 0.5,
        startDateTime: "2026-12-01T17:45",
      });
      assert.equal(lastPost(log, from, /TimeEntries$/)!.startDateTime, "2026-12-02T01:45:00Z");

      // dateWorked that is not the start's local date is refused, both dates shown, nothing sent.
      from = log.length;
      const refused = await callError(client, "create_time_entry", {
        ...entry,
        hoursWorked: 1,
        dateWorked: "2026-12-02",
        startDateTime: "2026-12-01T16:30:00-08:00",
      });
      assert.match(refused, /dateWorked 2026-12-02 disagrees with startDateTime/);
      assert.match(refused, /2026-12-01 in America\/Los_Angeles/);
      assert.equal(lastPost(log, from, /TimeEntries$/), undefined);

      // Results show date-times in the zone (PST or PDT), date-only fields as days.
      const ticket = await callOk(client, "get_ticket", { id: 9999 });
      assert.match(String((ticket.item as Rec).createDate), /T\d\d:\d\d:\d\d-0[78]:00$/);
      const logged = await callOk(client, "search_time_entries", { ticketID: 9999 });
      for (const e of logged.items as Rec[]) {
        assert.match(String(e.dateWorked), /^\d{4}-\d{2}-\d{2}$/);
      }
    });
  },
});

Deno.test({
  name: "no start: the entry ends now and starts hoursWorked earlier, and the result says so",
  async fn() {
    await inZone("America/Los_Angeles", async (tenant, { client }) => {
      const from = tenant.sandbox.log.length;
      const before = Date.now();
      const out = await callOk(client, "create_time_entry", { ...entry, hoursWorked: 1.5 });
      const sent = lastPost(tenant.sandbox.log, from, /TimeEntries$/)!;
      const end = Date.parse(String(sent.endDateTime));
      const start = Date.parse(String(sent.startDateTime));
      assert.ok(end <= Date.now() && end > before - 61_000, `end ${sent.endDateTime} is now`);
      assert.equal(end - start, 1.5 * HOUR);
      assert.equal(
        String(sent.dateWorked).slice(0, 10),
        localDate(start, "America/Los_Angeles"),
      );
      assert.match(String(out.note), /no startDateTime: the work ends now \(.*-0[78]:00\)/);
      assert.match(String(out.note), /starts 1\.5 hours earlier/);
    });
  },
});

Deno.test({
  name: "Asia/Tokyo: today and yesterday are local days; dateWorked filters are local days",
  async fn() {
    const zone = "Asia/Tokyo";
    await inZone(zone, async (tenant, { client }) => {
      const log = tenant.sandbox.log;
      const yesterday = localDay("yesterday", { timeZone: zone, now: Date.now() })!;
      let from = log.length;
      const out = await callOk(client, "create_time_entry", {
        ...entry,
        hoursWorked: 2,
        dateWorked: "yesterday",
      });
      const sent = lastPost(log, from, /TimeEntries$/)!;
      assert.equal(sent.dateWorked, `${yesterday}T00:00:00Z`);
      // Work on another day starts at 08:00 local: 23:00 UTC the day before in Tokyo.
      const dayBefore = new Date(Date.parse(`${yesterday}T00:00:00Z`) - 86_400_000)
        .toISOString().slice(0, 10);
      assert.equal(sent.startDateTime, `${dayBefore}T23:00:00Z`);
      assert.equal((out.item as Rec).startDateTime, `${yesterday}T08:00:00+09:00`);
      assert.match(String(out.note), new RegExp(`the work on ${yesterday} starts at`));

      // A 23:30 UTC start is the next morning in Tokyo.
      from = log.length;
      await callOk(client, "create_time_entry", {
        ...entry,
        hoursWorked: 1,
        startDateTime: "2026-12-01T23:30:00Z",
      });
      assert.equal(lastPost(log, from, /TimeEntries$/)!.dateWorked, "2026-12-02T00:00:00Z");

      // dateWorked is a day: the filter sends the day itself, no zone shift.
      from = log.length;
      const found = await callOk(client, "search_time_entries", {
        resourceID: 678,
        dateWorkedFrom: "2026-12-02",
        dateWorkedTo: "2026-12-02",
      });
      const query = JSON.stringify(lastPost(log, from, /TimeEntries\/query$/));
      assert.match(query, /"op":"gte","field":"dateWorked","value":"2026-12-02T00:00:00Z"/);
      assert.match(query, /"op":"lte","field":"dateWorked","value":"2026-12-02T00:00:00Z"/);
      const onDay = tenant.sandbox.records("TimeEntries").filter((e) =>
        e.resourceID === 678 && String(e.dateWorked).startsWith("2026-12-02")
      );
      assert.ok(onDay.length >= 1);
      assert.equal((found.items as Rec[]).length, onDay.length);
      for (const e of found.items as Rec[]) assert.equal(e.dateWorked, "2026-12-02");

      // A date-time filter: a day is the whole local day (Tokyo midnight is 15:00Z the day before).
      from = log.length;
      await callOk(client, "search_tickets", {
        createdAfter: "2026-12-01",
        createdBefore: "2026-12-02",
      });
      const tickets = JSON.stringify(lastPost(log, from, /Tickets\/query$/));
      assert.match(tickets, /"op":"gte","field":"createDate","value":"2026-11-30T15:00:00Z"/);
      assert.match(tickets, /"op":"lt","field":"createDate","value":"2026-12-01T15:00:00Z"/);
    });
  },
});

Deno.test({
  name: "Europe/Berlin across the end of DST: offsets and local days follow the change",
  async fn() {
    await inZone("Europe/Berlin", async (tenant, { client }) => {
      const log = tenant.sandbox.log;
      // Summer time ends on 2026-10-25 at 03:00 local: 09:00 is 07:00Z before, 08:00Z after.
      for (
        const [day, utc, shown] of [
          ["2026-10-24", "2026-10-24T07:00:00Z", "2026-10-24T09:00:00+02:00"],
          ["2026-10-26", "2026-10-26T08:00:00Z", "2026-10-26T09:00:00+01:00"],
        ]
      ) {
        const from = log.length;
        const out = await callOk(client, "create_time_entry", {
          ...entry,
          hoursWorked: 1,
          startDateTime: `${day}T09:00`,
        });
        assert.equal(lastPost(log, from, /TimeEntries$/)!.startDateTime, utc);
        assert.equal((out.item as Rec).startDateTime, shown);
      }
      // The day of the change has 25 hours: "on or before" it keeps all of them.
      const from = log.length;
      await callOk(client, "search_tickets", {
        createdAfter: "2026-10-25",
        createdBefore: "2026-10-26",
      });
      const sent = JSON.stringify(lastPost(log, from, /Tickets\/query$/));
      assert.match(sent, /"op":"gte","field":"createDate","value":"2026-10-24T22:00:00Z"/);
      assert.match(sent, /"op":"lt","field":"createDate","value":"2026-10-25T23:00:00Z"/);
      // query_entities reads days the same way, with lte keeping the whole local day.
      const before = log.length;
      await callOk(client, "query_entities", {
        entity: "Tickets",
        filter: [{ op: "lte", field: "createDate", value: "2026-10-25" }],
      });
      assert.match(
        JSON.stringify(lastPost(log, before, /Tickets\/query$/)),
        /"op":"lt","field":"createDate","value":"2026-10-25T23:00:00Z"/,
      );
    });
  },
});
