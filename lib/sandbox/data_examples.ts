/** The records the original server's README examples name: company 12345, resource 678, ticket 9999. */

import { dayIso, localDayOf } from "./data_calendar.ts";
import { R } from "./data_fixtures.ts";
import type { Store } from "./store.ts";

/** Ids the README's example requests use, so they run as written against the sandbox. */
export const EXAMPLE_IDS = {
  /** "Create a new ticket for company ID 12345", "open opportunities for company ID 12345". */
  companyId: 12345,
  /** "Create a time entry for resource ID 678 ... on ticket 9999". */
  resourceId: 678,
  ticketId: 9999,
} as const;

/**
 * Fixed ids below the generated ones: the example records sort first and keep their ids
 * whatever the clock, so a later clock still only adds records after them.
 */
const IDS = {
  deskRoles: [600, 601],
  resourceRoles: [1200, 1201],
  contacts: [30682800, 30682801],
  opportunities: [1100, 1101, 1102],
  note: 28340000,
  timeEntry: 31000,
} as const;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function midnight(ms: number): string {
  return `${iso(ms).slice(0, 10)}T00:00:00.000Z`;
}

/**
 * Adds the example records after everything else is seeded, drawing nothing from the data
 * generator, so the rest of the tenant stays exactly as it was: a customer (12345) with two
 * contacts and three opportunities (two open), a technician (678) with service-desk roles, and
 * a ticket (9999) at that customer assigned to that technician, with a note and logged time.
 */
