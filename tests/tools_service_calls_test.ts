/** End to end: the service_calls toolset in process (tenant over HTTP) against the simulated tenant over loopback. */

import assert from "node:assert/strict";
import { WELL_KNOWN } from "../lib/sandbox/mod.ts";
import { callError, callOk, tenantClient } from "./harness.ts";
import { type InProcessSession, withSession } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;

const TOOLS = [
  "search_service_calls",
  "get_service_call",
  "create_service_call",
  "update_service_call",
  "link_ticket_to_service_call",
  "link_task_to_service_call",
  "assign_resource_to_service_call",
];

/** A fresh tenant and in-process session per test, so one failure does not cascade. */
function setup(session: InProcessSession) {
  const { client, tenant } = session;
  const sb = session.sandbox;
  const api = tenantClient(tenant);
  const statusOf = async (label: string) => {
    const status = (await api.fields("ServiceCalls")).find((f) => f.name === "status")!;
    return Number(status.picklistValues!.find((v) => v.label === label)!.value);
  };
  const calls = () => sb.records("ServiceCalls");
  const links = () => sb.records("ServiceCallTickets");
  const assignments = () => sb.records("ServiceCallTicketResources");
  const lastWrite = () => sb.log.findLast((e) => e.method !== "GET" && !/query/.test(e.path))!;
  return { client, sb, api, tenant, statusOf, calls, links, assignments, lastWrite };
}

