/** Seed data of the roadmap entities: services, contract services, service calls, quotes and invoices. */

import type { Store } from "./store.ts";
import type { Rec } from "./types.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The billing code recurring services are invoiced under (added by this module). */
const RECURRING_CODE = 29682807;
/** Who raises invoices and voids them: the service desk manager. */
const BILLING_RESOURCE = 29682886;

/**
 * mulberry32, a stream of its own: the main data set's generator is not touched,
 * so adding these entities changes none of the records seeded before them.
 */
export class Rand {
  #a: number;
  constructor(seed: number) {
    this.#a = seed >>> 0;
  }
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) >>> 0;
    let t = this.#a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Increasing ids with occasional gaps, like a real database after deletes. */
export function idsFrom(start: number, r: Rand): () => number {
  let next = start;
  return () => {
    const id = next;
    next += r.chance(0.15) ? r.int(2, 4) : 1;
    return id;
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function midnight(ms: number): string {
  return `${iso(ms).slice(0, 10)}T00:00:00.000Z`;
}

function money(n: number): number {
  return Math.round(n * 100) / 100;
}

// name, periodType, unit cost, unit price, active
const SERVICES: [string, number, number, number, boolean][] = [
  ["Managed Workstation", 2, 12, 45, true],
  ["Managed Server", 2, 40, 150, true],
  ["Microsoft 365 Business Premium", 2, 22, 26.4, true],
  ["Cloud Backup (per TB)", 2, 18, 55, true],
  ["Firewall Management", 2, 25, 95, true],
  ["Security Awareness Training (per user)", 2, 2, 6, true],
  ["vCIO Quarterly Review", 3, 200, 750, true],
  ["Legacy PBX Support", 2, 30, 80, false],
];

/** Product id -> this tenant's product category. */
const PRODUCT_CATEGORIES: Record<number, number> = {
  29683101: 29683201,
  29683102: 29683201,
  29683103: 29683202,
  29683104: 29683202,
  29683105: 29683202,
  29683106: 29683203,
  29683107: 29683203,
  29683108: 29683204,
};

const VISITS = [
  "Onsite: replace failed hardware and test with the user",
  "Onsite: re-patch and label the comms cabinet",
  "Onsite: new starter desk setup",
  "Onsite: printer fault diagnosis",
  "After hours: firewall firmware upgrade",
  "Onsite: Wi-Fi coverage survey",
  "Onsite: server room health check",
];

/** Fills the roadmap entities; needs companies, tickets, resources, opportunities and contracts. */
export function seedRoadmap(store: Store, options: { seed: number; now: Date }): void {
  const r = new Rand(options.seed ^ 0x5eed0008);
  const now = options.now.getTime();
  for (const product of store.table("Products").rows) {
    product.productCategory ??= PRODUCT_CATEGORIES[product.id] ?? null;
  }
  seedServices(store, r, now);
  seedServiceCalls(store, r, now);
  seedQuotes(store, r, now);
  seedInvoices(store, r, now);
}

function seedServices(store: Store, r: Rand, now: number): void {
  store.table("BillingCodes").insert({
    id: RECURRING_CODE,
    name: "Recurring Services",
    description: "Recurring Services",
    isActive: true,
    useType: 5,
    billingCodeType: 0,
    unitPrice: null,
    department: 29683001,
  });
  const services = store.table("Services");
  const serviceId = idsFrom(29683301, r);
  for (const [name, periodType, unitCost, unitPrice, isActive] of SERVICES) {
    const created = now - r.int(300, 1500) * DAY;
    services.insert({
      id: serviceId(),
      name,
      description: `${name} (per unit, ${periodType === 3 ? "quarterly" : "monthly"})`,
      invoiceDescription: name,
      periodType,
      unitCost,
      unitPrice,
      markupRate: money((unitPrice - unitCost) / unitCost),
      isActive,
      billingCodeID: RECURRING_CODE,
      serviceLevelAgreementID: name.startsWith("Managed Server") ? 4 : 1,
      createDate: iso(created),
      creatorResourceID: BILLING_RESOURCE,
      lastModifiedDate: iso(created + r.int(1, 200) * DAY),
      updateResourceID: BILLING_RESOURCE,
    });
  }
  // Recurring-service contracts bill two to four active services each.
  const active = services.rows.filter((s) => s.isActive === true);
  const contractServices = store.table("ContractServices");
  const nextId = idsFrom(29683401, r);
  for (const contract of store.table("Contracts").rows) {
    if (contract.contractType !== 7) continue;
    const count = r.int(2, 4);
    const offset = r.int(0, active.length - 1);
    for (let k = 0; k < count; k++) {
      const service = active[(offset + k) % active.length];
      const discount = r.pick([1, 1, 0.95, 0.9]);
      contractServices.insert({
        id: nextId(),
        contractID: contract.id,
        serviceID: service.id,
        unitPrice: money((service.unitPrice as number) * discount),
        unitCost: service.unitCost,
        internalCurrencyUnitPrice: money((service.unitPrice as number) * discount),
        internalCurrencyAdjustedPrice: money((service.unitPrice as number) * discount),
        invoiceDescription: service.name,
        internalDescription: discount < 1 ? `${Math.round((1 - discount) * 100)}% loyalty` : null,
      });
    }
  }
}

/** Active technicians and the service-desk roles they hold (default first). */
function deskRoles(store: Store): Map<number, number[]> {
  const techs = new Set(
    store.table("Resources").rows.filter((x) => x.isActive === true && x.licenseType === 1)
      .map((x) => x.id),
  );
  const roles = new Map<number, number[]>();
  const rows = [...store.table("ResourceServiceDeskRoles").rows]
    .filter((x) => x.isActive !== false && techs.has(x.resourceID as number))
    .sort((a, b) => Number(b.isDefault === true) - Number(a.isDefault === true));
  for (const row of rows) {
    const list = roles.get(row.resourceID as number) ?? [];
    list.push(row.roleID as number);
    roles.set(row.resourceID as number, list);
  }
  return roles;
}

function seedServiceCalls(store: Store, r: Rand, now: number): void {
  const calls = store.table("ServiceCalls");
  const links = store.table("ServiceCallTickets");
  const assignments = store.table("ServiceCallTicketResources");
  const callId = idsFrom(4410, r);
  const linkId = idsFrom(8810, r);
  const assignmentId = idsFrom(13120, r);
  const roles = deskRoles(store);
  const techs = [...roles.keys()];
  // Customer tickets without invisible characters, grouped by company.
  const tickets = store.table("Tickets").rows.filter((t) =>
    (t.companyID as number) > 0 && !/[\u200B\u202E]/.test(String(t.title))
  );
  const used = new Set<number>();
  const today = Date.parse(`${iso(now).slice(0, 10)}T00:00:00.000Z`);
  for (let k = 0; k < 24; k++) {
    // Three weeks back to ten days ahead; Pacific business hours (16:00-23:00 UTC).
    const day = today + (k - 15) * DAY + (k % 3 === 0 ? DAY : 0);
    const start = day + r.int(16, 21) * HOUR + r.pick([0, 0, 30]) * 60_000;
    const hours = r.pick([1, 1.5, 2, 2, 3, 4]);
    const past = start + hours * HOUR < now;
    const candidates = tickets.filter((t) => !used.has(t.id) && (past || t.status !== 5));
    const first = r.pick(candidates);
    const sameCompany = candidates.filter((t) => t.companyID === first.companyID && t !== first);
    const chosen = sameCompany.length > 0 && r.chance(0.3) ? [first, sameCompany[0]] : [first];
    chosen.forEach((t) => used.add(t.id));
    const status = past
      ? (r.chance(0.85) ? 2 : 9)
      : start - now < DAY
      ? r.pick([5, 6, 7])
      : r.pick([1, 1, 5]);
    const id = callId();
    const created = Math.min(now - HOUR, start - r.int(1, 6) * DAY);
    calls.insert({
      id,
      companyID: first.companyID,
      description: r.pick(VISITS),
      startDateTime: iso(start),
      endDateTime: iso(start + hours * HOUR),
      duration: hours,
      status,
      isComplete: status === 2 ? 1 : 0,
      createDateTime: iso(created),
      creatorResourceID: 29682886,
      lastModifiedDateTime: iso(Math.min(now - 60_000, past ? start + hours * HOUR : created)),
    });
    for (const [i, ticket] of chosen.entries()) {
      const linkRow = linkId();
      links.insert({ id: linkRow, serviceCallID: id, ticketID: ticket.id });
      const assignee = ticket.assignedResourceID as number | null;
      const primary = assignee !== null && roles.has(assignee) ? assignee : r.pick(techs);
      const primaryRole = primary === assignee && ticket.assignedResourceRoleID != null
        ? ticket.assignedResourceRoleID as number
        : roles.get(primary)![0];
      assignments.insert({
        id: assignmentId(),
        serviceCallTicketID: linkRow,
        resourceID: primary,
        roleID: primaryRole,
      });
      // Some visits take a second technician.
      if (i === 0 && r.chance(0.25)) {
        const second = techs.find((t) => t !== primary && t % 3 === k % 3) ??
          techs.find((t) => t !== primary)!;
        assignments.insert({
          id: assignmentId(),
          serviceCallTicketID: linkRow,
          resourceID: second,
          roleID: roles.get(second)![0],
        });
      }
    }
  }
}

function seedQuotes(store: Store, r: Rand, now: number): void {
  const quotes = store.table("Quotes");
  const items = store.table("QuoteItems");
  const locations = store.table("QuoteLocations");
  const quoteId = idsFrom(3301, r);
  const itemId = idsFrom(52010, r);
  const locationId = idsFrom(7701, r);
  const products = store.table("Products").rows;
  const services = store.table("Services").rows.filter((s) => s.isActive === true);
  let quoteNumber = 1000;
  for (const [n, opportunity] of store.table("Opportunities").rows.entries()) {
    const company = store.table("Companies").get(opportunity.companyID as number) as Rec;
    const location = locationId();
    locations.insert({
      id: location,
      address1: String(company.address1 ?? "").slice(0, 50) || null,
      city: company.city ?? null,
      state: company.state ?? null,
      postalCode: company.postalCode ?? null,
    });
    const options = n === 1 ? 2 : 1; // one opportunity has an A/B choice
    for (let v = 0; v < options; v++) {
      const created = Date.parse(opportunity.createDate as string) + r.int(1, 10) * DAY;
      const effective = Date.parse(midnight(Math.min(created, now)));
      const id = quoteId();
      quotes.insert({
        id,
        quoteNumber: ++quoteNumber,
        name: options > 1
          ? `${opportunity.title} - option ${v === 0 ? "A" : "B"}`
          : `${opportunity.title} - proposal`,
        description: `Proposal for ${company.companyName}.`,
        opportunityID: opportunity.id,
        companyID: company.id,
        contactID: opportunity.contactID ?? null,
        effectiveDate: iso(effective),
        expirationDate: iso(effective + 30 * DAY),
        billToLocationID: location,
        shipToLocationID: location,
        soldToLocationID: location,
        paymentTerm: r.pick([4, 4, 5, 1]),
        approvalStatus: opportunity.status === 3 || opportunity.status === 4 ? 3 : 1,
        primaryQuote: v === 0,
        isActive: opportunity.status !== 2,
        calculateTaxSeparately: false,
        showEachTaxInGroup: false,
        showTaxCategory: false,
        createDate: iso(Math.min(created, now - HOUR)),
        creatorResourceID: opportunity.ownerResourceID,
        lastActivityDate: iso(Math.min(created + r.int(0, 20) * DAY, now - HOUR)),
      });
      const lines = r.int(2, 5);
      const firstProduct = r.int(0, products.length - 1);
      const firstService = r.int(0, services.length - 1);
      for (let k = 0; k < lines; k++) {
        // Alternate products and services, never the same catalog item twice on one quote.
        const isService = k % 2 === 1;
        const source = isService
          ? services[(firstService + (k >> 1)) % services.length]
          : products[(firstProduct + (k >> 1)) % products.length];
        const discount = !isService && r.chance(0.3) ? r.pick([5, 10]) : 0;
        items.insert({
          id: itemId(),
          quoteID: id,
          quoteItemType: isService ? 11 : 1,
          productID: isService ? null : source.id,
          serviceID: isService ? source.id : null,
          name: source.name,
          description: isService ? source.invoiceDescription ?? null : source.description ?? null,
          quantity: isService ? r.pick([5, 10, 25, 40]) : r.int(1, 12),
          unitPrice: source.unitPrice,
          unitCost: source.unitCost,
          unitDiscount: 0,
          lineDiscount: 0,
          percentageDiscount: discount,
          periodType: source.periodType ?? 1,
          isOptional: k === lines - 1 && lines > 3,
          isTaxable: !isService,
          markupRate: source.unitCost
            ? money(
              ((source.unitPrice as number) - (source.unitCost as number)) /
                (source.unitCost as number),
            )
            : null,
        });
      }
    }
  }
}

function seedInvoices(store: Store, r: Rand, now: number): void {
  const invoices = store.table("Invoices");
  const invoiceId = idsFrom(61200, r);
  const monthly = new Map<number, number>();
  for (const cs of store.table("ContractServices").rows) {
    const contract = store.table("Contracts").get(cs.contractID as number);
    if (!contract || contract.status !== 1) continue;
    const company = contract.companyID as number;
    monthly.set(company, (monthly.get(company) ?? 0) + (cs.unitPrice as number) * r.int(3, 25));
  }
  const companies = [...monthly.keys()].sort((a, b) => a - b);
  const thisMonth = new Date(now);
  let number = 18240;
  let voided = false;
  for (let back = 5; back >= 0; back--) {
    const invoiceDay = Date.UTC(thisMonth.getUTCFullYear(), thisMonth.getUTCMonth() - back, 1, 8);
    if (invoiceDay > now) continue;
    const from = Date.UTC(thisMonth.getUTCFullYear(), thisMonth.getUTCMonth() - back - 1, 1);
    const batch = 900 + (5 - back);
    for (const company of companies) {
      const rec = store.table("Companies").get(company) as Rec;
      const taxed = rec.state === "WA";
      const labour = r.chance(0.5) ? r.int(1, 12) * 150 : 0;
      const net = money((monthly.get(company) ?? 0) + labour);
      const tax = taxed ? money(net * 0.101) : 0;
      const term = r.pick([4, 4, 5]);
      const due = invoiceDay + (term === 5 ? 30 : 14) * DAY;
      const late = back === 1 && company % 4 === 0;
      const paid = back >= 1 && !late && due - 5 * DAY < now
        ? Math.min(now - HOUR, due - r.int(0, 10) * DAY)
        : null;
      const voidThis = !voided && back === 2;
      if (voidThis) voided = true;
      invoices.insert({
        id: invoiceId(),
        invoiceNumber: String(++number),
        companyID: company,
        batchID: batch,
        invoiceDateTime: iso(invoiceDay),
        fromDate: iso(from),
        toDate: iso(invoiceDay - 8 * HOUR - 1000),
        dueDate: midnight(due),
        paymentTerm: term,
        invoiceTotal: money(net + tax),
        totalTaxValue: tax,
        taxRegionName: taxed ? "Washington - Seattle" : "Oregon (no sales tax)",
        taxGroup: null,
        orderNumber: rec.classification === 101 ? `PO-${company}-${batch}` : null,
        comments: labour > 0 ? "Includes out-of-contract labour." : null,
        isVoided: voidThis,
        voidedDate: voidThis ? iso(invoiceDay + 2 * DAY) : null,
        voidedByResourceID: voidThis ? BILLING_RESOURCE : null,
        paidDate: voidThis || paid === null ? null : midnight(paid),
        invoiceEditorTemplateID: 1,
        createDateTime: iso(invoiceDay),
        creatorResourceID: BILLING_RESOURCE,
        webServiceDate: null,
      });
    }
  }
}
