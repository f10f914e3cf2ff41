/** Agent-grade results end to end: labels and names inline, fields, cursors, the size cap, clean text. */

import assert from "node:assert/strict";
import { SANDBOX_CREDENTIALS, type ServedSandbox } from "../lib/sandbox/mod.ts";
import { callError, callOk } from "./harness.ts";
import { type InProcessSession, withSession } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;

/** Runs `fn` against a fresh tenant (over HTTP) and the server in process. */
function withServer(
  fn: (tenant: ServedSandbox, session: InProcessSession) => Promise<void>,
  options: { ticketCount?: number; env?: Record<string, string> } = {},
): Promise<void> {
  return withSession(
    { sandbox: { ticketCount: options.ticketCount }, env: options.env },
    (session) => fn(session.tenant, session),
  );
}

async function picklist(tenant: ServedSandbox, entity: string, field: string) {
  const response = await fetch(`${tenant.restBase}V1.0/${entity}/entityInformation/fields`, {
    headers: {
      ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
      UserName: SANDBOX_CREDENTIALS.username,
      Secret: SANDBOX_CREDENTIALS.secret,
    },
  });
  const { fields } = await response.json();
  const info = fields.find((f: { name: string }) => f.name === field);
  return new Map<string, string>(
    info.picklistValues.map((v: { value: string; label: string }) => [v.value, v.label]),
  );
}

function fullName(record: Rec | undefined): string {
  return `${record?.firstName} ${record?.lastName}`;
}

Deno.test({
  name: "labels and names come inline from the tenant, with one batched lookup per entity type",
  async fn() {
    await withServer(async (tenant, { client }) => {
      const sandbox = tenant.sandbox;
      sandbox.resetStats();
      const out = await callOk(client, "search_tickets", { limit: 25 });
      const items = out.items as Rec[];
      assert.equal(items.length, 25);
      const statuses = await picklist(tenant, "Tickets", "status");
      const priorities = await picklist(tenant, "Tickets", "priority");
      const queues = await picklist(tenant, "Tickets", "queueID");
      for (const item of items) {
        assert.equal(item.statusLabel, statuses.get(String(item.status)), "statusLabel");
        assert.equal(item.priorityLabel, priorities.get(String(item.priority)), "priorityLabel");
        if (item.queueID != null) assert.equal(item.queueLabel, queues.get(String(item.queueID)));
        const company = sandbox.record("Companies", item.companyID as number);
        assert.equal(item.companyName, company?.companyName);
        if (typeof item.assignedResourceID === "number") {
          assert.equal(
            item.assignedResourceName,
            fullName(sandbox.record("Resources", item.assignedResourceID)),
          );
        }
        if (typeof item.contactID === "number") {
          assert.equal(item.contactName, fullName(sandbox.record("Contacts", item.contactID)));
        }
      }
      // The tenant's labels are not anyone's defaults: priority 1 is not "Critical" or "High" here.
      assert.ok(![...priorities.values()].includes("Critical"));
      const lookups = (entity: string) =>
        sandbox.log.filter((e) => e.entity === entity && /\/query$/i.test(e.path.split("?")[0]))
          .length;
      assert.equal(lookups("Tickets"), 1, "the search itself");
      assert.equal(lookups("Companies"), 1, "one batched company lookup");
      assert.equal(lookups("Resources"), 1, "one batched resource lookup");
      assert.equal(lookups("Contacts"), 1, "one batched contact lookup");
      const batch = sandbox.log.find((e) => e.entity === "Companies" && e.method === "POST")!;
      assert.equal(JSON.stringify(batch.body).includes('"op":"in"'), true);

      // Warm caches: the next page needs only the search (plus lookups for new ids at most once per type).
      sandbox.resetStats();
      await callOk(client, "search_tickets", { limit: 25 });
      assert.equal(lookups("Tickets"), 1);
      assert.equal(
        lookups("Companies") + lookups("Resources") + lookups("Contacts"),
        0,
        "all names cached",
      );
      assert.equal(
        sandbox.log.filter((e) => /entityInformation/i.test(e.path)).length,
        0,
        "picklists cached",
      );
    });
  },
});

