/** The sandbox tenant's picklists: deliberately unlike any "common default" table a client might hard-code. */

/** One picklist value as the tenant defines it (records hold `value`; `fields` answers it as a string). */
export interface PicklistEntry {
  value: number;
  label: string;
  isDefaultValue?: boolean;
  /** Defaults to the position in the list. */
  sortOrder?: number;
  /** For dependent picklists: the parent field's value this entry belongs to. */
  parentValue?: number;
  /** Defaults to true. */
  isActive?: boolean;
  isSystem?: boolean;
}

/** Ticket status: 1 New and 5 Complete are Autotask system values, the rest are this tenant's. */
export const TICKET_STATUS: PicklistEntry[] = [
  { value: 1, label: "New", isSystem: true, isDefaultValue: true },
  { value: 8, label: "Dispatched" },
  { value: 24, label: "Work In Progress" },
  { value: 12, label: "Awaiting Parts" },
  { value: 21, label: "Waiting Customer" },
  { value: 19, label: "Customer Replied" },
  { value: 27, label: "Escalated to Vendor" },
  { value: 30, label: "On Hold (legacy)", isActive: false },
  { value: 5, label: "Complete", isSystem: true },
];

/**
 * Ticket priority: unlike both the common 1 Critical/2 High/3 Medium/4 Low table and Autotask's
 * stock list. Value 1 is "P3 Normal" (the one default), there is no 3, and labels order by sortOrder.
 */
export const TICKET_PRIORITY: PicklistEntry[] = [
  { value: 6, label: "P1 Emergency", sortOrder: 1 },
  { value: 4, label: "P2 Urgent", sortOrder: 2 },
  { value: 1, label: "P3 Normal", sortOrder: 3, isDefaultValue: true },
  { value: 2, label: "P4 Low", sortOrder: 4 },
  { value: 9, label: "P5 Planned Work", sortOrder: 5 },
];

/** Ticket queues (`queueID`): large tenant ids, as on a real tenant. */
export const TICKET_QUEUE: PicklistEntry[] = [
  { value: 29682833, label: "Level I Support", isDefaultValue: true },
  { value: 29682969, label: "Level II Support" },
  { value: 29683354, label: "Monitoring Alerts" },
  { value: 29683498, label: "Post Sale" },
  { value: 29684101, label: "Projects & Onboarding" },
  { value: 8, label: "Client Portal" },
];

/** Ticket type: Autotask system values. */
export const TICKET_TYPE: PicklistEntry[] = [
  { value: 1, label: "Service Request", isSystem: true, isDefaultValue: true },
  { value: 2, label: "Incident", isSystem: true },
  { value: 3, label: "Problem", isSystem: true },
  { value: 4, label: "Change Request", isSystem: true },
  { value: 5, label: "Alert", isSystem: true },
];

/** Ticket source. */
export const TICKET_SOURCE: PicklistEntry[] = [
  { value: -1, label: "Client Portal", isSystem: true },
  { value: 2, label: "Phone" },
  { value: 4, label: "Email", isDefaultValue: true },
  { value: 6, label: "Walk-in" },
  { value: 8, label: "Monitoring Alert" },
  { value: 11, label: "Teams Chat" },
];

/** Issue type (parent of subIssueType). */
export const ISSUE_TYPE: PicklistEntry[] = [
  { value: 7, label: "Hardware" },
  { value: 9, label: "Software" },
  { value: 12, label: "Network" },
  { value: 15, label: "Security" },
  { value: 18, label: "Accounts & Access" },
];

/** Sub-issue type, dependent on issueType through `parentValue`. */
export const SUB_ISSUE_TYPE: PicklistEntry[] = [
  { value: 201, label: "Laptop / Desktop", parentValue: 7 },
  { value: 202, label: "Printer / Scanner", parentValue: 7 },
  { value: 203, label: "Server", parentValue: 7 },
  { value: 211, label: "Microsoft 365", parentValue: 9 },
  { value: 212, label: "Line-of-business App", parentValue: 9 },
  { value: 213, label: "Windows Updates", parentValue: 9 },
  { value: 221, label: "Firewall / VPN", parentValue: 12 },
  { value: 222, label: "Wi-Fi", parentValue: 12 },
  { value: 223, label: "Internet Outage", parentValue: 12 },
  { value: 231, label: "Phishing Report", parentValue: 15 },
  { value: 232, label: "Endpoint Alert", parentValue: 15 },
  { value: 241, label: "Password Reset", parentValue: 18 },
  { value: 242, label: "New Starter", parentValue: 18 },
  { value: 243, label: "Leaver", parentValue: 18 },
  { value: 244, label: "Permissions Change", parentValue: 18 },
];

