/** The Autotask client against the simulated tenant over real HTTP on 127.0.0.1. */

import assert from "node:assert/strict";
import { AutotaskClient, type AutotaskRecord } from "../lib/autotask/client.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import type { Filter } from "../lib/autotask/query.ts";
import { SANDBOX_CREDENTIALS, type ServedSandbox } from "../lib/sandbox/mod.ts";
import { startTenant, tenantClient } from "./harness.ts";

async function withTenant(
  fn: (tenant: ServedSandbox, client: AutotaskClient) => Promise<void>,
  options = {},
): Promise<void> {
  const tenant = await startTenant(options);
  try {
    await fn(tenant, tenantClient(tenant));
  } finally {
    await tenant.close();
  }
}

async function rejects(promise: Promise<unknown>): Promise<AutotaskError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AutotaskError, `expected AutotaskError, got ${error}`);
    return error;
  }
  throw new Error("expected a rejection");
}

function ids(records: AutotaskRecord[]): number[] {
  return records.map((r) => r.id as number);
}

Deno.test("every query operator matches what the tenant holds", async () => {
  await withTenant(async (tenant, client) => {
    const tickets = tenant.sandbox.records("Tickets");
    const sample = tickets[Math.floor(tickets.length / 2)];
    const title = String(sample.title);
    const word = title.split(/\s+/).find((w) => w.length > 3) ?? title.slice(0, 4);
    const pivot = sample.id as number;
    const cases: [Filter, (r: AutotaskRecord) => boolean][] = [
      [{ op: "eq", field: "id", value: pivot }, (r) => r.id === pivot],
      [{ op: "noteq", field: "status", value: 5 }, (r) => r.status !== 5],
      [{ op: "gt", field: "id", value: pivot }, (r) => (r.id as number) > pivot],
      [{ op: "gte", field: "id", value: pivot }, (r) => (r.id as number) >= pivot],
      [{ op: "lt", field: "id", value: pivot }, (r) => (r.id as number) < pivot],
      [{ op: "lte", field: "id", value: pivot }, (r) => (r.id as number) <= pivot],
      [
        { op: "beginsWith", field: "title", value: title.slice(0, 5).toUpperCase() },
        (r) => String(r.title).toLowerCase().startsWith(title.slice(0, 5).toLowerCase()),
      ],
      [
        { op: "endsWith", field: "title", value: title.slice(-4) },
        (r) => String(r.title).toLowerCase().endsWith(title.slice(-4).toLowerCase()),
      ],
      [
        { op: "contains", field: "title", value: word.toLowerCase() },
        (r) => String(r.title).toLowerCase().includes(word.toLowerCase()),
      ],
      [{ op: "exist", field: "assignedResourceID" }, (r) => r.assignedResourceID != null],
      [{ op: "notExist", field: "assignedResourceID" }, (r) => r.assignedResourceID == null],
      [{ op: "in", field: "status", value: [1, 5] }, (r) => r.status === 1 || r.status === 5],
      [{ op: "notIn", field: "status", value: [1, 5] }, (r) => r.status !== 1 && r.status !== 5],
    ];
    for (const [filter, predicate] of cases) {
      const { items } = await client.queryAll("Tickets", {
        filter: [filter],
        includeFields: ["id"],
      });
      const expected = tickets.filter(predicate).map((r) => r.id as number);
      assert.deepEqual(ids(items), expected, `${filter.op}`);
    }
  });
});

Deno.test("and/or nesting, case-insensitive names and values, top-level AND", async () => {
  await withTenant(async (tenant, client) => {
    const tickets = tenant.sandbox.records("Tickets");
    const companyID = tickets[0].companyID;
    const filter: Filter[] = [
      { op: "eq", field: "COMPANYID", value: companyID as number },
      {
        op: "or",
        items: [
          { op: "eq", field: "status", value: 1 },
          {
            op: "and",
            items: [{ op: "noteq", field: "status", value: 1 }, {
              op: "gt",
              field: "Id",
              value: 0,
            }],
          },
        ],
      },
    ];
    const { items } = await client.queryAll("tickets", { filter });
    assert.deepEqual(ids(items), tickets.filter((t) => t.companyID === companyID).map((t) => t.id));
    const title = String(tickets[3].title);
    const upper = await client.query("Tickets", {
      filter: [{ op: "eq", field: "title", value: title.toUpperCase() }],
    });
    assert.ok(ids(upper.items).includes(tickets[3].id as number));
  });
});

