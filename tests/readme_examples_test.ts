/**
 * The README's five example requests (the original Python server's) run as written against the
 * sandbox: each request is in the README word for word, and the tool call an assistant makes for
 * it succeeds on the records it names (company 12345, resource 678, ticket 9999).
 */

import assert from "node:assert/strict";
import { localDay } from "../lib/dates.ts";
import { callOk, connectStdio } from "./harness.ts";

type Rec = Record<string, unknown>;

const README = await Deno.readTextFile(new URL("../README.md", import.meta.url));

/** The README's text with line breaks inside the requests read as spaces. */
function mentions(request: string): boolean {
  return README.replace(/\s+/g, " ").includes(request);
}

Deno.test({
  name: "the README's five example requests run as written in the sandbox",
  async fn(t) {
    // The sandbox as users start it (no tenant of the test's own), in a fixed zone.
    const session = await connectStdio({
      args: ["--sandbox"],
      env: { AUTOTASK_TIME_ZONE: "America/Los_Angeles", AUTOTASK_TOOLSETS: "all" },
    });
    const { client } = session;
    const zone = { timeZone: "America/Los_Angeles", now: Date.now() };
    try {
      await t.step("Create a ticket", async () => {
        assert.ok(mentions(
          'Create a new ticket for company ID 12345 with title "Network Issues" and description ' +
            '"Customer reporting intermittent connectivity problems"',
        ));
        const out = await callOk(client, "create_ticket", {
          companyID: 12345,
          title: "Network Issues",
          description: "Customer reporting intermittent connectivity problems",
        });
        const item = out.item as Rec;
        assert.equal(item.companyName, "Adatum Corporation");
        assert.equal(item.title, "Network Issues");
      });

      await t.step("Search for companies", async () => {
        assert.ok(mentions('Find all companies with "Tech" in their name'));
        const out = await callOk(client, "search_companies", { query: "Tech" });
        const names = (out.items as Rec[]).map((c) => String(c.companyName));
        assert.ok(names.length >= 2, names.join());
        for (const name of names) assert.match(name, /tech/i);
      });

      await t.step("Log time", async () => {
        assert.ok(mentions(
          "Create a time entry for resource ID 678, 2.5 hours on ticket 9999, worked today with " +
            'summary "Investigated and resolved network issue"',
        ));
        const out = await callOk(client, "create_time_entry", {
          resourceID: 678,
          hoursWorked: 2.5,
          ticketID: 9999,
          dateWorked: "today",
          summaryNotes: "Investigated and resolved network issue",
        });
        const item = out.item as Rec;
        assert.equal(item.dateWorked, localDay("today", zone));
        assert.equal(item.hoursWorked, 2.5);
        assert.equal(item.resourceName, "Sam Carter");
      });

      await t.step("Create a project", async () => {
        assert.ok(mentions(
          'Create a new project called "Office 365 Migration" for company ID 12345 with a start ' +
            "date of tomorrow",
        ));
        const out = await callOk(client, "create_project", {
          projectName: "Office 365 Migration",
          companyID: 12345,
          startDateTime: "tomorrow",
        });
        const item = out.item as Rec;
        assert.equal(item.projectName, "Office 365 Migration");
        assert.equal(String(item.startDateTime).slice(0, 10), localDay("tomorrow", zone));
        assert.match(String(out.note), /endDateTime defaulted to/);
      });

      await t.step("Search opportunities", async () => {
        assert.ok(mentions("Show me all open opportunities for company ID 12345"));
        const out = await callOk(client, "search_opportunities", {
          companyID: 12345,
          openOnly: true,
        });
        const titles = (out.items as Rec[]).map((o) => o.title).sort();
        assert.deepEqual(titles, ["Adatum Microsoft 365 E5 upgrade", "Adatum firewall refresh"]);
      });
    } finally {
      await session.close();
    }
  },
});
