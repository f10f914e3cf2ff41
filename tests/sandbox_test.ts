// Spec test of the simulated Autotask tenant over real HTTP: zone and auth, routes and envelopes,
// writes, validation, metadata and the data set. Query grammar: sandbox_query_test.ts; limits and
// faults: sandbox_limits_test.ts.

import assert from "node:assert/strict";
import {
  SANDBOX_CREDENTIALS,
  type ServedSandbox,
  serveSandbox,
  WELL_KNOWN,
} from "../lib/sandbox/mod.ts";

type Rec = Record<string, unknown>;
interface Reply {
  status: number;
  json: unknown;
  headers: Headers;
}
interface Page {
  items: Rec[];
  pageDetails: {
    count: number;
    requestCount: number;
    prevPageUrl: string | null;
    nextPageUrl: string | null;
  };
}

const HEADERS: Record<string, string> = {
  ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
  UserName: SANDBOX_CREDENTIALS.username,
  Secret: SANDBOX_CREDENTIALS.secret,
  "Content-Type": "application/json",
};

function client(s: ServedSandbox) {
  async function raw(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = HEADERS,
  ): Promise<Reply> {
    const url = path.startsWith("http") ? path : `${s.restBase}V1.0/${path}`;
    const res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      json: text === "" ? null : JSON.parse(text),
      headers: res.headers,
    };
  }
  async function ok(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) {
    const r = await raw(method, path, body, headers);
    assert.equal(r.status, 200, `${method} ${path}: ${JSON.stringify(r.json)}`);
    return r.json as Rec;
  }
  return {
    raw,
    ok,
    async query(entity: string, model: unknown): Promise<Page> {
      return (await ok("POST", `${entity}/query`, model)) as unknown as Page;
    },
    async get(entity: string, id: number): Promise<Rec | null> {
      return (await ok("GET", `${entity}/${id}`)).item as Rec | null;
    },
    async create(path: string, body: Rec, headers?: Record<string, string>): Promise<number> {
      const r = await ok("POST", path, body, headers);
      assert.equal(typeof r.itemId, "number");
      return r.itemId as number;
    },
  };
}

function errorsOf(reply: Reply): string[] {
  return ((reply.json as { errors?: string[] } | null)?.errors) ?? [];
}

function assertFails(reply: Reply, status: number, pattern: RegExp | string): void {
  assert.equal(reply.status, status, JSON.stringify(reply.json));
  const text = errorsOf(reply).join(" | ");
  if (typeof pattern === "string") {
    assert.ok(errorsOf(reply).includes(pattern), `${text} lacks ${pattern}`);
  } else assert.match(text, pattern);
}

async function withSandbox(
  fn: (s: ServedSandbox, c: ReturnType<typeof client>) => Promise<void>,
  options: Parameters<typeof serveSandbox>[0] = {},
): Promise<void> {
  const s = await serveSandbox(options);
  try {
    await fn(s, client(s));
  } finally {
    await s.close();
  }
}

const ALL = { op: "gte", field: "id", value: 0 };
const HOUR = 3_600_000;

