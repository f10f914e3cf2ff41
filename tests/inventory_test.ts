/** Toolsets, exclusions and read-only mode: what is listed, what is refused, what reaches Autotask. */

import assert from "node:assert/strict";
import { DEFAULT_TOOLSETS, InventoryError, selectTools, TOOLSETS } from "../tools/inventory.ts";
import { isWriteTool } from "../lib/mcp/tool.ts";
import { allTools } from "../tools/mod.ts";
import { callError, connectStdio, startTenant, tenantEnv } from "./harness.ts";

const WRITE_VERBS = /^(create|update|delete|add|link|assign|attach|remove|set|close|complete)_/;

Deno.test("every tool belongs to a known toolset and writing verbs are marked as writes", () => {
  for (const tool of allTools()) {
    assert.ok(tool.toolset in TOOLSETS, `${tool.name}: unknown toolset ${tool.toolset}`);
    if (WRITE_VERBS.test(tool.name)) {
      assert.ok(isWriteTool(tool), `${tool.name} writes but is kind read`);
    }
  }
  const names = allTools().map((t) => t.name);
  assert.equal(new Set(names).size, names.length, "tool names are unique");
});

Deno.test("toolset selection, 'all', 'default' and exclusion", () => {
  const all = allTools();
  const byDefault = selectTools(all);
  assert.ok(byDefault.every((t) => DEFAULT_TOOLSETS.includes(t.toolset)));
  assert.ok(byDefault.some((t) => t.name === "create_ticket"));
  assert.deepEqual(selectTools(all, { toolsets: ["all"] }).length, all.length);
  const tickets = selectTools(all, { toolsets: ["tickets"] });
  assert.deepEqual(
    new Set(tickets.map((t) => t.toolset)),
    new Set(["tickets", "core"]),
    "core always on",
  );
  const fewer = selectTools(all, { exclude: ["create_ticket", "update_ticket"] });
  assert.ok(!fewer.some((t) => t.name === "create_ticket" || t.name === "update_ticket"));
  assert.throws(() => selectTools(all, { toolsets: ["ticketz"] }), InventoryError);
  assert.throws(
    () => selectTools(all, { exclude: ["create_tickets"] }),
    /unknown tool "create_tickets"/,
  );
});

Deno.test("read-only mode removes every writer, whatever the toolsets say", () => {
  const readOnly = selectTools(allTools(), { toolsets: ["all"], readOnly: true });
  assert.ok(readOnly.length > 0);
  assert.ok(readOnly.every((t) => !isWriteTool(t)));
  assert.ok(!readOnly.some((t) => WRITE_VERBS.test(t.name)));
});

type Rec = Record<string, unknown>;
/** Finds a real record of the tenant to take arguments from. */
type Pick = (entity: string, where?: (record: Rec) => boolean) => Rec;

/** A user-defined field of a record that holds a text value. */
function firstUdf(record: Rec): { name: string; value: string } | undefined {
  const udfs = (record.userDefinedFields ?? []) as { name: string; value: string | null }[];
  const found = udfs.find((u) => typeof u.value === "string" && !/^\d{4}-/.test(u.value));
  return found ? { name: found.name, value: found.value! } : undefined;
}

/** The date part of an Autotask date-time, e.g. "2026-11-12". */
function day(value: unknown): string {
  return String(value).slice(0, 10);
}

/**
 * Valid arguments for every read tool, taken from the tenant's real records: each entry gives one
 * or more calls, chosen so the call finds something (`$nothing`, not sent, says why a call finds
 * nothing instead; `$error`, not sent, is text the call's error must hold where it cannot succeed
 * in this setup). A read tool missing here fails the test.
 */
