/** lib/dates.ts: one date rule (a date-time without a zone is UTC) whatever the machine's zone. */

import assert from "node:assert/strict";
import {
  endsBeforeStart,
  isCalendarDate,
  isIsoDate,
  isoSeconds,
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
  sanitizeResources: false,
  sanitizeOps: false,
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