Deno.test("zone discovery and the three authentication failures", async () => {
  await withSandbox(async (s, c) => {
    const zone = await fetch(
      `${s.zoneDiscoveryUrl}?user=${encodeURIComponent(SANDBOX_CREDENTIALS.username)}`,
    );
    const info = await zone.json();
    assert.equal(zone.status, 200);
    assert.equal(info.url, s.restBase);
    assert.equal(info.webUrl, "https://ww5.autotask.net/");
    assert.equal(typeof info.zoneName, "string");
    assert.equal(typeof info.ci, "number");
    // Zone discovery needs no auth and its path case does not matter.
    const upper = await fetch(
      `${s.origin}/ATServicesRest/V1.0/ZoneInformation?user=${SANDBOX_CREDENTIALS.username}`,
    );
    assert.equal(upper.status, 200);
    await upper.body?.cancel();
    const unknown = await fetch(`${s.zoneDiscoveryUrl}?user=nobody@example.com`);
    assert.equal(unknown.status, 500);
    assert.deepEqual(await unknown.json(), {
      errors: ["Zone information could not be determined"],
    });

    assertFails(
      await c.raw("GET", "Companies/0", undefined, { ...HEADERS, UserName: "nobody@example.com" }),
      500,
      "Zone information could not be determined",
    );
    const badSecret = await c.raw("GET", "Companies/0", undefined, { ...HEADERS, Secret: "wrong" });
    assert.equal(badSecret.status, 401);
    assertFails(
      await c.raw("GET", "Companies/0", undefined, { ...HEADERS, ApiIntegrationCode: "WRONG" }),
      500,
      "IntegrationCode is invalid.",
    );
    const noHeaders = await c.raw("GET", "Companies/0", undefined, {});
    assert.equal(noHeaders.status, 500);
    const own = await c.get("Companies", 0);
    assert.equal(own?.companyName, "Northwind IT Services");
    // Impersonation must name an active resource.
    assertFails(
      await c.raw("GET", "Companies/0", undefined, {
        ...HEADERS,
        ImpersonationResourceId: String(WELL_KNOWN.inactiveResourceId),
      }),
      500,
      /ImpersonationResourceId/,
    );
    const version = await fetch(`${s.origin}/ATServicesRest/VersionInformation`);
    assert.deepEqual(await version.json(), { apiVersions: ["1.0"] });
  });
});