const READ_CALLS: Record<string, (pick: Pick) => Rec[]> = {
  ticket_summary: (pick) => {
    const ticket = pick("Tickets");
    return [
      { groupBy: "status" },
      {
        groupBy: "assignedResourceID",
        companyID: ticket.companyID,
        openOnly: true,
        createdAfter: "2020-01-01",
        createdBefore: "2099-01-01",
      },
    ];
  },
  get_ticket: (pick) => {
    const ticket = pick("Tickets", (t) => t.contactID !== null);
    return [
      { id: ticket.id, include: ["notes", "timeEntries", "contact"], detail: "full" },
      { id: ticket.id, fields: ["title", "status"] },
    ];
  },
  search_tickets: (pick) => {
    const ticket = pick("Tickets", (t) => t.queueID !== null && t.assignedResourceID !== null);
    return [
      {
        query: ticket.ticketNumber,
        companyID: ticket.companyID,
        status: ticket.status,
        priority: ticket.priority,
        queueID: ticket.queueID,
        assignedResourceID: ticket.assignedResourceID,
        ticketNumber: ticket.ticketNumber,
        includeTotal: true,
      },
      { openOnly: true, createdAfter: "2020-01-01", createdBefore: "2099-01-01", limit: 2 },
    ];
  },
  get_company: (pick) => [{ id: pick("Companies", (c) => c.id !== 0).id, detail: "full" }],
  search_companies: (pick) => {
    const company = pick("Companies", (c) => c.id !== 0 && c.isActive === true);
    return [{
      query: company.companyName,
      companyType: company.companyType,
      ownerResourceID: company.ownerResourceID,
      isActive: true,
      includeTotal: true,
    }, { limit: 2 }];
  },
  get_contact: (pick) => [{ id: pick("Contacts").id }],
  search_contacts: (pick) => {
    const contact = pick("Contacts", (c) => c.isActive === 1 && c.emailAddress !== null);
    return [{
      query: contact.lastName,
      companyID: contact.companyID,
      emailAddress: contact.emailAddress,
      isActive: true,
    }];
  },
  get_project: (pick) => [{ id: pick("Projects").id }],
  search_projects: (pick) => {
    const project = pick("Projects");
    return [{
      query: project.projectName,
      companyID: project.companyID,
      status: project.status,
      projectType: project.projectType,
      startAfter: "2000-01-01",
      startBefore: "2099-01-01",
    }, { openOnly: true, limit: 1 }];
  },
  get_task: (pick) => [{ id: pick("Tasks").id }],
  search_tasks: (pick) => {
    const task = pick("Tasks", (t) => t.phaseID !== null && t.assignedResourceID !== null);
    return [{
      query: task.title,
      projectID: task.projectID,
      status: task.status,
      assignedResourceID: task.assignedResourceID,
      phaseID: task.phaseID,
    }];
  },
  search_time_entries: (pick) => {
    const entry = pick("TimeEntries", (e) => e.ticketID !== null && e.summaryNotes !== null);
    const onTask = pick("TimeEntries", (e) => e.taskID !== null);
    return [
      {
        query: String(entry.summaryNotes).split(" ")[0],
        resourceID: entry.resourceID,
        ticketID: entry.ticketID,
        dateWorkedFrom: day(entry.dateWorked),
        dateWorkedTo: day(entry.dateWorked),
      },
      { taskID: onTask.taskID, limit: 1 },
    ];
  },
  get_configuration_item: (pick) => [{ id: pick("ConfigurationItems").id }],
  search_configuration_items: (pick) => {
    const item = pick("ConfigurationItems", (c) => c.serialNumber !== null && c.isActive === true);
    return [{
      query: item.serialNumber,
      companyID: item.companyID,
      productID: item.productID,
      configurationItemType: item.configurationItemType,
      isActive: true,
      serialNumber: item.serialNumber,
    }];
  },
  get_contract: (pick) => [{ id: pick("Contracts").id }],
  search_contracts: (pick) => {
    const contract = pick("Contracts");
    return [{
      query: contract.contractName,
      companyID: contract.companyID,
      status: contract.status,
      contractType: contract.contractType,
      activeOn: day(contract.startDate),
    }];
  },
  get_opportunity: (pick) => [{ id: pick("Opportunities").id }],
  search_opportunities: (pick) => {
    const opportunity = pick("Opportunities");
    return [{
      query: opportunity.title,
      companyID: opportunity.companyID,
      status: opportunity.status,
      stage: opportunity.stage,
      ownerResourceID: opportunity.ownerResourceID,
      projectedCloseAfter: "2000-01-01",
      projectedCloseBefore: "2099-01-01",
    }, { openOnly: true, limit: 1 }];
  },
  get_resource: (pick) => [{ id: pick("Resources").id }],
  search_resources: (pick) => {
    const resource = pick("Resources", (r) => r.isActive === true);
    return [{
      query: resource.lastName,
      isActive: true,
      email: resource.email,
      licenseType: resource.licenseType,
    }];
  },
  list_field_values: (pick) => {
    const ticket = pick("Tickets", (t) => t.issueType !== null && t.subIssueType !== null);
    return [
      { entity: "Tickets", field: "status" },
      { entity: "tickets", field: "subIssueType", parentValue: ticket.issueType },
      { entity: "Companies", field: "companyType", includeInactive: true },
    ];
  },
  describe_entity: () => [{ entity: "Tickets" }, { entity: "ticketnotes" }],
  query_entities: (pick) => {
    const ticket = pick("Tickets");
    const company = pick("Companies", (c) => firstUdf(c) !== undefined);
    const udf = firstUdf(company)!;
    return [{
      entity: "Tickets",
      filter: [
        { op: "eq", field: "companyID", value: ticket.companyID },
        { op: "or", items: [{ op: "exist", field: "title" }, { op: "lt", field: "id", value: 0 }] },
      ],
      fields: ["title", "status"],
      includeTotal: true,
      limit: 1,
    }, {
      // A user-defined field condition, on a value a company really has.
      entity: "Companies",
      filter: [{ op: "eq", field: udf.name, value: udf.value, udf: true }],
    }];
  },
  count_entities: (pick) => [{
    entity: "TimeEntries",
    filter: [{ op: "eq", field: "resourceID", value: pick("TimeEntries").resourceID }],
  }],
  get_entity: (pick) => [{ entity: "Contracts", id: pick("Contracts").id }],
  list_ticket_notes: (pick) => [{ ticketID: pick("TicketNotes").ticketID, limit: 1 }],
  get_ticket_note: (pick) => [{ id: pick("TicketNotes").id }],
  search_company_notes: (pick) => {
    const note = pick("CompanyNotes", (n) => n.contactID !== null);
    return [{
      query: String(note.name ?? note.note ?? "").split(" ")[0] || undefined,
      companyID: note.companyID,
      contactID: note.contactID,
      actionType: note.actionType,
    }];
  },
  search_project_notes: (pick) => {
    const note = pick("ProjectNotes");
    return [{
      query: String(note.title).split(" ")[0],
      projectID: note.projectID,
      noteType: note.noteType,
    }];
  },
  list_ticket_attachments: (pick) => [{ ticketID: pick("TicketAttachments").parentID }],
  get_ticket_attachment: (pick) => [{ id: pick("TicketAttachments").id }],
  download_ticket_attachment: (pick) => [
    { id: pick("TicketAttachments", (a) => a.contentType === "text/plain").id },
    { id: pick("TicketAttachments", (a) => a.contentType === "image/png").id },
  ],
  search_phases: (pick) => {
    const phase = pick("Phases");
    return [
      { query: phase.title, projectID: phase.projectID },
      { projectID: phase.projectID, limit: 1 },
    ];
  },
  list_resource_roles: (pick) => [{ resourceID: pick("ResourceRoles").resourceID }, {
    includeInactive: true,
  }],
  list_queues: () => [{}, { includeInactive: true }],
  search_service_calls: (pick) => {
    const call = pick("ServiceCalls");
    const link = pick("ServiceCallTickets");
    const sent = pick("ServiceCallTicketResources");
    const task = pick("Tasks");
    return [
      {
        companyID: call.companyID,
        status: call.status,
        startAfter: "2000-01-01",
        startBefore: "2099-01-01",
        isComplete: call.isComplete === 1,
      },
      { ticketID: link.ticketID },
      { taskID: task.id, $nothing: "the tenant sends no one to a task on a service call" },
      { resourceID: sent.resourceID },
      { resourceID: sent.resourceID, startAfter: "2000-01-01", startBefore: "2099-01-01" },
    ];
  },
  get_service_call: (pick) => [{ id: pick("ServiceCalls").id }],
  list_webhooks: () => [{}, { entity: "Tickets" }],
  list_webhook_errors: () => [
    { $nothing: "the tenant starts with no failed deliveries" },
    { entity: "Companies", since: "2020-01-01", limit: 5, $nothing: "no failed deliveries" },
  ],
  // Over stdio no callout can arrive: the tool says so (tests/webhooks_*_test.ts call it over HTTP).
  recent_changes:
    () => [{ $error: "no events over stdio" }, { entity: "Tickets", $error: "stdio" }],
  search_quotes: (pick) => {
    const quote = pick("Quotes", (q) => q.opportunityID !== null && q.isActive === true);
    return [{
      query: quote.name,
      companyID: quote.companyID,
      opportunityID: quote.opportunityID,
      isActive: true,
      createdAfter: "2000-01-01",
      expiresBefore: "2099-01-01",
    }];
  },
  get_quote: (pick) => [{ id: pick("Quotes").id }],
  search_invoices: (pick) => {
    const invoice = pick("Invoices", (i) => i.isVoided === false);
    return [
      {
        query: invoice.invoiceNumber,
        companyID: invoice.companyID,
        invoicedAfter: "2000-01-01",
        invoicedBefore: "2099-01-01",
        isVoided: false,
      },
      { unpaidOnly: true, limit: 1 },
    ];
  },
  get_invoice: (pick) => [{ id: pick("Invoices").id }],
  list_ticket_charges: (pick) => [{ ticketID: pick("TicketCharges").ticketID }],
  search_products: (pick) => {
    const product = pick("Products", (p) => p.isActive === true);
    return [{
      query: product.sku,
      productCategory: product.productCategory,
      isActive: true,
    }];
  },
  get_product: (pick) => [{ id: pick("Products").id }],
  search_services: (pick) => {
    const service = pick("Services", (s) => s.isActive === true);
    return [{ query: service.name, periodType: service.periodType, isActive: true }];
  },
  get_service: (pick) => [{ id: pick("Services").id }],
  search_ticket_secondary_resources: (pick) => {
    const row = pick("TicketSecondaryResources");
    return [{ ticketID: row.ticketID, resourceID: row.resourceID, roleID: row.roleID }];
  },
  search_contract_services: (pick) => {
    const line = pick("ContractServices", (c) => c.invoiceDescription !== null);
    return [{
      query: line.invoiceDescription,
      contractID: line.contractID,
      serviceID: line.serviceID,
    }];
  },
  // The reports (tests/reports_*_test.ts check their numbers): every grouping, on real ids.
  report_time: (pick) => [
    ...["resource", "company", "project", "ticket", "contract", "role", "workType", "week"].map(
      (groupBy) => ({ groupBy, from: "yesterday", to: "today" }),
    ),
    { groupBy: "day", resourceID: pick("TimeEntries").resourceID },
    { contractID: pick("TimeEntries", (e) => e.contractID !== null).contractID },
  ],
  report_utilization: (pick) => [{}, { resourceID: pick("TimeEntries").resourceID }],
  report_ticket_aging: (pick) => [
    { by: "priority" },
    { by: "queue" },
    { by: "assignee", companyID: pick("Tickets", (t) => t.status !== 5).companyID },
  ],
  report_ticket_flow: (pick) => [{}, { companyID: pick("Tickets").companyID, from: "yesterday" }],
  report_sla: (
    pick,
  ) => [{}, { companyID: pick("Tickets", (t) => t.completedDate !== null).companyID }],
  report_contracts: (pick) => [{}, {
    companyID: pick("Contracts", (c) => c.contractType === 4 && c.status === 1).companyID,
    endingWithinDays: 365,
  }],
};

