/**
 * End to end in process (tenant over HTTP): create_time_entry follows Autotask's role rule (the
 * primary resource's assigned role, a secondary resource's role on that
 * ticket or task, the resource's default role for regular time), and a role
 * Autotask refuses comes back with the roles the resource can use there.
 */

import assert from "node:assert/strict";
import type { RequestLogEntry } from "../lib/sandbox/mod.ts";
import { callError, callOk, tenantClient } from "./harness.ts";
import { type InProcessSession, withSession } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;

/** `GET Tickets/{id}`, `POST TimeEntries`: the requests since `from`, ids folded. */
function requests(log: RequestLogEntry[], from: number): string[] {
  return log.slice(from).filter((e) => !/ThresholdInformation/i.test(e.path)).map((e) =>
    `${e.method} ${
      e.path.split("?")[0].replace(/^\/ATServicesRest\/V1\.0\//i, "").replace(/\/\d+/g, "/{id}")
    }`
  );
}

function lastTimeEntryPost(log: RequestLogEntry[], from: number): Rec {
  const post = log.slice(from).findLast((e) => e.method === "POST" && /TimeEntries$/.test(e.path));
  assert.ok(post, "a time entry was sent");
  return post.body as Rec;
}

/** A fresh tenant and in-process session per test, so one failure does not cascade. */
async function setup(session: InProcessSession) {
  const { client, tenant } = session;
  const sandbox = session.sandbox;
  const autotask = tenantClient(tenant);
  const desk = sandbox.records("ResourceServiceDeskRoles").filter((r) => r.isActive === true);
  const roleName = (id: unknown) => sandbox.record("Roles", id as number)!.name as string;
  const deskRolesOf = (resource: unknown) => desk.filter((d) => d.resourceID === resource);
  const ticket = sandbox.records("Tickets").find((x) =>
    typeof x.assignedResourceID === "number" && deskRolesOf(x.assignedResourceID).length > 0
  )!;
  const primary = ticket.assignedResourceID as number;
  // A secondary resource whose role on the ticket is not its default service-desk role.
  const secondaryRow = desk.find((d) => d.resourceID !== primary && d.isDefault !== true)!;
  const secondary = secondaryRow.resourceID as number;
  const secondaryRole = secondaryRow.roleID as number;
  const outsider = desk.find((d) =>
    d.resourceID !== primary && d.resourceID !== secondary && d.isDefault === true
  )!;
  const entry = (extra: Rec) => ({
    hoursWorked: 1.5,
    dateWorked: "2026-11-23",
    summaryNotes: "Replaced the switch in the server room.",
    ...extra,
  });
  await autotask.create("TicketSecondaryResources", {
    ticketID: ticket.id,
    resourceID: secondary,
    roleID: secondaryRole,
  }, { parentId: ticket.id as number });
  // Warm the caches (metadata, names), so the counts below are per call.
  await callOk(
    client,
    "create_time_entry",
    entry({ resourceID: primary, ticketID: ticket.id }),
  );
  return {
    client,
    sandbox,
    autotask,
    desk,
    roleName,
    deskRolesOf,
    ticket,
    primary,
    secondaryRow,
    secondary,
    secondaryRole,
    outsider,
    entry,
  };
}