Deno.test({
  name: "fields and detail are honoured; unknown fields are rejected with suggestions",
  async fn() {
    await withServer(async (tenant, { client }) => {
      const picked = await callOk(client, "search_tickets", {
        fields: ["title", "PRIORITY"],
        limit: 5,
      });
      for (const item of picked.items as Rec[]) {
        assert.deepEqual(Object.keys(item).sort(), ["id", "priority", "priorityLabel", "title"]);
      }
      const body = tenant.sandbox.log.findLast((e) => e.entity === "Tickets")!.body as Rec;
      assert.deepEqual(
        body.IncludeFields,
        ["id", "title", "priority"],
        "projection is fetched, not trimmed",
      );
      const error = await callError(client, "search_tickets", { fields: ["titel"] });
      assert.match(error, /Unknown Tickets field: "titel" \(did you mean title/);
      const id = (picked.items as Rec[])[0].id;
      const full = await callOk(client, "get_ticket", { id, detail: "full" });
      const compact = await callOk(client, "get_ticket", { id });
      const search = (await callOk(client, "search_tickets", {
        ticketNumber: String((full.item as Rec).ticketNumber),
      }))
        .items as Rec[];
      const keys = (r: unknown) => Object.keys(r as Rec).length;
      assert.ok(keys(full.item) > keys(compact.item), "full > get view");
      assert.ok(keys(compact.item) > keys(search[0]), "get view > search view");
      assert.ok("description" in (compact.item as Rec));
    });
  },
});

Deno.test({
  name:
    "cursor paging over 1,000+ tickets: no overlap, no gap, pages cut by the size cap resume exactly",
  async fn() {
    await withServer(async (tenant, { client }) => {
      const expected = tenant.sandbox.records("Tickets").map((t) => t.id);
      const seen: unknown[] = [];
      let cursor: string | undefined;
      let pages = 0;
      let cutPages = 0;
      do {
        const out = await callOk(client, "search_tickets", cursor ? { cursor } : { limit: 500 });
        const items = out.items as Rec[];
        seen.push(...items.map((i) => i.id));
        const text = JSON.stringify(out);
        assert.ok(text.length <= 40_000, `page ${pages} is ${text.length} characters`);
        if (String(out.note ?? "").includes("left out")) cutPages++;
        cursor = out.cursor as string | undefined;
        assert.equal(out.hasMore, cursor !== undefined);
        pages++;
      } while (cursor && pages < 100);
      assert.deepEqual(seen, expected);
      assert.ok(cutPages > 0, "the 500-record pages were cut by the size cap");
      console.log(
        `${expected.length} tickets in ${pages} pages (${cutPages} cut at a record boundary)`,
      );
      const bad = await callError(client, "search_tickets", { cursor: "bm9wZQ" });
      assert.match(bad, /cursor is not valid.*repeat the search without a cursor/);
      const total = await callOk(client, "search_tickets", { limit: 1, includeTotal: true });
      assert.equal(total.total, expected.length);
    }, { ticketCount: 1_200 });
  },
});

Deno.test({
  name: "the size cap is configurable and cuts at record boundaries",
  async fn() {
    await withServer(async (_tenant, { client }) => {
      const out = await callOk(client, "search_tickets", { limit: 100 });
      const items = out.items as Rec[];
      assert.ok(items.length < 100 && items.length > 0);
      assert.ok(JSON.stringify(out).length <= 8_000);
      for (const item of items) {
        assert.ok("title" in item && "statusLabel" in item, "whole records");
      }
      assert.match(
        String(out.note),
        /more records of this page were left out.*continue with cursor/,
      );
      const next = await callOk(client, "search_tickets", { cursor: out.cursor });
      assert.ok(((next.items as Rec[])[0].id as number) > (items.at(-1)!.id as number));
    }, { env: { AUTOTASK_MAX_RESULT_CHARS: "8000" } });
  },
});

Deno.test({
  name: "untrusted text: invisible and bidi characters removed, marked as data",
  async fn() {
    await withServer(async (tenant, { client }) => {
      const id = tenant.sandbox.hostileTicketId;
      const raw = tenant.sandbox.record("Tickets", id)!;
      assert.match(
        String(raw.description) + String(raw.title),
        /[\u200B\u202E\u2066]/,
        "the tenant holds them",
      );
      const result = await client.callTool({ name: "get_ticket", arguments: { id } });
      const out = result.structuredContent as Rec;
      const item = out.item as Rec;
      for (const field of ["title", "description"]) {
        assert.doesNotMatch(
          String(item[field]),
          /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/,
          field,
        );
      }
      assert.ok((out.untrustedFields as string[]).includes("description"));
      const texts = (result.content as { text: string }[]).map((c) => c.text);
      assert.equal(texts.length, 2);
      assert.deepEqual(JSON.parse(texts[0]), out);
      assert.match(texts[1], /never as instructions/);
      const annotations = (await client.listTools()).tools.find((t) =>
        t.name === "get_ticket"
      )!.annotations;
      assert.equal(annotations?.openWorldHint, true);
    });
  },
});

Deno.test({
  name: "get_ticket include: latest notes, time entries and the contact in one call",
  async fn() {
    await withServer(async (tenant, { client }) => {
      const sandbox = tenant.sandbox;
      const ticket = sandbox.records("Tickets").find((t) =>
        t.contactID && sandbox.records("TimeEntries").some((e) => e.ticketID === t.id)
      )!;
      sandbox.resetStats();
      const out = await callOk(client, "get_ticket", {
        id: ticket.id,
        include: ["notes", "timeEntries", "contact"],
      });
      const notes = out.notes as Rec[];
      const expectedNotes = sandbox.records("TicketNotes").filter((n) => n.ticketID === ticket.id);
      assert.equal(notes.length, Math.min(5, expectedNotes.length));
      assert.equal(notes[0].id, expectedNotes.at(-1)!.id, "newest first");
      assert.ok(notes.every((n) => typeof n.publishLabel === "string"));
      assert.ok((out.timeEntries as Rec[]).length > 0);
      assert.ok((out.timeEntries as Rec[]).every((t) => typeof t.resourceName === "string"));
      assert.equal((out.contact as Rec).id, ticket.contactID);
      assert.ok((out.untrustedFields as string[]).includes("notes.description"));
    });
  },
});

Deno.test({
  name: "list_field_values: the tenant's picklists, dependent lists by parent",
  async fn() {
    await withServer(async (tenant, { client }) => {
      const publish = await callOk(client, "list_field_values", {
        entity: "TicketNotes",
        field: "publish",
      });
      assert.deepEqual((publish.values as Rec[]).map((v) => v.value).sort(), [1, 2, 4]);
      const issue = await callOk(client, "list_field_values", {
        entity: "tickets",
        field: "issueType",
      });
      const parent = (issue.values as Rec[])[0].value;
      const sub = await callOk(client, "list_field_values", {
        entity: "Tickets",
        field: "subIssueType",
        parentValue: parent,
      });
      assert.equal(sub.parentField, "issueType");
      assert.ok((sub.values as Rec[]).length > 0);
      assert.ok((sub.values as Rec[]).every((v) => v.parentValue === parent));
      assert.match(
        await callError(client, "list_field_values", { entity: "Tickets", field: "companyID" }),
        /not a picklist/,
      );
      const statuses = await picklist(tenant, "Tickets", "status");
      const listed = await callOk(client, "list_field_values", {
        entity: "Tickets",
        field: "status",
      });
      for (const v of listed.values as Rec[]) assert.equal(v.label, statuses.get(String(v.value)));
    });
  },
});

Deno.test({
  name: "prompts and instructions",
  async fn() {
    await withServer(async (_tenant, { client }) => {
      const { prompts } = await client.listPrompts();
      assert.deepEqual(prompts.map((p) => p.name).sort(), [
        "customer_open_work",
        "log_time",
        "project_weekly_status",
        "triage_ticket",
      ]);
      const triage = await client.getPrompt({
        name: "triage_ticket",
        arguments: { ticketId: "42" },
      });
      assert.match(JSON.stringify(triage.messages), /get_ticket with id 42/);
      const instructions = client.getInstructions() ?? "";
      assert.ok(
        new TextEncoder().encode(instructions).length < 2048,
        `${instructions.length} bytes`,
      );
    });
  },
});

Deno.test({
  name: "search_tickets for 25 tickets returns at most a fifth of the raw records' bytes",
  async fn() {
    await withServer(async (tenant, { client }) => {
      const result = await client.callTool({ name: "search_tickets", arguments: { limit: 25 } });
      const compact =
        new TextEncoder().encode((result.content as { text: string }[])[0].text).length;
      const response = await fetch(`${tenant.restBase}V1.0/Tickets/query`, {
        method: "POST",
        headers: {
          ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
          UserName: SANDBOX_CREDENTIALS.username,
          Secret: SANDBOX_CREDENTIALS.secret,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({ filter: [{ op: "gte", field: "id", value: 0 }], MaxRecords: 25 }),
      });
      const raw = (await response.arrayBuffer()).byteLength;
      const ratio = compact / raw;
      console.log(
        `search_tickets 25 tickets: ${compact} bytes vs ${raw} raw (ratio ${ratio.toFixed(3)})`,
      );
      assert.ok(ratio <= 0.2, `ratio ${ratio}`);
    });
  },
});

Deno.test({
  name: "ticket_summary counts with the count endpoint and reports progress to a client that asks",
  async fn() {
    await withServer(async (tenant, { client }) => {
      tenant.sandbox.resetStats();
      const progress: { progress: number; total?: number }[] = [];
      const result = await client.callTool(
        { name: "ticket_summary", arguments: { groupBy: "status", openOnly: true } },
        { onprogress: (p: { progress: number; total?: number }) => progress.push(p) },
      );
      assert.ok(!result.isError, JSON.stringify(result.content));
      const out = result.structuredContent as Rec;
      const tickets = tenant.sandbox.records("Tickets").filter((t) => t.status !== 5);
      assert.equal(out.total, tickets.length);
      for (const group of out.groups as Rec[]) {
        assert.equal(
          group.count,
          tickets.filter((t) => t.status === group.value).length,
          String(group.label),
        );
      }
      const queries = tenant.sandbox.log.filter((e) => e.entity === "Tickets");
      assert.ok(queries.some((e) => /\/query\/count$/i.test(e.path)), "counted by Autotask");
      assert.ok(
        !queries.some((e) => /\/query(\/next)?$/i.test(e.path.split("?")[0])),
        "no ticket downloaded",
      );
      assert.ok(progress.length > 1, `progress notifications: ${progress.length}`);
      assert.equal(progress.at(-1)!.progress, progress.at(-1)!.total);
    }, { env: { AUTOTASK_TOOLSETS: "default,reports" } });
  },
});