Deno.test("routes: envelopes, path case, child routes, 404 and 405", async () => {
  await withSandbox(async (s, c) => {
    const ticket = (await c.query("Tickets", { filter: [ALL], MaxRecords: 1 })).items[0];
    const ticketId = ticket.id as number;
    // Path casing is not significant.
    const lower = await fetch(`${s.origin}/atservicesrest/v1.0/tickets/${ticketId}`, {
      headers: HEADERS,
    });
    assert.equal((await lower.json()).item.id, ticketId);
    // A missing id reads as 200 {"item":null}.
    assert.deepEqual(await c.ok("GET", "Tickets/999999999"), { item: null });
    // PATCH with the id in the URL is not how Autotask updates.
    assert.equal((await c.raw("PATCH", `Tickets/${ticketId}`, { title: "x" })).status, 405);
    assert.equal((await c.raw("DELETE", `Tickets/${ticketId}`)).status, 405);
    assert.equal((await c.raw("GET", "Tickets")).status, 405);
    // Parent-only entities have no root create or update.
    for (
      const entity of [
        "TicketNotes",
        "Contacts",
        "Tasks",
        "Phases",
        "ProjectNotes",
        "CompanyNotes",
        "TaskNotes",
        "TicketAttachments",
      ]
    ) {
      assert.equal((await c.raw("POST", entity, { title: "x" })).status, 404, `POST ${entity}`);
      assert.equal((await c.raw("PATCH", entity, { id: 1 })).status, 404, `PATCH ${entity}`);
    }
    // No query under a parent; unknown entities and routes.
    assert.equal(
      (await c.raw("POST", `Tickets/${ticketId}/Notes/query`, { filter: [ALL] })).status,
      404,
    );
    assert.equal((await c.raw("GET", `Tickets/${ticketId}/Notes/query`)).status, 404);
    assert.equal((await c.raw("POST", "Widgets/query", { filter: [ALL] })).status, 404);
    assert.equal((await c.raw("GET", `Tickets/${ticketId}/TimeEntries`)).status, 404);
    assert.equal((await c.raw("GET", "Tickets/abc")).status, 404);
    assert.equal((await c.raw("PUT", "Tickets/query", { filter: [ALL] })).status, 405);

    // Every simulated child list answers {items, pageDetails} holding only that parent's rows.
    const firstId = async (entity: string, filter: unknown[] = [ALL]) =>
      (await c.query(entity, { filter, MaxRecords: 1 })).items[0].id as number;
    const companyId = await firstId("Companies", [{ op: "gt", field: "id", value: 0 }]);
    const projectId = await firstId("Projects");
    const taskId = (await c.query("TaskNotes", { filter: [ALL], MaxRecords: 1 })).items[0]
      .taskID as number;
    const attachment =
      (await c.query("TicketAttachments", { filter: [ALL], MaxRecords: 1 })).items[0];
    const charge = (await c.query("TicketCharges", { filter: [ALL], MaxRecords: 1 })).items[0];
    const lists: [string, string][] = [
      [`Tickets/${ticketId}/Notes`, "ticketID"],
      [`Tickets/${attachment.parentID}/Attachments`, "parentID"],
      [`Tickets/${charge.ticketID}/Charges`, "ticketID"],
      [`Companies/${companyId}/Contacts`, "companyID"],
      [`Companies/${companyId}/Notes`, "companyID"],
      [`Projects/${projectId}/Tasks`, "projectID"],
      [`Projects/${projectId}/Phases`, "projectID"],
      [`Projects/${projectId}/Notes`, "projectID"],
      [`Tasks/${taskId}/Notes`, "taskID"],
      [`Resources/${WELL_KNOWN.tier1OnlyResourceId}/Roles`, "resourceID"],
      [`Resources/${WELL_KNOWN.tier1OnlyResourceId}/ServiceDeskRoles`, "resourceID"],
    ];
    for (const [path, field] of lists) {
      const page = (await c.ok("GET", path)) as unknown as Page;
      assert.ok(page.items.length > 0, `${path} is empty`);
      const parentId = Number(path.split("/")[1]);
      assert.ok(page.items.every((r) => r[field] === parentId), `${path} leaks other parents`);
      assert.deepEqual(Object.keys(page.pageDetails).sort(), [
        "count",
        "nextPageUrl",
        "prevPageUrl",
        "requestCount",
      ]);
      assert.equal(page.pageDetails.count, page.items.length);
    }
    // Child by-id reads; attachments answer in the list shape with their data.
    const notes = (await c.ok("GET", `Tickets/${ticketId}/Notes`)) as unknown as Page;
    const noteId = notes.items[0].id as number;
    assert.equal(
      ((await c.ok("GET", `Tickets/${ticketId}/Notes/${noteId}`)).item as Rec).id,
      noteId,
    );
    assert.deepEqual(await c.ok("GET", `Tickets/${ticketId + 1}/Notes/${noteId}`), { item: null });
    const byId = await c.ok("GET", `Tickets/${attachment.parentID}/Attachments/${attachment.id}`);
    const items = byId.items as Rec[];
    assert.equal(items.length, 1);
    assert.equal(typeof items[0].data, "string");
    assert.equal(attachment.data, null, "queries do not return attachment payloads");

    // entityInformation.
    const info = (await c.ok("GET", "Tickets/entityInformation")).info as Rec;
    assert.equal(info.canCreate, true);
    assert.equal(info.canDelete, false);
    assert.equal(info.canQuery, true);
    assert.equal(info.hasUserDefinedFields, true);
    const noteInfo = (await c.ok("GET", "TicketNotes/entityInformation")).info as Rec;
    assert.equal(noteInfo.canCreate, true, "created through Tickets/{id}/Notes");
    const childInfo = (await c.ok("GET", `Tickets/${ticketId}/Notes/entityInformation/fields`))
      .fields as Rec[];
    assert.ok(childInfo.some((f) => f.name === "publish"));
    // A catalog entity the sandbox holds no data for is still there, empty and queryable.
    const empty = await c.query("Countries", { filter: [ALL] });
    assert.deepEqual(empty.items, []);
    assert.equal(empty.pageDetails.nextPageUrl, null);
    assert.ok(
      ((await c.ok("GET", "Countries/entityInformation/fields")).fields as Rec[]).length > 0,
    );
  });
});