/** One test against its own tenant, with what {@linkcode setup} prepares. */
function test(
  name: string,
  fn: (context: Awaited<ReturnType<typeof setup>>, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test(
    `create_time_entry roles: ${name}`,
    (t) =>
      withSession(
        { env: { AUTOTASK_TOOLSETS: "time" } },
        async (session) => fn(await setup(session), t),
      ),
  );
}

test("the primary resource gets the ticket's assignedResourceRoleID", async ({ client, sandbox, ticket, primary, entry }) => {
  const from = sandbox.log.length;
  const out = await callOk(
    client,
    "create_time_entry",
    entry({ resourceID: primary, ticketID: ticket.id }),
  );
  assert.equal(lastTimeEntryPost(sandbox.log, from).roleID, ticket.assignedResourceRoleID);
  assert.match(String(out.note), /primary resource of ticket \d+ in this role/);
  assert.deepEqual(requests(sandbox.log, from), [
    "GET Tickets/{id}",
    "POST TimeEntries",
    "GET TimeEntries/{id}",
  ]);
});

test("a secondary resource gets its role on that ticket", async ({ client, sandbox, ticket, secondary, secondaryRole, entry }) => {
  const from = sandbox.log.length;
  const out = await callOk(
    client,
    "create_time_entry",
    entry({ resourceID: secondary, ticketID: ticket.id }),
  );
  assert.equal(lastTimeEntryPost(sandbox.log, from).roleID, secondaryRole);
  assert.equal((out.item as Rec).roleID, secondaryRole);
  assert.match(String(out.note), /secondary resource of ticket \d+ in this role/);
  assert.deepEqual(requests(sandbox.log, from), [
    "GET Tickets/{id}",
    "POST TicketSecondaryResources/query",
    "POST TimeEntries",
    "GET TimeEntries/{id}",
    // The result names the resource, as a get does (a name not cached yet).
    "POST Resources/query",
  ]);
});

test("a resource not on the ticket gets its default service-desk role", async ({ client, sandbox, ticket, outsider, entry }) => {
  const from = sandbox.log.length;
  const out = await callOk(
    client,
    "create_time_entry",
    entry({ resourceID: outsider.resourceID, ticketID: ticket.id }),
  );
  assert.equal(lastTimeEntryPost(sandbox.log, from).roleID, outsider.roleID);
  assert.match(String(out.note), /not assigned to ticket \d+: its default/);
  assert.deepEqual(requests(sandbox.log, from), [
    "GET Tickets/{id}",
    "POST TicketSecondaryResources/query",
    "POST ResourceServiceDeskRoles/query",
    "POST TimeEntries",
    "GET TimeEntries/{id}",
    "POST Resources/query",
  ]);
});

test("a secondary resource of a task gets its role on that task", async ({ client, sandbox, autotask, secondary, entry }) => {
  // A task the resource is not on yet (the seed gives some tasks secondary resources).
  const onTasks = new Set(
    sandbox.records("TaskSecondaryResources").filter((s) => s.resourceID === secondary)
      .map((s) => s.taskID),
  );
  const task = sandbox.records("Tasks").find((x) =>
    x.assignedResourceID !== secondary && x.status !== 5 && !onTasks.has(x.id)
  )!;
  const holds = sandbox.records("ResourceRoles").find((r) =>
    r.resourceID === secondary && r.isActive === true
  )!;
  await autotask.create("TaskSecondaryResources", {
    taskID: task.id,
    resourceID: secondary,
    roleID: holds.roleID,
  }, { parentId: task.id as number });
  const from = sandbox.log.length;
  const out = await callOk(
    client,
    "create_time_entry",
    entry({ resourceID: secondary, taskID: task.id }),
  );
  assert.equal(lastTimeEntryPost(sandbox.log, from).roleID, holds.roleID);
  assert.match(String(out.note), /secondary resource of task \d+ in this role/);
});

test("regular time: no role is sent, Autotask applies the default", async ({ client, sandbox, secondaryRole, outsider, entry }) => {
  const from = sandbox.log.length;
  const out = await callOk(
    client,
    "create_time_entry",
    entry({ resourceID: outsider.resourceID, roleID: secondaryRole }),
  );
  const sent = lastTimeEntryPost(sandbox.log, from);
  assert.ok(!("roleID" in sent), "no roleID on regular time");
  assert.match(
    String(out.note),
    new RegExp(
      `roleID ${secondaryRole} was not sent: regular time gets the resource's default role`,
    ),
  );
});

test("a role Autotask refuses: the roles usable there, by name", async ({ client, sandbox, roleName, deskRolesOf, ticket, primary, secondary, secondaryRole, entry }) => {
  const refused = await callError(
    client,
    "create_time_entry",
    entry({ resourceID: secondary, ticketID: ticket.id, roleID: 999_999 }),
  );
  assert.match(refused, /Autotask refused the time entry with roleID 999999 \(nothing/);
  const listed = [
    `${secondaryRole} (${roleName(secondaryRole)}, secondary)`,
    ...deskRolesOf(secondary).filter((d) => d.roleID !== secondaryRole)
      .map((d) => `${d.roleID} (${roleName(d.roleID)}, service desk)`),
  ];
  assert.ok(
    refused.includes(
      `roles resource ${secondary} can use on ticket ${ticket.id}: ${listed.join(", ")}`,
    ),
    refused,
  );
  // Autotask's live wording, for a role the tool chose itself.
  sandbox.inject({
    match: { method: "POST", pathEndsWith: "/TimeEntries" },
    kind: "status",
    status: 500,
    body: { errors: ["Role does not exist or is invalid"] },
  });
  const from = sandbox.log.length;
  const live = await callError(
    client,
    "create_time_entry",
    entry({ resourceID: primary, ticketID: ticket.id }),
  );
  assert.match(
    live,
    new RegExp(
      `with roleID ${ticket.assignedResourceRoleID} \\(nothing was created\\): ` +
        `Role does not exist or is invalid\\. The roles resource ${primary} can use on ` +
        `ticket ${ticket.id}: ${ticket.assignedResourceRoleID} \\(${
          roleName(ticket.assignedResourceRoleID)
        }, assigned\\)`,
    ),
  );
  assert.equal(
    sandbox.log.slice(from).filter((e) => e.method === "POST" && /TimeEntries$/.test(e.path))
      .length,
    1,
    "the refused create is not sent again",
  );
});
