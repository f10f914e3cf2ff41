/**
 * What every report promises besides its numbers, end to end: the dashboard `_meta` and resource,
 * the up-front refusal past the hard budget share (with the numbers and a narrower report that
 * works), progress, cancellation that stops the requests, and the result size cap.
 */

import assert from "node:assert/strict";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { createServerFactory } from "../lib/mcp/server.ts";
import { DASHBOARD_HTML, DASHBOARD_URI } from "../lib/ui/mod.ts";
import { createSandboxClient } from "../main.ts";
import { selectTools } from "../tools/inventory.ts";
import { allTools, kit } from "../tools/mod.ts";
import { Client, getToolUiResourceUri } from "./deps.ts";
import { callError, callOk } from "./harness.ts";
import { table, tenantRequests, WEST, withReports } from "./reports_oracle.ts";

const REPORTS = [
  "report_time",
  "report_utilization",
  "report_ticket_aging",
  "report_ticket_flow",
  "report_sla",
  "report_contracts",
];

Deno.test({
  name: "report tools point MCP Apps hosts at ui://autotask/dashboard, which the server serves",
  async fn() {
    await withReports(WEST, async ({ session: { client } }) => {
      const { tools } = await client.listTools();
      const reports = tools.filter((t) => REPORTS.includes(t.name));
      assert.equal(reports.length, REPORTS.length);
      for (const tool of reports) {
        assert.equal(getToolUiResourceUri(tool), DASHBOARD_URI, tool.name);
        assert.equal(tool.annotations?.readOnlyHint, true, tool.name);
      }
      // ticket_summary's result is not a dashboard report: it points nowhere.
      assert.equal(
        getToolUiResourceUri(tools.find((t) => t.name === "ticket_summary")!),
        undefined,
      );
      const { resources } = await client.listResources();
      assert.deepEqual(resources.map((r) => r.uri), [DASHBOARD_URI]);
      const [page] = (await client.readResource({ uri: DASHBOARD_URI })).contents;
      assert.ok("text" in page && page.text === DASHBOARD_HTML);
    });
  },
});

