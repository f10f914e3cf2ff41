/** End to end: the quotes, finance and catalog toolsets in process (tenant over HTTP) against the simulated tenant. */

import assert from "node:assert/strict";
import { callError, callOk, tenantClient } from "./harness.ts";
import { type InProcessSession, withSession } from "./in_process_harness.ts";

type Rec = Record<string, unknown>;

const ids = (items: unknown) => (items as Rec[]).map((x) => x.id);

/** A fresh tenant and in-process session per test, so one failure does not cascade. */
function setup(session: InProcessSession) {
  const { client, tenant } = session;
  const sb = session.sandbox;
  const api = tenantClient(tenant);
  const label = async (entity: string, field: string, value: unknown) =>
    (await api.fields(entity)).find((f) => f.name === field)!.picklistValues!
      .find((v) => v.value === String(value))!.label;
  const writes = () => sb.log.filter((e) => e.method !== "GET" && !/\/query/.test(e.path));
  return { client, sb, api, tenant, label, writes };
}

/** One test against its own tenant, with what {@linkcode setup} prepares. */
function test(
  name: string,
  fn: (context: ReturnType<typeof setup>, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test(
    `quotes, invoices, charges, catalog: ${name}`,
    (t) =>
      withSession(
        { env: { AUTOTASK_TOOLSETS: "all" } },
        (session) => fn(setup(session), t),
      ),
  );
}

test("catalog: products and services with labels, contract services named", async ({ client, sb, label }) => {
  const dell = await callOk(client, "search_products", { query: "dell" });
  const expected = sb.records("Products").filter((p) => /dell/i.test(`${p.name} ${p.sku}`));
  assert.ok(expected.length >= 2);
  assert.deepEqual(ids(dell.items), expected.map((p) => p.id));
  const first = (dell.items as Rec[])[0];
  assert.equal(
    first.productCategoryLabel,
    await label("Products", "productCategory", expected[0].productCategory),
  );
  const product = await callOk(client, "get_product", { id: expected[0].id });
  assert.equal((product.item as Rec).productBillingCodeName, "Hardware Sales");

  const monthly = await callOk(client, "search_services", {
    periodType: "monthly",
    isActive: true,
  });
  const services = sb.records("Services").filter((s) => s.periodType === 2 && s.isActive);
  assert.deepEqual(ids(monthly.items), services.map((s) => s.id));
  assert.ok((monthly.items as Rec[]).every((s) => s.periodTypeLabel === "Monthly"));
  const service = await callOk(client, "get_service", { id: services[0].id });
  assert.equal((service.item as Rec).billingCodeName, "Recurring Services");

  const contractID = sb.records("ContractServices")[0].contractID as number;
  const billed = await callOk(client, "search_contract_services", { contractID });
  const rows = sb.records("ContractServices").filter((c) => c.contractID === contractID);
  assert.deepEqual(ids(billed.items), rows.map((c) => c.id));
  const names = new Map(sb.records("Services").map((s) => [s.id, s.name]));
  for (const item of billed.items as Rec[]) {
    assert.equal(item.serviceName, names.get(item.serviceID as number));
    assert.ok(typeof item.contractName === "string");
  }
  const missing = await callError(client, "get_product", { id: 1 });
  assert.match(missing, /Product 1 was not found/);
});

test("quotes: search by opportunity, get_quote with named lines", async ({ client, sb }) => {
  const quote = sb.records("Quotes").find((q) =>
    sb.records("QuoteItems").some((i) => i.quoteID === q.id && i.serviceID != null)
  )!;
  const found = await callOk(client, "search_quotes", { opportunityID: quote.opportunityID });
  assert.deepEqual(
    ids(found.items),
    sb.records("Quotes").filter((q) => q.opportunityID === quote.opportunityID).map((q) => q.id),
  );
  assert.ok((found.items as Rec[]).every((q) => q.opportunityName && q.companyName));

  const out = await callOk(client, "get_quote", { id: quote.id });
  assert.equal((out.item as Rec).quoteNumber, quote.quoteNumber);
  const lines = out.items as Rec[];
  const stored = sb.records("QuoteItems").filter((i) => i.quoteID === quote.id);
  assert.deepEqual(ids(lines), stored.map((i) => i.id));
  for (const line of lines) {
    assert.ok(line.quoteItemTypeLabel);
    if (line.productID) assert.equal(typeof line.productName, "string");
    if (line.serviceID) assert.equal(typeof line.serviceName, "string");
  }
  assert.match(await callError(client, "get_quote", { id: 42 }), /Quote 42 was not found/);
});

// These steps build on one another (one record through its life): one tenant for them.
test(
  "a quote through its life: create, then its items",
  async ({ client, sb, label, writes }, t) => {
    let quoteId = 0;
    await t.step(
      "create_quote: company from the opportunity, a quote location, root POST",
      async () => {
        const opportunity = sb.records("Opportunities").find((o) => o.status === 1)!;
        const company = sb.record("Companies", opportunity.companyID as number)!;
        const before = writes().length;
        const out = await callOk(client, "create_quote", {
          opportunityID: opportunity.id,
          name: "Wi-Fi refresh - proposal",
          effectiveDate: "2031-01-10",
          expirationDate: "2031-02-09",
          paymentTerm: "net 30",
        });
        quoteId = out.id as number;
        const stored = sb.record("Quotes", quoteId)!;
        assert.equal(stored.companyID, opportunity.companyID);
        assert.equal(stored.opportunityID, opportunity.id);
        assert.equal(stored.contactID, opportunity.contactID);
        assert.equal(await label("Quotes", "paymentTerm", stored.paymentTerm), "Net 30");
        assert.ok(typeof stored.quoteNumber === "number");
        const location = sb.record("QuoteLocations", stored.billToLocationID as number)!;
        assert.equal(location.city, company.city);
        assert.equal(stored.shipToLocationID, stored.billToLocationID);
        assert.match(String(out.note), /new quote location/);
        const posted = writes().slice(before).map((e) => `${e.method} ${e.path.split("V1.0/")[1]}`);
        assert.deepEqual(posted, ["POST QuoteLocations", "POST Quotes"]);

        const noOpportunity = await callError(client, "create_quote", {
          opportunityID: 999_999,
          name: "x",
          expirationDate: "2031-02-09",
        });
        assert.match(noOpportunity, /Opportunity 999999 was not found/);
        const backwards = await callError(client, "create_quote", {
          opportunityID: opportunity.id,
          name: "x",
          effectiveDate: "2031-03-01",
          expirationDate: "2031-02-09",
        });
        assert.match(backwards, /before effectiveDate/);
        const typo = await callError(client, "create_quote", {
          opportunityID: opportunity.id,
          name: "x",
          expirationDate: "2031-02-09",
          extra: { purchaseOrder: "PO-1" },
        });
        assert.match(typo, /no field "purchaseOrder".*purchaseOrderNumber/);
        assert.equal(writes().length, before + 2, "refused quotes wrote nothing");
      },
    );

    await t.step(
      "create_quote refused after its location was made: the error names it, a retry reuses it",
      async () => {
        const opportunity = sb.records("Opportunities").find((o) => o.status === 1)!;
        const locations = sb.records("QuoteLocations").length;
        sb.inject({
          kind: "status",
          status: 500,
          body: { errors: ["Quote name is reserved by a pending approval."] },
          match: { method: "POST", pathEndsWith: "/Quotes" },
        });
        const refused = await callError(client, "create_quote", {
          opportunityID: opportunity.id,
          name: "Retry me",
          expirationDate: "2031-02-09",
        });
        assert.match(refused, /Quote name is reserved by a pending approval\./);
        const created = sb.records("QuoteLocations");
        assert.equal(created.length, locations + 1);
        const id = created.at(-1)!.id;
        const reuse = new RegExp(
          `Quote location ${id} was created for this quote first and remains .*` +
            `retry with extra \\{"billToLocationID":${id},"shipToLocationID":${id},` +
            `"soldToLocationID":${id}\\}`,
        );
        assert.match(refused, reuse);
        const retried = await callOk(client, "create_quote", {
          opportunityID: opportunity.id,
          name: "Retry me",
          expirationDate: "2031-02-09",
          extra: { billToLocationID: id, shipToLocationID: id, soldToLocationID: id },
        });
        assert.equal(sb.records("QuoteLocations").length, locations + 1, "no second location");
        assert.equal(sb.record("Quotes", retried.id as number)!.soldToLocationID, id);
      },
    );

    await t.step(
      "add_quote_item: child route, catalog name and price, one item field",
      async () => {
        const product = sb.records("Products")[2];
        const out = await callOk(client, "add_quote_item", {
          quoteID: quoteId,
          productID: product.id,
          quantity: 3,
          percentageDiscount: 10,
        });
        const stored = sb.record("QuoteItems", out.id as number)!;
        assert.equal(stored.quoteID, quoteId);
        assert.equal(stored.name, product.name);
        assert.equal(stored.unitPrice, product.unitPrice);
        assert.equal(stored.quantity, 3);
        assert.equal(stored.percentageDiscount, 10);
        assert.equal(await label("QuoteItems", "quoteItemType", stored.quoteItemType), "Product");
        const post = writes().at(-1)!;
        assert.match(post.path, new RegExp(`/V1\\.0/Quotes/${quoteId}/Items$`));
        assert.equal((out.item as Rec).productName, product.name);

        const service = sb.records("Services").find((s) => s.isActive)!;
        const line = await callOk(client, "add_quote_item", {
          quoteID: quoteId,
          serviceID: service.id,
          quantity: 25,
          unitPrice: 40,
        });
        assert.equal(sb.record("QuoteItems", line.id as number)!.unitPrice, 40);
        assert.equal((line.item as Rec).serviceName, service.name);
        const discounted = await callOk(client, "add_quote_item", {
          quoteID: quoteId,
          productID: sb.records("Products")[3].id,
          extra: { unitDiscount: 5, isTaxable: true },
        });
        const cut = sb.record("QuoteItems", discounted.id as number)!;
        assert.deepEqual([cut.unitDiscount, cut.percentageDiscount, cut.quantity], [5, 0, 1]);

        const both = await callError(client, "add_quote_item", {
          quoteID: quoteId,
          productID: product.id,
          serviceID: service.id,
        });
        assert.match(both, /productID or serviceID \(one per line\)/);
        const retired = sb.records("Services").find((s) => !s.isActive)!;
        const inactive = await callError(client, "add_quote_item", {
          quoteID: quoteId,
          serviceID: retired.id,
        });
        assert.match(inactive, /is inactive: choose an active one/);
        const noQuote = await callError(client, "add_quote_item", {
          quoteID: 999_999,
          productID: product.id,
        });
        assert.match(noQuote, /Quote 999999 was not found/);

        const read = await callOk(client, "get_quote", { id: quoteId });
        assert.equal((read.items as Rec[]).length, 3);
      },
    );
  },
);

test("invoices: by company, unpaid, voided; get_invoice read-only", async ({ client, sb, label, writes }) => {
  const invoices = sb.records("Invoices");
  const companyID = invoices[0].companyID as number;
  const mine = await callOk(client, "search_invoices", { companyID, limit: 50 });
  assert.deepEqual(
    ids(mine.items),
    invoices.filter((i) => i.companyID === companyID).map((i) => i.id),
  );
  assert.ok((mine.items as Rec[]).every((i) => i.companyName && i.invoiceNumber));

  const unpaid = await callOk(client, "search_invoices", { unpaidOnly: true, limit: 100 });
  const open = invoices.filter((i) => !i.paidDate && !i.isVoided);
  assert.ok(open.length > 0);
  assert.deepEqual(ids(unpaid.items), open.map((i) => i.id));
  const voided = await callOk(client, "search_invoices", { isVoided: true });
  assert.deepEqual(ids(voided.items), invoices.filter((i) => i.isVoided).map((i) => i.id));

  const since = invoices.at(-1)!.invoiceDateTime as string;
  const recent = await callOk(client, "search_invoices", {
    invoicedAfter: since,
    limit: 100,
  });
  assert.deepEqual(
    ids(recent.items),
    invoices.filter((i) => Date.parse(i.invoiceDateTime as string) >= Date.parse(since))
      .map((i) => i.id),
  );

  const before = writes().length;
  const one = await callOk(client, "get_invoice", { id: invoices[0].id });
  const item = one.item as Rec;
  assert.equal(item.invoiceNumber, invoices[0].invoiceNumber);
  assert.equal(
    item.paymentTermLabel,
    await label("Invoices", "paymentTerm", invoices[0].paymentTerm),
  );
  assert.equal(writes().length, before);
  assert.match(
    await callError(client, "get_invoice", { id: 5 }),
    /Invoice 5 was not found/,
  );
});

test("ticket charges: list with labels, create under the ticket", async ({ client, sb, label, writes }) => {
  const charge = sb.records("TicketCharges")[0];
  const listed = await callOk(client, "list_ticket_charges", { ticketID: charge.ticketID });
  assert.deepEqual(
    ids(listed.items),
    sb.records("TicketCharges").filter((c) => c.ticketID === charge.ticketID).map((c) => c.id),
  );
  const first = (listed.items as Rec[])[0];
  assert.ok(first.chargeTypeLabel && first.statusLabel && first.productName);
  const none = await callError(client, "list_ticket_charges", { ticketID: 999_999 });
  assert.match(none, /Ticket 999999 was not found/);

  const ticket = sb.records("Tickets").find((x) =>
    !sb.records("TicketCharges").some((c) => c.ticketID === x.id)
  )!;
  const product = sb.records("Products")[5];
  const before = writes().length;
  const noStatus = await callError(client, "create_ticket_charge", {
    ticketID: ticket.id,
    productID: product.id,
  });
  assert.match(noStatus, /no default for TicketCharges .*pass status, one of 1 \(Pending\)/);
  assert.equal(writes().length, before, "nothing sent without a status");

  const out = await callOk(client, "create_ticket_charge", {
    ticketID: ticket.id,
    productID: product.id,
    unitQuantity: 2,
    status: "pending",
  });
  const stored = sb.record("TicketCharges", out.id as number)!;
  assert.equal(stored.ticketID, ticket.id);
  assert.equal(stored.name, product.name);
  assert.equal(stored.unitPrice, product.unitPrice);
  assert.equal(stored.billableAmount, (product.unitPrice as number) * 2);
  assert.equal(await label("TicketCharges", "chargeType", stored.chargeType), "Operational");
  const post = writes().at(-1)!;
  assert.match(post.path, new RegExp(`/V1\\.0/Tickets/${ticket.id}/Charges$`));
  const item = out.item as Rec;
  assert.equal(item.statusLabel, "Pending");
  assert.match(String(out.note), /chargeType defaulted to 1 \(Operational\)/);
  assert.match(String(out.note), /name, unitPrice, unitCost, billingCodeID from product/);

  const custom = await callOk(client, "create_ticket_charge", {
    ticketID: ticket.id,
    name: "Patch leads (x10)",
    unitPrice: 35,
    status: 2,
  });
  assert.equal(sb.record("TicketCharges", custom.id as number)!.status, 2);
  const nameless = await callError(client, "create_ticket_charge", {
    ticketID: ticket.id,
    status: 1,
  });
  assert.match(nameless, /Give name, or productID/);
  const noTicket = await callError(client, "create_ticket_charge", {
    ticketID: 999_999,
    name: "x",
    status: 1,
  });
  assert.match(noTicket, /Ticket 999999 was not found/);
  const listedNow = await callOk(client, "list_ticket_charges", { ticketID: ticket.id });
  assert.equal((listedNow.items as Rec[]).length, 2);
});