Deno.test("MaxRecords bounds, IncludeFields projection, id order, count", async () => {
  await withTenant(async (tenant, client) => {
    const page = await client.query("Tickets", { maxRecords: 7, includeFields: ["title"] });
    assert.equal(page.items.length, 7);
    for (const item of page.items) assert.deepEqual(Object.keys(item).sort(), ["id", "title"]);
    const sorted = [...ids(page.items)].sort((a, b) => a - b);
    assert.deepEqual(ids(page.items), sorted);
    // The client refuses bad page sizes before sending; the tenant would answer 500.
    const tooBig = await rejects(client.query("Tickets", { maxRecords: 501 }));
    assert.match(tooBig.message, /MaxRecords must be between 1 and 500/);
    assert.equal(tooBig.category, "validation");
    const count = await client.count("Tickets", {
      filter: [{ op: "noteq", field: "status", value: 5 }],
    });
    assert.equal(count, tenant.sandbox.records("Tickets").filter((t) => t.status !== 5).length);
  });
});

Deno.test("paging across 1,000+ rows re-POSTs nextPageUrl: no overlap, no gap", async () => {
  await withTenant(async (tenant, client) => {
    const all = tenant.sandbox.records("Tickets").map((t) => t.id as number);
    assert.ok(all.length >= 1500);
    const seen: number[] = [];
    let page = await client.query("Tickets", { maxRecords: 200, includeFields: ["id"] });
    let pages = 1;
    for (;;) {
      seen.push(...ids(page.items));
      if (!page.next) break;
      page = await client.queryNext("Tickets", page.next);
      pages++;
    }
    assert.deepEqual(seen, all);
    assert.equal(pages, Math.ceil(all.length / 200));
    const nextCalls = tenant.sandbox.log.filter((e) =>
      e.path.toLowerCase().includes("/query/next")
    );
    assert.ok(nextCalls.length > 0 && nextCalls.every((e) => e.method === "POST"));
    const capped = await client.queryAll("Tickets", { cap: 1200, includeFields: ["id"] });
    assert.equal(capped.items.length, 1200);
    assert.equal(capped.truncated, true);
  }, { ticketCount: 1600 });
});

Deno.test("a continuation is checked before it is followed", async () => {
  await withTenant(async (_tenant, client) => {
    const page = await client.query("Tickets", { maxRecords: 5 });
    assert.ok(page.next);
    const wrongEntity = await rejects(client.queryNext("Companies", page.next!));
    assert.match(wrongEntity.message, /belongs to a Tickets search/);
    const garbage = await rejects(client.queryNext("Tickets", "not-a-cursor"));
    assert.match(garbage.message, /cursor is not valid/);
    const forged = btoa(JSON.stringify({
      v: 1,
      e: "Tickets",
      u: "https://evil.example.com/ATServicesRest/V1.0/Tickets/query/next",
      b: { filter: [] },
      t: Date.now(),
    }));
    const outside = await rejects(client.queryNext("Tickets", forged));
    assert.match(outside.message, /cursor is not valid/, "a cursor never carries a host");
    const old = btoa(
      JSON.stringify({ v: 1, e: "Tickets", b: { filter: [] }, t: Date.now() - 25 * 3600_000 }),
    );
    assert.match((await rejects(client.queryNext("Tickets", old))).message, /expired/);
    // A page cut short continues right after its last kept record.
    const cut = client.cursorAfter("Tickets", page.query, page.items[2].id as number);
    const rest = await client.queryNext("Tickets", cut);
    assert.equal(rest.items[0].id, page.items[3].id);
  });
});

Deno.test("get: a missing id is null; found records come back whole", async () => {
  await withTenant(async (tenant, client) => {
    const first = tenant.sandbox.records("Companies")[1];
    const company = await client.get("Companies", first.id as number);
    assert.equal(company?.companyName, first.companyName);
    assert.equal(await client.get("Companies", 987654321), null);
    assert.equal(await client.get("Tickets", 987654321), null);
  });
});