Deno.test("create, sparse PATCH, full PUT, child writes and delete", async () => {
  let clock = Date.now();
  await withSandbox(async (_s, c) => {
    const company = (await c.query("Companies", {
      filter: [{ op: "contains", field: "companyName", value: "Contoso" }],
    }))
      .items[0];
    const contact =
      (await c.query("Contacts", { filter: [{ op: "eq", field: "companyID", value: company.id }] }))
        .items[0];
    const body = {
      companyID: company.id,
      contactID: contact.id,
      title: "Sandbox test ticket",
      description: "Created by the spec test",
      status: 1,
      priority: 1,
      queueID: 29682833,
      dueDateTime: new Date(clock + 24 * HOUR).toISOString(),
      issueType: 9,
      subIssueType: 211,
      ticketNumber: "IGNORED",
      id: 5,
    };
    const id = await c.create("Tickets", body);
    assert.notEqual(id, 5, "id in a create body is ignored");
    const created = await c.get("Tickets", id) as Rec;
    assert.equal(created.title, body.title);
    assert.match(created.ticketNumber as string, /^T\d{8}\.\d{4}$/);
    assert.equal(created.creatorResourceID, WELL_KNOWN.apiUserResourceId);
    assert.equal(created.createDate, new Date(clock).toISOString());
    assert.equal(created.lastTrackedModificationDateTime, new Date(clock).toISOString());
    assert.equal(created.ticketType, 1, "picklist default applied");
    assert.ok(Array.isArray(created.userDefinedFields));

    // PATCH changes only what it names; the watermark moves.
    clock += 60_000;
    assert.deepEqual(
      await c.ok("PATCH", "Tickets", { id, title: "Renamed", ticketNumber: "NOPE" }),
      { itemId: id },
    );
    const patched = await c.get("Tickets", id) as Rec;
    assert.equal(patched.title, "Renamed");
    assert.equal(patched.description, created.description);
    assert.equal(patched.ticketNumber, created.ticketNumber, "read-only fields are ignored");
    assert.equal(patched.lastTrackedModificationDateTime, new Date(clock).toISOString());
    assert.equal((await c.raw("PATCH", "Tickets", { title: "no id" })).status, 500);
    assertFails(
      await c.raw("PATCH", "Tickets", { id: 999999999, title: "x" }),
      500,
      /No matching records found/,
    );

    // PUT replaces: omitted writable fields become null, read-only ones stay.
    const { description: _dropped, ...rest } = body;
    await c.ok("PUT", "Tickets", { ...rest, id, title: "Replaced" });
    const replaced = await c.get("Tickets", id) as Rec;
    assert.equal(replaced.title, "Replaced");
    assert.equal(replaced.description, null);
    assert.equal(replaced.ticketNumber, created.ticketNumber);
    assert.equal(replaced.createDate, created.createDate);

    // Completing sets completedDate.
    await c.ok("PATCH", "Tickets", { id, status: 5 });
    assert.equal((await c.get("Tickets", id) as Rec).completedDate, new Date(clock).toISOString());

    // Child create takes the parent from the URL; impersonation sets the creator.
    const noteId = await c.create(`Tickets/${id}/Notes`, {
      ticketID: 1,
      title: "Internal",
      description: "Checked logs",
      noteType: 3,
      publish: 2,
    }, { ...HEADERS, ImpersonationResourceId: "29682887" });
    const note = await c.get("TicketNotes", noteId) as Rec;
    assert.equal(note.ticketID, id);
    assert.equal(note.creatorResourceID, 29682887);
    assert.equal(note.impersonatorCreatorResourceID, WELL_KNOWN.apiUserResourceId);
    assert.equal(
      (await c.get("Tickets", id) as Rec).lastActivityDate,
      new Date(clock).toISOString(),
    );
    await c.ok("PATCH", `Tickets/${id}/Notes`, { id: noteId, title: "Internal (edited)" });
    assert.equal((await c.get("TicketNotes", noteId) as Rec).description, "Checked logs");
    assertFails(
      await c.raw("PATCH", `Tickets/${id + 1}/Notes`, { id: noteId, title: "wrong parent" }),
      500,
      /No matching records found/,
    );
    assertFails(
      await c.raw("POST", "Tickets/999999999/Notes", { description: "x", noteType: 3, publish: 2 }),
      500,
      /parent/,
    );

    // Contacts: created and deleted under their company; isActive is an integer.
    const contactBody = {
      firstName: "Test",
      lastName: "Person",
      isActive: 1,
      emailAddress: "t.p@example.com",
    };
    const contactId = await c.create(`Companies/${company.id}/Contacts`, contactBody);
    assert.equal((await c.get("Contacts", contactId) as Rec).companyID, company.id);
    assertFails(
      await c.raw("POST", `Companies/${company.id}/Contacts`, { ...contactBody, isActive: true }),
      500,
      /Error converting value true to type 'System.Int32'/,
    );
    assertFails(
      await c.raw("POST", `Companies/${company.id}/Contacts`, { ...contactBody, isActive: 2 }),
      500,
      /isActive/,
    );
    assertFails(
      await c.raw("DELETE", `Companies/0/Contacts/${contactId}`),
      500,
      /No matching records found/,
    );
    assert.deepEqual(await c.ok("DELETE", `Companies/${company.id}/Contacts/${contactId}`), {
      itemId: contactId,
    });
    assert.equal(await c.get("Contacts", contactId), null);
    assertFails(
      await c.raw("DELETE", `Companies/${company.id}/Contacts/${contactId}`),
      500,
      /No matching records found/,
    );

    // Time entries: root-level, hoursToBill read-only, deletable.
    const entryId = await c.create("TimeEntries", {
      resourceID: patched.assignedResourceID ?? 29682887,
      ticketID: id,
      roleID: WELL_KNOWN.roles.tier1,
      startDateTime: new Date(clock - 2 * HOUR).toISOString(),
      endDateTime: new Date(clock - HOUR).toISOString(),
      hoursToBill: 99,
      summaryNotes: "Spec test",
    });
    const entry = await c.get("TimeEntries", entryId) as Rec;
    assert.equal(entry.hoursWorked, 1);
    assert.equal(entry.hoursToBill, 1);
    assert.equal(entry.timeEntryType, 2);
    assert.equal(
      entry.dateWorked,
      `${new Date(clock - 2 * HOUR).toISOString().slice(0, 10)}T00:00:00.000Z`,
    );
    assert.deepEqual(await c.ok("DELETE", `TimeEntries/${entryId}`), { itemId: entryId });
    assertFails(await c.raw("DELETE", `TimeEntries/${entryId}`), 500, /^No matching records found/);

    // Attachments: created under the ticket, size computed, payload returned by id.
    const attId = await c.create(`Tickets/${id}/Attachments`, {
      title: "note.txt",
      data: btoa("hello sandbox"),
      publish: 2,
      contentType: "text/plain",
    });
    const att = (await c.ok("GET", `Tickets/${id}/Attachments/${attId}`)).items as Rec[];
    assert.equal(att[0].fileSize, 13);
    assert.equal(atob(att[0].data as string), "hello sandbox");
  }, { now: () => new Date(clock) });
});

