/** Ticket, company and project note tools, in process, against the simulated tenant over HTTP. */

import assert from "node:assert/strict";
import type { RequestLogEntry } from "../lib/sandbox/mod.ts";
import { callError, callOk } from "./harness.ts";
import { type InProcessSession, withSession } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;

function writes(log: RequestLogEntry[], from: number): RequestLogEntry[] {
  return log.slice(from).filter((e) => e.method !== "GET" && !/\/query(\/|$)/.test(e.path));
}

function path(entry: RequestLogEntry): string {
  return entry.path.replace(/^\/ATServicesRest\/V1\.0\//i, "");
}

const NOTE_TYPES: Record<number, string> = {
  1: "Task Summary",
  2: "Detailed Description",
  3: "Task Notes",
  13: "Customer Update",
  18: "Resolution",
  21: "Escalation",
};
const PUBLISH: Record<number, string> = {
  1: "All Autotask Users",
  2: "Internal Project Team",
  4: "Internal & Co-Managed",
};

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
    `note tools: ${name}`,
    () =>
      withSession(
        { env: { AUTOTASK_TOOLSETS: "notes" } },
        (session) => fn(setup(session)),
      ),
  );
}

test("list_ticket_notes: every note of the ticket, id order, labels", async ({ client, sandbox }) => {
  const notes = sandbox.records("TicketNotes");
  const counts = new Map<number, number>();
  for (const n of notes) {
    counts.set(n.ticketID as number, (counts.get(n.ticketID as number) ?? 0) + 1);
  }
  const ticketID = [...counts].find(([, n]) => n >= 3)![0];
  const expected = notes.filter((n) => n.ticketID === ticketID);
  const out = await callOk(client, "list_ticket_notes", { ticketID });
  const items = out.items as Rec[];
  assert.deepEqual(items.map((n) => n.id), expected.map((n) => n.id));
  for (const item of items) {
    const note = expected.find((n) => n.id === item.id)!;
    assert.equal(item.description, note.description);
    assert.equal(item.noteTypeLabel, NOTE_TYPES[note.noteType as number]);
    assert.equal(item.publishLabel, PUBLISH[note.publish as number]);
    assert.ok(item.creatorResourceName, "the author's name comes inline");
  }
  assert.deepEqual(out.untrustedFields, ["title", "description"]);

  // Paging: one at a time, the cursor continues in id order.
  const first = await callOk(client, "list_ticket_notes", { ticketID, limit: 1 });
  assert.equal(first.hasMore, true);
  const second = await callOk(client, "list_ticket_notes", {
    ticketID,
    limit: 1,
    cursor: first.cursor,
  });
  assert.deepEqual(
    [(first.items as Rec[])[0].id, (second.items as Rec[])[0].id],
    expected.slice(0, 2).map((n) => n.id),
  );
  assert.match(
    await callError(client, "list_ticket_notes", { ticketID: 999_999 }),
    /Ticket 999999 was not found/,
  );
});

test("get_ticket_note: one note with labels; missing -> not found", async ({ client, sandbox }) => {
  const note = sandbox.records("TicketNotes").find((n) => n.publish === 2)!;
  const out = await callOk(client, "get_ticket_note", { id: note.id });
  const item = out.item as Rec;
  assert.equal(item.id, note.id);
  assert.equal(item.ticketID, note.ticketID);
  assert.equal(item.publishLabel, "Internal Project Team");
  assert.ok(item.ticketName, "the ticket's number and title come inline");
  assert.match(
    await callError(client, "get_ticket_note", { id: 999_999 }),
    /Ticket note 999999 was not found/,
  );
});

test("search_company_notes: by company and by action type label", async ({ client, sandbox }) => {
  const all = sandbox.records("CompanyNotes");
  const companyID = all[0].companyID as number;
  const out = await callOk(client, "search_company_notes", { companyID });
  assert.deepEqual(
    (out.items as Rec[]).map((n) => n.id),
    all.filter((n) => n.companyID === companyID).map((n) => n.id),
  );
  const qbr = await callOk(client, "search_company_notes", {
    actionType: "quarterly business review",
  });
  const expected = all.filter((n) => n.actionType === 29682801).map((n) => n.id);
  assert.deepEqual((qbr.items as Rec[]).map((n) => n.id), expected);
  for (const item of qbr.items as Rec[]) {
    assert.equal(item.actionTypeLabel, "Quarterly Business Review");
    assert.ok(item.companyName);
  }
});

