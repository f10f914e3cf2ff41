/** lib/dates.ts: one date rule (a date-time without a zone is UTC) whatever the machine's zone. */

import assert from "node:assert/strict";
import {
  endsBeforeStart,
  formatLocal,
  isCalendarDate,
  isIsoDate,
  isoSeconds,
  localDate,
  parseInstant,
  utcDate,
  utcMidnight,
} from "../lib/dates.ts";
import { callError, callOk, connectStdio, startTenant, tenantEnv } from "./harness.ts";

/** Runs `fn` with the process in time zone `zone` (V8 reads TZ again when it changes). */
function inZone(zone: string, fn: () => void): void {
  const before = Deno.env.get("TZ");
  Deno.env.set("TZ", zone);
  try {
    fn();
  } finally {
    if (before === undefined) Deno.env.delete("TZ");
    else Deno.env.set("TZ", before);
  }
}

Deno.test("a date-time without a zone is UTC, in any machine zone", () => {
  for (const zone of ["Asia/Tokyo", "America/Los_Angeles", "UTC"]) {
    inZone(zone, () => {
      const utc = Date.UTC(2026, 10, 24, 14, 0, 0);
      assert.equal(parseInstant("2026-11-24T14:00:00"), utc, zone);
      assert.equal(parseInstant("2026-11-24T14:00"), utc, zone);
      assert.equal(parseInstant("2026-11-24 14:00:00"), utc, `${zone}: space separator`);
      assert.equal(parseInstant(" 2026-11-24T14:00:00Z "), utc, zone);
      assert.equal(parseInstant("2026-11-24T23:00:00+09:00"), utc, `${zone}: offset kept`);
      assert.equal(parseInstant("2026-11-24"), Date.UTC(2026, 10, 24), `${zone}: date alone`);
      assert.ok(Number.isNaN(parseInstant("next week")), zone);
    });
  }
});

Deno.test("end before start is judged by the same rule (zoneless start, zoned end)", () => {
  // In Tokyo the local reading of 10:00 is 01:00Z, which would put 09:30Z after it.
  inZone("Asia/Tokyo", () => {
    assert.equal(endsBeforeStart("2026-11-24T10:00:00", "2026-11-24T09:30:00Z"), true);
    assert.equal(endsBeforeStart("2026-11-24T10:00:00", "2026-11-24T10:00:00Z"), false);
    assert.equal(endsBeforeStart("2026-11-24", "2026-11-24T00:00:00"), false);
    assert.equal(endsBeforeStart("2026-11-25", "2026-11-24T23:59:59"), true);
  });
});

Deno.test("calendar dates, ISO text and UTC formatting", () => {
  assert.equal(isCalendarDate("2026-02-28"), true);
  assert.equal(isCalendarDate("2026-02-30"), false);
  assert.equal(isCalendarDate("2026-2-3"), false);
  assert.equal(isIsoDate("2026-11-24T14:00:00.1234567Z"), true);
  assert.equal(isIsoDate("Nov 24 2026"), false);
  assert.equal(isIsoDate("2026-13-01"), false);
  const ms = Date.UTC(2026, 10, 24, 14, 5, 6, 789);
  assert.equal(isoSeconds(ms), "2026-11-24T14:05:06Z");
  assert.equal(utcDate(ms), "2026-11-24");
  assert.equal(utcMidnight("2026-11-24"), "2026-11-24T00:00:00Z");
});

Deno.test({
  name: "a server in Tokyo refuses an end before a zoneless start, as Autotask will store them",
  async fn() {
    const tenant = await startTenant();
    const session = await connectStdio({
      env: { ...tenantEnv(tenant), TZ: "Asia/Tokyo", AUTOTASK_TOOLSETS: "all" },
    });
    try {
      const company = tenant.sandbox.records("Companies").find((c) => c.id !== 0)!;
      const project = {
        projectName: "Zone check",
        companyID: company.id,
        startDateTime: "2026-11-24T10:00:00",
        endDateTime: "2026-11-24T09:30:00Z",
      };
      assert.match(
        await callError(session.client, "create_project", project),
        /endDateTime is before startDateTime/,
      );
      const phase = tenant.sandbox.records("Phases")[0];
      assert.match(
        await callError(session.client, "create_phase", {
          projectID: phase.projectID,
          title: "Zone check",
          startDate: "2026-11-24T10:00:00",
          dueDate: "2026-11-24T09:30:00Z",
        }),
        /dueDate is before startDate/,
      );
      const created = await callOk(session.client, "create_project", {
        ...project,
        endDateTime: "2026-11-24T10:30:00Z",
      });
      assert.equal(typeof created.id, "number");
    } finally {
      await session.close();
      await tenant.close();
    }
  },
});