Deno.test("child routes: notes, contacts, tasks, phases and project/company notes are written under the parent", async () => {
  await withTenant(async (tenant, client) => {
    const ticket = tenant.sandbox.records("Tickets")[0];
    const noteId = await client.create("TicketNotes", {
      ticketID: ticket.id,
      title: "Checked the switch",
      description: "Port 12 flapping; replaced the patch cable.",
      noteType: tenant.sandbox.records("TicketNotes")[0].noteType,
      publish: 2,
    });
    const note = tenant.sandbox.record("TicketNotes", noteId);
    assert.equal(note?.ticketID, ticket.id);
    assert.ok(
      tenant.sandbox.log.some((e) =>
        e.method === "POST" && e.path.endsWith(`/Tickets/${ticket.id}/Notes`)
      ),
    );
    await client.update("TicketNotes", noteId, { title: "Checked the core switch" });
    assert.equal(tenant.sandbox.record("TicketNotes", noteId)?.title, "Checked the core switch");
    assert.ok(
      tenant.sandbox.log.some((e) =>
        e.method === "PATCH" && e.path.endsWith(`/Tickets/${ticket.id}/Notes`)
      ),
    );

    const company = tenant.sandbox.records("Companies")[2];
    const contactId = await client.create("Contacts", {
      companyID: company.id,
      firstName: "Ada",
      lastName: "Lovelace",
      isActive: 1,
      emailAddress: "ada@example.com",
    });
    assert.equal(tenant.sandbox.record("Contacts", contactId)?.companyID, company.id);
    await client.delete("Contacts", contactId);
    assert.equal(tenant.sandbox.record("Contacts", contactId), undefined);
    assert.ok(
      tenant.sandbox.log.some((e) =>
        e.method === "DELETE" && e.path.endsWith(`/Companies/${company.id}/Contacts/${contactId}`)
      ),
    );

    const project = tenant.sandbox.records("Projects")[0];
    const task = tenant.sandbox.records("Tasks")[0];
    const phaseId = await client.create("Phases", { projectID: project.id, title: "Cutover" });
    assert.equal(tenant.sandbox.record("Phases", phaseId)?.projectID, project.id);
    const taskId = await client.create("Tasks", {
      projectID: project.id,
      title: "Migrate mailboxes",
      status: task.status,
      taskType: task.taskType,
    });
    assert.equal(tenant.sandbox.record("Tasks", taskId)?.projectID, project.id);
    const sampleNote = tenant.sandbox.records("ProjectNotes")[0];
    const projectNote = await client.create("ProjectNotes", {
      projectID: project.id,
      title: "Kickoff",
      description: "Kickoff held.",
      noteType: sampleNote.noteType,
      publish: sampleNote.publish,
      isAnnouncement: false,
    });
    assert.equal(tenant.sandbox.record("ProjectNotes", projectNote)?.projectID, project.id);
    const companyNote = await client.create("CompanyNotes", {
      companyID: company.id,
      name: "Renewal call",
      note: "Spoke about renewal.",
      actionType: tenant.sandbox.records("CompanyNotes")[0]?.actionType ?? 1,
    });
    assert.equal(tenant.sandbox.record("CompanyNotes", companyNote)?.companyID, company.id);
  });
});

Deno.test("sparse update is a PATCH on the collection with only the changed fields", async () => {
  await withTenant(async (tenant, client) => {
    const ticket = tenant.sandbox.records("Tickets")[4];
    await client.update("Tickets", ticket.id as number, { title: "Printer on 3rd floor offline" });
    const entry = tenant.sandbox.log.find((e) => e.method === "PATCH");
    assert.ok(entry && /\/V1\.0\/Tickets$/i.test(entry.path), entry?.path);
    assert.deepEqual(entry.body, { title: "Printer on 3rd floor offline", id: ticket.id });
    const after = tenant.sandbox.record("Tickets", ticket.id as number)!;
    assert.equal(after.title, "Printer on 3rd floor offline");
    assert.equal(after.description, ticket.description);
  });
});

Deno.test("time entries are root-level and deletable", async () => {
  await withTenant(async (tenant, client) => {
    const existing = tenant.sandbox.records("TimeEntries").find((t) => t.ticketID)!;
    const { id: _id, hoursToBill: _h, ...copy } = existing;
    const id = await client.create("TimeEntries", { ...copy, summaryNotes: "Follow-up call" });
    assert.ok(
      tenant.sandbox.log.some((e) => e.method === "POST" && /\/V1\.0\/TimeEntries$/i.test(e.path)),
    );
    await client.delete("TimeEntries", id);
    assert.equal(tenant.sandbox.record("TimeEntries", id), undefined);
    const missing = await rejects(client.delete("TimeEntries", 999999999));
    assert.equal(missing.category, "not_found");
  });
});

