/**
 * bulk_add_ticket_notes and bulk_create_time_entries end to end (official MCP client, stdio,
 * production flags, simulated tenant over HTTP): notes internal by default, one create per
 * record, at most 3 in flight; a timesheet checked whole before anything is sent, roles by
 * Autotask's rule, dates in the user's time zone.
 */

import assert from "node:assert/strict";
import { bulkSetup, groupedIds, openTickets, shapes, writesIn } from "./bulk_fixtures.ts";
import { callError, callOk } from "./harness.ts";

type Rec = Record<string, unknown>;

Deno.test({
  name: "bulk_add_ticket_notes: preview, then one internal note per ticket, 3 at a time",
  async fn() {
    const { tenant, session, close } = await bulkSetup({
      tenant: { latencyMs: 20 },
      env: { AUTOTASK_TOOLSETS: "bulk" },
    });
    const { client } = session;
    const { sandbox } = tenant;
    try {
      const tickets = openTickets(tenant, 20).map((t) => t.id as number);
      const args = {
        ticketIDs: [...tickets, 99_999_999],
        title: "Maintenance window",
        description: "Patching tonight 22:00-23:00; expect a short outage.",
      };
      const notesOf = (id: number) =>
        sandbox.records("TicketNotes").filter((n) => n.ticketID === id);
      const before = new Map(tickets.map((id) => [id, notesOf(id).length]));
      sandbox.resetStats();
      const preview = await callOk(client, "bulk_add_ticket_notes", args);
      assert.deepEqual(writesIn(sandbox.log), []);
      assert.deepEqual(preview.totals, { tickets: 21, toNote: 20, skipped: 1 });
      assert.deepEqual(groupedIds(preview.skipped), [99_999_999]);
      const note = preview.noteToAdd as Rec;
      assert.equal(note.publish, 2, "internal unless said otherwise");
      assert.equal(typeof note.publishLabel, "string");

      sandbox.resetStats();
      const report = await callOk(client, "bulk_add_ticket_notes", {
        ...args,
        confirm: preview.confirm,
      });
      assert.deepEqual(report.totals, { created: 20, skipped: 0, failed: 0, notSent: 0 });
      assert.deepEqual(shapes(sandbox.log), [
        "POST Tickets/query",
        ...tickets.map(() => "POST Tickets/{id}/Notes"),
        "POST TicketNotes/query",
      ]);
      assert.equal(sandbox.maxInFlight("TicketNotes"), 3, "3 in flight, never more");
      const created = report.created as Record<string, number>;
      for (const id of tickets) {
        assert.equal(notesOf(id).length, before.get(id)! + 1, `exactly one new note on ${id}`);
        const stored = sandbox.record("TicketNotes", created[id])!;
        assert.equal(stored.ticketID, id);
        assert.equal(stored.publish, 2);
        assert.equal(stored.title, "Maintenance window");
      }
      assert.match(String(report.note), /read back: all 20 notes are stored/);
    } finally {
      await close();
    }
  },
});