Deno.test("validation from the tenant's own field metadata", async () => {
  await withSandbox(async (_s, c) => {
    const base = {
      companyID: 174,
      title: "Validation",
      status: 1,
      priority: 1,
      queueID: 29682833,
      dueDateTime: new Date(Date.now() + 24 * HOUR).toISOString(),
    };
    // Every field `fields` calls required is enforced, and nothing else is.
    const fields = (await c.ok("GET", "Tickets/entityInformation/fields")).fields as Rec[];
    const required = fields.filter((f) => f.isRequired).map((f) => f.name as string);
    assert.deepEqual(required.sort(), ["companyID", "priority", "queueID", "status", "title"]);
    for (const name of required) {
      const { [name as keyof typeof base]: _omit, ...body } = base;
      assertFails(
        await c.raw("POST", "Tickets", body),
        500,
        `${name} is required.; on record number [0].`,
      );
    }
    const empty = await c.raw("POST", "Tickets", {});
    assert.equal(errorsOf(empty).length >= required.length, true);

    // dueDateTime: required unless the ticket category supplies it.
    const { dueDateTime: _due, ...noDue } = base;
    assertFails(
      await c.raw("POST", "Tickets", noDue),
      500,
      "dueDateTime is required.; on record number [0].",
    );
    const slaId = await c.create("Tickets", { ...noDue, ticketCategory: 103 });
    assert.ok((await c.get("Tickets", slaId) as Rec).dueDateTime);

    assertFails(
      await c.raw("POST", "Tickets", { ...base, status: 99 }),
      500,
      "Value 99 is not a valid picklist value for status.",
    );
    assertFails(
      await c.raw("POST", "Tickets", { ...base, status: 30 }),
      500,
      /inactive picklist value for status/,
    );
    assertFails(
      await c.raw("POST", "Tickets", { ...base, issueType: 7, subIssueType: 211 }),
      500,
      /subIssueType when issueType is 7/,
    );
    await c.create("Tickets", { ...base, issueType: 7, subIssueType: 201 });
    assertFails(
      await c.raw("POST", "Tickets", { ...base, title: "x".repeat(256) }),
      500,
      /title exceeds the maximum length of 255/,
    );
    assertFails(
      await c.raw("POST", "Tickets", { ...base, companyID: 999999 }),
      500,
      "Value does not reference an existing entity for companyID . ",
    );
    assertFails(
      await c.raw("POST", "Tickets", { ...base, status: "abc" }),
      500,
      /Error converting value "abc" to type 'System.Int32'. Path 'status'/,
    );
    const pair =
      "When assigning a Resource, you must assign both a assignedResourceID and assignedResourceRoleID.";
    assertFails(
      await c.raw("POST", "Tickets", { ...base, assignedResourceID: 29682887 }),
      500,
      pair,
    );
    assertFails(
      await c.raw("POST", "Tickets", { ...base, assignedResourceRoleID: WELL_KNOWN.roles.tier1 }),
      500,
      pair,
    );
    assertFails(
      await c.raw("POST", "Tickets", {
        ...base,
        assignedResourceID: WELL_KNOWN.tier1OnlyResourceId,
        assignedResourceRoleID: WELL_KNOWN.roles.networkEngineer,
      }),
      500,
      /does not hold role/,
    );
    const assigned = await c.create("Tickets", {
      ...base,
      assignedResourceID: WELL_KNOWN.tier1OnlyResourceId,
      assignedResourceRoleID: WELL_KNOWN.roles.tier1,
    });
    assertFails(
      await c.raw("PATCH", "Tickets", { id: assigned, assignedResourceRoleID: null }),
      500,
      pair,
    );
    assertFails(
      await c.raw("POST", "Companies", {
        companyName: "Bool Co",
        companyType: 1,
        phone: "1",
        ownerResourceID: 29682886,
        isActive: 1,
      }),
      500,
      /System.Boolean/,
    );

    // Time entry rules.
    const start = new Date(Date.now() - 3 * HOUR).toISOString();
    const end = new Date(Date.now() - 2 * HOUR).toISOString();
    const te = {
      resourceID: WELL_KNOWN.tier1OnlyResourceId,
      ticketID: assigned,
      startDateTime: start,
      endDateTime: end,
    };
    // Role rules in Autotask's words (all cases in sandbox_live_test.ts).
    assertFails(
      await c.raw("POST", "TimeEntries", te),
      500,
      "TimeEntries for Tickets must have a roleID",
    );
    assertFails(
      await c.raw("POST", "TimeEntries", { ...te, roleID: WELL_KNOWN.roles.networkEngineer }),
      500,
      "Role does not exist or is invalid",
    );
    assertFails(
      await c.raw("POST", "TimeEntries", {
        ...te,
        roleID: WELL_KNOWN.roles.tier1,
        startDateTime: undefined,
      }),
      500,
      "startDateTime is required.; on record number [0].",
    );
    assertFails(
      await c.raw("POST", "TimeEntries", {
        ...te,
        roleID: WELL_KNOWN.roles.tier1,
        hoursWorked: 25,
      }),
      500,
      /hoursWorked/,
    );
    assertFails(
      await c.raw("POST", "TimeEntries", { ...te, roleID: WELL_KNOWN.roles.tier1, hoursWorked: 0 }),
      500,
      /hoursWorked/,
    );
    const task = (await c.query("Tasks", { filter: [ALL], MaxRecords: 1 })).items[0];
    assertFails(
      await c.raw("POST", "TimeEntries", {
        ...te,
        roleID: WELL_KNOWN.roles.tier1,
        taskID: task.id,
      }),
      500,
      /ticket or a task, not both/,
    );
    assertFails(
      await c.raw("POST", "TimeEntries", { ...te, resourceID: undefined }),
      500,
      "resourceID is required.; on record number [0].",
    );
    assertFails(
      await c.raw("POST", "TimeEntries", {
        ...te,
        resourceID: WELL_KNOWN.inactiveResourceId,
        roleID: WELL_KNOWN.roles.tier1,
      }),
      500,
      /inactive/,
    );
    await c.create("TimeEntries", { ...te, roleID: WELL_KNOWN.roles.tier1 });
    // Regular time: no role needed, dateWorked is a date at midnight.
    const regular = await c.create("TimeEntries", {
      resourceID: WELL_KNOWN.tier1OnlyResourceId,
      dateWorked: "2024-05-02T15:30:00Z",
      hoursWorked: 1.5,
      summaryNotes: "Training",
    });
    const reg = await c.get("TimeEntries", regular) as Rec;
    assert.equal(reg.dateWorked, "2024-05-02T00:00:00.000Z");
    assert.equal(reg.timeEntryType, 1);
    // A task entry needs a role the resource holds among its ResourceRoles.
    const taskRole = (await c.query("ResourceRoles", {
      filter: [{ op: "eq", field: "resourceID", value: task.assignedResourceID }],
    })).items[0];
    await c.create("TimeEntries", {
      resourceID: task.assignedResourceID,
      taskID: task.id,
      roleID: taskRole.roleID,
      dateWorked: start,
      hoursWorked: 2,
    });
  });
});

