/**
 * End to end over stdio against the simulated tenant: no silent empty result for an id that does
 * not exist, names first wherever a record is shown, forgiving picklist labels, totals over every
 * match, the ticket filters people ask for, and the required fields people rarely state.
 */

import assert from "node:assert/strict";
import { endOfQuarter, localDate } from "../lib/dates.ts";
import type { RequestLogEntry, ServedSandbox } from "../lib/sandbox/mod.ts";
import {
  callError,
  callOk,
  connectStdio,
  startTenant,
  type StdioSession,
  tenantEnv,
} from "./harness.ts";

type Rec = Record<string, unknown>;
const MISSING = 99_999_991;

/** `POST Tickets`, `GET Companies/{id}`: the requests since `from`, ids folded. */
function requests(log: RequestLogEntry[], from: number): string[] {
  return log.slice(from).filter((e) => !/ThresholdInformation/i.test(e.path)).map((e) =>
    `${e.method} ${
      e.path.split("?")[0].replace(/^\/ATServicesRest\/V1\.0\//i, "").replace(/\/\d+/g, "/{id}")
    }`
  );
}

function lastPost(log: RequestLogEntry[], from: number, path: RegExp): Rec | undefined {
  return log.slice(from).findLast((e) => e.method === "POST" && path.test(e.path.split("?")[0]))
    ?.body as Rec | undefined;
}

async function withServer(
  fn: (tenant: ServedSandbox, session: StdioSession) => Promise<void>,
  options: { tenant?: Parameters<typeof startTenant>[0]; env?: Record<string, string> } = {},
): Promise<void> {
  const tenant = await startTenant(options.tenant);
  const session = await connectStdio({
    env: { ...tenantEnv(tenant), AUTOTASK_TOOLSETS: "all", ...options.env },
  });
  try {
    await fn(tenant, session);
  } finally {
    await session.close();
    await tenant.close();
  }
}

Deno.test({
  name: "an id that does not exist is said so, by a search that found nothing and before a create",
  async fn() {
    await withServer(async (tenant, { client }) => {
      const log = tenant.sandbox.log;
      const text = await callError(client, "search_opportunities", { companyID: MISSING });
      assert.equal(text, `Company ${MISSING} was not found (search_companies lists them)`);
      assert.match(
        await callError(client, "search_time_entries", { resourceID: MISSING }),
        new RegExp(`^Resource ${MISSING} was not found \\(search_resources lists them\\)`),
      );
      // A search that finds something checks nothing more.
      let from = log.length;
      const found = await callOk(client, "search_opportunities", { companyID: 12345 });
      assert.ok((found.items as Rec[]).length > 0);
      assert.ok(!requests(log, from).includes("GET Companies/{id}"), requests(log, from).join());
      // A company with no opportunities is a true empty result, after one check.
      const quiet = tenant.sandbox.records("Companies").find((c) =>
        !tenant.sandbox.records("Opportunities").some((o) => o.companyID === c.id)
      )!;
      from = log.length;
      const none = await callOk(client, "search_opportunities", { companyID: quiet.id });
      assert.deepEqual(none.items, []);
      assert.equal(requests(log, from).filter((r) => r === "GET Companies/{id}").length, 1);

      // Creates: the same sentence, and nothing is sent.
      for (
        const [tool, args] of [
          ["create_ticket", { companyID: MISSING, title: "Printer jam" }],
          [
            "create_project",
            { companyID: MISSING, projectName: "Move", startDateTime: "2026-12-01" },
          ],
          ["create_opportunity", { companyID: MISSING, title: "Firewall", amount: 100 }],
        ] as const
      ) {
        from = log.length;
        assert.equal(
          await callError(client, tool, args),
          `Company ${MISSING} was not found (search_companies lists them)`,
          tool,
        );
        assert.ok(!log.slice(from).some((e) => e.method === "POST" && !/query/.test(e.path)));
      }
    });
  },
});