Deno.test({
  name:
    "bulk_create_time_entries: every entry checked before any is sent; roles and local dates as create_time_entry",
  async fn() {
    const { tenant, session, close } = await bulkSetup({
      env: { AUTOTASK_TOOLSETS: "bulk,time", AUTOTASK_TIME_ZONE: "America/Los_Angeles" },
    });
    const { client } = session;
    const { sandbox } = tenant;
    try {
      const ticket = sandbox.records("Tickets").find((t) =>
        typeof t.assignedResourceID === "number" && typeof t.assignedResourceRoleID === "number"
      )!;
      const resource = ticket.assignedResourceID as number;
      const task = sandbox.records("Tasks")[0];
      sandbox.resetStats();
      const refused = await callError(client, "bulk_create_time_entries", {
        entries: [
          { resourceID: resource, ticketID: ticket.id, hoursWorked: 1, summaryNotes: "ok" },
          { resourceID: resource, ticketID: 99_999_999, hoursWorked: 1, summaryNotes: "x" },
          {
            resourceID: resource,
            ticketID: ticket.id,
            taskID: task.id,
            hoursWorked: 1,
            summaryNotes: "x",
          },
        ],
      });
      assert.match(refused, /Nothing was sent: 2 of 3 entries need fixing/);
      assert.match(refused, /entries\[1\]: Ticket 99999999 was not found/);
      assert.match(refused, /entries\[2\]: Give ticketID or taskID, not both/);
      assert.deepEqual(writesIn(sandbox.log), []);

      const entries = [
        // No start: 08:00 in Los Angeles on the day worked (16:00Z in winter).
        {
          resourceID: resource,
          ticketID: ticket.id,
          dateWorked: "2026-11-30",
          hoursWorked: 1.5,
          summaryNotes: "Replaced the switch.",
        },
        // A start without a zone is local: 16:30 in Los Angeles is 00:30Z the next day, and the
        // day worked is the local one.
        {
          resourceID: resource,
          ticketID: ticket.id,
          startDateTime: "2026-11-30T16:30",
          hoursWorked: 1,
          summaryNotes: "Tested the uplinks.",
        },
        { resourceID: resource, dateWorked: "2026-11-30", hoursWorked: 2, summaryNotes: "Admin" },
      ];
      sandbox.resetStats();
      const preview = await callOk(client, "bulk_create_time_entries", { entries });
      assert.deepEqual(writesIn(sandbox.log), []);
      assert.equal(
        shapes(sandbox.log).filter((s) => s === "GET Tickets/{id}").length,
        1,
        "a ticket two entries share is read once",
      );
      assert.deepEqual(preview.totals, { entries: 3, hours: 4.5 });
      const sample = preview.sample as Rec[];
      assert.equal(sample[0].startDateTime, "2026-11-30T08:00:00-08:00");
      assert.equal(sample[1].startDateTime, "2026-11-30T16:30:00-08:00");
      assert.equal(sample[1].dateWorked, "2026-11-30");
      assert.equal(sample[0].roleID, ticket.assignedResourceRoleID);
      assert.match(String(sample[0].note), /primary resource of ticket \d+ in this role/);
      assert.equal(sample[2].roleID, undefined, "regular time: Autotask picks the role");

      sandbox.resetStats();
      const report = await callOk(client, "bulk_create_time_entries", {
        entries,
        confirm: preview.confirm,
      });
      assert.deepEqual(report.totals, { created: 3, skipped: 0, failed: 0, notSent: 0 });
      assert.deepEqual(shapes(sandbox.log), [
        "POST Tickets/query",
        "POST TimeEntries",
        "POST TimeEntries",
        "POST TimeEntries",
        "POST TimeEntries/query",
      ]);
      const created = report.created as Record<string, number>;
      const stored = [0, 1, 2].map((i) => sandbox.record("TimeEntries", created[i])!);
      const at = (value: unknown) => new Date(String(value)).toISOString();
      assert.equal(at(stored[0].startDateTime), "2026-11-30T16:00:00.000Z");
      assert.equal(at(stored[1].startDateTime), "2026-12-01T00:30:00.000Z");
      assert.equal(String(stored[1].dateWorked).slice(0, 10), "2026-11-30");
      assert.equal(stored[0].roleID, ticket.assignedResourceRoleID);
      assert.equal(stored[2].ticketID ?? null, null);
      assert.equal(typeof stored[2].roleID, "number", "the resource's default role");

      // create_time_entry takes the same path: 08:00 local on the day worked.
      const single = await callOk(client, "create_time_entry", {
        resourceID: resource,
        ticketID: ticket.id,
        dateWorked: "2026-11-30",
        hoursWorked: 1,
        summaryNotes: "Closed the ticket.",
      });
      const one = sandbox.record("TimeEntries", (single.item as Rec).id as number)!;
      assert.equal(at(one.startDateTime), "2026-11-30T16:00:00.000Z");
      assert.equal(one.roleID, ticket.assignedResourceRoleID);
    } finally {
      await close();
    }
  },
});