/** The tenant's requests that change data: anything but a GET or a (paged, counted) query. */
function writesIn(log: { method: string; path: string }[]): string[] {
  return log.filter((e) =>
    e.method !== "GET" &&
    !(e.method === "POST" && /\/query(\/count|\/next)?$/i.test(e.path.split("?")[0]))
  ).map((e) => `${e.method} ${e.path}`);
}

Deno.test({
  name: "every read tool succeeds on real records and sends no write to Autotask",
  async fn() {
    const readTools = allTools().filter((t) => !isWriteTool(t)).map((t) => t.name).sort();
    assert.deepEqual(
      Object.keys(READ_CALLS).sort(),
      readTools,
      "READ_CALLS must give valid arguments for exactly the read tools",
    );
    const tenant = await startTenant();
    const session = await connectStdio({
      env: { ...tenantEnv(tenant), AUTOTASK_TOOLSETS: "all" },
    });
    try {
      const listed = (await session.client.listTools()).tools.map((t) => t.name);
      assert.deepEqual(readTools.filter((name) => !listed.includes(name)), [], "not listed");
      const pick: Pick = (entity, where = () => true) => {
        const found = tenant.sandbox.records(entity).find(where);
        assert.ok(found, `the tenant has a ${entity} record for the arguments`);
        return found;
      };
      const failures: string[] = [];
      let calls = 0;
      for (const name of readTools) {
        for (const { $nothing, $error, ...args } of READ_CALLS[name](pick)) {
          tenant.sandbox.resetStats();
          const label = `${name} ${JSON.stringify(args)}`;
          let result = await session.client.callTool({ name, arguments: args });
          calls++;
          const pages = [result];
          // Follow one cursor, so paging (a re-POSTed query) is checked too.
          const cursor = (result.structuredContent as Rec | undefined)?.cursor;
          if (!result.isError && typeof cursor === "string") {
            // query_entities needs its entity again; every other search takes the cursor alone.
            const next = args.entity === undefined ? { cursor } : { entity: args.entity, cursor };
            result = await session.client.callTool({ name, arguments: next });
            calls++;
            pages.push(result);
          }
          for (const page of pages) {
            if ($error !== undefined) {
              const text = (page.content as { text?: string }[]).map((c) => c.text).join(" ");
              if (!page.isError || !text.includes(String($error))) {
                failures.push(`${label}: expected an error about "${$error}", got ${text}`);
              }
            } else if (page.isError) {
              const text = (page.content as { text?: string }[]).map((c) => c.text).join(" ");
              failures.push(`${label}: ${text}`);
            } else {
              const items = (page.structuredContent as Rec).items;
              if (Array.isArray(items) && items.length === 0 && $nothing === undefined) {
                failures.push(`${label}: found nothing, so its filters were not exercised`);
              }
            }
          }
          const writes = writesIn(tenant.sandbox.log);
          if (writes.length > 0) failures.push(`${label} wrote: ${writes.join(", ")}`);
        }
      }
      assert.deepEqual(failures, []);
      console.log(`${readTools.length} read tools, ${calls} calls: all succeeded, none wrote`);
    } finally {
      await session.close();
      await tenant.close();
    }
  },
});

