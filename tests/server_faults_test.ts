/** End to end over stdio: the server stays inside Autotask's limits and keeps serving through its faults. */

import assert from "node:assert/strict";
import { type ServedSandbox, serveSandbox } from "../lib/sandbox/mod.ts";
import { callError, callOk, connectStdio, startTenant, tenantEnv } from "./harness.ts";
import { eventually, resultText } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;

/** The per-request timeout of the spawned server: short, so the slow-response fault is quick. */
const TIMEOUT_MS = 3000;

function count(
  tenant: ServedSandbox,
  test: (e: ServedSandbox["sandbox"]["log"][number]) => boolean,
) {
  return tenant.sandbox.log.filter(test).length;
}

Deno.test({
  name: "stdio: limits, retries, write outcomes, faults and cancellation through the MCP server",
  async fn(t) {
    let tenant = await startTenant();
    const port = Number(new URL(tenant.origin).port);
    const session = await connectStdio({
      env: { ...tenantEnv(tenant), AUTOTASK_TIMEOUT_MS: String(TIMEOUT_MS) },
    });
    const { client } = session;
    try {
      const companies = tenant.sandbox.records("Companies");
      const company = companies[1];
      const ticket = tenant.sandbox.records("Tickets")[0];
      // The first call also reads ThresholdInformation for the budget.
      await callOk(client, "get_company", { id: company.id });

      await t.step("50 parallel tool calls: at most 3 in flight per entity, no 429", async () => {
        tenant.sandbox.resetStats();
        tenant.sandbox.inject({ kind: "delay", delayMs: 50, times: 10_000 });
        const calls = Array.from({ length: 50 }, (_, i) => {
          switch (i % 3) {
            case 0:
              return callOk(client, "search_tickets", { limit: 5 + (i % 7) });
            case 1:
              return callOk(client, "get_company", { id: companies[1 + (i % 10)].id });
            default:
              return callOk(client, "search_contacts", { limit: 3 + (i % 5) });
          }
        });
        const results = await Promise.all(calls);
        tenant.sandbox.clearFaults();
        assert.equal(results.length, 50);
        const entities = new Set(tenant.sandbox.log.map((e) => e.entity ?? ""));
        for (const entity of ["Tickets", "Companies", "Contacts"]) {
          assert.ok(entities.has(entity), entity);
        }
        for (const entity of entities) {
          const max = tenant.sandbox.maxInFlight(entity);
          assert.ok(max <= 3, `${entity}: ${max} in flight`);
        }
        assert.equal(tenant.sandbox.maxInFlight("Tickets"), 3, "the gate let 3 through at once");
        assert.equal(count(tenant, (e) => e.status === 429), 0, "no 429 at the tenant");
      });

      await t.step("a read answered 429 with Retry-After: 1 succeeds after waiting", async () => {
        tenant.sandbox.resetStats();
        tenant.sandbox.inject({
          kind: "status",
          status: 429,
          retryAfterSeconds: 1,
          match: { entity: "Companies" },
        });
        const started = performance.now();
        const out = await callOk(client, "get_company", { id: company.id });
        assert.ok(performance.now() - started >= 950, "waited for Retry-After");
        assert.equal((out.item as Rec).id, company.id);
        assert.equal(count(tenant, (e) => e.status === 429), 1);
      });

      await t.step(
        "a note refused with a 429 while the hour has room: sent again, stored once",
        async () => {
          tenant.sandbox.resetStats();
          tenant.sandbox.inject({
            kind: "status",
            status: 429,
            retryAfterSeconds: 1,
            match: { method: "POST", entity: "TicketNotes" },
          });
          const notes = tenant.sandbox.records("TicketNotes").length;
          await callOk(client, "add_ticket_note", {
            ticketID: ticket.id,
            description: "Rate limited note",
          });
          assert.equal(count(tenant, (e) => e.method === "POST" && e.entity === "TicketNotes"), 2);
          assert.equal(tenant.sandbox.records("TicketNotes").length, notes + 1, "stored once");
        },
      );

      await t.step(
        "a create whose answer is dropped: one POST, applied, 'may or may not'",
        async () => {
          tenant.sandbox.resetStats();
          tenant.sandbox.inject({
            kind: "drop",
            applyAfterHandling: true,
            match: { method: "POST", pathEndsWith: "/V1.0/Tickets" },
          });
          const title = "Printer jams on floor 3 (dropped answer)";
          const text = await callError(client, "create_ticket", {
            companyID: company.id,
            title,
            description: "Paper tray 2.",
          });
          const posts = tenant.sandbox.log.filter((e) =>
            e.method === "POST" && /\/V1\.0\/Tickets$/i.test(e.path)
          );
          assert.equal(posts.length, 1, "exactly one create POST");
          const created = tenant.sandbox.records("Tickets").filter((r) => r.title === title);
          assert.equal(created.length, 1, "the record exists");
          assert.match(text, /may or may not have been applied/);
          assert.match(text, /sent at \d{4}-\d\d-\d\dT[\d:.]+Z/);
          assert.ok(text.includes(`companyID ${company.id}`), text);
          assert.ok(text.includes(`title "${title}"`), text);
          assert.match(text, /search Tickets for those values/);
        },
      );

      await t.step(
        "faults: 500, slow, malformed, dropped read; each clear, then normal",
        async () => {
          tenant.sandbox.inject({
            kind: "status",
            status: 500,
            body: { errors: ["Object reference not set to an instance of an object."] },
            match: { entity: "Companies" },
          });
          const e500 = await callError(client, "get_company", { id: company.id });
          assert.match(e500, /Object reference not set to an instance of an object/);
          await callOk(client, "get_company", { id: company.id });

          tenant.sandbox.inject({
            kind: "delay",
            delayMs: TIMEOUT_MS + 1500,
            match: { entity: "Companies" },
          });
          const started = performance.now();
          const slow = await callError(client, "get_company", { id: company.id });
          assert.match(slow, /did not answer within 3 s/);
          assert.ok(performance.now() - started < TIMEOUT_MS + 1000, "bounded by the timeout");
          await callOk(client, "get_company", { id: company.id });

          tenant.sandbox.inject({ kind: "malformed", match: { entity: "Companies" } });
          assert.match(
            await callError(client, "get_company", { id: company.id }),
            /malformed JSON/,
          );
          await callOk(client, "get_company", { id: company.id });

          tenant.sandbox.resetStats();
          tenant.sandbox.inject({ kind: "drop", match: { entity: "Companies" } });
          const retried = await callOk(client, "get_company", { id: company.id });
          assert.equal((retried.item as Rec).id, company.id, "a dropped read is retried");
          assert.ok(count(tenant, (e) => e.entity === "Companies" && e.status === 0) >= 1);
        },
      );

      await t.step("MCP cancellation frees the slots: the next 3 calls start at once", async () => {
        const held = 2000;
        tenant.sandbox.inject({
          kind: "delay",
          delayMs: held,
          times: 3,
          match: { entity: "Companies" },
        });
        const controllers = [0, 1, 2].map(() => new AbortController());
        const calls = controllers.map((c, i) =>
          client.callTool({ name: "get_company", arguments: { id: companies[2 + i].id } }, {
            signal: c.signal,
          })
        );
        await eventually(() => tenant.sandbox.inFlight("Companies") === 3, 3000, "3 in flight");
        for (const c of controllers) c.abort();
        for (const call of calls) await assert.rejects(call);
        await eventually(
          () => tenant.sandbox.inFlight("Companies") === 0,
          1000,
          "the server cancelled its requests",
        );
        tenant.sandbox.resetStats();
        const started = performance.now();
        await Promise.all(
          [0, 1, 2].map((i) => callOk(client, "get_company", { id: companies[5 + i].id })),
        );
        assert.ok(performance.now() - started < held / 2, "no slot was leaked");
        assert.equal(count(tenant, (e) => e.status === 429), 0);
      });

      await t.step(
        "an unreachable host is a clear error; the server serves once it is back",
        async () => {
          await tenant.close();
          const text = await callError(client, "get_company", { id: company.id });
          assert.match(
            text,
            new RegExp(`(Could not reach|The connection to) Autotask at 127\\.0\\.0\\.1:${port}`),
          );
          tenant = await serveSandbox({ port });
          await callOk(client, "get_company", { id: company.id });
        },
      );

      await t.step(
        "at the hourly limit: Autotask's 429, then calls refused before sending",
        async () => {
          tenant.sandbox.setThreshold({ limit: 1000, used: 1000 });
          const first = await client.callTool({
            name: "get_company",
            arguments: { id: company.id },
          });
          assert.ok(first.isError);
          assert.match(resultText(first), /threshold/i);
          const sent = tenant.sandbox.log.length;
          const refused = await callError(client, "search_tickets", { limit: 2 });
          assert.match(refused, /hourly API request limit is used up/);
          assert.match(refused, /this call was not sent/);
          assert.match(refused, /resets (by \d{4}-\d\d-\d\dT\d\d:\d\dZ|within 60 minutes)/);
          assert.equal(tenant.sandbox.log.length, sent, "nothing reached the tenant");
        },
      );
      assert.doesNotMatch(session.stderr(), /unexpected error|Uncaught/);
    } finally {
      await session.close();
      await tenant.close();
    }
  },
});