Deno.test({
  name:
    "names first: query_entities and get_entity lead with name, title and number; creates carry labels and names",
  async fn() {
    await withServer(async (_tenant, { client }) => {
      const cases: [string, string[]][] = [
        ["Companies", ["id", "companyName"]],
        ["Contacts", ["id", "firstName", "lastName"]],
        ["Resources", ["id", "firstName", "lastName"]],
        ["Projects", ["id", "projectName"]],
        ["Tickets", ["id", "ticketNumber", "title"]],
      ];
      for (const [entity, front] of cases) {
        const out = await callOk(client, "query_entities", { entity, limit: 3 });
        const items = out.items as Rec[];
        assert.ok(items.length > 0, entity);
        assert.deepEqual(Object.keys(items[0]).slice(0, front.length), front, entity);
      }
      const company = await callOk(client, "get_entity", { entity: "Companies", id: 12345 });
      const item = company.item as Rec;
      assert.deepEqual(Object.keys(item).slice(0, 2), ["id", "companyName"]);
      assert.equal(item.companyName, "Adatum Corporation");

      const created = await callOk(client, "create_ticket", {
        companyID: 12345,
        title: "Laptop will not boot",
      });
      const ticket = created.item as Rec;
      assert.equal(ticket.companyName, "Adatum Corporation");
      assert.equal(ticket.statusLabel, "New");
      assert.equal(ticket.priorityLabel, "P3 Normal");
      // The same labels and names a get shows.
      const got = (await callOk(client, "get_ticket", { id: ticket.id })).item as Rec;
      for (const key of ["statusLabel", "priorityLabel", "companyName", "queueLabel"]) {
        assert.equal(ticket[key], got[key], key);
      }
      // `fields` takes the names results show: statusLabel is status, companyName companyID.
      const picked = await callOk(client, "search_tickets", {
        companyID: 12345,
        fields: ["statusLabel", "companyName"],
      });
      const first = (picked.items as Rec[])[0];
      assert.ok("status" in first && "statusLabel" in first && "companyName" in first);
      assert.ok(!("priority" in first), Object.keys(first).join());
    });
  },
});

Deno.test({
  name:
    "forgiving labels: near misses accepted and noted, ambiguous refused with candidates, misses get the closest",
  async fn() {
    await withServer(async (tenant, { client }) => {
      const log = tenant.sandbox.log;
      const from = log.length;
      const out = await callOk(client, "create_ticket", {
        companyID: 12345,
        title: "Server down",
        priority: "Critical",
        status: "In Progress",
        queueID: "Level 2 Support",
      });
      const sent = lastPost(log, from, /Tickets$/)!;
      assert.equal(sent.priority, 6); // P1 Emergency
      assert.equal(sent.status, 24); // Work In Progress
      assert.equal(sent.queueID, 29682969); // Level II Support
      const note = String(out.note);
      assert.match(note, /priority "Critical" read as 6 \(P1 Emergency\)/);
      assert.match(note, /status "In Progress" read as 24 \(Work In Progress\)/);
      assert.match(note, /queueID "Level 2 Support" read as 29682969 \(Level II Support\)/);

      const updated = await callOk(client, "update_ticket", {
        id: (out.item as Rec).id,
        changes: { status: "Completed" },
      });
      assert.match(String(updated.note), /status "Completed" read as 5 \(Complete\)/);

      // "Support" is in two queue labels: refused, both named.
      const ambiguous = await callError(client, "create_ticket", {
        companyID: 12345,
        title: "x",
        queueID: "Support",
      });
      assert.match(ambiguous, /matches several values/);
      assert.match(ambiguous, /29682833 \(Level I Support\)/);
      assert.match(ambiguous, /29682969 \(Level II Support\)/);
      const miss = await callError(client, "create_ticket", {
        companyID: 12345,
        title: "x",
        status: "Wating Custmer",
      });
      assert.match(miss, /Closest: 21 \(Waiting Customer\)/);
    });
  },
});