Deno.test("entityInformation/fields, picklists and user-defined fields", async () => {
  await withSandbox(async (_s, c) => {
    const fields = (await c.ok("GET", "Tickets/entityInformation/fields")).fields as Rec[];
    const field = (name: string) => fields.find((f) => f.name === name) as Rec;
    type Value = {
      value: unknown;
      label: string;
      isDefaultValue: boolean;
      parentValue: string;
      isActive: boolean;
    };
    const status = field("status").picklistValues as Value[];
    assert.ok(status.every((v) => typeof v.value === "string"), "picklist values are strings");
    assert.equal(status.find((v) => v.value === "1")?.label, "New");
    assert.equal(status.find((v) => v.value === "5")?.label, "Complete");
    assert.ok(status.some((v) => v.isActive === false), "an inactive status exists");
    const priority = field("priority").picklistValues as Value[];
    assert.equal(priority.filter((v) => v.isDefaultValue).length, 1);
    assert.notEqual(priority.find((v) => v.value === "1")?.label, "Critical");
    const sub = field("subIssueType");
    assert.equal(sub.picklistParentValueField, "issueType");
    assert.ok(
      (sub.picklistValues as Value[]).every((v) =>
        typeof v.parentValue === "string" && v.parentValue !== ""
      ),
    );
    assert.equal(field("companyID").isReference, true);
    assert.equal(field("companyID").referenceEntityType, "Companies");
    assert.equal(field("ticketNumber").isReadOnly, true);
    assert.equal(field("title").length, 255);
    assert.equal(field("description").isPickList, false);
    assert.equal(field("description").picklistValues, null);
    const queue = field("queueID").picklistValues as Value[];
    assert.equal(queue.find((v) => v.value === "29682833")?.label, "Level I Support");

    const noteFields = (await c.ok("GET", "TicketNotes/entityInformation/fields")).fields as Rec[];
    const publish = noteFields.find((f) => f.name === "publish")?.picklistValues as Value[];
    assert.deepEqual(publish.map((v) => v.value), ["1", "2", "4"]);
    const contactActive = ((await c.ok("GET", "Contacts/entityInformation/fields")).fields as Rec[])
      .find((f) => f.name === "isActive") as Rec;
    assert.equal(contactActive.dataType, "integer");
    const companyActive =
      ((await c.ok("GET", "Companies/entityInformation/fields")).fields as Rec[])
        .find((f) => f.name === "isActive") as Rec;
    assert.equal(companyActive.dataType, "boolean");
    const hoursToBill =
      ((await c.ok("GET", "TimeEntries/entityInformation/fields")).fields as Rec[])
        .find((f) => f.name === "hoursToBill") as Rec;
    assert.equal(hoursToBill.isReadOnly, true);

    const udfs = (await c.ok("GET", "Tickets/entityInformation/userDefinedFields")).fields as Rec[];
    assert.deepEqual(udfs.map((u) => u.name), [
      "Root Cause",
      "Affected Users",
      "Change Reference",
      "Customer PO",
    ]);
    const companyUdfs = (await c.ok("GET", "Companies/entityInformation/userDefinedFields"))
      .fields as Rec[];
    assert.ok(companyUdfs.some((u) => u.name === "Customer Tier"));
    const company = await c.get("Companies", 174) as Rec;
    const list = company.userDefinedFields as { name: string; value: unknown }[];
    assert.deepEqual(list.map((u) => u.name), [
      "Customer Tier",
      "Contract Renewal Date",
      "RMM Site ID",
    ]);

    // Writing UDFs: by name, validated, merged.
    await c.ok("PATCH", "Companies", {
      id: 174,
      userDefinedFields: [{ name: "customer tier", value: "Diamond" }],
    });
    const after = (await c.get("Companies", 174) as Rec).userDefinedFields as {
      name: string;
      value: unknown;
    }[];
    assert.equal(after.find((u) => u.name === "Customer Tier")?.value, "Diamond");
    assert.equal(
      after.find((u) => u.name === "RMM Site ID")?.value,
      list.find((u) => u.name === "RMM Site ID")?.value,
    );
    assertFails(
      await c.raw("PATCH", "Companies", {
        id: 174,
        userDefinedFields: [{ name: "Nope", value: "x" }],
      }),
      500,
      /Nope/,
    );
  });
});