test("create_company_note: under Companies/{id}/Notes, action type by label", async ({ client, sandbox, mark }) => {
  const company = sandbox.records("Companies").find((c) => c.id !== 0)!;
  let from = mark();
  // This tenant marks no default action type: the error lists the choices.
  const missing = await callError(client, "create_company_note", {
    companyID: company.id,
    name: "Renewal call",
    note: "Customer wants to renew for two years.",
  });
  assert.match(missing, /pass actionType, one of .*1 \(Phone Call\).*2 \(Meeting\)/);
  assert.equal(writes(sandbox.log, from).length, 0);

  from = mark();
  const out = await callOk(client, "create_company_note", {
    companyID: company.id,
    name: "Renewal call",
    note: "Customer wants to renew for two years.",
    actionType: "phone call",
  });
  const sent = writes(sandbox.log, from);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].method, "POST");
  assert.equal(path(sent[0]), `Companies/${company.id}/Notes`);
  const created = sandbox.record("CompanyNotes", out.id as number)!;
  assert.equal(created.companyID, company.id);
  assert.equal(created.actionType, 1);
  assert.equal(created.name, "Renewal call");
  assert.equal(created.note, "Customer wants to renew for two years.");
  assert.equal((out.item as Rec).actionTypeLabel, "Phone Call");

  assert.match(
    await callError(client, "create_company_note", {
      companyID: 999_999,
      name: "x",
      note: "y",
      actionType: 1,
    }),
    /Company 999999 was not found/,
  );
});

test("search_project_notes: by project", async ({ client, sandbox }) => {
  const all = sandbox.records("ProjectNotes");
  const projectID = all[0].projectID as number;
  const out = await callOk(client, "search_project_notes", { projectID });
  assert.deepEqual(
    (out.items as Rec[]).map((n) => n.id),
    all.filter((n) => n.projectID === projectID).map((n) => n.id),
  );
  assert.ok((out.items as Rec[]).every((n) => typeof n.noteTypeLabel === "string"));
});

test("create_project_note: INTERNAL by default, never the tenant's default", async ({ client, sandbox, mark }) => {
  const project = sandbox.records("Projects")[0];
  let from = mark();
  const out = await callOk(client, "create_project_note", {
    projectID: project.id,
    title: "Cut-over plan",
    description: "Cut-over moved to Saturday; rollback plan attached to the ticket.",
  });
  const sent = writes(sandbox.log, from);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].method, "POST");
  assert.equal(path(sent[0]), `Projects/${project.id}/Notes`);
  const created = sandbox.record("ProjectNotes", out.id as number)!;
  // The tenant's isDefaultValue for publish is 1 (All Autotask Users): not used.
  assert.equal(created.publish, 2);
  assert.equal(created.isAnnouncement, false);
  assert.equal(created.noteType, 1);
  assert.equal(created.projectID, project.id);
  const item = out.item as Rec;
  assert.equal(item.publishLabel, "Internal Project Team");
  assert.equal(item.noteTypeLabel, "General");

  from = mark();
  const shared = await callOk(client, "create_project_note", {
    projectID: project.id,
    title: "Go-live",
    description: "We go live on Monday.",
    publish: "All Autotask Users",
    noteType: "Status Report",
    isAnnouncement: true,
  });
  const public1 = sandbox.record("ProjectNotes", shared.id as number)!;
  assert.equal(public1.publish, 1);
  assert.equal(public1.noteType, 5);
  assert.equal(public1.isAnnouncement, true);
  assert.equal(writes(sandbox.log, from).length, 1);

  assert.match(
    await callError(client, "create_project_note", {
      projectID: project.id,
      title: "x",
      description: "y",
      publish: "Everyone",
    }),
    /"Everyone" is not a valid value or label for ProjectNotes\.publish/,
  );
  assert.match(
    await callError(client, "create_project_note", {
      projectID: 999_999,
      title: "x",
      description: "y",
    }),
    /Project 999999 was not found/,
  );
});