Deno.test("validation errors come back with Autotask's own text", async () => {
  await withTenant(async (tenant, client) => {
    const company = tenant.sandbox.records("Companies")[1];
    const missingStatus = await rejects(
      client.create("Tickets", { companyID: company.id, title: "x", priority: 99999 }),
    );
    assert.equal(missingStatus.category, "validation");
    assert.equal(missingStatus.status, 500);
    assert.ok(missingStatus.errors.length > 0);
    for (const text of missingStatus.errors) assert.ok(missingStatus.message.includes(text));
    const resource = tenant.sandbox.records("Resources")[1];
    const pairing = await rejects(
      client.create("Tickets", {
        companyID: company.id,
        title: "Assigned without role",
        status: 1,
        priority: tenant.sandbox.records("Tickets")[0].priority,
        dueDateTime: new Date(Date.now() + 86400000).toISOString(),
        assignedResourceID: resource.id,
      }),
    );
    assert.match(pairing.message, /assignedResourceID and assignedResourceRoleID/);
    const unknownField = await rejects(
      client.query("Tickets", { filter: [{ op: "eq", field: "nosuchfield", value: 1 }] }),
    );
    assert.match(unknownField.message, /Unable to find nosuchfield in the Tickets Entity/i);
  });
});

Deno.test("metadata: fields with string picklist values are cached; UDFs; entity info; threshold", async () => {
  await withTenant(async (tenant, client) => {
    const fields = await client.fields("Tickets");
    const status = fields.find((f) => f.name === "status")!;
    assert.ok(status.isPickList);
    assert.ok(status.picklistValues!.every((v) => typeof v.value === "string"));
    await client.fields("tickets");
    const fieldCalls = tenant.sandbox.log.filter((e) => /entityInformation\/fields$/i.test(e.path));
    assert.equal(fieldCalls.length, 1, "second call served from cache");
    const sub = fields.find((f) => f.name === "subIssueType");
    assert.equal(sub?.picklistParentValueField, "issueType");
    const udfs = await client.userDefinedFields("Tickets");
    assert.ok(Array.isArray(udfs));
    const info = await client.entityInfo("Tickets");
    assert.equal(info.canCreate, true);
    const threshold = await client.threshold();
    assert.equal(typeof threshold.externalRequestThreshold, "number");
    assert.ok(threshold.currentTimeframeRequestCount >= 1);
  });
});

Deno.test("userDefinedFields: an entity without any answers 404, read as none and cached", async () => {
  await withTenant(async (tenant, client) => {
    const udfCalls = () =>
      tenant.sandbox.log.filter((e) => /entityInformation\/userDefinedFields$/i.test(e.path));
    assert.deepEqual(await client.userDefinedFields("Projects"), []);
    assert.deepEqual(await client.userDefinedFields("projects"), []);
    assert.deepEqual(udfCalls().map((e) => e.status), [404], "one request: the answer is cached");
    const tickets = await client.userDefinedFields("Tickets");
    assert.ok(tickets.some((f) => f.name === "Customer PO"), "an entity with UDFs lists them");
    // Only a 404 means "none": other failures are errors, and are not cached.
    const wrong = new AutotaskClient({
      credentials: { ...SANDBOX_CREDENTIALS, secret: "wrong-secret-123" },
      baseUrl: `${tenant.restBase}V1.0/`,
      timeoutMs: 5000,
    });
    assert.equal((await rejects(wrong.userDefinedFields("Projects"))).category, "authentication");
    assert.equal((await rejects(wrong.userDefinedFields("Projects"))).category, "authentication");
    assert.deepEqual(udfCalls().map((e) => e.status), [404, 200, 401, 401], "each failure asked");
  });
});

