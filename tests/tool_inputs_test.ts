/**
 * End to end in process (tenant over HTTP): unknown top-level arguments are refused (never
 * dropped), with where they belong; "nothing to update" examples come from
 * the tool's own entity.
 */

import assert from "node:assert/strict";
import { findEntity } from "../lib/autotask/catalog.ts";
import type { RequestLogEntry } from "../lib/sandbox/mod.ts";
import { allTools } from "../tools/mod.ts";
import { callError, callOk, tenantClient } from "./harness.ts";
import { type InProcessSession, withSession } from "./in_process_harness.ts";

/** Requests that reached an entity (the budget's ThresholdInformation reading aside). */
function entityRequests(log: RequestLogEntry[], from: number): string[] {
  return log.slice(from).filter((e) => !/ThresholdInformation/i.test(e.path))
    .map((e) => `${e.method} ${e.path}`);
}

Deno.test("every tool with a free-form changes or extra names the entity those fields belong to", () => {
  const missing: string[] = [];
  for (const tool of allTools()) {
    const keys = Object.keys(tool.input.shape);
    if (!keys.includes("changes") && !keys.includes("extra")) continue;
    // A tool over any entity (bulk_update) takes the entity as an argument.
    if (keys.includes("entity") && tool.entity === undefined) continue;
    if (!tool.entity || !findEntity(tool.entity)) missing.push(tool.name);
  }
  assert.deepEqual(missing, []);
});

/** A fresh tenant and in-process session per test, so one failure does not cascade. */
function setup(session: InProcessSession) {
  const { client, tenant } = session;
  const sandbox = session.sandbox;
  const ticket = sandbox.records("Tickets").find((x) => x.status !== 5)!;
  const company = sandbox.records("Companies").find((c) => c.id !== 0)!;
  return { client, tenant, sandbox, ticket, company };
}

/** One test against its own tenant, with what {@linkcode setup} prepares. */
function test(
  name: string,
  fn: (context: ReturnType<typeof setup>) => Promise<void>,
): void {
  Deno.test(
    `unknown arguments: ${name}`,
    () =>
      withSession(
        { env: { AUTOTASK_TOOLSETS: "all" } },
        (session) => fn(setup(session)),
      ),
  );
}

test("update_ticket {id, status}: status goes inside changes", async ({ client, sandbox, ticket }) => {
  const from = sandbox.log.length;
  const text = await callError(client, "update_ticket", { id: ticket.id, status: 5 });
  assert.match(text, /status goes inside changes/);
  assert.ok(
    text.includes(`{"id": ${ticket.id}, "changes": {"status": 5}}`),
    `the example shows the call to make: ${text}`,
  );
  assert.doesNotMatch(text, /Nothing to update|phone/);
  assert.deepEqual(entityRequests(sandbox.log, from), [], "nothing reached Autotask");
  assert.equal(sandbox.record("Tickets", ticket.id as number)!.status, ticket.status);
  // The same call written as the error says goes through.
  await callOk(client, "update_ticket", { id: ticket.id, changes: { status: 5 } });
  assert.equal(sandbox.record("Tickets", ticket.id as number)!.status, 5);
});

test("create tools: entity fields go inside extra; others get the arguments", async ({ client, sandbox, company }) => {
  const from = sandbox.log.length;
  const misplaced = await callError(client, "create_ticket", {
    companyID: company.id,
    title: "Printer offline",
    ticketType: 1,
  });
  assert.match(
    misplaced,
    /ticketType goes inside extra: \{\.\.\., "extra": \{"ticketType": 1\}\}/,
  );
  const typo = await callError(client, "create_ticket", {
    companyID: company.id,
    title: "Printer offline",
    queue: "Level I Support",
  });
  assert.match(
    typo,
    /"queue" is not an argument of create_ticket \(did you mean queueID\?\)/,
  );
  assert.match(typo, /create_ticket takes companyID, title, description, .*extra/);
  assert.match(typo, /other Tickets fields, userDefinedFields included, go inside extra/);
  const both = await callError(client, "update_company", {
    id: company.id,
    changes: { fax: "+1 503 555 0111" },
    phone: "+1 503 555 0100",
  });
  assert.ok(
    both.includes(`phone goes inside changes: {"id": ${company.id}, "changes": {"phone": `),
    both,
  );
  assert.deepEqual(entityRequests(sandbox.log, from), [], "nothing reached Autotask");
});

test("tools without changes or extra list their arguments and close names", async ({ client, ticket }) => {
  const text = await callError(client, "get_ticket", { id: ticket.id, feilds: ["title"] });
  assert.match(text, /"feilds" is not an argument of get_ticket \(did you mean fields\?\)/);
  assert.match(text, /get_ticket takes id, fields, detail, include/);
  assert.doesNotMatch(text, /inside/);
});

test("every listed tool refuses an unknown argument before any request", async ({ client, sandbox }) => {
  const { tools } = await client.listTools();
  assert.ok(tools.length > 70, `all toolsets are listed (${tools.length})`);
  const from = sandbox.log.length;
  const accepted: string[] = [];
  for (const tool of tools) {
    const result = await client.callTool({
      name: tool.name,
      arguments: { zzNotAnArgument: 1 },
    });
    const text = (result.content as { text?: string }[]).map((c) => c.text).join("\n");
    const names = Object.keys(tool.inputSchema.properties ?? {}).join(", ");
    if (
      !result.isError ||
      !text.includes(`"zzNotAnArgument" is not an argument of ${tool.name}`) ||
      !text.includes(`${tool.name} takes ${names}`)
    ) {
      accepted.push(`${tool.name}: ${text.slice(0, 200)}`);
    }
  }
  assert.deepEqual(accepted, []);
  assert.deepEqual(entityRequests(sandbox.log, from), [], "nothing reached Autotask");
});

test("Nothing to update: the example is a writable field of the tool's entity", async ({ client, tenant, sandbox, ticket, company }) => {
  const autotask = tenantClient(tenant);
  const cases: [string, string, number][] = [
    ["update_ticket", "Tickets", ticket.id as number],
    ["update_company", "Companies", company.id as number],
    ["update_time_entry", "TimeEntries", sandbox.records("TimeEntries")[0].id as number],
    ["update_contract", "Contracts", sandbox.records("Contracts")[0].id as number],
  ];
  const examples: string[] = [];
  for (const [tool, entity, id] of cases) {
    const text = await callError(client, tool, { id, changes: {} });
    assert.match(text, /Nothing to update: put at least one field in changes, e\.g\. /);
    const example = /e\.g\. (\{.*\})/.exec(text)?.[1];
    assert.ok(example, `${tool} gives an example: ${text}`);
    const [field] = Object.keys(JSON.parse(example));
    const info = (await autotask.fields(entity)).find((f) => f.name === field);
    assert.ok(info && !info.isReadOnly, `${field} is a writable ${entity} field`);
    examples.push(field);
  }
  assert.notEqual(examples[0], "phone", "a ticket's example is not a phone number");
});