Deno.test({
  name:
    "search_time_entries totals every match, not the page; search_tickets overdue and due ranges",
  async fn() {
    await withServer(async (tenant, { client }) => {
      const entries = tenant.sandbox.records("TimeEntries");
      const counts = new Map<unknown, number>();
      for (const e of entries) counts.set(e.resourceID, (counts.get(e.resourceID) ?? 0) + 1);
      const [resource] = [...counts].sort((a, b) => b[1] - a[1])[0];
      const mine = entries.filter((e) => e.resourceID === resource);
      assert.ok(mine.length > 5, `resource ${resource} has ${mine.length} entries`);
      const sum = (list: Rec[]) =>
        Math.round(list.reduce((s, e) => s + Number(e.hoursWorked), 0) * 100) / 100;
      const out = await callOk(client, "search_time_entries", { resourceID: resource, limit: 2 });
      assert.equal((out.items as Rec[]).length, 2);
      assert.deepEqual(out.totals, {
        entries: mine.length,
        hoursWorked: sum(mine),
        billableHours: sum(mine.filter((e) => e.isNonBillable !== true)),
      });

      const now = Date.now();
      const open = tenant.sandbox.records("Tickets").filter((t) => t.status !== 5);
      const overdue = open.filter((t) =>
        typeof t.dueDateTime === "string" && Date.parse(t.dueDateTime) < now
      ).map((t) => t.id).sort();
      assert.ok(overdue.length > 0);
      const found = await callOk(client, "search_tickets", {
        overdue: true,
        limit: 100,
        includeTotal: true,
      });
      assert.equal(found.total, overdue.length);
      for (const t of found.items as Rec[]) assert.ok(overdue.includes(t.id), String(t.id));
      assert.match(String(found.note), /open means status is not 5 \(Complete\)/);
      assert.match(String(found.note), /Waiting Customer/);

      const due = await callOk(client, "search_tickets", {
        dueAfter: "2026-01-01",
        dueBefore: "2030-01-01",
        includeTotal: true,
      });
      const expected = tenant.sandbox.records("Tickets").filter((t) =>
        typeof t.dueDateTime === "string" && t.dueDateTime >= "2026-01-01" &&
        t.dueDateTime < "2030-01-01"
      );
      assert.equal(due.total, expected.length);
    });
  },
});

Deno.test({
  name: "totals say when they stop at the cap",
  async fn() {
    await withServer(async (_tenant, { client }) => {
      const out = await callOk(client, "search_time_entries", { limit: 1 });
      const totals = out.totals as Rec;
      assert.equal(totals.partial, true);
      assert.equal(totals.entries, 10_000);
      assert.match(String(out.note), /totals cover the first 10,000 matching entries only/);
    }, { tenant: { timeEntryCount: 10_200 } });
  },
});

Deno.test({
  name: "create_project and create_opportunity fill what people rarely say, each default named",
  async fn() {
    await withServer(async (tenant, { client }) => {
      const log = tenant.sandbox.log;
      let from = log.length;
      const project = await callOk(client, "create_project", {
        projectName: "Office 365 Migration",
        companyID: 12345,
        startDateTime: "2026-12-01",
      });
      const sentProject = lastPost(log, from, /Projects$/)!;
      assert.equal(sentProject.startDateTime, "2026-12-01T00:00:00Z");
      assert.equal(sentProject.endDateTime, "2026-12-31T00:00:00Z");
      assert.match(
        String(project.note),
        /endDateTime defaulted to 2026-12-31T00:00:00Z, 30 days after the start/,
      );

      from = log.length;
      const opportunity = await callOk(client, "create_opportunity", {
        companyID: 12345,
        title: "Adatum Wi-Fi survey",
        amount: 2_400,
      });
      const sent = lastPost(log, from, /Opportunities$/)!;
      const quarterEnd = endOfQuarter(localDate(Date.now(), "UTC"));
      assert.equal(sent.cost, 0);
      assert.equal(sent.stage, 11);
      assert.equal(sent.probability, 10);
      assert.equal(sent.projectedCloseDate, `${quarterEnd}T00:00:00Z`);
      const owner = tenant.sandbox.record("Companies", 12345)!.ownerResourceID;
      assert.equal(sent.ownerResourceID, owner);
      const note = String(opportunity.note);
      assert.match(note, /cost defaulted to 0/);
      assert.match(note, /probability defaulted to 10, from stage Qualify \(10%\)/);
      assert.match(note, new RegExp(`projectedCloseDate defaulted to ${quarterEnd}`));
      assert.match(
        note,
        new RegExp(`ownerResourceID defaulted to ${owner} \\(.+\\), the company's owner`),
      );

      // A stage that defines no probability: asked for, not guessed.
      const refused = await callError(client, "create_opportunity", {
        companyID: 12345,
        title: "x",
        amount: 1,
        stage: "Negotiation",
      });
      assert.match(refused, /Give probability \(0-100\): stage 14 \(Negotiation\) defines none/);
    });
  },
});
