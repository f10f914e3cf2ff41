/** The seed's 29 tools, each with valid arguments built from the simulated tenant's own records. */

import type { AutotaskClient } from "../lib/autotask/client.ts";
import type { Sandbox } from "../lib/sandbox/mod.ts";

/** One seed tool and the arguments of its `n`-th call (writes get fresh names per call). */
export interface SeedCall {
  name: string;
  args(n: number): Record<string, unknown>;
}

type Rec = Record<string, unknown>;

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

async function activeLabels(
  client: AutotaskClient,
  entity: string,
  field: string,
): Promise<string[]> {
  const info = (await client.fields(entity)).find((f) => f.name === field);
  return (info?.picklistValues ?? []).filter((v) => v.isActive !== false).map((v) => v.label);
}

function first(records: Rec[], what: string, test: (r: Rec) => boolean = () => true): Rec {
  const found = records.find(test);
  if (!found) throw new Error(`The sandbox has no ${what}: the seed data changed, adapt bench/`);
  return found;
}

/**
 * The calls an agent would make, with the arguments of tests/stdio_test.ts
 * (labels where the e2e test passes labels, so picklist lookups are counted).
 */
export async function seedCalls(sandbox: Sandbox, client: AutotaskClient): Promise<SeedCall[]> {
  const ticket = sandbox.records("Tickets")[0];
  const companies = sandbox.records("Companies");
  const tech = first(companies, "company named Tech", (c) => /tech/i.test(String(c.companyName)));
  const company = companies[1];
  const contact = first(sandbox.records("Contacts"), "contact");
  const resource = first(
    sandbox.records("Resources"),
    "active licensed resource",
    (r) => r.isActive !== false && r.licenseType !== 7,
  );
  const project = first(sandbox.records("Projects"), "project");
  const task = first(sandbox.records("Tasks"), "task");
  const timed = first(sandbox.records("TimeEntries"), "ticket time entry", (t) => !!t.ticketID);
  const ci = first(sandbox.records("ConfigurationItems"), "configuration item");
  const contract = first(sandbox.records("Contracts"), "contract");
  const opportunity = first(sandbox.records("Opportunities"), "opportunity");
  const statuses = (await client.fields("Tickets")).find((f) => f.name === "status")
    ?.picklistValues?.filter((v) => v.isActive !== false && !["1", "5"].includes(v.value)) ?? [];
  const status = statuses[0]?.label;
  if (!status) throw new Error("The sandbox has no custom ticket status: adapt bench/");
  const [companyType] = await activeLabels(client, "Companies", "companyType");
  const [stage] = await activeLabels(client, "Opportunities", "stage");

  return [
    { name: "get_ticket", args: () => ({ id: ticket.id }) },
    {
      name: "create_ticket",
      args: (n) => ({
        companyID: tech.id,
        title: `Email not syncing on CEO's phone (${n})`,
        description: "Outlook on iOS stopped syncing this morning.",
      }),
    },
    {
      name: "update_ticket",
      args: () => ({ id: ticket.id, changes: { status: status.toUpperCase() } }),
    },
    { name: "search_tickets", args: () => ({ status }) },
    {
      name: "add_ticket_note",
      args: (n) => ({ ticketID: ticket.id, description: `Reset the mail profile (${n}).` }),
    },
    { name: "get_company", args: () => ({ id: company.id }) },
    {
      name: "create_company",
      args: (n) => ({
        companyName: `Contoso Dental ${n}`,
        companyType,
        phone: "+1 555 0100",
        ownerResourceID: resource.id,
      }),
    },
    { name: "search_companies", args: () => ({ query: "Tech" }) },
    { name: "get_contact", args: () => ({ id: contact.id }) },
    {
      name: "create_contact",
      args: (n) => ({
        companyID: company.id,
        firstName: "Grace",
        lastName: `Hopper ${n}`,
        emailAddress: `grace${n}@contoso.example`,
      }),
    },
    { name: "search_contacts", args: () => ({ companyID: contact.companyID }) },
    { name: "get_project", args: () => ({ id: project.id }) },
    {
      name: "create_project",
      args: (n) => ({
        projectName: `Office 365 migration ${n}`,
        companyID: project.companyID,
        startDateTime: `${isoDay(1)}T09:00:00Z`,
        endDateTime: `${isoDay(30)}T17:00:00Z`,
      }),
    },
    { name: "search_projects", args: () => ({ companyID: project.companyID }) },
    { name: "get_task", args: () => ({ id: task.id }) },
    {
      name: "create_task",
      args: (n) => ({ projectID: task.projectID, title: `Inventory mailboxes ${n}` }),
    },
    { name: "search_tasks", args: () => ({ projectID: task.projectID }) },
    {
      name: "create_time_entry",
      args: (n) => ({
        resourceID: resource.id,
        ticketID: ticket.id,
        hoursWorked: 2.5,
        dateWorked: isoDay(-1 - n),
        summaryNotes: "Rebuilt the mail profile and tested sync.",
      }),
    },
    { name: "search_time_entries", args: () => ({ ticketID: timed.ticketID }) },
    { name: "get_configuration_item", args: () => ({ id: ci.id }) },
    {
      name: "create_configuration_item",
      args: (n) => ({
        companyID: ci.companyID,
        productID: ci.productID,
        referenceTitle: `Front desk PC ${n}`,
        serialNumber: `SN-BENCH-${n}`,
      }),
    },
    { name: "search_configuration_items", args: () => ({ companyID: ci.companyID }) },
    { name: "get_contract", args: () => ({ id: contract.id }) },
    { name: "search_contracts", args: () => ({ companyID: contract.companyID }) },
    { name: "get_opportunity", args: () => ({ id: opportunity.id }) },
    {
      name: "create_opportunity",
      args: (n) => ({
        companyID: opportunity.companyID,
        title: `Managed services bundle ${n}`,
        amount: 24000,
        cost: 15000,
        probability: 40,
        projectedCloseDate: `${isoDay(45)}T00:00:00Z`,
        ownerResourceID: resource.id,
        stage,
      }),
    },
    {
      name: "search_opportunities",
      args: () => ({ companyID: opportunity.companyID, openOnly: true }),
    },
    { name: "get_resource", args: () => ({ id: resource.id }) },
    { name: "search_resources", args: () => ({ query: String(resource.lastName) }) },
  ];
}
