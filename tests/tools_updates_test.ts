/** End to end: the update tools and delete_time_entry against the simulated tenant, in process (tenant over HTTP). */

import assert from "node:assert/strict";
import type { RequestLogEntry } from "../lib/sandbox/mod.ts";
import { callError, callOk } from "./harness.ts";
import { type InProcessSession, withSession } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;

/** The write requests (anything but GET and queries) the tenant received since `from`. */
function writes(log: RequestLogEntry[], from: number): RequestLogEntry[] {
  return log.slice(from).filter((e) => e.method !== "GET" && !/\/query(\/|$)/.test(e.path));
}

function path(entry: RequestLogEntry): string {
  return entry.path.replace(/^\/ATServicesRest\/V1\.0\//i, "");
}

/** A fresh tenant and in-process session per test, so one failure does not cascade. */
function setup(session: InProcessSession) {
  const { client } = session;
  const sandbox = session.sandbox;
  const mark = () => sandbox.log.length;
  return { client, sandbox, mark };
}

/** One test against its own tenant, with what {@linkcode setup} prepares. */
function test(
  name: string,
  fn: (context: ReturnType<typeof setup>) => Promise<void>,
): void {
  Deno.test(
    `update tools: ${name}`,
    () =>
      withSession(
        { env: { AUTOTASK_TOOLSETS: "all" } },
        (session) => fn(setup(session)),
      ),
  );
}

test("update_company: sparse PATCH on the collection, labels resolved", async ({ client, sandbox, mark }) => {
  const company = sandbox.records("Companies").find((c) => c.id !== 0)!;
  const from = mark();
  const out = await callOk(client, "update_company", {
    id: company.id,
    changes: {
      phone: "+1 503 555 0199",
      companyType: "prospect",
      Classification: "Gold MSA",
      userDefinedFields: [{ name: "customer tier", value: "Gold" }],
    },
  });
  const sent = writes(sandbox.log, from);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].method, "PATCH");
  assert.equal(path(sent[0]), "Companies");
  assert.deepEqual(sent[0].body, {
    id: company.id,
    phone: "+1 503 555 0199",
    companyType: 3,
    classification: 102,
    userDefinedFields: [{ name: "Customer Tier", value: "Gold" }],
  });
  const after = sandbox.record("Companies", company.id as number)!;
  assert.equal(after.phone, "+1 503 555 0199");
  assert.equal(after.companyType, 3);
  assert.equal(after.companyName, company.companyName, "untouched fields stay");
  assert.deepEqual(
    (after.userDefinedFields as Rec[]).find((u) => u.name === "Customer Tier"),
    { name: "Customer Tier", value: "Gold" },
  );
  const item = out.item as Rec;
  assert.equal(out.entity, "Companies");
  assert.equal(item.id, company.id);
  assert.equal(item.companyTypeLabel, "Prospect");
  assert.equal(item.classificationLabel, "Gold MSA");
});

test("update_contact: PATCH under its company, isActive as 0/1", async ({ client, sandbox, mark }) => {
  const contact = sandbox.records("Contacts").find((c) => c.isActive === 1)!;
  const from = mark();
  const out = await callOk(client, "update_contact", {
    id: contact.id,
    changes: { isActive: false, mobilePhone: "+1 503 555 0142" },
  });
  const sent = writes(sandbox.log, from);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].method, "PATCH");
  assert.equal(path(sent[0]), `Companies/${contact.companyID}/Contacts`);
  assert.deepEqual(sent[0].body, {
    id: contact.id,
    isActive: 0,
    mobilePhone: "+1 503 555 0142",
  });
  const after = sandbox.record("Contacts", contact.id as number)!;
  assert.equal(after.isActive, 0);
  assert.equal(after.mobilePhone, "+1 503 555 0142");
  assert.equal((out.item as Rec).isActive, 0);
});

test("update_project and update_task: root PATCH vs. the project's route", async ({ client, sandbox, mark }) => {
  const project = sandbox.records("Projects").find((p) => p.status !== 5)!;
  let from = mark();
  const out = await callOk(client, "update_project", {
    id: project.id,
    changes: { status: "In Flight", description: "Re-planned with the customer." },
  });
  let sent = writes(sandbox.log, from);
  assert.equal(path(sent[0]), "Projects");
  assert.equal(sent[0].method, "PATCH");
  assert.equal(sandbox.record("Projects", project.id as number)!.status, 10);
  assert.equal((out.item as Rec).statusLabel, "In Flight");

  const task = sandbox.records("Tasks").find((x) => x.status !== 5)!;
  from = mark();
  const taskOut = await callOk(client, "update_task", {
    id: task.id,
    changes: { status: "waiting on client", estimatedHours: "6.5" },
  });
  sent = writes(sandbox.log, from);
  assert.equal(sent.length, 1);
  assert.equal(path(sent[0]), `Projects/${task.projectID}/Tasks`);
  assert.deepEqual(sent[0].body, { id: task.id, status: 13, estimatedHours: 6.5 });
  const after = sandbox.record("Tasks", task.id as number)!;
  assert.equal(after.status, 13);
  assert.equal(after.estimatedHours, 6.5);
  assert.equal((taskOut.item as Rec).statusLabel, "Waiting on Client");
});