export function seedExamples(store: Store, now: number): void {
  const { companyId, resourceId, ticketId } = EXAMPLE_IDS;
  const owner = 29682893; // Sofia Rossi, the account manager
  store.table("Resources").insert({
    id: resourceId,
    firstName: "Sam",
    lastName: "Carter",
    title: "Service Desk Technician",
    email: "sam.carter@northwind-it.example",
    userName: "sam.carter",
    licenseType: 1,
    isActive: true,
    resourceType: "Employee",
    userType: 1,
    initials: "SC",
    officePhone: "+1 503 555 0678",
    hireDate: iso(now - 400 * DAY),
    defaultServiceDeskRoleID: R.tier1,
    locationID: 1,
    payrollType: 1,
    dateFormat: "MM/dd/yyyy",
    timeFormat: "h:mm a",
    numberFormat: "X,XXX.XX",
    internalCost: 42,
  });
  const desk = store.table("ResourceServiceDeskRoles");
  const roles = store.table("ResourceRoles");
  [R.tier1, R.tier2].forEach((roleID, i) => {
    desk.insert({
      id: IDS.deskRoles[i],
      resourceID: resourceId,
      roleID,
      isActive: true,
      isDefault: i === 0,
    });
    roles.insert({
      id: IDS.resourceRoles[i],
      resourceID: resourceId,
      roleID,
      departmentID: 29683001,
      queueID: roleID === R.tier1 ? 29682833 : 29682969,
      isActive: true,
    });
  });

  const created = now - 300 * DAY;
  store.table("Companies").insert({
    id: companyId,
    companyName: "Adatum Corporation",
    companyType: 1,
    companyNumber: "NW-12345",
    phone: "+1 206 555 0145",
    address1: "1200 Harbor Way",
    city: "Seattle",
    state: "WA",
    postalCode: "98101",
    countryID: 237,
    webAddress: "https://adatum.example",
    isActive: true,
    ownerResourceID: owner,
    classification: 102,
    marketSegmentID: 3,
    territoryID: 1,
    createDate: iso(created),
    createdByResourceID: 29682886,
    lastActivityDate: iso(now - 2 * DAY),
    lastTrackedModifiedDateTime: iso(now - 20 * DAY),
    isClientPortalActive: true,
    isEnabledForComanaged: false,
    isTaskFireActive: false,
    isTaxExempt: false,
    invoiceNonContractItemsToParentCompany: false,
    userDefinedFields: [{ name: "Customer Tier", value: "Gold" }],
  });
  const contacts = store.table("Contacts");
  const contactIds: number[] = [];
  for (
    const [first, last, title] of [["Dana", "Whitfield", "IT Manager"], [
      "Luis",
      "Ortega",
      "Office Manager",
    ]]
  ) {
    const id = IDS.contacts[contactIds.length];
    contactIds.push(id);
    contacts.insert({
      id,
      companyID: companyId,
      firstName: first,
      lastName: last,
      title,
      emailAddress: `${first}.${last}@adatum.example`.toLowerCase(),
      phone: `+1 206 555 01${50 + contactIds.length}`,
      isActive: 1,
      primaryContact: contactIds.length === 1,
      city: "Seattle",
      state: "WA",
      receivesEmailNotifications: true,
      isOptedOutFromBulkEmail: false,
      createDate: iso(created + DAY),
      lastActivityDate: iso(now - 3 * DAY),
      lastModifiedDate: iso(now - 30 * DAY),
    });
  }

  const opportunities = store.table("Opportunities");
  const plans: [string, number, number, number, number][] = [
    // title, stage, status, amount, days to (or since) the projected close
    ["Adatum firewall refresh", 13, 1, 18_500, 40],
    ["Adatum Microsoft 365 E5 upgrade", 12, 1, 9_600, 75],
    ["Adatum backup appliance", 14, 2, 7_200, -20],
  ];
  for (const [i, [title, stage, status, amount, days]] of plans.entries()) {
    opportunities.insert({
      id: IDS.opportunities[i],
      companyID: companyId,
      contactID: contactIds[0],
      title,
      stage,
      status,
      amount,
      cost: Math.round(amount * 0.6),
      probability: status === 2 ? 0 : stage === 13 ? 50 : 25,
      projectedCloseDate: midnight(now + days * DAY),
      ownerResourceID: owner,
      useQuoteTotals: false,
      rating: 2,
      createDate: iso(now - 60 * DAY),
      creatorResourceID: owner,
      closedDate: null,
      lostDate: status === 2 ? iso(now + days * DAY) : null,
      lossReason: status === 2 ? 1 : null,
      winReason: null,
      lastActivity: iso(now - 5 * DAY),
      description: `${title} for Adatum Corporation.`,
    });
  }

  const opened = now - 2 * DAY;
  store.table("Tickets").insert({
    id: ticketId,
    ticketNumber: `T${iso(opened).slice(0, 10).replaceAll("-", "")}.${ticketId}`,
    companyID: companyId,
    contactID: contactIds[0],
    title: "Intermittent network drops in the Seattle office",
    description: "Users lose the network for a minute or two several times a day.",
    status: 8,
    priority: 1,
    queueID: 29682833,
    ticketType: 2,
    issueType: 12,
    subIssueType: 221,
    source: 2,
    ticketCategory: 2,
    // No SLA: the tenant's SLA results cover the generated tickets only.
    serviceLevelAgreementID: null,
    assignedResourceID: resourceId,
    assignedResourceRoleID: R.tier1,
    configurationItemID: null,
    contractID: null,
    billingCodeID: 29682801,
    estimatedHours: 4,
    createDate: iso(opened),
    creatorResourceID: resourceId,
    creatorType: 1,
    dueDateTime: iso(opened + 3 * DAY),
    firstResponseDateTime: iso(opened + 20 * 60_000),
    firstResponseDueDateTime: null,
    firstResponseAssignedResourceID: null,
    firstResponseInitiatingResourceID: null,
    resolutionPlanDateTime: null,
    resolutionPlanDueDateTime: null,
    resolvedDueDateTime: null,
    serviceLevelAgreementHasBeenMet: null,
    lastTrackedModificationDateTime: iso(opened + 3 * HOUR),
    lastActivityDate: iso(opened + 3 * HOUR),
    lastActivityPersonType: 1,
    completedDate: null,
    completedByResourceID: null,
    resolvedDateTime: null,
    resolution: null,
  });
  const notes = store.table("TicketNotes");
  notes.insert({
    id: IDS.note,
    ticketID: ticketId,
    noteType: 1,
    publish: 2,
    title: "First look",
    description: "Switch logs show the uplink flapping; replacing the patch lead next.",
    creatorResourceID: resourceId,
    createDateTime: iso(opened + 3 * HOUR),
    lastActivityDate: iso(opened + 3 * HOUR),
  });
  const entries = store.table("TimeEntries");
  const start = opened + 2 * HOUR;
  entries.insert({
    id: IDS.timeEntry,
    resourceID: resourceId,
    roleID: R.tier1,
    ticketID: ticketId,
    taskID: null,
    timeEntryType: 2,
    billingCodeID: 29682801,
    contractID: null,
    isNonBillable: false,
    summaryNotes: "Checked the switch logs with the customer.",
    internalNotes: null,
    startDateTime: iso(start),
    endDateTime: iso(start + HOUR),
    // The tenant works in US Pacific time: dateWorked is the local date of the work.
    dateWorked: dayIso(localDayOf(start)),
    hoursWorked: 1,
    hoursToBill: 1,
    offsetHours: 0,
    showOnInvoice: true,
    createDateTime: iso(start + HOUR + 10 * 60_000),
    creatorUserID: resourceId,
    lastModifiedDateTime: iso(start + HOUR + 10 * 60_000),
    lastModifiedUserID: resourceId,
  });
}