Deno.test("time zones: local dates, wall times and offsets, west and east of UTC and across DST", async () => {
  const {
    formatLocal,
    isTimeZone,
    localDate,
    localDay,
    localDayRange,
    localWallTime,
    offsetMinutes,
    parseLocalInstant,
  } = await import("../lib/dates.ts");
  const la = "America/Los_Angeles";
  // 16:30 on Dec 1 in Los Angeles is Dec 2 in UTC: the local date is the work's date.
  const work = Date.parse("2026-12-02T00:30:00Z");
  assert.equal(localDate(work, la), "2026-12-01");
  assert.equal(localDate(work, "Asia/Tokyo"), "2026-12-02");
  assert.equal(formatLocal(work, la), "2026-12-01T16:30:00-08:00");
  assert.equal(formatLocal(work, "Asia/Tokyo"), "2026-12-02T09:30:00+09:00");
  assert.equal(formatLocal(work, "UTC"), "2026-12-02T00:30:00Z");
  assert.equal(offsetMinutes(work, la), -480);
  assert.equal(offsetMinutes(Date.parse("2026-07-01T12:00:00Z"), la), -420, "summer time");
  assert.equal(offsetMinutes(Date.parse("2026-07-01T12:00:00Z"), "Europe/Berlin"), 120);
  assert.equal(localWallTime("2026-12-01", "16:30", la), work);
  // DST: 2026-03-08 has 23 hours in Los Angeles, 2026-11-01 has 25; 02:30 on Mar 8 does not exist.
  const spring = localDayRange("2026-03-08", la);
  assert.equal((spring.end - spring.start) / 3_600_000, 23);
  const fall = localDayRange("2026-11-01", la);
  assert.equal((fall.end - fall.start) / 3_600_000, 25);
  assert.equal(new Date(spring.start).toISOString(), "2026-03-08T08:00:00.000Z");
  assert.equal(new Date(fall.end).toISOString(), "2026-11-02T08:00:00.000Z");
  assert.equal(formatLocal(localWallTime("2026-03-08", "02:30", la), la).slice(11, 16), "03:30");
  assert.equal(
    formatLocal(localWallTime("2026-11-01", "01:30", la), la),
    "2026-11-01T01:30:00-07:00",
    "a repeated hour: its first occurrence",
  );
  assert.equal(
    formatLocal(localWallTime("2026-10-25", "01:30", "Europe/Berlin"), "Europe/Berlin"),
    "2026-10-25T01:30:00+02:00",
    "east of UTC, an hour before the change: the first guess is off by the change",
  );
  const berlin = localDayRange("2026-03-29", "Europe/Berlin");
  assert.equal((berlin.end - berlin.start) / 3_600_000, 23);
  // What a person says.
  const now = Date.parse("2026-12-02T03:00:00Z"); // Dec 1, 19:00 in Los Angeles
  assert.equal(localDay("today", { timeZone: la, now }), "2026-12-01");
  assert.equal(localDay("Yesterday", { timeZone: la, now }), "2026-11-30");
  assert.equal(localDay("today", { timeZone: "Asia/Tokyo", now }), "2026-12-02");
  assert.equal(localDay("2026-02-30", { timeZone: la, now }), undefined);
  // Only the words themselves: an object's inherited names are not days.
  for (const word of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
    assert.equal(localDay(word, { timeZone: la, now }), undefined, word);
    assert.ok(Number.isNaN(parseLocalInstant(word, { timeZone: la, now })), word);
  }
  assert.equal(parseLocalInstant("2026-12-01T16:30", { timeZone: la, now }), work);
  assert.equal(parseLocalInstant("2026-12-01T16:30:00-08:00", { timeZone: "UTC", now }), work);
  assert.equal(parseLocalInstant("2026-12-02T00:30:00Z", { timeZone: la, now }), work);
  assert.equal(
    parseLocalInstant("today", { timeZone: la, now }),
    Date.parse("2026-12-01T08:00:00Z"),
  );
  assert.ok(Number.isNaN(parseLocalInstant("next tuesday", { timeZone: la, now })));
  assert.ok(isTimeZone("Europe/Berlin") && isTimeZone("UTC"));
  assert.ok(!isTimeZone("Mars/Olympus") && !isTimeZone(""));
});

Deno.test("local wall clocks match Intl's reading at every instant, across DST changes and odd offsets", () => {
  const zones = [
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Tokyo",
    "UTC",
  ];
  const formats = new Map<string, Intl.DateTimeFormat>();
  const intlLocal = (ms: number, timeZone: string): string => {
    const format = formats.get(timeZone) ??
      formats.set(
        timeZone,
        new Intl.DateTimeFormat("en-US", {
          timeZone,
          hourCycle: "h23",
          year: "numeric",
          month: "2-digit",
          day: "2-digit",
          hour: "2-digit",
          minute: "2-digit",
          second: "2-digit",
        }),
      ).get(timeZone)!;
    const parts = Object.fromEntries(
      format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  };
  const instants: number[] = [];
  // Every 7 minutes 13 seconds through the year's DST changes here and down south...
  for (
    const day of [
      "2026-03-08",
      "2026-03-29",
      "2026-04-05",
      "2026-09-27",
      "2026-10-04",
      "2026-10-25",
      "2026-11-01",
    ]
  ) {
    const start = Date.parse(`${day}T00:00:00Z`) - 86_400_000;
    for (let ms = start; ms < start + 3 * 86_400_000; ms += 433_000) instants.push(ms);
  }
  // ...and spread over 1970-2100, with milliseconds.
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 48271) % 2147483647;
    instants.push(Math.floor((seed / 2147483647) * 4_102_444_800_000) + (i % 1000));
  }
  for (const timeZone of zones) {
    for (const ms of instants) {
      const local = formatLocal(ms, timeZone);
      assert.equal(
        local.slice(0, 19),
        intlLocal(ms, timeZone),
        `${timeZone} at ${new Date(ms).toISOString()}`,
      );
      assert.equal(localDate(ms, timeZone), intlLocal(ms, timeZone).slice(0, 10));
      // The offset it shows turns the wall clock back into the instant.
      const back = Date.parse(local);
      assert.equal(back, Math.floor(ms / 1000) * 1000, `${timeZone}: ${local}`);
    }
  }
});