test("update_configuration_item, update_opportunity, update_contract", async ({ client, sandbox, mark }) => {
  const ci = sandbox.records("ConfigurationItems")[0];
  let from = mark();
  await callOk(client, "update_configuration_item", {
    id: ci.id,
    changes: { serialNumber: "SN-NEW-0001", location: "Rack 2" },
  });
  assert.equal(path(writes(sandbox.log, from)[0]), "ConfigurationItems");
  const ciAfter = sandbox.record("ConfigurationItems", ci.id as number)!;
  assert.equal(ciAfter.serialNumber, "SN-NEW-0001");
  assert.equal(ciAfter.location, "Rack 2");

  const opportunity = sandbox.records("Opportunities").find((o) => o.status === 1)!;
  from = mark();
  const out = await callOk(client, "update_opportunity", {
    id: opportunity.id,
    changes: { stage: "Negotiation", amount: 12500, probability: "70" },
  });
  assert.equal(path(writes(sandbox.log, from)[0]), "Opportunities");
  const oppAfter = sandbox.record("Opportunities", opportunity.id as number)!;
  assert.equal(oppAfter.stage, 14);
  assert.equal(oppAfter.amount, 12500);
  assert.equal(oppAfter.probability, 70);
  assert.equal((out.item as Rec).stageLabel, "Negotiation");

  const contract = sandbox.records("Contracts")[0];
  from = mark();
  await callOk(client, "update_contract", {
    id: contract.id,
    changes: { description: "Renewed for 12 months", endDate: "2027-12-31" },
  });
  assert.equal(path(writes(sandbox.log, from)[0]), "Contracts");
  const contractAfter = sandbox.record("Contracts", contract.id as number)!;
  assert.equal(contractAfter.description, "Renewed for 12 months");
  assert.equal(String(contractAfter.endDate).slice(0, 10), "2027-12-31");
});

test("bad changes are refused before anything is sent", async ({ client, sandbox, mark }) => {
  const company = sandbox.records("Companies").find((c) => c.id !== 0)!;
  const contact = sandbox.records("Contacts")[0];
  const project = sandbox.records("Projects")[0];
  const from = mark();
  const cases: [string, Rec, RegExp][] = [
    [
      "update_company",
      { id: company.id, changes: { phon: "1" } },
      /"phon".*did you mean phone/,
    ],
    [
      "update_contact",
      { id: contact.id, changes: { email: "a@b.example" } },
      /did you mean emailAddress/,
    ],
    [
      "update_company",
      { id: company.id, changes: { createDate: "2026-01-01" } },
      /createDate is read-only/,
    ],
    [
      "update_project",
      { id: project.id, changes: { projectNumber: "P1" } },
      /projectNumber is read-only/,
    ],
    [
      "update_project",
      { id: project.id, changes: { estimatedTime: "lots" } },
      /estimatedTime is a number, not "lots"/,
    ],
    [
      "update_project",
      { id: project.id, changes: { endDateTime: "next week" } },
      /endDateTime is an ISO-8601 date/,
    ],
    [
      "update_contact",
      { id: contact.id, changes: { isActive: "yes" } },
      /isActive is 1 or 0/,
    ],
    [
      "update_company",
      { id: company.id, changes: { isActive: "maybe" } },
      /isActive is true or false/,
    ],
    [
      "update_company",
      { id: company.id, changes: { phone: "1".repeat(30) } },
      /phone holds at most 25 characters \(given 30\)/,
    ],
    [
      "update_company",
      { id: company.id, changes: { companyName: null } },
      /companyName is required and cannot be cleared/,
    ],
    [
      "update_company",
      { id: company.id, changes: { companyType: "Martian" } },
      /"Martian" is not a valid value or label for Companies\.companyType.*Prospect/,
    ],
    [
      "update_contact",
      { id: contact.id, changes: { companyID: company.id } },
      /companyID cannot be changed/,
    ],
    [
      "update_company",
      { id: company.id, changes: { userDefinedFields: [{ name: "Nope", value: "x" }] } },
      /no user-defined field "Nope".*Customer Tier/,
    ],
    ["update_company", { id: company.id, changes: {} }, /at least one field/],
    ["update_company", { id: company.id, changes: { id: 5 } }, /give it as id/],
  ];
  for (const [tool, args, expected] of cases) {
    const text = await callError(client, tool, args);
    assert.match(text, expected, `${tool} ${JSON.stringify(args.changes)}: ${text}`);
  }
  // Several problems are reported together.
  const many = await callError(client, "update_company", {
    id: company.id,
    changes: {
      phon: "1",
      createDate: "2026-01-01",
      isActive: "maybe",
      companyType: "Martian",
    },
  });
  assert.match(many, /phon.*createDate.*isActive.*Martian/);
  assert.equal(writes(sandbox.log, from).length, 0, "nothing was written");
});