/** One test against its own tenant, with what {@linkcode setup} prepares. */
function test(
  name: string,
  fn: (context: ReturnType<typeof setup>, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test(
    `service calls: ${name}`,
    (t) =>
      withSession(
        { env: { AUTOTASK_TOOLSETS: "all" } },
        (session) => fn(setup(session), t),
      ),
  );
}

test("listed with explicit annotations", async ({ client }) => {
  const { tools } = await client.listTools();
  for (const name of TOOLS) {
    const tool = tools.find((x) => x.name === name);
    assert.ok(tool, `${name} listed`);
    const read = /^(get|search)_/.test(name);
    assert.equal(tool.annotations?.readOnlyHint, read, name);
    assert.equal(tool.annotations?.destructiveHint, name.startsWith("update_"), name);
  }
});

test("search by company, status label, dates; labels and names inline", async ({ client, statusOf, calls }) => {
  const companyID = calls()[0].companyID as number;
  const out = await callOk(client, "search_service_calls", { companyID });
  const items = out.items as Rec[];
  assert.deepEqual(
    items.map((c) => c.id),
    calls().filter((c) => c.companyID === companyID).map((c) => c.id),
  );
  assert.ok(items.every((c) => typeof c.companyName === "string" && c.statusLabel));

  const complete = await statusOf("Complete");
  const done = await callOk(client, "search_service_calls", {
    status: "complete",
    limit: 100,
  });
  const expected = calls().filter((c) => c.status === complete).map((c) => c.id);
  assert.ok(expected.length > 0);
  assert.deepEqual((done.items as Rec[]).map((c) => c.id), expected);

  const from = new Date(Date.now() - 86_400_000).toISOString();
  const to = new Date(Date.now() + 5 * 86_400_000).toISOString();
  const soon = await callOk(client, "search_service_calls", {
    startAfter: from,
    startBefore: to,
    limit: 100,
  });
  const window = calls().filter((c) =>
    Date.parse(c.startDateTime as string) >= Date.parse(from) &&
    Date.parse(c.startDateTime as string) < Date.parse(to)
  );
  assert.ok(window.length > 0);
  assert.deepEqual((soon.items as Rec[]).map((c) => c.id), window.map((c) => c.id));
});

test("search by technician and by ticket joins through the link records", async ({ client, sb, calls, links, assignments }) => {
  const resourceID = assignments()[0].resourceID as number;
  const linkIds = new Set(
    assignments().filter((a) => a.resourceID === resourceID).map((a) => a.serviceCallTicketID),
  );
  const expected = [
    ...new Set(links().filter((l) => linkIds.has(l.id)).map((l) => l.serviceCallID)),
  ].sort((a, b) => (a as number) - (b as number));
  const out = await callOk(client, "search_service_calls", { resourceID, limit: 100 });
  assert.deepEqual((out.items as Rec[]).map((c) => c.id), expected);
  // With a date window the join starts from the calls in the window.
  const from = new Date(Date.now() - 10 * 86_400_000).toISOString();
  const windowed = calls().filter((c) =>
    expected.includes(c.id) && Date.parse(c.startDateTime as string) >= Date.parse(from)
  ).map((c) => c.id);
  assert.ok(windowed.length > 0 && windowed.length < expected.length);
  sb.resetStats();
  const recent = await callOk(client, "search_service_calls", {
    resourceID,
    startAfter: from,
    limit: 100,
  });
  assert.deepEqual((recent.items as Rec[]).map((c) => c.id), windowed);
  const scans = sb.log.filter((e) =>
    e.entity === "ServiceCallTicketResources" && !JSON.stringify(e.body).includes('"in"')
  );
  assert.equal(scans.length, 0, "the window path never scans all the resource's rows");

  const link = links()[3];
  const byTicket = await callOk(client, "search_service_calls", {
    ticketID: link.ticketID,
  });
  assert.deepEqual((byTicket.items as Rec[]).map((c) => c.id), [link.serviceCallID]);
  const none = await callOk(client, "search_service_calls", {
    resourceID: WELL_KNOWN.apiUserResourceId,
  });
  assert.equal((none.items as Rec[]).length, 0);
});

test("get_service_call: its tickets with names and the resources sent", async ({ client, sb, links, assignments }) => {
  const link = links().find((l) =>
    assignments().filter((a) => a.serviceCallTicketID === l.id).length > 0
  )!;
  const out = await callOk(client, "get_service_call", { id: link.serviceCallID });
  const item = out.item as Rec;
  assert.equal(item.id, link.serviceCallID);
  assert.ok(item.statusLabel && item.companyName);
  const tickets = out.tickets as Rec[];
  const mine = links().filter((l) => l.serviceCallID === link.serviceCallID);
  assert.deepEqual(tickets.map((x) => x.ticketID), mine.map((l) => l.ticketID));
  const first = tickets.find((x) => x.serviceCallTicketID === link.id)!;
  const ticket = sb.record("Tickets", link.ticketID as number)!;
  assert.match(String(first.ticketName), new RegExp(String(ticket.ticketNumber)));
  const sent = first.resources as Rec[];
  assert.deepEqual(
    sent.map((r) => r.resourceID),
    assignments().filter((a) => a.serviceCallTicketID === link.id).map((a) => a.resourceID),
  );
  assert.ok(sent.every((r) => typeof r.resourceName === "string" && r.roleName));
  assert.ok((out.untrustedFields as string[]).includes("tickets.ticketName"));

  const missing = await callError(client, "get_service_call", { id: 999_999 });
  assert.match(missing, /Service call 999999 was not found/);
});

// These steps build on one another (one record through its life): one tenant for them.
test(
  "a service call through its life: create, reschedule, update, link tickets, send technicians",
  async ({ client, sb, api, statusOf, lastWrite }, t) => {
    // Open tickets of one company that the tier-1 technician is not assigned to (so the
    // role is chosen from the resource's own roles, not taken from the ticket).
    const openTickets = sb.records("Tickets").filter((x) =>
      (x.companyID as number) > 0 && x.status !== 5 &&
      x.assignedResourceID !== WELL_KNOWN.tier1OnlyResourceId
    );
    const companyID = openTickets.find((x) =>
      openTickets.filter((y) => y.companyID === x.companyID).length >= 2
    )!.companyID as number;
    let callId = 0;
    await t.step("create_service_call: duration, tenant default status, root POST", async () => {
      const start = "2031-03-04T17:00:00Z";
      const out = await callOk(client, "create_service_call", {
        companyID,
        startDateTime: start,
        durationHours: 1.5,
        description: "Onsite: swap the comms cabinet UPS",
      });
      callId = out.id as number;
      const stored = sb.record("ServiceCalls", callId)!;
      assert.equal(stored.companyID, companyID);
      assert.equal(stored.startDateTime, "2031-03-04T17:00:00.000Z");
      assert.equal(stored.endDateTime, "2031-03-04T18:30:00.000Z");
      assert.equal(stored.duration, 1.5);
      const defaultStatus = (await api.fields("ServiceCalls")).find((f) => f.name === "status")!
        .picklistValues!.find((v) => v.isDefaultValue)!;
      assert.equal(String(stored.status), defaultStatus.value);
      const post = lastWrite();
      assert.equal(post.method, "POST");
      assert.match(post.path, /\/V1\.0\/ServiceCalls$/);
      assert.equal((out.item as Rec).duration, 1.5);
      assert.equal((out.item as Rec).statusLabel, defaultStatus.label);

      const noEnd = await callError(client, "create_service_call", {
        companyID,
        startDateTime: start,
      });
      assert.match(noEnd, /endDateTime or durationHours/);
      const backwards = await callError(client, "create_service_call", {
        companyID,
        startDateTime: start,
        endDateTime: "2031-03-04T16:00:00Z",
      });
      assert.match(backwards, /endDateTime must be after startDateTime/);
      const badStatus = await callError(client, "create_service_call", {
        companyID,
        startDateTime: start,
        durationHours: 1,
        status: "Teleported",
      });
      assert.match(badStatus, /Valid values in this tenant: .*Confirmed with Client/);
    });

    await t.step(
      "update_service_call: sparse PATCH, labels resolved, start moves end",
      async () => {
        const onSite = await statusOf("On Site");
        const out = await callOk(client, "update_service_call", {
          id: callId,
          changes: { Description: "Onsite: swap UPS and test failover", status: "on site" },
        });
        assert.equal((out.item as Rec).statusLabel, "On Site");
        const patch = lastWrite();
        assert.equal(patch.method, "PATCH");
        assert.match(patch.path, /\/V1\.0\/ServiceCalls$/);
        assert.deepEqual(patch.body, {
          id: callId,
          description: "Onsite: swap UPS and test failover",
          status: onSite,
        });
        assert.equal(sb.record("ServiceCalls", callId)!.status, onSite);

        const moved = await callOk(client, "update_service_call", {
          id: callId,
          changes: { startDateTime: "2031-03-05T20:00:00Z" },
        });
        assert.match(String(moved.note), /keep the visit's length/);
        const stored = sb.record("ServiceCalls", callId)!;
        assert.equal(stored.endDateTime, "2031-03-05T21:30:00.000Z");
        assert.equal(stored.duration, 1.5);
      },
    );

    await t.step("update_service_call refuses unknown, read-only and missing", async () => {
      const before = sb.log.length;
      const typo = await callError(client, "update_service_call", {
        id: callId,
        changes: { descripton: "x" },
      });
      assert.match(typo, /no field "descripton".*did you mean description/);
      const readOnly = await callError(client, "update_service_call", {
        id: callId,
        changes: { duration: 3 },
      });
      assert.match(readOnly, /duration is read-only/);
      assert.ok(
        sb.log.slice(before).every((e) => e.method === "GET"),
        "nothing written for refused changes",
      );
      const missing = await callError(client, "update_service_call", {
        id: 999_999,
        changes: { description: "x" },
      });
      assert.match(missing, /Service call 999999 was not found/);
    });

    const tickets = openTickets.filter((x) => x.companyID === companyID);
    let linkId = 0;
    await t.step(
      "link_ticket_to_service_call: parent route, idempotent, same company",
      async () => {
        const out = await callOk(client, "link_ticket_to_service_call", {
          serviceCallID: callId,
          ticketID: tickets[0].id,
        });
        linkId = out.id as number;
        const stored = sb.record("ServiceCallTickets", linkId)!;
        assert.equal(stored.serviceCallID, callId);
        assert.equal(stored.ticketID, tickets[0].id);
        const post = lastWrite();
        assert.equal(post.method, "POST");
        assert.match(post.path, new RegExp(`/V1\\.0/ServiceCalls/${callId}/Tickets$`));
        assert.match(String((out.item as Rec).ticketName), /^T\d/);

        const writes = sb.log.filter((e) => e.method === "POST" && !/query/.test(e.path)).length;
        const again = await callOk(client, "link_ticket_to_service_call", {
          serviceCallID: callId,
          ticketID: tickets[0].id,
        });
        assert.equal(again.id, linkId);
        assert.match(String(again.note), /already on service call/);
        assert.equal(
          sb.log.filter((e) => e.method === "POST" && !/query/.test(e.path)).length,
          writes,
        );

        const other = sb.records("Tickets").find((x) => x.companyID !== companyID)!;
        const wrong = await callError(client, "link_ticket_to_service_call", {
          serviceCallID: callId,
          ticketID: other.id,
        });
        assert.match(wrong, /belongs to company .*service call's company/);
        const noCall = await callError(client, "link_ticket_to_service_call", {
          serviceCallID: 999_999,
          ticketID: tickets[0].id,
        });
        assert.match(noCall, /Service call 999999 was not found/);
      },
    );

    await t.step("assign_resource_to_service_call: role chosen, child route", async () => {
      const resourceID = WELL_KNOWN.tier1OnlyResourceId;
      const out = await callOk(client, "assign_resource_to_service_call", {
        serviceCallID: callId,
        resourceID,
      });
      const stored = sb.record("ServiceCallTicketResources", out.id as number)!;
      assert.equal(stored.serviceCallTicketID, linkId);
      assert.equal(stored.resourceID, resourceID);
      assert.equal(stored.roleID, WELL_KNOWN.roles.tier1);
      assert.match(String(out.note), /roleID .* chosen from the resource's service desk role/);
      const item = out.item as Rec;
      assert.ok(item.resourceName && item.roleName);
      const post = lastWrite();
      assert.match(post.path, new RegExp(`/V1\\.0/ServiceCallTickets/${linkId}/Resources$`));

      const inactive = await callError(client, "assign_resource_to_service_call", {
        serviceCallTicketID: linkId,
        resourceID: WELL_KNOWN.inactiveResourceId,
      });
      assert.match(inactive, /inactive/);

      // A second ticket on the call: which one must be said.
      await callOk(client, "link_ticket_to_service_call", {
        serviceCallID: callId,
        ticketID: tickets[1].id,
      });
      const which = await callError(client, "assign_resource_to_service_call", {
        serviceCallID: callId,
        resourceID,
      });
      assert.match(which, /has 2 tickets: pass ticketID/);
      const byTicket = await callOk(client, "assign_resource_to_service_call", {
        serviceCallID: callId,
        ticketID: tickets[1].id,
        resourceID,
        roleID: WELL_KNOWN.roles.tier1,
      });
      assert.equal(
        sb.record("ServiceCallTicketResources", byTicket.id as number)!.roleID,
        WELL_KNOWN.roles.tier1,
      );

      const notOnCall = await callError(client, "assign_resource_to_service_call", {
        serviceCallID: callId,
        ticketID: sb.records("Tickets").find((x) => x.companyID !== companyID)!.id,
        resourceID,
      });
      assert.match(notOnCall, /is not on service call .*link_ticket_to_service_call/);
      const empty = await callOk(client, "create_service_call", {
        companyID,
        startDateTime: "2031-04-01T17:00:00Z",
        endDateTime: "2031-04-01T18:00:00Z",
      });
      const noTickets = await callError(client, "assign_resource_to_service_call", {
        serviceCallID: empty.id,
        resourceID,
      });
      assert.match(noTickets, /has no tickets/);
      const neither = await callError(client, "assign_resource_to_service_call", { resourceID });
      assert.match(neither, /Give serviceCallID/);

      const read = await callOk(client, "get_service_call", { id: callId });
      assert.equal((read.tickets as Rec[]).length, 2);
    });
  },
);

test("project tasks on a visit: link, send a technician, read, search by task and technician", async ({ client, sb, lastWrite }) => {
  const project = sb.records("Projects").find((p) =>
    sb.records("Tasks").filter((x) => x.projectID === p.id).length >= 2
  )!;
  const [task, second] = sb.records("Tasks").filter((x) => x.projectID === project.id);
  const companyID = project.companyID as number;
  const call = await callOk(client, "create_service_call", {
    companyID,
    startDateTime: "2031-05-06T16:00:00Z",
    durationHours: 3,
  });
  const callId = call.id as number;

  const linked = await callOk(client, "link_task_to_service_call", {
    serviceCallID: callId,
    taskID: task.id,
  });
  const link = sb.record("ServiceCallTasks", linked.id as number)!;
  assert.equal(link.serviceCallID, callId);
  assert.equal(link.taskID, task.id);
  assert.match(lastWrite().path, new RegExp(`/V1\\.0/ServiceCalls/${callId}/Tasks$`));
  assert.equal((linked.item as Rec).taskName, task.title);
  const again = await callOk(client, "link_task_to_service_call", {
    serviceCallID: callId,
    taskID: task.id,
  });
  assert.equal(again.id, linked.id);
  assert.match(String(again.note), /already on service call/);
  const foreign = sb.records("Tasks").find((x) =>
    sb.record("Projects", x.projectID as number)?.companyID !== companyID
  )!;
  const wrong = await callError(client, "link_task_to_service_call", {
    serviceCallID: callId,
    taskID: foreign.id,
  });
  assert.match(wrong, /is on a project of company .*service call \d+ is for company/);
  const missing = await callError(client, "link_task_to_service_call", {
    serviceCallID: callId,
    taskID: 999_999,
  });
  assert.match(missing, /Task 999999 was not found/);

  // The task is the call's only work: serviceCallID alone finds it.
  const resourceID = WELL_KNOWN.tier1OnlyResourceId;
  const otherTech = sb.records("ResourceServiceDeskRoles").map((r) => r.resourceID)
    .find((id) =>
      id !== resourceID && sb.record("Resources", id as number)?.isActive === true
    ) as number;
  const sent = await callOk(client, "assign_resource_to_service_call", {
    serviceCallID: callId,
    resourceID,
  });
  const stored = sb.record("ServiceCallTaskResources", sent.id as number)!;
  assert.equal(stored.serviceCallTaskID, link.id);
  assert.equal(stored.resourceID, resourceID);
  assert.equal(stored.roleID, WELL_KNOWN.roles.tier1);
  assert.match(
    lastWrite().path,
    new RegExp(`/V1\\.0/ServiceCallTasks/${link.id}/Resources$`),
  );
  assert.equal((sent.item as Rec).taskID, task.id);

  // A ticket and a second task on the same visit: which one must be said.
  const ticket = sb.records("Tickets").find((x) => x.companyID === companyID)!;
  await callOk(client, "link_ticket_to_service_call", {
    serviceCallID: callId,
    ticketID: ticket.id,
  });
  await callOk(client, "link_task_to_service_call", {
    serviceCallID: callId,
    taskID: second.id,
  });
  const which = await callError(client, "assign_resource_to_service_call", {
    serviceCallID: callId,
    resourceID,
  });
  assert.match(
    which,
    new RegExp(
      `has 1 ticket and 2 tasks: pass ticketID, one of ${ticket.id} \\(.*\\); ` +
        `or taskID, one of ${task.id} \\(.*\\), ${second.id}`,
    ),
  );
  const both = await callError(client, "assign_resource_to_service_call", {
    serviceCallID: callId,
    ticketID: ticket.id,
    taskID: task.id,
    resourceID,
  });
  assert.match(both, /ticketID or taskID, not both/);
  const repeat = await callOk(client, "assign_resource_to_service_call", {
    serviceCallID: callId,
    taskID: task.id,
    resourceID,
  });
  assert.equal(repeat.id, sent.id);
  assert.match(String(repeat.note), /already assigned to this task's visit/);
  const byLink = await callOk(client, "assign_resource_to_service_call", {
    serviceCallTaskID: link.id as number,
    resourceID: otherTech,
  });
  assert.equal(
    sb.record("ServiceCallTaskResources", byLink.id as number)!.resourceID,
    otherTech,
  );

  const read = await callOk(client, "get_service_call", { id: callId });
  const tasks = read.tasks as Rec[];
  assert.equal(tasks.length, 2);
  const first = tasks.find((x) => x.taskID === task.id)!;
  assert.equal(first.serviceCallTaskID, link.id);
  assert.equal(first.taskName, task.title);
  assert.deepEqual(
    (first.resources as Rec[]).map((r) => r.resourceID).sort(),
    [resourceID, otherTech].sort(),
  );
  assert.ok((read.untrustedFields as string[]).includes("tasks.taskName"));
  assert.equal((read.tickets as Rec[]).length, 1);

  const byTask = await callOk(client, "search_service_calls", { taskID: task.id });
  assert.deepEqual((byTask.items as Rec[]).map((c) => c.id), [callId]);
  const byTech = await callOk(client, "search_service_calls", {
    resourceID: otherTech,
    limit: 100,
  });
  assert.ok((byTech.items as Rec[]).some((c) => c.id === callId), "found through the task");
  const windowed = await callOk(client, "search_service_calls", {
    resourceID: otherTech,
    startAfter: "2031-05-01T00:00:00Z",
    startBefore: "2031-05-31T00:00:00Z",
  });
  assert.deepEqual((windowed.items as Rec[]).map((c) => c.id), [callId]);
});