/**
 * Ticket categories. The default one supplies no due date, so a ticket created
 * without `dueDateTime` fails unless its category supplies one
 * ({@linkcode CATEGORY_DUE_HOURS}).
 */
export const TICKET_CATEGORY: PicklistEntry[] = [
  { value: 2, label: "Standard", isDefaultValue: true, isSystem: true },
  { value: 103, label: "Managed Service (4h SLA)" },
  { value: 104, label: "Project Request" },
  { value: 105, label: "RMM Alert" },
];

/** Hours from creation to the due date that a ticket category supplies. */
export const CATEGORY_DUE_HOURS: Record<number, number> = { 103: 4, 104: 168, 105: 2 };

/** Service level agreements. */
export const SLA: PicklistEntry[] = [
  { value: 1, label: "Standard Business Hours" },
  { value: 4, label: "Premium 24x7" },
];

/** Who created or last touched something: Autotask system values. */
export const PERSON_TYPE: PicklistEntry[] = [
  { value: 1, label: "Resource", isSystem: true },
  { value: 2, label: "Contact", isSystem: true },
];

/** Ticket note types. */
export const TICKET_NOTE_TYPE: PicklistEntry[] = [
  { value: 1, label: "Task Summary", isSystem: true },
  { value: 2, label: "Detailed Description", isSystem: true },
  { value: 3, label: "Task Notes", isDefaultValue: true },
  { value: 13, label: "Customer Update" },
  { value: 18, label: "Resolution" },
  { value: 21, label: "Escalation" },
];

/**
 * Note visibility. These follow Autotask: there is no 3, and 1 is visible in
 * the client portal. The default is the public one, as in the Autotask UI: a
 * client that trusts `isDefaultValue` publishes internal notes.
 */
export const NOTE_PUBLISH: PicklistEntry[] = [
  { value: 1, label: "All Autotask Users", isDefaultValue: true, isSystem: true },
  { value: 2, label: "Internal Project Team", isSystem: true },
  { value: 4, label: "Internal & Co-Managed", isSystem: true },
];

/** Project and task note types. */
export const PROJECT_NOTE_TYPE: PicklistEntry[] = [
  { value: 1, label: "General", isDefaultValue: true },
  { value: 5, label: "Status Report" },
  { value: 9, label: "Risk / Issue" },
  { value: 14, label: "Client Decision" },
];

/** Company types: Autotask system values plus this tenant's "Internal". */
export const COMPANY_TYPE: PicklistEntry[] = [
  { value: 1, label: "Customer", isSystem: true, isDefaultValue: true },
  { value: 2, label: "Lead", isSystem: true },
  { value: 3, label: "Prospect", isSystem: true },
  { value: 4, label: "Dead", isSystem: true },
  { value: 6, label: "Cancellation", isSystem: true },
  { value: 7, label: "Vendor", isSystem: true },
  { value: 8, label: "Partner", isSystem: true },
  { value: 11, label: "Internal" },
];

/** Company classification. */
export const COMPANY_CLASSIFICATION: PicklistEntry[] = [
  { value: 101, label: "Platinum MSA" },
  { value: 102, label: "Gold MSA" },
  { value: 103, label: "Break-Fix" },
];

/** Territories. */
export const TERRITORY: PicklistEntry[] = [
  { value: 1, label: "North" },
  { value: 2, label: "South" },
  { value: 3, label: "Remote / National" },
];

/** Market segments. */
export const MARKET_SEGMENT: PicklistEntry[] = [
  { value: 1, label: "Healthcare" },
  { value: 2, label: "Legal & Finance" },
  { value: 3, label: "Manufacturing" },
  { value: 4, label: "Hospitality & Retail" },
  { value: 5, label: "Education & Non-profit" },
];