test("missing records: not found", async ({ client }) => {
  const company = await callError(client, "update_company", {
    id: 999_999,
    changes: { phone: "1" },
  });
  assert.match(company, /No matching records found for Companies with id 999999/);
  const contact = await callError(client, "update_contact", {
    id: 999_999,
    changes: { phone: "1" },
  });
  assert.match(contact, /Contact 999999 was not found/);
  const entry = await callError(client, "update_time_entry", {
    id: 999_999,
    changes: { hoursWorked: 1 },
  });
  assert.match(entry, /Time entry 999999 was not found/);
  assert.match(
    await callError(client, "delete_time_entry", { id: 999_999 }),
    /Time entry 999999 was not found/,
  );
});

test("update_time_entry: new hours move the end, never hoursToBill", async ({ client, sandbox, mark }) => {
  const entry = sandbox.records("TimeEntries").find((e) =>
    typeof e.ticketID === "number" && typeof e.startDateTime === "string" &&
    (e.hoursWorked as number) < 20
  )!;
  const start = Date.parse(entry.startDateTime as string);
  let from = mark();
  const out = await callOk(client, "update_time_entry", {
    id: entry.id,
    changes: { hoursWorked: 1.5, summaryNotes: "Replaced the toner and tested." },
  });
  let sent = writes(sandbox.log, from);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].method, "PATCH");
  assert.equal(path(sent[0]), "TimeEntries");
  const body = sent[0].body as Rec;
  assert.ok(!("hoursToBill" in body), "hoursToBill is never sent");
  assert.equal(Date.parse(body.endDateTime as string), start + 1.5 * 3_600_000);
  let after = sandbox.record("TimeEntries", entry.id as number)!;
  assert.equal(after.hoursWorked, 1.5);
  assert.equal(Date.parse(after.endDateTime as string), start + 1.5 * 3_600_000);
  assert.equal(after.startDateTime, entry.startDateTime);
  assert.equal(after.hoursToBill, 1.5 + ((entry.offsetHours as number | null) ?? 0));
  assert.match(String(out.note), /endDateTime moved/);

  // A new start keeps the duration.
  const newStart = Date.parse(`${String(entry.startDateTime).slice(0, 10)}T13:00:00Z`);
  from = mark();
  await callOk(client, "update_time_entry", {
    id: entry.id,
    changes: { startDateTime: new Date(newStart).toISOString() },
  });
  sent = writes(sandbox.log, from);
  after = sandbox.record("TimeEntries", entry.id as number)!;
  assert.equal(Date.parse(after.startDateTime as string), newStart);
  assert.equal(Date.parse(after.endDateTime as string), newStart + 1.5 * 3_600_000);
  assert.equal(after.hoursWorked, 1.5);

  // A new end changes the hours.
  await callOk(client, "update_time_entry", {
    id: entry.id,
    changes: { endDateTime: new Date(newStart + 2.25 * 3_600_000).toISOString() },
  });
  assert.equal(sandbox.record("TimeEntries", entry.id as number)!.hoursWorked, 2.25);

  from = mark();
  assert.match(
    await callError(client, "update_time_entry", {
      id: entry.id,
      changes: { hoursToBill: 3 },
    }),
    /hoursToBill cannot be changed: Autotask computes it/,
  );
  assert.match(
    await callError(client, "update_time_entry", {
      id: entry.id,
      changes: { hoursWorked: 30 },
    }),
    /hoursWorked must be more than 0 and at most 24/,
  );
  assert.match(
    await callError(client, "update_time_entry", {
      id: entry.id,
      changes: { hoursWorked: null },
    }),
    /hoursWorked cannot be cleared/,
  );
  assert.match(
    await callError(client, "update_time_entry", {
      id: entry.id,
      changes: {
        startDateTime: "2026-01-05T09:00:00Z",
        endDateTime: "2026-01-05T10:00:00Z",
        hoursWorked: 4,
      },
    }),
    /1 hours but hoursWorked is 4/,
  );
  assert.equal(writes(sandbox.log, from).length, 0);
});

test("delete_time_entry really deletes, at DELETE TimeEntries/{id}", async ({ client, sandbox, mark }) => {
  const entry = sandbox.records("TimeEntries")[0];
  const from = mark();
  const out = await callOk(client, "delete_time_entry", { id: entry.id });
  const sent = writes(sandbox.log, from);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].method, "DELETE");
  assert.equal(path(sent[0]), `TimeEntries/${entry.id}`);
  assert.equal(sandbox.record("TimeEntries", entry.id as number), undefined);
  assert.equal(out.deleted, true);
  assert.equal((out.item as Rec).hoursWorked, entry.hoursWorked);
  assert.ok((out.item as Rec).resourceName, "the resource's name comes inline");
});

test("the update tools are write tools: annotated as destructive", async ({ client }) => {
  const { tools } = await client.listTools();
  const update = tools.find((x) => x.name === "update_company")!;
  assert.equal(update.annotations?.readOnlyHint, false);
  assert.equal(update.annotations?.destructiveHint, true);
  const remove = tools.find((x) => x.name === "delete_time_entry")!;
  assert.equal(remove.annotations?.destructiveHint, true);
});
