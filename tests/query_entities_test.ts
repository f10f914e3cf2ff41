/** query_entities / count_entities / get_entity / describe_entity across many catalog entities. */

import assert from "node:assert/strict";
import { CATALOG, supportsRoot } from "../lib/autotask/catalog.ts";
import { callError, callOk } from "./harness.ts";
import { inProcessSession } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;

/** Queryable entities with an integer field and a string field to filter on. */
function sampleEntities(count: number) {
  const picked = [];
  for (const entry of CATALOG) {
    if (!supportsRoot(entry, "query") || !supportsRoot(entry, "info")) continue;
    const fields = Object.entries(entry.fields);
    const int = fields.find(([name, type]) => type === "integer" && name !== "id")?.[0];
    const text = fields.find(([, type]) => type === "string")?.[0];
    if (int && text) picked.push({ name: entry.name, int, text });
    if (picked.length === count) break;
  }
  return picked;
}

Deno.test({
  name: "query_entities sends exactly the filter JSON Autotask expects, on 25 entities",
  async fn() {
    const session = await inProcessSession();
    const { tenant } = session;
    try {
      const entities = sampleEntities(25);
      assert.equal(entities.length, 25);
      for (const { name, int, text } of entities) {
        tenant.sandbox.resetStats();
        const out = await callOk(session.client, "query_entities", {
          entity: name.toLowerCase(),
          filter: [
            { op: "gte", field: "ID", value: "0" },
            {
              op: "or",
              items: [{ op: "noteq", field: int, value: "7" }, { op: "exist", field: text }],
            },
            { op: "notIn", field: int, value: [1, "2"] },
          ],
          fields: [text],
          limit: 3,
        });
        assert.ok(Array.isArray(out.items), name);
        const sent = tenant.sandbox.log.find((e) => e.method === "POST" && e.entity === name)!;
        assert.ok(sent, `${name}: query sent`);
        assert.deepEqual(sent.body, {
          filter: [
            { op: "gte", field: "id", value: 0 },
            {
              op: "or",
              items: [{ op: "noteq", field: int, value: 7 }, { op: "exist", field: text }],
            },
            { op: "notIn", field: int, value: [1, 2] },
          ],
          IncludeFields: ["id", text],
          MaxRecords: 3,
        }, name);
        const counted = await callOk(session.client, "count_entities", {
          entity: name,
          filter: [{ op: "gte", field: "id", value: 0 }],
        });
        assert.equal(typeof counted.count, "number");
      }
      console.log(`query_entities checked on ${entities.length} entities`);
    } finally {
      await session.close();
    }
  },
});

Deno.test({
  name: "query_entities: labels, UDFs, typing rules and clear errors",
  async fn() {
    const session = await inProcessSession();
    const { tenant } = session;
    const { client } = session;
    try {
      const byLabel = await callOk(client, "query_entities", {
        entity: "Tickets",
        filter: [{ op: "in", field: "status", value: ["new", "Complete"] }],
        limit: 500,
        includeTotal: true,
      });
      const expected = tenant.sandbox.records("Tickets").filter((t) =>
        t.status === 1 || t.status === 5
      );
      assert.equal(byLabel.total, expected.length);
      assert.ok(
        (byLabel.items as Rec[]).every((t) => ["New", "Complete"].includes(String(t.statusLabel))),
      );
      const udfs = await callOk(client, "describe_entity", { entity: "Tickets" });
      const udfLine = (udfs.userDefinedFields as string[])[0];
      const udfName = udfLine.split(":")[0];
      tenant.sandbox.resetStats();
      await callOk(client, "query_entities", {
        entity: "Tickets",
        filter: [{ op: "exist", field: udfName.toUpperCase(), udf: true }],
      });
      const sent = tenant.sandbox.log.find((e) => e.method === "POST")!.body as Rec;
      assert.deepEqual((sent.filter as Rec[])[0], { op: "exist", field: udfName, udf: true });
      const cases: [Rec, RegExp][] = [
        [{ op: "eq", field: "nosuch", value: 1 }, /has no field "nosuch"/],
        [{ op: "startsWith", field: "title", value: "x" }, /not an Autotask operator/],
        [{ op: "eq", field: "companyID", value: "Contoso" }, /companyID is a number/],
        [{ op: "contains", field: "createDate", value: "2026" }, /date-time/],
        [{ op: "in", field: "status", value: [] }, /needs a list/],
        [{ op: "exist", field: "title", value: 1 }, /takes no value/],
        [{ op: "or", items: [] }, /non-empty "items"/],
      ];
      for (const [condition, message] of cases) {
        assert.match(
          await callError(client, "query_entities", { entity: "Tickets", filter: [condition] }),
          message,
        );
      }
      assert.match(
        await callError(client, "query_entities", {
          entity: "Tickets",
          filter: [{ op: "exist", field: udfName, udf: true }, {
            op: "exist",
            field: udfName,
            udf: true,
          }],
        }),
        /one user-defined-field condition/,
      );
      assert.match(
        await callError(client, "query_entities", { entity: "Tikets" }),
        /Unknown Autotask entity "Tikets".*did you mean Tickets/,
      );
      const ticket = tenant.sandbox.records("Tickets")[0];
      const full = await callOk(client, "get_entity", { entity: "tickets", id: ticket.id });
      assert.equal((full.item as Rec).ticketNumber, ticket.ticketNumber);
      assert.ok("statusLabel" in (full.item as Rec));
      const described = await callOk(client, "describe_entity", { entity: "TicketNotes" });
      assert.ok(
        (described.operations as string[]).some((o) =>
          /under Tickets\/\{ticketID\}\/Notes/.test(o)
        ),
      );
      assert.ok(
        (described.fields as string[]).some((f) => /^publish integer required picklist/.test(f)),
      );
    } finally {
      await session.close();
    }
  },
});