/** Contact name prefixes. */
export const NAME_PREFIX: PicklistEntry[] = [
  { value: 1, label: "Mr." },
  { value: 2, label: "Ms." },
  { value: 3, label: "Mx." },
  { value: 4, label: "Dr." },
];

/** Contact name suffixes. */
export const NAME_SUFFIX: PicklistEntry[] = [
  { value: 1, label: "Jr." },
  { value: 2, label: "Sr." },
  { value: 3, label: "PhD" },
];

/** Project status: 1 New and 5 Complete are system values. */
export const PROJECT_STATUS: PicklistEntry[] = [
  { value: 1, label: "New", isSystem: true, isDefaultValue: true },
  { value: 7, label: "Kick-off Scheduled" },
  { value: 10, label: "In Flight" },
  { value: 14, label: "Blocked - Client" },
  { value: 17, label: "User Acceptance" },
  { value: 5, label: "Complete", isSystem: true },
];

/** Project type: Autotask system values. */
export const PROJECT_TYPE: PicklistEntry[] = [
  { value: 2, label: "Proposal", isSystem: true },
  { value: 3, label: "Template", isSystem: true },
  { value: 4, label: "Internal", isSystem: true },
  { value: 5, label: "Client", isSystem: true, isDefaultValue: true },
  { value: 8, label: "Baseline", isSystem: true },
];

/** Departments. */
export const DEPARTMENT: PicklistEntry[] = [
  { value: 29683001, label: "Service Delivery" },
  { value: 29683002, label: "Professional Services" },
  { value: 29683003, label: "Sales & Account Management" },
];

/** Task status: 1 New and 5 Complete are system values. */
export const TASK_STATUS: PicklistEntry[] = [
  { value: 1, label: "New", isSystem: true, isDefaultValue: true },
  { value: 9, label: "Scheduled" },
  { value: 10, label: "In Progress" },
  { value: 13, label: "Waiting on Client" },
  { value: 5, label: "Complete", isSystem: true },
];

/** Task type: Autotask system values. */
export const TASK_TYPE: PicklistEntry[] = [
  { value: 1, label: "Fixed Work", isSystem: true, isDefaultValue: true },
  { value: 2, label: "Fixed Duration", isSystem: true },
];

/** Task priority labels (same labels as ticket priority, a separate list). */
export const TASK_PRIORITY_LABEL: PicklistEntry[] = TICKET_PRIORITY.map((p) => ({ ...p }));

/** Time entry types (read-only, derived from what the entry is for). */
export const TIME_ENTRY_TYPE: PicklistEntry[] = [
  { value: 2, label: "Ticket", isSystem: true },
  { value: 6, label: "Project Task", isSystem: true },
  { value: 1, label: "Regular Time", isSystem: true },
];

/** Configuration item types. */
export const CI_TYPE: PicklistEntry[] = [
  { value: 1, label: "Workstation" },
  { value: 2, label: "Server" },
  { value: 3, label: "Network Device" },
  { value: 7, label: "Printer" },
  { value: 11, label: "Firewall" },
  { value: 12, label: "Mobile Device" },
];

/** Contract types: Autotask system values. */
export const CONTRACT_TYPE: PicklistEntry[] = [
  { value: 1, label: "Time and Materials", isSystem: true },
  { value: 3, label: "Fixed Price", isSystem: true },
  { value: 4, label: "Block Hours", isSystem: true },
  { value: 6, label: "Retainer", isSystem: true },
  { value: 7, label: "Recurring Service", isSystem: true, isDefaultValue: true },
  { value: 8, label: "Per Ticket", isSystem: true },
];

/** Contract status. */
export const CONTRACT_STATUS: PicklistEntry[] = [
  { value: 0, label: "Inactive", isSystem: true },
  { value: 1, label: "Active", isSystem: true, isDefaultValue: true },
];