Deno.test("a server without report tools offers no resources", async () => {
  const factory = createServerFactory({
    kit,
    client: await createSandboxClient(),
    tools: selectTools(allTools()),
    redact: (text) => text,
    log: () => {},
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = factory();
  await server.connect(serverSide);
  const client = new Client({ name: "no-reports", version: "0" });
  await client.connect(clientSide);
  try {
    assert.equal(client.getServerCapabilities()?.resources, undefined);
    assert.ok(!(await client.listTools()).tools.some((t) => getToolUiResourceUri(t)));
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test({
  name:
    "past the hard budget share a report refuses up front, with the numbers and a narrower range that works",
  async fn() {
    // 9,492 of 10,000 used; the hard share (95%) stops at 9,500.
    await withReports(WEST, async ({ tenant, session: { client } }) => {
      tenant.sandbox.resetStats();
      const text = await callError(client, "report_time", { from: "2026-01-01", to: "2026-06-30" });
      assert.match(
        text,
        /^This report would need about (\d+) more Autotask requests \(\d+ pages of [\d,]+ time entries and 1 lookup\), but only (\d+) are left before 95% \(AUTOTASK_BUDGET_HARD\) of the hourly limit: [\d,]+ of 10,000 an hour are used by this tenant's integrations\. Nothing more was fetched \(1 request so far\)\. Ask for (\d+) days or fewer \(e\.g\. from (\S+) to (\S+)\), or one resourceID$/,
      );
      const [, need, left, days, from, to] =
        /about (\d+) .* only (\d+) .* Ask for (\d+) days .* from (\S+) to (\S+)\)/
          .exec(text)!;
      assert.ok(Number(need) > Number(left));
      assert.ok(Number(days) < 181 && Number(days) >= 1, days);
      assert.deepEqual(
        tenantRequests(tenant).map((r) => r.path),
        ["TimeEntries/query/count"],
        "only the count that sized it was sent",
      );
      const narrower = await callOk(client, "report_time", { from, to });
      assert.deepEqual(narrower.period, { from, to, timeZone: WEST });
    }, {
      tenant: {
        threshold: { used: 9_492 },
        now: () => new Date("2026-07-01T18:00:00Z"),
      },
    });
  },
});

Deno.test({
  name: "a long report reports progress to a client that asks, and a cancelled one stops sending",
  async fn() {
    await withReports(WEST, async ({ tenant, session: { client } }) => {
      const args = { from: "2026-01-05", to: "2026-06-28" };
      const progress: { progress: number; total?: number }[] = [];
      tenant.sandbox.resetStats();
      const result = await client.callTool({ name: "report_ticket_flow", arguments: args }, {
        onprogress: (p: { progress: number; total?: number }) => progress.push(p),
      });
      assert.ok(!result.isError, JSON.stringify(result.content));
      const made = (result.structuredContent as { requests: { made: number } }).requests.made;
      assert.equal(made, 2 * 25);
      assert.equal(made, tenantRequests(tenant).length);
      assert.equal(progress.length, made, "one notification per request");
      assert.deepEqual(progress.at(-1), {
        progress: made,
        total: made,
        message: "counted Tickets",
      });
      assert.ok(progress.every((p, i) => p.total === made && p.progress === i + 1));

      tenant.sandbox.resetStats();
      const abort = new AbortController();
      let seen = 0;
      const call = client.callTool({ name: "report_ticket_flow", arguments: args }, {
        signal: abort.signal,
        onprogress: () => {
          if (++seen === 6) abort.abort("the user stopped it");
        },
      });
      await assert.rejects(call);
      await new Promise((r) => setTimeout(r, 800));
      const settled = tenant.sandbox.log.length;
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(tenant.sandbox.log.length, settled, "no request after the cancellation settled");
      assert.ok(settled < made - 10, `${settled} of ${made} requests sent before it stopped`);
      // The server is fine afterwards.
      assert.equal(table(await callOk(client, "report_ticket_flow", args)).length, 25);
    }, {
      tenant: { latencyMs: 60, now: () => new Date("2026-07-01T18:00:00Z") },
    });
  },
});

Deno.test({
  name:
    "a report that fans out into many counts queues them itself: none times out waiting for a connection",
  async fn() {
    await withReports(WEST, async ({ tenant, session: { client } }) => {
      // 50 counts at 150 ms each, 3 at a time: about 2.5 s in all, each call 150 ms. Queued in
      // the client, the last ones would wait past the 1 s timeout and give up unsent.
      tenant.sandbox.resetStats();
      const out = await callOk(client, "report_ticket_flow", {
        from: "2026-01-05",
        to: "2026-06-28",
      });
      assert.equal(table(out).length, 25);
      assert.equal((out.requests as { made: number }).made, 50);
      assert.ok(tenant.sandbox.maxInFlight("Tickets") <= 3);
    }, {
      tenant: { latencyMs: 150, now: () => new Date("2026-07-01T18:00:00Z") },
      env: { AUTOTASK_TIMEOUT_MS: "1000" },
    });
  },
});

Deno.test({
  name: "a report larger than AUTOTASK_MAX_RESULT_CHARS is cut at whole rows and says so",
  async fn() {
    await withReports(WEST, async ({ session: { client } }) => {
      const result = await client.callTool({
        name: "report_sla",
        arguments: { from: "2026-03-01", to: "2026-06-30", missesLimit: 100 },
      });
      assert.ok(!result.isError);
      const text = (result.content as { text: string }[])[0].text;
      assert.ok(text.length <= 5_000, `${text.length} characters`);
      const out = JSON.parse(text);
      assert.ok(out.missesTotal > 100, `${out.missesTotal} misses`);
      const misses = table(out, "Missed SLA targets");
      assert.ok(misses.length >= 1 && misses.length < 100, `${misses.length} listed`);
      assert.ok(
        (out.notes as string[]).some((n) =>
          /^\d+ rows of "Missed SLA targets" were left out to fit the result size cap \(AUTOTASK_MAX_RESULT_CHARS\)/
            .test(n)
        ),
        JSON.stringify(out.notes),
      );
    }, {
      tenant: { now: () => new Date("2026-07-01T18:00:00Z") },
      env: { AUTOTASK_MAX_RESULT_CHARS: "5000" },
    });
  },
});