Deno.test("the data set is a realistic small MSP with hostile text in one ticket", async () => {
  await withSandbox(async (s, c) => {
    const sb = s.sandbox;
    const companies = sb.records("Companies");
    assert.ok(companies.length >= 26);
    assert.ok(companies.filter((x) => /tech/i.test(x.companyName as string)).length >= 2);
    const hostile = await c.get("Tickets", sb.hostileTicketId) as Rec;
    const text = `${hostile.title} ${hostile.description}`;
    for (const ch of ["\u200B", "\u202E", "\u2066"]) assert.ok(text.includes(ch));
    assert.match(text, /Ignore previous instructions/);
    assert.ok(sb.records("Contacts").length >= 75);
    assert.ok(sb.records("Tickets").length >= 150);
    const notes = sb.records("TicketNotes");
    assert.ok(
      notes.some((n) => n.publish === 1) && notes.some((n) => n.publish === 2) &&
        notes.some((n) => n.publish === 4),
    );
    const tickets = sb.records("Tickets");
    assert.ok(
      tickets.some((t) => t.assignedResourceID === null) &&
        tickets.some((t) => t.assignedResourceID !== null),
    );
    const tomorrow = new Date(Date.now() + 24 * HOUR).toISOString().slice(0, 10);
    assert.ok(sb.records("Projects").some((p) => (p.startDateTime as string).startsWith(tomorrow)));
    const open = sb.records("Opportunities").filter((o) => o.status === 1);
    assert.ok(
      open.length >= 5 &&
        open.every((o) => Date.parse(o.projectedCloseDate as string) > Date.now()),
    );
    const resources = sb.records("Resources");
    assert.ok(resources.some((r) => r.licenseType === 7));
    assert.ok(resources.some((r) => r.isActive === false));
    assert.ok(resources.every((r) => typeof r.defaultServiceDeskRoleID === "number"));
    // Every seeded ticket/task time entry uses a role its resource holds.
    const held = new Set(
      [...sb.records("ResourceRoles"), ...sb.records("ResourceServiceDeskRoles")].map((r) =>
        `${r.resourceID}/${r.roleID}`
      ),
    );
    const entries = sb.records("TimeEntries");
    assert.ok(entries.length >= 300);
    for (const e of entries) {
      if (e.ticketID !== null || e.taskID !== null) {
        assert.ok(held.has(`${e.resourceID}/${e.roleID}`), JSON.stringify(e));
      }
      assert.match(e.dateWorked as string, /T00:00:00.000Z$/);
    }
    assert.ok(sb.records("ConfigurationItems").length >= 50);
    assert.ok(sb.records("Contracts").length >= 12);
    assert.ok(
      sb.records("Phases").length > 0 && sb.records("Tasks").length > 0 &&
        sb.records("ProjectNotes").length > 0,
    );
    // Deterministic: a second tenant with the same seed has the same rows.
    const again = await serveSandbox();
    try {
      assert.deepEqual(
        again.sandbox.records("Tickets").map((t) => [t.id, t.title]),
        tickets.map((t) => [t.id, t.title]),
      );
    } finally {
      await again.close();
    }
  });
});