/** Contract categories. */
export const CONTRACT_CATEGORY: PicklistEntry[] = [
  { value: 12, label: "Managed Services" },
  { value: 13, label: "Backup & DR" },
  { value: 14, label: "Security Bundle" },
  { value: 15, label: "Professional Services" },
];

/** Yes/no as an integer picklist (`timeReportingRequiresStartAndStopTimes`). */
export const YES_NO: PicklistEntry[] = [
  { value: 0, label: "No", isSystem: true },
  { value: 1, label: "Yes", isSystem: true },
];

/** Contract billing preference. */
export const CONTRACT_BILLING_PREFERENCE: PicklistEntry[] = [
  { value: 1, label: "Manually", isSystem: true },
  { value: 2, label: "Immediately", isSystem: true },
  { value: 3, label: "Timesheet Approval", isSystem: true },
];

/** Opportunity stage. */
export const OPPORTUNITY_STAGE: PicklistEntry[] = [
  // Some stages carry their forecast probability in the label, as many MSPs name them.
  { value: 11, label: "Qualify (10%)", isDefaultValue: true },
  { value: 12, label: "Solution Design" },
  { value: 13, label: "Proposal Sent (50%)" },
  { value: 14, label: "Negotiation" },
  { value: 15, label: "Verbal Win (90%)" },
];

/** Opportunity status: Autotask system values. */
export const OPPORTUNITY_STATUS: PicklistEntry[] = [
  { value: 1, label: "Active", isSystem: true, isDefaultValue: true },
  { value: 2, label: "Lost", isSystem: true },
  { value: 3, label: "Closed", isSystem: true },
  { value: 4, label: "Implemented", isSystem: true },
  { value: 5, label: "Not Ready To Buy", isSystem: true },
];

/** Opportunity rating. */
export const OPPORTUNITY_RATING: PicklistEntry[] = [
  { value: 1, label: "Hot" },
  { value: 2, label: "Warm" },
  { value: 3, label: "Cold" },
];

/** Opportunity loss reasons. */
export const LOSS_REASON: PicklistEntry[] = [
  { value: 1, label: "Price" },
  { value: 2, label: "Went with competitor" },
  { value: 3, label: "No decision" },
];

/** Opportunity win reasons. */
export const WIN_REASON: PicklistEntry[] = [
  { value: 1, label: "Relationship" },
  { value: 2, label: "Technical fit" },
  { value: 3, label: "Price" },
];

/** Company note action types. */
export const ACTION_TYPE: PicklistEntry[] = [
  { value: 1, label: "Phone Call" },
  { value: 2, label: "Meeting" },
  { value: 3, label: "Email" },
  { value: 29682801, label: "Quarterly Business Review" },
  { value: 29682802, label: "Site Visit" },
];

/** Ticket charge types. */
export const CHARGE_TYPE: PicklistEntry[] = [
  { value: 1, label: "Operational", isSystem: true, isDefaultValue: true },
  { value: 2, label: "Capitalized", isSystem: true },
];

/** Ticket charge status. */
export const CHARGE_STATUS: PicklistEntry[] = [
  { value: 1, label: "Pending" },
  { value: 2, label: "Approved" },
  { value: 3, label: "Delivered" },
];

/** Resource license types (7 marks API users). */
export const LICENSE_TYPE: PicklistEntry[] = [
  { value: 1, label: "Full", isSystem: true },
  { value: 2, label: "Time and Attendance", isSystem: true },
  { value: 4, label: "Co-Managed Help Desk", isSystem: true },
  { value: 7, label: "API User", isSystem: true },
];

/** Attachment visibility (the same values as note `publish`, its own list). */
export const ATTACHMENT_PUBLISH: PicklistEntry[] = [
  { value: 1, label: "All Autotask Users", isSystem: true, isDefaultValue: true },
  { value: 2, label: "Internal Project Team", isSystem: true },
];

/**
 * Service call status. Autotask ships New (1) and Complete (2) as system values: a client that
 * assumes ticket-style 5 = Complete marks nothing complete here.
 */