Deno.test("the three authentication failures, with fix-it messages and no secret", async () => {
  await withTenant(async (tenant) => {
    const base = `${tenant.restBase}V1.0/`;
    const make = (credentials: typeof SANDBOX_CREDENTIALS) =>
      new AutotaskClient({ credentials, baseUrl: base, timeoutMs: 5000 });
    const wrongSecret = { ...SANDBOX_CREDENTIALS, secret: "wrong-secret-value-123" };
    const a = await rejects(make(wrongSecret).query("Tickets"));
    assert.equal(a.category, "authentication");
    assert.match(a.message, /AUTOTASK_API_SECRET/);
    const wrongCode = { ...SANDBOX_CREDENTIALS, integrationCode: "WRONGCODE-SECRET-987" };
    const b = await rejects(make(wrongCode).query("Tickets"));
    assert.equal(b.category, "authentication");
    assert.match(b.message, /AUTOTASK_API_INTEGRATION_CODE/);
    const wrongUser = { ...SANDBOX_CREDENTIALS, username: "nobody@example.com" };
    const c = await rejects(make(wrongUser).query("Tickets"));
    assert.equal(c.category, "authentication");
    assert.match(c.message, /AUTOTASK_API_USERNAME/);
    for (const error of [a, b, c]) {
      const text = `${error.message} ${JSON.stringify(error.errors)} ${error.stack}`;
      for (
        const secret of [
          SANDBOX_CREDENTIALS.secret,
          SANDBOX_CREDENTIALS.integrationCode,
          "wrong-secret-value-123",
          "WRONGCODE-SECRET-987",
        ]
      ) {
        assert.ok(!text.includes(secret), "no secret in the error");
      }
    }
  });
});

Deno.test("zone discovery by username, once, cached; unknown user is an authentication error", async () => {
  await withTenant(async (tenant) => {
    const client = new AutotaskClient(
      { credentials: SANDBOX_CREDENTIALS, timeoutMs: 5000 },
      { zoneDiscoveryUrl: tenant.zoneDiscoveryUrl },
    );
    assert.equal(await client.baseUrl(), `${tenant.restBase}V1.0/`);
    await client.query("Companies", { maxRecords: 1 });
    await client.query("Companies", { maxRecords: 1 });
    const zoneCalls = tenant.sandbox.log.filter((e) => /zoneInformation/i.test(e.path));
    assert.equal(zoneCalls.length, 1);
    const stranger = new AutotaskClient(
      { credentials: { ...SANDBOX_CREDENTIALS, username: "ghost@example.com" }, timeoutMs: 5000 },
      { zoneDiscoveryUrl: tenant.zoneDiscoveryUrl },
    );
    const error = await rejects(stranger.baseUrl());
    assert.equal(error.category, "authentication");
    assert.match(error.message, /AUTOTASK_API_USERNAME/);
  });
});

Deno.test("timeouts and caller cancellation end the request with a clear error", async () => {
  await withTenant(async (tenant) => {
    const client = new AutotaskClient({
      credentials: SANDBOX_CREDENTIALS,
      baseUrl: `${tenant.restBase}V1.0/`,
      timeoutMs: 1000,
    });
    tenant.sandbox.inject({ kind: "delay", delayMs: 3000, match: { entity: "Companies" } });
    const slow = await rejects(client.query("Companies"));
    assert.equal(slow.category, "unavailable");
    assert.match(slow.message, /did not answer within 1 s/);
    tenant.sandbox.inject({ kind: "delay", delayMs: 3000, match: { entity: "Companies" } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const cancelled = await rejects(client.query("Companies", { signal: controller.signal }));
    assert.equal(cancelled.category, "cancelled");
  });
});

Deno.test("a write that fails without an answer is reported as possibly applied", async () => {
  await withTenant(async (tenant, client) => {
    const ticket = tenant.sandbox.records("Tickets")[0];
    tenant.sandbox.inject({
      kind: "drop",
      applyAfterHandling: true,
      match: { method: "POST", entity: "TicketNotes" },
    });
    const error = await rejects(client.create("TicketNotes", {
      ticketID: ticket.id,
      description: "Dropped on the way back",
      noteType: tenant.sandbox.records("TicketNotes")[0].noteType,
      publish: 2,
    }));
    assert.equal(error.category, "unknown_outcome");
    assert.match(error.message, /may or may not have been applied/);
    tenant.sandbox.inject({ kind: "malformed", match: { entity: "Companies" } });
    const malformed = await rejects(client.query("Companies"));
    assert.equal(malformed.category, "unavailable");
    assert.match(malformed.message, /malformed JSON/);
  });
});
