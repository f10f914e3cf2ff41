/** lib/autotask/coerce.ts: one type table and one set of value rules for filters and changes. */

import assert from "node:assert/strict";
import {
  isIntegerFlag,
  toBoolean,
  toDateText,
  toFlag,
  toInteger,
  toNumber,
  valueKind,
} from "../lib/autotask/coerce.ts";
import { callError, callOk, connectStdio, startTenant, tenantEnv } from "./harness.ts";

type Rec = Record<string, unknown>;

Deno.test("one type table: every integer and decimal name Autotask or a UDF list uses", () => {
  for (const name of ["integer", "int", "INT16", "int32", "int64", "long", "short", "byte"]) {
    assert.equal(valueKind(name), "integer", name);
  }
  for (const name of ["double", "decimal", "float", "Single"]) {
    assert.equal(valueKind(name), "decimal", name);
  }
  assert.equal(valueKind("dateTime"), "date");
  assert.equal(valueKind("boolean"), "boolean");
  assert.equal(valueKind("string"), "string");
  assert.equal(valueKind("guid"), "other");
  assert.equal(valueKind(undefined), "other");
});

Deno.test("value rules: numbers, whole numbers, booleans, flags and ISO dates", () => {
  assert.equal(toNumber(" 1.5 "), 1.5);
  assert.equal(toNumber("2e3"), 2000);
  assert.equal(toNumber("0x10"), undefined);
  assert.equal(toNumber("Infinity"), undefined);
  assert.equal(toNumber(true), undefined);
  assert.equal(toNumber(""), undefined);
  assert.equal(toInteger("12"), 12);
  assert.equal(toInteger(1.5), undefined);
  assert.equal(toBoolean(" TRUE "), true);
  assert.equal(toBoolean(0), false);
  assert.equal(toBoolean("yes"), undefined);
  assert.equal(toFlag(true), 1);
  assert.equal(toFlag("1"), undefined);
  assert.equal(isIntegerFlag("isActive", "integer"), true);
  assert.equal(isIntegerFlag("isActive", "boolean"), false);
  assert.equal(isIntegerFlag("issueType", "integer"), false);
  assert.equal(toDateText(" 2026-11-24T14:00:00Z "), "2026-11-24T14:00:00Z");
  assert.equal(toDateText("Nov 24 2026"), undefined);
});

Deno.test({
  name: "filters follow the change rules: an integer flag takes true, a date takes ISO only",
  async fn() {
    const tenant = await startTenant();
    const session = await connectStdio({ env: tenantEnv(tenant) });
    try {
      // Contacts.isActive is an integer 0/1: update_contact has always taken true for it.
      const active = await callOk(session.client, "query_entities", {
        entity: "Contacts",
        filter: [{ op: "eq", field: "isActive", value: true }],
        includeTotal: true,
      });
      const expected = tenant.sandbox.records("Contacts").filter((c) => c.isActive === 1);
      assert.ok(expected.length > 0);
      assert.equal(active.total, expected.length);
      // Text Autotask would not read as a date is refused before anything is sent.
      tenant.sandbox.resetStats();
      assert.match(
        await callError(session.client, "query_entities", {
          entity: "Tickets",
          filter: [{ op: "gt", field: "createDate", value: "Nov 24 2026" }],
        }),
        /createDate is a date-time; give ISO-8601/,
      );
      assert.deepEqual(
        tenant.sandbox.log.filter((e) => /query/i.test(e.path)).map((e) => e.path),
        [],
        "no query sent",
      );
      const items = (await callOk(session.client, "query_entities", {
        entity: "Tickets",
        filter: [{ op: "gt", field: "createDate", value: "2000-01-01T00:00:00" }],
        limit: 1,
      })).items as Rec[];
      assert.equal(items.length, 1);
    } finally {
      await session.close();
      await tenant.close();
    }
  },
});