export const SERVICE_CALL_STATUS: PicklistEntry[] = [
  { value: 1, label: "New", isSystem: true, isDefaultValue: true },
  { value: 5, label: "Confirmed with Client" },
  { value: 6, label: "Technician En Route" },
  { value: 7, label: "On Site" },
  { value: 9, label: "Rescheduled - Client Request" },
  { value: 12, label: "Parts Not Arrived", isActive: false },
  { value: 2, label: "Complete", isSystem: true },
];

/** Quote item types: Autotask system values (which item field a line uses). */
export const QUOTE_ITEM_TYPE: PicklistEntry[] = [
  { value: 1, label: "Product", isSystem: true },
  { value: 2, label: "Cost", isSystem: true },
  { value: 3, label: "Labor", isSystem: true },
  { value: 4, label: "Expense", isSystem: true },
  { value: 6, label: "Shipping", isSystem: true },
  { value: 11, label: "Service", isSystem: true },
  { value: 12, label: "Service Bundle", isSystem: true },
];

/** Billing periods of products, services and quote lines: Autotask system values. */
export const PERIOD_TYPE: PicklistEntry[] = [
  { value: 1, label: "One-Time", isSystem: true, isDefaultValue: true },
  { value: 2, label: "Monthly", isSystem: true },
  { value: 3, label: "Quarterly", isSystem: true },
  { value: 4, label: "Semi-Annual", isSystem: true },
  { value: 5, label: "Yearly", isSystem: true },
];

/** Payment terms of quotes and invoices: this tenant's own list. */
export const PAYMENT_TERM: PicklistEntry[] = [
  { value: 1, label: "Due on Receipt" },
  { value: 4, label: "Net 14", isDefaultValue: true },
  { value: 5, label: "Net 30" },
  { value: 8, label: "2% 10, Net 30" },
  { value: 11, label: "Prepaid (card on file)" },
];

/** Quote approval status (eQuote): read-only, set by Autotask. */
export const QUOTE_APPROVAL_STATUS: PicklistEntry[] = [
  { value: 1, label: "Not Submitted", isSystem: true },
  { value: 2, label: "Awaiting Customer", isSystem: true },
  { value: 3, label: "Accepted", isSystem: true },
  { value: 4, label: "Declined", isSystem: true },
];

/** Product categories: this tenant's own. */
export const PRODUCT_CATEGORY: PicklistEntry[] = [
  { value: 29683201, label: "End-user Hardware" },
  { value: 29683202, label: "Infrastructure" },
  { value: 29683203, label: "Components & Accessories" },
  { value: 29683204, label: "Mobile" },
];

/** Status of a block-hour or retainer purchase. */
export const PURCHASE_STATUS: PicklistEntry[] = [
  { value: 0, label: "Inactive", isSystem: true },
  { value: 1, label: "Active", isSystem: true, isDefaultValue: true },
];

/** How block-hour purchases were paid: this tenant's own list. */
export const PAYMENT_TYPE: PicklistEntry[] = [
  { value: 29683601, label: "ACH / Bank Transfer", isDefaultValue: true },
  { value: 29683602, label: "Company Check" },
  { value: 29683603, label: "Card on File (Stripe)" },
  { value: 29683604, label: "Prepaid via Quote", isActive: false },
];

/** First day of the week at a location: Autotask offers Sunday or Monday. */
export const FIRST_DAY_OF_WEEK: PicklistEntry[] = [
  { value: 1, label: "Sunday", isSystem: true, isDefaultValue: true },
  { value: 2, label: "Monday", isSystem: true },
];

/** What a location's hours are on holidays. */
export const HOLIDAY_HOURS_TYPE: PicklistEntry[] = [
  { value: 1, label: "None", isSystem: true, isDefaultValue: true },
  { value: 2, label: "Normal", isSystem: true },
  { value: 3, label: "Specified", isSystem: true },
];

/** Time zones of internal locations (the tenant's one office is in US Pacific time). */
export const TIME_ZONE: PicklistEntry[] = [
  { value: 15, label: "(UTC-08:00) Pacific Time (US & Canada)" },
  { value: 16, label: "(UTC-07:00) Mountain Time (US & Canada)" },
  { value: 20, label: "(UTC-06:00) Central Time (US & Canada)" },
  { value: 35, label: "(UTC-05:00) Eastern Time (US & Canada)" },
];