Deno.test({
  name:
    "read-only server: no write tool listed, a named one is refused, the tenant receives no write",
  async fn() {
    const tenant = await startTenant();
    const session = await connectStdio({
      env: { ...tenantEnv(tenant), AUTOTASK_READ_ONLY: "true", AUTOTASK_TOOLSETS: "all" },
      args: ["--toolsets=all"],
    });
    try {
      const { tools } = await session.client.listTools();
      const writers = allTools().filter(isWriteTool).map((t) => t.name);
      assert.ok(tools.length > 10);
      assert.deepEqual(tools.filter((t) => writers.includes(t.name)).map((t) => t.name), []);
      assert.ok(tools.every((t) => t.annotations?.readOnlyHint === true));
      tenant.sandbox.resetStats();
      for (const name of ["create_ticket", "add_ticket_note", "update_ticket"]) {
        const args = { companyID: 1, title: "x", id: 1, ticketID: 1, description: "x" };
        const text = await session.client.callTool({ name, arguments: args }).then(
          (r) => r.isError ? JSON.stringify(r.content) : "",
          (e: Error) => e.message,
        );
        assert.match(text, /not found|read-only|disabled/i, name);
      }
      assert.equal(
        tenant.sandbox.log.filter((e) => e.method !== "GET" && !/query/i.test(e.path)).length,
        0,
      );
      assert.match(session.stderr(), /READ-ONLY MODE/);
      assert.match(await callError(session.client, "get_ticket", { id: -1 }), /id/);
    } finally {
      await session.close();
      await tenant.close();
    }
  },
});

Deno.test({
  name: "toolsets and exclusions change tools/list of a running server",
  async fn() {
    const tenant = await startTenant();
    try {
      const listed = async (env: Record<string, string>, args: string[] = []) => {
        const session = await connectStdio({ env: { ...tenantEnv(tenant), ...env }, args });
        try {
          return (await session.client.listTools()).tools.map((t) => t.name);
        } finally {
          await session.close();
        }
      };
      const tickets = await listed({ AUTOTASK_TOOLSETS: "tickets" });
      assert.ok(tickets.includes("search_tickets") && !tickets.includes("search_companies"));
      assert.ok(tickets.includes("list_field_values"), "core is always on");
      const excluded = await listed({ AUTOTASK_EXCLUDE_TOOLS: "create_ticket" }, [
        "--exclude-tools=update_ticket",
      ]);
      assert.ok(!excluded.includes("create_ticket") && !excluded.includes("update_ticket"));
      assert.ok(excluded.includes("search_tickets"));
      const flagged = await listed({}, ["--toolsets=crm,query"]);
      assert.ok(flagged.includes("search_companies") && flagged.includes("query_entities"));
      assert.ok(!flagged.includes("search_tickets"));
    } finally {
      await tenant.close();
    }
  },
});
