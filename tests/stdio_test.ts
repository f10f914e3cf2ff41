/** End to end: the official MCP client drives the server over stdio, started with the users' flags. */

import assert from "node:assert/strict";
import { SANDBOX_CREDENTIALS } from "../lib/sandbox/mod.ts";
import {
  callError,
  callOk,
  connectStdio,
  productionFlags,
  runToExit,
  startTenant,
  tenantEnv,
} from "./harness.ts";

const SEED_TOOLS = [
  "get_ticket",
  "create_ticket",
  "update_ticket",
  "search_tickets",
  "add_ticket_note",
  "get_company",
  "create_company",
  "search_companies",
  "get_contact",
  "create_contact",
  "search_contacts",
  "get_project",
  "create_project",
  "search_projects",
  "get_task",
  "create_task",
  "search_tasks",
  "create_time_entry",
  "search_time_entries",
  "get_configuration_item",
  "create_configuration_item",
  "search_configuration_items",
  "get_contract",
  "search_contracts",
  "get_opportunity",
  "create_opportunity",
  "search_opportunities",
  "get_resource",
  "search_resources",
];

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

type Rec = Record<string, unknown>;

Deno.test({
  name: "stdio end to end: the seed's 29 tools against the simulated tenant over loopback",
  async fn(t) {
    const tenant = await startTenant();
    const session = await connectStdio({ env: tenantEnv(tenant) });
    const { client } = session;
    const sandbox = tenant.sandbox;
    try {
      await t.step(
        "tools/list holds the seed's tools with titles, annotations and output schemas",
        async () => {
          const { tools } = await client.listTools();
          const names = tools.map((tool) => tool.name);
          for (const name of SEED_TOOLS) assert.ok(names.includes(name), `missing ${name}`);
          for (const tool of tools) {
            assert.match(tool.name, /^[a-z0-9_]{1,64}$/);
            assert.ok(tool.title && tool.description, `${tool.name} has title and description`);
            assert.ok(tool.outputSchema, `${tool.name} has an output schema`);
            const a = tool.annotations!;
            assert.equal(typeof a.readOnlyHint, "boolean", `${tool.name} readOnlyHint`);
            assert.equal(typeof a.destructiveHint, "boolean", `${tool.name} destructiveHint`);
            assert.equal(typeof a.idempotentHint, "boolean", `${tool.name} idempotentHint`);
            assert.equal(typeof a.openWorldHint, "boolean", `${tool.name} openWorldHint`);
            if (/^(get|search)_/.test(tool.name)) {
              assert.equal(a.readOnlyHint, true, tool.name);
              assert.equal(a.destructiveHint, false, tool.name);
            }
            if (tool.name.startsWith("create_") || tool.name === "add_ticket_note") {
              assert.equal(a.idempotentHint, false, tool.name);
              assert.equal(a.readOnlyHint, false, tool.name);
            }
            if (tool.name.startsWith("update_")) assert.equal(a.idempotentHint, true, tool.name);
          }
          assert.match(client.getInstructions() ?? "", /internal/i);
        },
      );

      await t.step("results carry structuredContent and the same JSON as text", async () => {
        const company = sandbox.records("Companies")[1];
        const result = await client.callTool({
          name: "get_company",
          arguments: { id: company.id },
        });
        const text = (result.content as { type: string; text: string }[])[0].text;
        assert.deepEqual(JSON.parse(text), result.structuredContent);
        assert.equal(
          (result.structuredContent as { item: Rec }).item.companyName,
          company.companyName,
        );
      });

      await t.step('seed example: companies with "Tech" in the name', async () => {
        const out = await callOk(client, "search_companies", { query: "Tech" });
        const items = out.items as Rec[];
        const expected = sandbox.records("Companies").filter((c) =>
          /tech/i.test(String(c.companyName))
        );
        assert.ok(expected.length >= 2);
        assert.deepEqual(items.map((c) => c.id).sort(), expected.map((c) => c.id).sort());
      });

      let ticketId = 0;
      await t.step(
        "seed example: a ticket for a company with a title and description",
        async () => {
          const company = sandbox.records("Companies").find((c) =>
            /tech/i.test(String(c.companyName))
          )!;
          const out = await callOk(client, "create_ticket", {
            companyID: company.id,
            title: "Email not syncing on CEO's phone",
            description: "Outlook on iOS stopped syncing this morning.",
          });
          ticketId = out.id as number;
          const stored = sandbox.record("Tickets", ticketId)!;
          assert.equal(stored.companyID, company.id);
          assert.equal(stored.title, "Email not syncing on CEO's phone");
          assert.equal(stored.status, 1, "status New");
          const priorities = await tenantPicklist("Tickets", "priority");
          assert.equal(
            String(stored.priority),
            priorities.find((p) => p.isDefaultValue)!.value,
            "tenant default priority",
          );
          assert.ok(stored.dueDateTime, "a due date");
          assert.match(String((out.item as Rec).ticketNumber), /^T\d/);
        },
      );

      await t.step(
        "get_ticket, update_ticket by status label, search_tickets by label",
        async () => {
          const got = await callOk(client, "get_ticket", { id: ticketId });
          assert.equal((got.item as Rec).id, ticketId);
          const statuses = await tenantPicklist("Tickets", "status");
          const custom = statuses.find((s) => !["1", "5"].includes(s.value))!;
          const updated = await callOk(client, "update_ticket", {
            id: ticketId,
            changes: { status: custom.label.toUpperCase(), TITLE: "Email not syncing (iOS)" },
          });
          assert.equal(String(sandbox.record("Tickets", ticketId)!.status), custom.value);
          assert.equal(sandbox.record("Tickets", ticketId)!.title, "Email not syncing (iOS)");
          assert.equal((updated.item as Rec).statusLabel, custom.label);
          const patch = sandbox.log.findLast((e) => e.method === "PATCH")!;
          assert.deepEqual(Object.keys(patch.body as Rec).sort(), ["id", "status", "title"]);
          assert.match(
            await callError(client, "update_ticket", { id: ticketId, changes: { titel: "x" } }),
            /no field "titel" \(did you mean title/,
          );
          assert.match(
            await callError(client, "update_ticket", {
              id: ticketId,
              changes: { createDate: "2026-01-01" },
            }),
            /createDate is read-only/,
          );
          assert.match(
            await callError(client, "update_ticket", {
              id: ticketId,
              changes: { priority: "Urgent-ish" },
            }),
            /Valid values in this tenant/,
          );
          const found = await callOk(client, "search_tickets", {
            status: custom.label,
            limit: 500,
          });
          assert.ok((found.items as Rec[]).some((i) => i.id === ticketId));
          assert.ok((found.items as Rec[]).every((i) => String(i.status) === custom.value));
        },
      );

      await t.step(
        "create_ticket takes other fields in extra, by label, dependent lists included",
        async () => {
          const types = await tenantPicklist("Tickets", "ticketType");
          const issues = await tenantPicklist("Tickets", "issueType");
          const subs = (await tenantPicklistRaw("Tickets", "subIssueType"))
            .filter((v) => v.isActive && v.parentValue === issues[0].value);
          const company = sandbox.records("Companies")[2];
          const out = await callOk(client, "create_ticket", {
            companyID: company.id,
            title: "VPN drops every hour",
            extra: {
              ticketType: types[1].label,
              issueType: issues[0].label,
              subIssueType: subs[0].label,
              estimatedHours: 1.5,
            },
          });
          const stored = sandbox.record("Tickets", out.id as number)!;
          assert.equal(String(stored.ticketType), types[1].value);
          assert.equal(String(stored.subIssueType), subs[0].value);
          assert.equal(stored.estimatedHours, 1.5);
          assert.match(
            await callError(client, "create_ticket", {
              companyID: company.id,
              title: "x",
              extra: { title: "y" },
            }),
            /Give title once/,
          );
        },
      );

      await t.step("add_ticket_note is internal unless asked", async () => {
        const out = await callOk(client, "add_ticket_note", {
          ticketID: ticketId,
          description: "Reset the mail profile.",
        });
        const note = sandbox.record("TicketNotes", out.id as number)!;
        assert.equal(note.ticketID, ticketId);
        assert.equal(note.publish, 2);
        const published = await callOk(client, "add_ticket_note", {
          ticketID: ticketId,
          description: "We are on it.",
          publish: "All Autotask Users",
        });
        assert.equal(sandbox.record("TicketNotes", published.id as number)!.publish, 1);
      });

      await t.step(
        "seed example: 2.5 hours on a ticket for a resource with a summary",
        async () => {
          const resource = sandbox.records("Resources").find((r) =>
            r.isActive !== false && r.licenseType !== 7
          )!;
          const out = await callOk(client, "create_time_entry", {
            resourceID: resource.id,
            ticketID: ticketId,
            hoursWorked: 2.5,
            summaryNotes: "Rebuilt the mail profile and tested sync.",
          });
          const entry = sandbox.record("TimeEntries", out.id as number)!;
          assert.equal(entry.ticketID, ticketId);
          assert.equal(entry.hoursWorked, 2.5);
          assert.equal(entry.resourceID, resource.id);
          assert.ok(typeof entry.roleID === "number", "a role was chosen");
          const span = Date.parse(String(entry.endDateTime)) -
            Date.parse(String(entry.startDateTime));
          assert.equal(span, 2.5 * 3600_000);
          const listed = await callOk(client, "search_time_entries", { ticketID: ticketId });
          assert.ok((listed.items as Rec[]).some((i) => i.id === out.id));
        },
      );

      await t.step("seed example: a project starting tomorrow, then tasks", async () => {
        const company = sandbox.records("Companies")[3];
        const out = await callOk(client, "create_project", {
          projectName: "Office 365 migration",
          companyID: company.id,
          startDateTime: `${isoDay(1)}T09:00:00Z`,
          endDateTime: `${isoDay(30)}T17:00:00Z`,
        });
        const project = sandbox.record("Projects", out.id as number)!;
        assert.equal(project.projectName, "Office 365 migration");
        assert.equal(String(project.startDateTime).slice(0, 10), isoDay(1));
        const got = await callOk(client, "get_project", { id: out.id });
        assert.equal((got.item as Rec).id, out.id);
        const search = await callOk(client, "search_projects", { companyID: company.id });
        assert.ok((search.items as Rec[]).some((p) => p.id === out.id));
        const task = await callOk(client, "create_task", {
          projectID: out.id,
          title: "Inventory mailboxes",
        });
        assert.equal(sandbox.record("Tasks", task.id as number)!.projectID, out.id);
        const gotTask = await callOk(client, "get_task", { id: task.id });
        assert.equal((gotTask.item as Rec).title, "Inventory mailboxes");
        const tasks = await callOk(client, "search_tasks", { projectID: out.id });
        assert.equal((tasks.items as Rec[]).length, 1);
      });

      await t.step("seed example: open opportunities of a company", async () => {
        const opp = sandbox.records("Opportunities")[0];
        const out = await callOk(client, "search_opportunities", {
          companyID: opp.companyID,
          openOnly: true,
          limit: 500,
        });
        const items = out.items as Rec[];
        const all = sandbox.records("Opportunities").filter((o) => o.companyID === opp.companyID);
        assert.ok(items.length <= all.length);
        assert.ok(items.every((i) => all.some((o) => o.id === i.id)));
        const got = await callOk(client, "get_opportunity", { id: opp.id });
        assert.equal((got.item as Rec).title, opp.title);
      });

      await t.step("companies, contacts, CIs, contracts, opportunities and resources", async () => {
        const owner = sandbox.records("Resources").find((r) => r.isActive !== false)!;
        const companyTypes = await tenantPicklist("Companies", "companyType");
        const company = await callOk(client, "create_company", {
          companyName: "Contoso Dental",
          companyType: companyTypes[0].label,
          phone: "+1 555 0100",
          ownerResourceID: owner.id,
        });
        assert.equal(
          sandbox.record("Companies", company.id as number)!.companyName,
          "Contoso Dental",
        );

        const contact = await callOk(client, "create_contact", {
          companyID: company.id,
          firstName: "Grace",
          lastName: "Hopper",
          emailAddress: "grace@contoso.example",
        });
        const storedContact = sandbox.record("Contacts", contact.id as number)!;
        assert.equal(storedContact.companyID, company.id);
        assert.equal(storedContact.isActive, 1);
        const gotContact = await callOk(client, "get_contact", { id: contact.id });
        assert.equal((gotContact.item as Rec).lastName, "Hopper");
        const contacts = await callOk(client, "search_contacts", { companyID: company.id });
        assert.deepEqual((contacts.items as Rec[]).map((c) => c.id), [contact.id]);

        const ci = sandbox.records("ConfigurationItems")[0];
        const gotCi = await callOk(client, "get_configuration_item", { id: ci.id });
        assert.equal((gotCi.item as Rec).id, ci.id);
        const newCi = await callOk(client, "create_configuration_item", {
          companyID: company.id,
          productID: ci.productID,
          referenceTitle: "Front desk PC",
          serialNumber: "SN-CONTOSO-001",
        });
        assert.equal(
          sandbox.record("ConfigurationItems", newCi.id as number)!.serialNumber,
          "SN-CONTOSO-001",
        );
        const cis = await callOk(client, "search_configuration_items", { companyID: company.id });
        assert.deepEqual((cis.items as Rec[]).map((c) => c.id), [newCi.id]);

        const contract = sandbox.records("Contracts")[0];
        const gotContract = await callOk(client, "get_contract", { id: contract.id });
        assert.equal((gotContract.item as Rec).contractName, contract.contractName);
        const contracts = await callOk(client, "search_contracts", {
          companyID: contract.companyID,
        });
        assert.ok((contracts.items as Rec[]).some((c) => c.id === contract.id));

        const stages = await tenantPicklist("Opportunities", "stage");
        const opp = await callOk(client, "create_opportunity", {
          companyID: company.id,
          title: "Managed services bundle",
          amount: 24000,
          cost: 15000,
          probability: 40,
          projectedCloseDate: `${isoDay(45)}T00:00:00Z`,
          ownerResourceID: owner.id,
          stage: stages[0].label,
        });
        assert.equal(
          sandbox.record("Opportunities", opp.id as number)!.title,
          "Managed services bundle",
        );

        const gotResource = await callOk(client, "get_resource", { id: owner.id });
        assert.equal((gotResource.item as Rec).id, owner.id);
        const resources = await callOk(client, "search_resources", {
          query: String(owner.lastName),
        });
        assert.ok((resources.items as Rec[]).some((r) => r.id === owner.id));
      });

      await t.step("bad input is an isError result saying what to change", async () => {
        assert.match(await callError(client, "get_ticket", { id: "abc" }), /id/);
        assert.match(await callError(client, "get_ticket", { id: -4 }), /id/);
        assert.match(await callError(client, "get_ticket", { id: 987654321 }), /not found/i);
        const unknownLabel = await callError(client, "search_tickets", {
          status: "Definitely Not A Status",
        });
        const statuses = await tenantPicklist("Tickets", "status");
        assert.match(unknownLabel, /Valid values in this tenant/);
        assert.ok(unknownLabel.includes(statuses[0].label));
        assert.match(
          await callError(client, "create_ticket", { companyID: 1, title: "x".repeat(300) }),
          /title/,
        );
        const rejected = await callError(client, "create_time_entry", {
          resourceID: sandbox.records("Resources")[1].id,
          ticketID: ticketId,
          hoursWorked: 30,
          summaryNotes: "Too long",
        });
        assert.match(rejected, /hoursWorked/);
        // The server is still answering.
        await callOk(client, "get_ticket", { id: ticketId });
      });

      await t.step("no secret in any result or log", () => {
        const stderr = session.stderr();
        for (const secret of [SANDBOX_CREDENTIALS.secret, SANDBOX_CREDENTIALS.integrationCode]) {
          assert.ok(!stderr.includes(secret));
        }
      });
    } finally {
      await session.close();
      await tenant.close();
    }

    async function tenantPicklist(entity: string, field: string) {
      return (await tenantPicklistRaw(entity, field)).filter((v) => v.isActive);
    }

    async function tenantPicklistRaw(entity: string, field: string) {
      const response = await fetch(`${tenant.restBase}V1.0/${entity}/entityInformation/fields`, {
        headers: {
          ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
          UserName: SANDBOX_CREDENTIALS.username,
          Secret: SANDBOX_CREDENTIALS.secret,
        },
      });
      const { fields } = await response.json();
      const info = fields.find((f: { name: string }) => f.name === field);
      return info.picklistValues as {
        value: string;
        label: string;
        isDefaultValue: boolean;
        isActive: boolean;
        parentValue: string;
      }[];
    }
  },
});

Deno.test({
  name: "both protocol eras list and call tools",
  async fn() {
    const tenant = await startTenant();
    try {
      for (const era of ["legacy", "modern"] as const) {
        const session = await connectStdio({ env: tenantEnv(tenant), era });
        try {
          const version = session.client.getNegotiatedProtocolVersion();
          assert.equal(version, era === "modern" ? "2026-07-28" : "2025-11-25", era);
          const { tools } = await session.client.listTools();
          assert.ok(tools.length >= 29);
          const out = await callOk(session.client, "search_companies", { limit: 2 });
          assert.equal((out.items as unknown[]).length, 2);
        } finally {
          await session.close();
        }
      }
    } finally {
      await tenant.close();
    }
  },
});

Deno.test({
  name:
    "with the exact production flags a loopback API URL fails fast and the tenant receives nothing",
  async fn() {
    const tenant = await startTenant();
    const session = await connectStdio({ env: tenantEnv(tenant), flags: await productionFlags() });
    try {
      const started = performance.now();
      const text = await callError(session.client, "search_companies", { query: "Tech" });
      assert.ok(performance.now() - started < 5000, "fails fast");
      assert.match(text, /not permitted.*autotask\.net/);
      assert.equal(tenant.sandbox.log.length, 0);
    } finally {
      await session.close();
      await tenant.close();
    }
  },
});

Deno.test("missing credentials: a message naming the variables on stderr and exit code 2", async () => {
  const { code, stderr, stdout } = await runToExit(await productionFlags(), {});
  assert.equal(code, 2);
  assert.match(stderr, /AUTOTASK_API_USERNAME/);
  assert.match(stderr, /AUTOTASK_API_SECRET/);
  assert.match(stderr, /AUTOTASK_API_INTEGRATION_CODE/);
  assert.match(stderr, /--sandbox/);
  assert.equal(stdout, "", "stdout belongs to the protocol");
});

Deno.test({
  name: "sandbox mode needs no network and no credentials, and says so",
  async fn() {
    const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
    const sandboxTask: string = config.tasks.sandbox;
    assert.doesNotMatch(sandboxTask, /--allow-net/);
    const flags = sandboxTask.split(/\s+/).filter((p) =>
      p.startsWith("--allow-") || p.startsWith("--v8-flags=") || p === "--no-prompt"
    );
    const session = await connectStdio({ flags, args: ["--sandbox"], env: {} });
    try {
      assert.match(session.client.getInstructions() ?? "", /SANDBOX MODE/);
      const out = await callOk(session.client, "search_tickets", { limit: 3 });
      assert.equal((out.items as unknown[]).length, 3);
      assert.match(session.stderr(), /SANDBOX MODE/);
    } finally {
      await session.close();
    }
  },
});
