/**
 * End to end in process (tenant over HTTP): user-defined fields are written by name (object or
 * list form, picklist labels as value ids), validated against the tenant's
 * UDF metadata, read back without the unset ones; an entity whose metadata
 * answers 404 has none; required UDFs are asked for before a create.
 */

import assert from "node:assert/strict";
import type { RequestLogEntry } from "../lib/sandbox/mod.ts";
import { callError, callOk } from "./harness.ts";
import { type InProcessSession, withSession } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;
type Udf = { name: string; value: string | null };

/** The write requests (anything but GET and queries) the tenant received since `from`. */
function writes(log: RequestLogEntry[], from: number): RequestLogEntry[] {
  return log.slice(from).filter((e) => e.method !== "GET" && !/\/query(\/|$)/.test(e.path));
}

function udfMetadataRequests(log: RequestLogEntry[], from: number, entity: string): number {
  return log.slice(from).filter((e) =>
    e.path.toLowerCase().includes(`/${entity.toLowerCase()}/entityinformation/userdefinedfields`)
  ).length;
}

function udf(record: Rec | undefined, name: string): string | null | undefined {
  return (record?.userDefinedFields as Udf[] | undefined)?.find((u) => u.name === name)?.value;
}

/** A fresh tenant and in-process session per test, so one failure does not cascade. */
function setup(session: InProcessSession) {
  const { client } = session;
  const sandbox = session.sandbox;
  const company = sandbox.records("Companies").find((c) => c.id !== 0)!;
  return { client, sandbox, company };
}

/** One test against its own tenant, with what {@linkcode setup} prepares. */
function test(
  name: string,
  fn: (context: ReturnType<typeof setup>, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test(
    `user-defined fields: ${name}`,
    (t) => withSession({ env: { AUTOTASK_TOOLSETS: "all" } }, (session) => fn(setup(session), t)),
  );
}

// These steps build on one another (one record through its life): one tenant for them.
test(
  "one ticket with UDFs: created, read, updated, refused changes, searched, filtered",
  async ({ client, sandbox, company }, t) => {
    let ticketId = 0;
    await t.step("create_ticket: UDFs in extra, object form, picklist label", async () => {
      const from = sandbox.log.length;
      const out = await callOk(client, "create_ticket", {
        companyID: company.id,
        title: "VPN drops every hour",
        extra: {
          userDefinedFields: {
            "root cause": "vendor outage",
            "Affected Users": 12,
            "Change Reference": "CHG-4711",
          },
        },
      });
      ticketId = out.id as number;
      const [post] = writes(sandbox.log, from);
      assert.equal(post.method, "POST");
      assert.deepEqual((post.body as Rec).userDefinedFields, [
        { name: "Root Cause", value: "3" },
        { name: "Affected Users", value: "12" },
        { name: "Change Reference", value: "CHG-4711" },
      ]);
      const stored = sandbox.record("Tickets", ticketId)!;
      assert.equal(udf(stored, "Root Cause"), "3", "the label was sent as its value id");
      assert.equal(udf(stored, "Affected Users"), "12");
      assert.equal(udf(stored, "Change Reference"), "CHG-4711");
      assert.deepEqual((out.item as Rec).userDefinedFields, [
        { name: "Root Cause", value: "3" },
        { name: "Affected Users", value: "12" },
        { name: "Change Reference", value: "CHG-4711" },
      ]);
    });

    await t.step("get_ticket (full) shows the UDFs that are set", async () => {
      const out = await callOk(client, "get_ticket", { id: ticketId, detail: "full" });
      const udfs = (out.item as Rec).userDefinedFields as Udf[];
      assert.deepEqual(udfs.map((u) => u.name).sort(), [
        "Affected Users",
        "Change Reference",
        "Root Cause",
      ]);
    });

    await t.step("update_ticket: UDFs in changes, list form; clearing one", async () => {
      const from = sandbox.log.length;
      const out = await callOk(client, "update_ticket", {
        id: ticketId,
        changes: {
          userDefinedFields: [
            { name: "Change Reference", value: "CHG-4712" },
            { name: "affected users", value: null },
          ],
        },
      });
      const [patch] = writes(sandbox.log, from);
      assert.equal(patch.method, "PATCH");
      assert.deepEqual(patch.body, {
        id: ticketId,
        userDefinedFields: [
          { name: "Change Reference", value: "CHG-4712" },
          { name: "Affected Users", value: null },
        ],
      });
      const stored = sandbox.record("Tickets", ticketId)!;
      assert.equal(udf(stored, "Change Reference"), "CHG-4712");
      assert.equal(udf(stored, "Affected Users"), null);
      assert.equal(udf(stored, "Root Cause"), "3", "untouched UDFs stay");
      assert.deepEqual((out.item as Rec).userDefinedFields, [
        { name: "Change Reference", value: "CHG-4712" },
        { name: "Affected Users", value: null },
      ]);
      const back = await callOk(client, "get_ticket", { id: ticketId, detail: "full" });
      assert.deepEqual(
        ((back.item as Rec).userDefinedFields as Udf[]).map((u) => u.name).sort(),
        ["Change Reference", "Root Cause"],
        "the cleared UDF is left out of the row",
      );
    });

    await t.step("unknown names, bad labels and a top-level UDF are refused", async () => {
      const from = sandbox.log.length;
      const unknown = await callError(client, "update_ticket", {
        id: ticketId,
        changes: { userDefinedFields: { "Change Ref": "CHG-1" } },
      });
      assert.match(
        unknown,
        /Tickets has no user-defined field "Change Ref" \(did you mean Change Reference\?\) \(it has: Root Cause, Affected Users, Change Reference, Customer PO\)/,
      );
      const label = await callError(client, "create_ticket", {
        companyID: company.id,
        title: "x",
        extra: { userDefinedFields: [{ name: "Root Cause", value: "Cosmic rays" }] },
      });
      assert.match(
        label,
        /"Cosmic rays" is not a value or label of user-defined field "Root Cause": use one of 1 \(User Error\), 2 \(Hardware Fault\), 3 \(Vendor Outage\)/,
      );
      const number = await callError(client, "update_ticket", {
        id: ticketId,
        changes: { userDefinedFields: { "Affected Users": "many" } },
      });
      assert.match(number, /user-defined field "Affected Users" holds a number, not "many"/);
      const topLevel = await callError(client, "create_ticket", {
        companyID: company.id,
        title: "x",
        userDefinedFields: { "Change Reference": "CHG-1" },
      });
      assert.match(
        topLevel,
        /userDefinedFields goes inside extra: \{\.\.\., "extra": \{"userDefinedFields": \{"Change Reference":"CHG-1"\}\}\}/,
      );
      assert.deepEqual(writes(sandbox.log, from), [], "nothing was written");
    });

    await t.step("search rows carry only the UDFs that are set", async () => {
      // The last two weeks of the company's tickets: one page of full rows.
      const since = new Date(Date.now() - 14 * 24 * 3_600_000).toISOString();
      const out = await callOk(client, "search_tickets", {
        companyID: company.id,
        createdAfter: since,
        detail: "full",
        limit: 100,
      });
      const rows = out.items as Rec[];
      const stored = sandbox.records("Tickets").filter((r) =>
        r.companyID === company.id && (r.createDate as string) >= since
      );
      assert.equal(rows.length, stored.length);
      const unset = stored.filter((r) => (r.userDefinedFields as Udf[]).every((u) => !u.value));
      assert.ok(unset.length > 0, "some tickets have no UDF set");
      for (const row of rows) {
        const udfs = row.userDefinedFields as Udf[] | undefined;
        const raw = stored.find((r) => r.id === row.id)!.userDefinedFields as Udf[];
        const set = raw.filter((u) => u.value !== null && u.value !== "");
        if (set.length === 0) assert.ok(!("userDefinedFields" in row), `ticket ${row.id}`);
        else assert.deepEqual(udfs, set, `ticket ${row.id}`);
      }
    });

    await t.step("UDF filters and describe_entity read each UDF's type", async () => {
      const described = await callOk(client, "describe_entity", { entity: "Tickets" });
      assert.deepEqual(described.userDefinedFields, [
        "Root Cause: string",
        "Affected Users: double",
        "Change Reference: string",
        "Customer PO: string",
      ]);
      const found = await callOk(client, "query_entities", {
        entity: "Tickets",
        filter: [{ op: "eq", field: "change reference", value: "CHG-4712", udf: true }],
        fields: ["id"],
      });
      assert.deepEqual((found.items as Rec[]).map((r) => r.id), [ticketId]);
    });
  },
);

test("UDF metadata answering 404: the entity has none", async ({ client, sandbox }) => {
  sandbox.inject({
    match: {
      method: "GET",
      pathIncludes: "ConfigurationItems/entityInformation/userDefined",
    },
    kind: "status",
    status: 404,
    body: { errors: ["No user-defined fields are defined for this entity."] },
  });
  const ci = sandbox.records("ConfigurationItems")[0];
  const from = sandbox.log.length;
  const created = await callOk(client, "create_configuration_item", {
    companyID: ci.companyID,
    productID: ci.productID,
    referenceTitle: "Front desk PC",
  });
  assert.ok(typeof created.id === "number", "a create is not blocked by the 404");
  const refused = await callError(client, "create_configuration_item", {
    companyID: ci.companyID,
    productID: ci.productID,
    extra: { userDefinedFields: { "Asset Tag": "A-1" } },
  });
  assert.match(refused, /ConfigurationItems has no user-defined fields/);
  const described = await callOk(client, "describe_entity", {
    entity: "ConfigurationItems",
  });
  assert.ok(!("userDefinedFields" in described));
  assert.equal(
    udfMetadataRequests(sandbox.log, from, "ConfigurationItems"),
    1,
    "the 404 is remembered",
  );
});

test("a UDF the tenant requires is asked for before the create", async ({ client, sandbox }) => {
  // This tenant's Companies UDF metadata marks "Customer Tier" required.
  sandbox.inject({
    match: { method: "GET", pathIncludes: "Companies/entityInformation/userDefined" },
    kind: "status",
    status: 200,
    body: {
      fields: [{
        name: "Customer Tier",
        dataType: "string",
        length: 20,
        isRequired: true,
        isReadOnly: false,
        isQueryable: true,
        isReference: false,
        isPickList: false,
        picklistValues: null,
      }],
    },
  });
  const from = sandbox.log.length;
  const owner = sandbox.records("Resources").find((r) => r.isActive === true)!;
  const args = {
    companyName: "Contoso Dental",
    companyType: "Customer",
    phone: "+1 503 555 0142",
    ownerResourceID: owner.id,
  };
  const missing = await callError(client, "create_company", args);
  assert.match(
    missing,
    /requires the user-defined field "Customer Tier": give it in extra, e.g. \{"userDefinedFields": \{"Customer Tier": "\.\.\."\}\}/,
  );
  assert.deepEqual(writes(sandbox.log, from), [], "nothing was written");
  const out = await callOk(client, "create_company", {
    ...args,
    extra: { userDefinedFields: { "customer tier": "Gold" } },
  });
  assert.equal(udf(sandbox.record("Companies", out.id as number), "Customer Tier"), "Gold");
});
