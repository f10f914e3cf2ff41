/**
 * Report data of the tenant: 26 weeks of tickets with SLA events, the technicians' time entries
 * (ticket, project and internal time, billable and not), block-hour and retainer contracts with
 * their purchases, the location's business hours and holidays. Seeded after everything else from
 * its own random stream, so the records seeded before it keep their ids and values.
 */

import {
  PRIORITY_WEIGHTS,
  QUEUE_WEIGHTS,
  R,
  RESOLUTIONS,
  SOURCES,
  TICKET_TEMPLATES,
  type TicketTemplate,
  WELL_KNOWN,
} from "./data_fixtures.ts";
import {
  BUSINESS_HOURS,
  Calendar,
  dayIso,
  dayOfIso,
  holidaysOf,
  isoOf,
  type LocalDay,
  localDayOf,
  localTime,
  mondayOf,
  pacificOffsetHours,
  weekday,
} from "./data_calendar.ts";
import { idsFrom, Rand } from "./data_roadmap.ts";
import { SLA } from "./picklists.ts";
import type { Store } from "./store.ts";
import type { Rec } from "./types.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How far back the ticket and time history goes. */
export const HISTORY_WEEKS = 26;

/** Work types and internal-time codes this module adds to the tenant's billing codes. */
export const REPORT_CODES = {
  remote: 29682801,
  onsite: 29682802,
  afterHours: 29682803,
  projectLabor: 29682804,
  internal: 29682805,
  /** A work type whose time is not billed (warranty and goodwill work on tickets). */
  warranty: 29682808,
  meeting: 29682809,
  training: 29682810,
} as const;

/**
 * SLA targets in hours per priority: first response, resolution plan, resolution. The tenant's
 * own numbers; "Standard Business Hours" counts business hours only, "Premium 24x7" the clock.
 */
export const SLA_TARGETS: Record<
  number,
  { businessHours: boolean; byPriority: Record<number, [number, number, number]> }
> = {
  1: {
    businessHours: true,
    byPriority: { 6: [1, 2, 8], 4: [2, 4, 16], 1: [4, 8, 24], 2: [8, 16, 40], 9: [16, 40, 80] },
  },
  4: {
    businessHours: false,
    byPriority: { 6: [0.5, 1, 4], 4: [1, 2, 8], 1: [2, 8, 48], 2: [4, 16, 96], 9: [8, 48, 168] },
  },
};

/** How a technician spends a day: shares of ticket, project and internal time. */
interface Profile {
  id: number;
  ticket: number;
  project: number;
  internal: number;
  /** Relative share of new tickets assigned to this technician. */
  share: number;
  /** Weekdays worked (0 = Sunday), default Monday to Friday. */
  days?: readonly number[];
  /** Stops working (and being assigned tickets) after this many days of the history. */
  until?: number;
  /** Internal-time codes this person logs, weighted. */
  internalCodes: Weights<number>;
}

const USUAL_INTERNAL = weights([
  [REPORT_CODES.internal, 3],
  [REPORT_CODES.meeting, 2],
  [REPORT_CODES.training, 1],
]);

const PROFILES: readonly Profile[] = [
  // Alex Morgan, service desk manager: meetings, escalations, the knowledge base project.
  {
    id: 29682886,
    ticket: 0.35,
    project: 0.1,
    internal: 0.55,
    share: 0.4,
    internalCodes: weights([[REPORT_CODES.meeting, 3], [REPORT_CODES.internal, 2]]),
  },
  {
    id: 29682887,
    ticket: 0.85,
    project: 0,
    internal: 0.15,
    share: 1.2,
    internalCodes: USUAL_INTERNAL,
  },
  // Tomás Álvarez, junior, works Monday to Thursday and studies for certifications.
  {
    id: WELL_KNOWN.tier1OnlyResourceId,
    ticket: 0.75,
    project: 0,
    internal: 0.25,
    share: 0.9,
    days: [1, 2, 3, 4],
    internalCodes: weights([[REPORT_CODES.training, 3], [REPORT_CODES.meeting, 1]]),
  },
  {
    id: 29682889,
    ticket: 0.65,
    project: 0.2,
    internal: 0.15,
    share: 1.0,
    internalCodes: USUAL_INTERNAL,
  },
  {
    id: 29682890,
    ticket: 0.45,
    project: 0.4,
    internal: 0.15,
    share: 0.6,
    internalCodes: USUAL_INTERNAL,
  },
  {
    id: 29682891,
    ticket: 0.85,
    project: 0,
    internal: 0.15,
    share: 1.2,
    internalCodes: USUAL_INTERNAL,
  },
  // Marcus Reed, project manager.
  {
    id: 29682892,
    ticket: 0.1,
    project: 0.6,
    internal: 0.3,
    share: 0.15,
    internalCodes: weights([[REPORT_CODES.meeting, 3], [REPORT_CODES.internal, 1]]),
  },
  // Sofia Rossi, account manager: mostly internal (account reviews, proposals).
  {
    id: 29682893,
    ticket: 0.15,
    project: 0,
    internal: 0.85,
    share: 0.15,
    internalCodes: weights([[REPORT_CODES.internal, 3], [REPORT_CODES.meeting, 2]]),
  },
  {
    id: 29682894,
    ticket: 0.4,
    project: 0.45,
    internal: 0.15,
    share: 0.5,
    internalCodes: USUAL_INTERNAL,
  },
  {
    id: 29682896,
    ticket: 0.85,
    project: 0,
    internal: 0.15,
    share: 0.9,
    internalCodes: USUAL_INTERNAL,
  },
  // Olivia Brown left eight weeks into the history (her resource is inactive now).
  {
    id: WELL_KNOWN.inactiveResourceId,
    ticket: 0.85,
    project: 0,
    internal: 0.15,
    share: 1.0,
    until: 56,
    internalCodes: USUAL_INTERNAL,
  },
];

/** Who takes weekend and night calls, week by week. */
const ON_CALL = [29682887, 29682889, 29682891, 29682896];
/** The field technician: onsite hardware tickets go to him first. */
const FIELD_TECH = 29682896;
/** The network engineer: network tickets go to him first. */
const NETWORK_TECH = 29682890;

const INTERNAL_NOTES: Record<number, readonly string[]> = {
  [REPORT_CODES.internal]: [
    "Documentation clean-up",
    "Lab maintenance",
    "Account review and renewal prep",
    "Proposal writing",
    "Timesheet and admin",
  ],
  [REPORT_CODES.meeting]: ["Team meeting", "1:1 with manager", "Service desk stand-up", "QBR prep"],
  [REPORT_CODES.training]: [
    "Vendor training",
    "Certification study",
    "Security awareness course",
  ],
};

const TICKET_NOTES = [
  "Investigated and updated the user.",
  "Remote session; applied fix.",
  "Called vendor support.",
  "Tested and confirmed resolution.",
  "Reviewed logs and monitoring history.",
  "Onsite visit; replaced hardware.",
];

/** A project of the history: which customer (index into the customers, or the own company). */
interface HistoryProject {
  company: number | "own";
  name: string;
  type: number;
  status: number;
  /** Start, in days from today (negative: in the past), and length in days. */
  start: number;
  days: number;
  lead: number;
  /** Who works the tasks, with the role each works them under. */
  workers: readonly (readonly [number, number])[];
}

const HISTORY_PROJECTS: readonly HistoryProject[] = [
  {
    company: 1,
    name: "Windows 11 Rollout",
    type: 5,
    status: 5,
    start: -170,
    days: 75,
    lead: 29682892,
    workers: [[29682889, R.tier2], [29682894, R.networkEngineer], [29682892, R.projectManager]],
  },
  {
    company: 2,
    name: "Backup Appliance Replacement",
    type: 5,
    status: 5,
    start: -120,
    days: 55,
    lead: 29682894,
    workers: [[29682890, R.networkEngineer], [29682894, R.networkEngineer]],
  },
  {
    company: 16,
    name: "Network Segmentation",
    type: 5,
    status: 10,
    start: -75,
    days: 95,
    lead: 29682892,
    workers: [[29682890, R.networkEngineer], [29682892, R.projectManager]],
  },
  {
    company: "own",
    name: "Service Desk Knowledge Base",
    type: 4,
    status: 10,
    start: -150,
    days: 140,
    lead: 29682886,
    workers: [[29682892, R.projectManager], [29682886, R.tier2], [29682889, R.tier2]],
  },
];

/** Contracts this module adds for customers that had none, by index into the customers. */
interface ContractPlan {
  customer: number;
  type: 1 | 4 | 6;
  /** Start and end in days from today. */
  start: number;
  end: number;
  sla: number;
  /** Block hours: hours per block and the block's hourly rate; retainers: amount per purchase. */
  size: number;
  rate?: number;
  /** Sized so the remaining balance lasts about two weeks at the last 30 days' burn. */
  nearRunOut?: boolean;
}

const NEW_CONTRACTS: readonly ContractPlan[] = [
  { customer: 16, type: 6, start: -300, end: 65, sla: 1, size: 4000 },
  { customer: 17, type: 6, start: -200, end: 18, sla: 4, size: 2500 },
  { customer: 18, type: 4, start: -250, end: 120, sla: 1, size: 20, rate: 135, nearRunOut: true },
  { customer: 20, type: 4, start: -150, end: 9, sla: 1, size: 10, rate: 140 },
  { customer: 21, type: 1, start: -400, end: 27, sla: 1, size: 0 },
];

/** Blocks of the tenant's own block-hour contracts (seeded before this module): 40 hours each. */
const DEFAULT_BLOCK = { size: 40, rate: 150 };

/** Payment types of block purchases: this tenant's own list. */
const PAYMENT_TYPES = [29683601, 29683602, 29683603];

const ALERT_TEMPLATES = TICKET_TEMPLATES.filter((t) => t.type === 5);
const OTHER_TEMPLATES = TICKET_TEMPLATES.filter((t) => t.type !== 5);

/** Ticket work, in hours, by kind of ticket. */
function workBudget(r: Rand, t: TicketTemplate): number {
  if (t.type === 5) return r.pick([0.25, 0.5, 0.75, 1, 1.5]);
  if (t.sub === 241 || t.sub === 244) return r.pick([0.25, 0.5, 0.75, 1]);
  if (t.sub === 242) return r.pick([3, 4, 5, 6]);
  if (t.sub === 243) return r.pick([1.5, 2, 3]);
  if (t.sub === 203 || t.sub === 221 || t.sub === 223) return r.pick([2, 3, 4, 6, 8]);
  return r.pick([1, 1.5, 2, 2.5, 3, 4, 5, 6]);
}

const iso = isoOf;

function money(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Weighted choices with their total, computed once. */
interface Weights<T> {
  items: readonly (readonly [T, number])[];
  total: number;
}

function weights<T>(items: readonly (readonly [T, number])[]): Weights<T> {
  return { items, total: items.reduce((s, [, w]) => s + w, 0) };
}

function weighted<T>(r: Rand, choice: Weights<T>): T {
  // Indexed, not destructured: this runs tens of thousands of times before the JIT warms up.
  const items = choice.items;
  let x = r.next() * choice.total;
  for (let i = 0; i < items.length; i++) {
    x -= items[i][1];
    if (x < 0) return items[i][0];
  }
  return items[items.length - 1][0];
}

const PRIORITIES = weights(PRIORITY_WEIGHTS);
const QUEUES = weights(QUEUE_WEIGHTS);
// Constant choices, allocated once (the simulation draws from them tens of thousands of times).
const TICKET_CHUNKS = [1, 1.5, 2, 2, 2.5, 3, 4];
const TASK_CHUNKS = [2, 2.5, 3, 4];
const INTERNAL_CHUNKS = [2, 2.5, 3, 3, 3.5, 4];
const START_MINUTES = [450, 465, 480, 480, 495, 510, 540];
const LUNCH_MINUTES = [30, 45, 60];
const CALL_HOURS = [0.5, 0.75, 1, 1.5];

/** Priority order for picking work: P1 Emergency first (the tenant's sort order). */
const PRIORITY_RANK: Record<number, number> = { 6: 0, 4: 1, 1: 2, 2: 3, 9: 4 };

/** A ticket while its history is simulated. */
interface TicketSim {
  rec: Rec;
  created: number;
  rank: number;
  /** Hours of work left before it can be completed. */
  left: number;
  /** Not workable before this instant (waiting on the customer, parts or a vendor). */
  blockedUntil: number;
  firstWork: number | null;
  lastWork: number | null;
  waited: boolean;
  /** Waits for ever (vendor escalation, parts on back-order): stays open. */
  stuck: boolean;
  completed: number | null;
}

/** A project task while its history is simulated. */
interface TaskSim {
  rec: Rec;
  from: LocalDay;
  to: LocalDay;
  left: number;
  billable: boolean;
  contractID: number | null;
}

/** A contract with the window in which tickets and projects may charge to it. */
interface ContractWindow {
  id: number;
  from: number;
  to: number;
  sla: number | null;
}

/** What the simulation needs to look up while it runs. */
interface World {
  store: Store;
  /**
   * The random stream in use. Each day's tickets, each technician's day and each after-hours call
   * draw from a stream of their own, so work cut short at `now` moves nothing else.
   */
  r: Rand;
  cal: Calendar;
  now: number;
  today: LocalDay;
  firstDay: LocalDay;
  deskRole: Map<number, number>;
  contractOf: Map<number, ContractWindow[]>;
  /** The customers as weighted choices (bigger agreements raise more tickets). */
  customerWeights: Weights<number>;
  /** Who gets new tickets, before and after someone leaves. */
  assignees: Weights<Profile>;
  /** Entries logged so far, with their end instant: ids are handed out once all are known. */
  pending: { end: number; rec: Rec }[];
  contacts: Map<number, number[]>;
  queues: Map<number, TicketSim[]>;
  tasks: TaskSim[];
  nextEntryId: () => number;
  nextTicketId: () => number;
  dayIsos: Map<LocalDay, string>;
  sims: TicketSim[];
}

/**
 * Seeds the report data; call after every other part of the tenant is seeded. Each day of the
 * history, the SLA pass and the purchases draw from streams of their own, and nothing drawn
 * depends on whether an event is already in the past: a tenant built a few seconds later differs
 * only in what happened in those seconds.
 */
export function seedReportData(store: Store, options: { seed: number; now: Date }): void {
  const seed = options.seed;
  const r = new Rand(seed ^ 0x2e9027);
  const now = options.now.getTime();
  const today = localDayOf(now);
  const year = new Date(now).getUTCFullYear();
  const cal = new Calendar(year - 2, year + 1);
  // A Wednesday 26 weeks back: the first week of the history is always a partial one.
  const firstDay = mondayOf(today) - HISTORY_WEEKS * 7 + 2;
  seedLocation(store, year);
  seedCodes(store);
  localiseExistingEntries(store);
  const customers = store.table("Companies").rows
    .filter((c) => c.companyType === 1 && c.isActive === true && c.id !== 0)
    .map((c) => ({
      id: c.id,
      weight: c.classification === 101 ? 3 : c.classification === 102 ? 2 : 1,
    }));
  const plans = seedContracts(store, r, today, customers.map((c) => c.id));
  const contacts = new Map<number, number[]>();
  for (const c of store.table("Contacts").rows) {
    if (c.isActive !== 1) continue;
    const list = contacts.get(c.companyID as number) ?? [];
    list.push(c.id);
    contacts.set(c.companyID as number, list);
  }
  const world: World = {
    store,
    r,
    cal,
    now,
    today,
    firstDay,
    deskRole: defaultDeskRoles(store),
    contractOf: contractWindows(store),
    customerWeights: weights(customers.map((c) => [c.id, c.weight] as const)),
    assignees: weights(PROFILES.map((p) => [p, p.share] as const)),
    pending: [],
    contacts,
    queues: new Map(PROFILES.map((p) => [p.id, []])),
    tasks: [],
    nextEntryId: idsFrom(store.table("TimeEntries").nextId() + 250, new Rand(seed ^ 0x2e9028)),
    nextTicketId: idsFrom(store.table("Tickets").nextId() + 400, new Rand(seed ^ 0x2e9029)),
    dayIsos: new Map(),
    sims: [],
  };
  seedHistoryProjects(world, customers.map((c) => c.id));
  for (let day = firstDay; day <= today; day++) {
    simulateDay(world, day, (seed ^ 0x2e902a) + Math.imul(day - firstDay + 1, 0x9e3779b1));
  }
  storeEntries(world);
  finishTickets(world);
  finishTasks(world);
  const sims = new Map(world.sims.map((s) => [s.rec.id, s]));
  applySla(store, new Rand(seed ^ 0x2e902b), cal, now, sims);
  seedPurchases(store, new Rand(seed ^ 0x2e902c), today, plans);
}

// ---------------------------------------------------------------------------------------------
// Location, holidays and billing codes

function seedLocation(store: Store, year: number): void {
  const setId = 29683701;
  store.table("HolidaySets").insert({
    id: setId,
    holidaySetName: "Northwind US Holidays",
    holidaySetDescription: "Office closed; the on-call technician covers Premium 24x7 customers",
  });
  const holidays = store.table("Holidays");
  let id = 412;
  for (let y = year - 1; y <= year + 1; y++) {
    for (const h of holidaysOf(y)) {
      holidays.insert({
        id: id++,
        holidayDate: dayIso(h.day),
        holidayName: h.name,
        holidaySetID: setId,
      });
    }
  }
  // Resources' locationID is 1: the one office, with its business hours.
  const address = {
    name: "Portland HQ",
    address1: "400 SW Sixth Ave, Suite 900",
    address2: null,
    city: "Portland",
    state: "OR",
    postalCode: "97204",
    additionalAddressInfo: null,
    isDefault: true,
  };
  store.table("InternalLocations").insert({
    id: 1,
    ...address,
    country: "United States",
    holidaySetId: setId,
    timeZone: "(UTC-08:00) Pacific Time (US & Canada)",
  });
  // Times of day are local wall-clock times on a placeholder date, like date-only fields.
  const at = (minutes: number): string => iso(Date.UTC(1900, 0, 1) + minutes * MINUTE);
  const hours: Rec = {
    id: 1,
    ...address,
    countryID: 237,
    dateFormat: "MM/dd/yyyy",
    timeFormat: "h:mm a",
    numberFormat: "X,XXX.XX",
    firstDayOfWeek: 2,
    timeZoneID: 15,
    holidaySetID: setId,
    holidayHoursType: 1,
    noHoursOnHolidays: true,
  };
  for (const day of ["monday", "tuesday", "wednesday", "thursday", "friday"]) {
    hours[`${day}BusinessHoursStartTime`] = at(BUSINESS_HOURS.open);
    hours[`${day}BusinessHoursEndTime`] = at(BUSINESS_HOURS.close);
    hours[`${day}ExtendedHoursStartTime`] = at(BUSINESS_HOURS.close);
    hours[`${day}ExtendedHoursEndTime`] = at(20 * 60);
  }
  for (const day of ["saturday", "sunday"]) {
    hours[`${day}BusinessHoursStartTime`] = null;
    hours[`${day}BusinessHoursEndTime`] = null;
  }
  store.table("InternalLocationWithBusinessHours").insert(hours);
}

function seedCodes(store: Store): void {
  const codes = store.table("BillingCodes");
  const rows: [number, string][] = [
    [REPORT_CODES.warranty, "Warranty / Goodwill (no charge)"],
    [REPORT_CODES.meeting, "Internal Meeting"],
    [REPORT_CODES.training, "Training & Certification"],
  ];
  for (const [id, name] of rows) {
    codes.insert({
      id,
      name,
      description: name,
      isActive: true,
      useType: 1,
      billingCodeType: 0,
      unitPrice: id === REPORT_CODES.warranty ? 0 : null,
      department: 29683001,
      afterHoursWorkType: null,
    });
  }
  // Remote and onsite work switch to the after-hours work type outside business hours.
  for (const id of [REPORT_CODES.remote, REPORT_CODES.onsite]) {
    const code = codes.get(id);
    if (code) code.afterHoursWorkType = REPORT_CODES.afterHours;
  }
}

/**
 * Gives the entries seeded before this module their local `dateWorked`: the tenant works in US
 * Pacific time, so an entry started at 17:30 local is on that local date although it is past
 * midnight UTC. (Those entries sit at fixed offsets from `now`, so the history below ignores them:
 * a day's work never depends on the exact time the tenant was built.)
 */
function localiseExistingEntries(store: Store): void {
  for (const e of store.table("TimeEntries").rows) {
    if (typeof e.startDateTime === "string") {
      e.dateWorked = dayIso(localDayOf(Date.parse(e.startDateTime)));
    }
  }
}

function defaultDeskRoles(store: Store): Map<number, number> {
  const roles = new Map<number, number>();
  for (const row of store.table("ResourceServiceDeskRoles").rows) {
    if (row.isDefault === true) roles.set(row.resourceID as number, row.roleID as number);
  }
  return roles;
}

function contractWindows(store: Store): Map<number, ContractWindow[]> {
  const map = new Map<number, ContractWindow[]>();
  for (const c of store.table("Contracts").rows) {
    if (c.status !== 1) continue;
    const list = map.get(c.companyID as number) ?? [];
    list.push({
      id: c.id,
      from: Date.parse(c.startDate as string),
      to: Date.parse(c.endDate as string) + DAY,
      sla: (c.serviceLevelAgreementID as number | null) ?? null,
    });
    map.set(c.companyID as number, list);
  }
  return map;
}

function contractAt(world: World, companyId: number, at: number): ContractWindow | null {
  return world.contractOf.get(companyId)?.find((c) => c.from <= at && at < c.to) ?? null;
}

/** A contract this module seeded, with what its purchases follow. */
interface PlannedContract {
  id: number;
  type: number;
  size: number;
  rate: number;
  start: LocalDay;
  end: LocalDay;
  nearRunOut: boolean;
}

function seedContracts(
  store: Store,
  r: Rand,
  today: LocalDay,
  customers: number[],
): PlannedContract[] {
  const contracts = store.table("Contracts");
  const nextId = idsFrom(contracts.nextId() + 30, r);
  const planned: PlannedContract[] = [];
  for (const plan of NEW_CONTRACTS) {
    const companyId = customers[plan.customer];
    const company = store.table("Companies").get(companyId);
    if (!company) continue;
    const id = nextId();
    const kind = plan.type === 4
      ? `Block Hours ${plan.size}h`
      : plan.type === 6
      ? `Retainer $${plan.size}`
      : "Time & Materials";
    contracts.insert({
      id,
      companyID: companyId,
      contractName: `${company.companyName} - ${kind}`,
      contractNumber: `C-2024-${String(300 + plan.customer).padStart(4, "0")}`,
      contractType: plan.type,
      contractCategory: 15,
      status: 1,
      startDate: dayIso(today + plan.start),
      endDate: dayIso(today + plan.end),
      timeReportingRequiresStartAndStopTimes: 1,
      billingPreference: 3,
      serviceLevelAgreementID: plan.sla,
      estimatedRevenue: plan.type === 1 ? 24_000 : plan.size * (plan.rate ?? 1) * 6,
      estimatedHours: plan.type === 4 ? plan.size * 6 : null,
      overageBillingRate: plan.type === 4 ? (plan.rate ?? 0) + 25 : null,
      isDefaultContract: true,
      lastModifiedDateTime: iso(localTime(today + plan.start, 10 * 60)),
    });
    if (plan.type === 4 || plan.type === 6) {
      planned.push({
        id,
        type: plan.type,
        size: plan.size,
        rate: plan.rate ?? 0,
        start: today + plan.start,
        end: today + plan.end,
        nearRunOut: plan.nearRunOut === true,
      });
    }
  }
  // The block-hour contracts seeded before this module get blocks too.
  for (const c of contracts.rows) {
    if (c.contractType !== 4 || c.status !== 1 || planned.some((p) => p.id === c.id)) continue;
    planned.push({
      id: c.id,
      type: 4,
      size: DEFAULT_BLOCK.size,
      rate: DEFAULT_BLOCK.rate,
      start: dayOfIso(c.startDate as string),
      end: dayOfIso(c.endDate as string),
      nearRunOut: false,
    });
  }
  return planned;
}

// ---------------------------------------------------------------------------------------------
// Projects

function seedHistoryProjects(world: World, customers: number[]): void {
  const { store, r, today } = world;
  const projects = store.table("Projects");
  const phases = store.table("Phases");
  const tasks = store.table("Tasks");
  const projectId = idsFrom(projects.nextId() + 20, r);
  const phaseId = idsFrom(phases.nextId() + 40, r);
  const taskId = idsFrom(tasks.nextId() + 90, r);
  for (const p of HISTORY_PROJECTS) {
    const companyId = p.company === "own" ? WELL_KNOWN.ownCompanyId : customers[p.company];
    const company = store.table("Companies").get(companyId);
    if (!company) continue;
    const from = today + p.start;
    const to = from + p.days;
    const start = localTime(from, 9 * 60);
    const end = localTime(to, 17 * 60);
    const contract = p.type === 4 ? null : contractAt(world, companyId, start);
    const id = projectId();
    const complete = p.status === 5;
    projects.insert({
      id,
      projectName: `${company.companyName} - ${p.name}`,
      projectNumber: `P${dayIso(from - 14).slice(0, 10).replaceAll("-", "")}.${
        String(id % 10000).padStart(4, "0")
      }`,
      companyID: companyId,
      projectType: p.type,
      status: p.status,
      department: 29683002,
      startDateTime: iso(start),
      endDateTime: iso(end),
      projectLeadResourceID: p.lead,
      companyOwnerResourceID: 29682893,
      contractID: contract?.id ?? null,
      description: `${p.name} for ${company.companyName}.`,
      estimatedTime: 0,
      completedPercentage: complete ? 100 : r.int(30, 70),
      completedDateTime: complete ? iso(end) : null,
      createDateTime: iso(start - r.int(7, 21) * DAY),
      creatorResourceID: p.lead,
      statusDateTime: iso(Math.min(world.now - HOUR, complete ? end : start)),
      lastActivityDateTime: iso(Math.min(world.now - HOUR, end)),
    });
    const phaseIds = ["Plan & Design", "Delivery"].map((title, k) => {
      const pid = phaseId();
      phases.insert({
        id: pid,
        projectID: id,
        title,
        phaseNumber: `${k + 1}`,
        startDate: iso(k === 0 ? start : start + (end - start) / 3),
        dueDate: iso(k === 0 ? start + (end - start) / 3 : end),
        estimatedHours: 0,
        isScheduled: true,
        createDate: iso(start - 7 * DAY),
        creatorResourceID: p.lead,
        lastActivityDateTime: iso(Math.min(world.now - HOUR, end)),
      });
      return pid;
    });
    const count = r.int(4, 6);
    let estimated = 0;
    for (let k = 0; k < count; k++) {
      const [worker, role] = p.workers[k % p.workers.length];
      const tFrom = from + Math.floor((k * p.days) / count);
      const tTo = Math.min(to, tFrom + Math.ceil((p.days / count) * 1.6));
      const hours = r.pick([6, 8, 10, 12, 16, 20, 24]);
      estimated += hours;
      const tid = taskId();
      const rec: Rec = {
        id: tid,
        projectID: id,
        phaseID: phaseIds[k < count / 3 ? 0 : 1],
        title: `${p.name}: ${
          [
            "Discovery workshop",
            "Design",
            "Build and stage",
            "Pilot group",
            "Rollout",
            "Hand-over",
          ][
            k
          ]
        }`,
        description: "Task from the project plan.",
        status: tFrom > today ? 1 : 10,
        taskType: 1,
        priorityLabel: 1,
        departmentID: 29683002,
        assignedResourceID: worker,
        assignedResourceRoleID: role,
        estimatedHours: hours,
        remainingHours: hours,
        startDateTime: iso(localTime(tFrom, 9 * 60)),
        endDateTime: iso(localTime(tTo, 17 * 60)),
        isVisibleInClientPortal: false,
        canClientPortalUserCompleteTask: false,
        isTaskBillable: p.type === 5,
        billingCodeID: REPORT_CODES.projectLabor,
        taskNumber: `T${dayIso(tFrom).slice(0, 10).replaceAll("-", "")}.${
          String(tid % 100000).padStart(5, "0")
        }`,
        createDateTime: iso(start - 7 * DAY),
        creatorResourceID: p.lead,
        creatorType: 1,
        completedDateTime: null,
        lastActivityDateTime: iso(Math.min(world.now - HOUR, localTime(tFrom, 9 * 60))),
      };
      tasks.insert(rec);
      world.tasks.push({
        rec,
        from: tFrom,
        to: tTo,
        // Work runs a little over or under the estimate.
        left: Math.round(hours * (0.8 + r.next() * 0.5) * 4) / 4,
        billable: p.type === 5,
        contractID: contract?.id ?? null,
      });
    }
    (projects.get(id) as Rec).estimatedTime = estimated;
  }
}

// ---------------------------------------------------------------------------------------------
// The day-by-day simulation

function dayString(world: World, day: LocalDay): string {
  let s = world.dayIsos.get(day);
  if (s === undefined) {
    s = dayIso(day);
    world.dayIsos.set(day, s);
  }
  return s;
}

function isWorking(world: World, p: Profile, day: LocalDay): boolean {
  const index = day - world.firstDay;
  if (p.until !== undefined && index > p.until) return false;
  if (!world.cal.isBusinessDay(day)) return false;
  const dow = weekday(day);
  if (p.days && !p.days.includes(dow)) return false;
  // One week of vacation each in the history, and the odd sick day.
  const vacation = world.firstDay + 14 + ((p.id * 37) % (HISTORY_WEEKS * 7 - 35));
  if (day >= mondayOf(vacation) && day < mondayOf(vacation) + 5) return false;
  return ((p.id + day * 7919) % 41) !== 0;
}

function onCall(world: World, day: LocalDay): number {
  return ON_CALL[Math.floor((mondayOf(day) - world.firstDay) / 7 + 1000) % ON_CALL.length];
}

function simulateDay(world: World, day: LocalDay, daySeed: number): void {
  world.r = new Rand(daySeed);
  const fresh = createTickets(world, day);
  const business = world.cal.isBusinessDay(day);
  // Out of business hours the on-call technician takes the alerts and emergencies.
  for (let i = 0; i < fresh.length; i++) {
    const sim = fresh[i];
    const minute = Math.round((sim.created - localTime(day, 0)) / MINUTE);
    const outside = !business || minute < 7 * 60 || minute >= 18 * 60;
    if (outside && (sim.rec.ticketType === 5 || sim.rank <= 1)) {
      world.r = new Rand(daySeed ^ Math.imul(sim.rec.id, 0xc2b2ae35));
      afterHoursCall(world, sim);
    }
  }
  handOver(world, day);
  if (!business) return;
  for (let i = 0; i < PROFILES.length; i++) {
    if (!isWorking(world, PROFILES[i], day)) continue;
    world.r = new Rand(daySeed ^ Math.imul(i + 1, 0x85ebca6b));
    workDay(world, PROFILES[i], day);
  }
}

/** Someone who left hands their open tickets to a colleague (under the colleague's own role). */
function handOver(world: World, day: LocalDay): void {
  const index = day - world.firstDay;
  for (const p of PROFILES) {
    if (p.until === undefined || index !== p.until + 1) continue;
    const to = 29682891;
    const leaving = localTime(day, 0);
    const links = world.store.table("TicketSecondaryResources");
    for (const sim of world.sims) {
      if (sim.rec.assignedResourceID !== p.id) continue;
      if (sim.completed !== null && sim.completed <= leaving) continue;
      // Time already logged stays hers, under the role she worked it with: she stays on the
      // ticket as a secondary resource.
      if (sim.firstWork !== null) {
        links.insert({
          id: links.nextId() + 1,
          ticketID: sim.rec.id,
          resourceID: p.id,
          roleID: sim.rec.assignedResourceRoleID,
        });
      }
      sim.rec.assignedResourceID = to;
      sim.rec.assignedResourceRoleID = world.deskRole.get(to) ?? null;
      if (sim.left > 0 && !(sim.stuck && sim.firstWork !== null)) world.queues.get(to)?.push(sim);
    }
    (world.queues.get(p.id) ?? []).length = 0;
  }
}

const FIELD_PROFILE = PROFILES.find((p) => p.id === FIELD_TECH)!;
const NETWORK_PROFILE = PROFILES.find((p) => p.id === NETWORK_TECH)!;
/** The last day (index into the history) anyone is handed new tickets before they leave. */
const LAST_ASSIGNMENT = new Set(PROFILES.map((p) => p.until === undefined ? -1 : p.until - 7));

function pickAssignee(world: World, t: TicketTemplate, day: LocalDay): Profile {
  const { r } = world;
  const index = day - world.firstDay;
  if ((t.sub === 201 || t.sub === 202) && r.chance(0.4)) return FIELD_PROFILE;
  if (t.issue === 12 && r.chance(0.5)) return NETWORK_PROFILE;
  // Nobody is handed new tickets in their last week.
  if (LAST_ASSIGNMENT.has(index)) {
    world.assignees = weights(
      PROFILES.filter((p) => p.until === undefined || p.until - 7 > index).map((p) =>
        [p, p.share] as const
      ),
    );
  }
  return weighted(r, world.assignees);
}

function createTickets(world: World, day: LocalDay): TicketSim[] {
  const { r, store, now } = world;
  const business = world.cal.isBusinessDay(day);
  const count = business ? r.int(7, 11) : r.int(1, 3);
  const drafts: { t: TicketTemplate; minute: number }[] = [];
  for (let k = 0; k < count; k++) {
    const alert = !business ? r.chance(0.75) : r.chance(0.2);
    const t = r.pick(alert ? ALERT_TEMPLATES : OTHER_TEMPLATES);
    const minute = alert ? r.int(0, 1439) : r.int(7 * 60, 18 * 60 - 1);
    drafts.push({ t, minute });
  }
  drafts.sort((a, b) => a.minute - b.minute);
  const out: TicketSim[] = [];
  const tickets = store.table("Tickets");
  for (let i = 0; i < drafts.length; i++) {
    const t = drafts[i].t;
    const minute = drafts[i].minute;
    // Every draw is made before the "created yet?" check, so a later `now` adds tickets at the end
    // of today without moving anything before them.
    const created = localTime(day, minute);
    const company = weighted(r, world.customerWeights);
    const priority = weighted(r, PRIORITIES);
    const queue = t.type === 5 ? 29683354 : weighted(r, QUEUES);
    const who = pickAssignee(world, t, day);
    const budget = workBudget(r, t);
    const title = r.pick(t.titles);
    const source = t.type === 5 ? 8 : r.pick(SOURCES);
    const contactDraw = r.next();
    const untriaged = r.chance(0.2);
    const waits = r.chance(0.15);
    const stuck = t.type !== 5 && r.chance(0.02);
    const creator = r.pick(ON_CALL);
    if (created > now - MINUTE) continue;
    const contract = contractAt(world, company, created);
    const contacts = world.contacts.get(company) ?? [];
    // Tickets of the last day and a half may still wait for triage.
    const assigned = !(untriaged && now - created < 36 * HOUR);
    const resource = assigned ? who.id : null;
    const id = world.nextTicketId();
    const rec: Rec = {
      id,
      ticketNumber: `T${dayString(world, day).slice(0, 10).replaceAll("-", "")}.${
        String(id % 10000).padStart(4, "0")
      }`,
      companyID: company,
      contactID: contacts.length > 0 && contactDraw < 0.85
        ? contacts[Math.floor(contactDraw / 0.85 * contacts.length)]
        : null,
      title,
      description: t.detail,
      status: assigned ? 8 : 1,
      priority,
      queueID: queue,
      ticketType: t.type,
      issueType: t.issue,
      subIssueType: t.sub,
      source,
      ticketCategory: t.type === 5 ? 105 : 2,
      serviceLevelAgreementID: contract?.sla ?? 1,
      assignedResourceID: resource,
      assignedResourceRoleID: resource === null ? null : world.deskRole.get(resource) ?? null,
      contractID: contract?.id ?? null,
      billingCodeID: who.id === FIELD_TECH ? REPORT_CODES.onsite : REPORT_CODES.remote,
      estimatedHours: budget,
      createDate: iso(created),
      creatorResourceID: t.type === 5 ? WELL_KNOWN.apiUserResourceId : creator,
      creatorType: 1,
      dueDateTime: null,
      firstResponseDateTime: null,
      firstResponseDueDateTime: null,
      firstResponseAssignedResourceID: null,
      firstResponseInitiatingResourceID: null,
      resolutionPlanDateTime: null,
      resolutionPlanDueDateTime: null,
      resolvedDueDateTime: null,
      serviceLevelAgreementHasBeenMet: null,
      lastTrackedModificationDateTime: iso(created),
      lastActivityDate: iso(created),
      lastActivityPersonType: 1,
      completedDate: null,
      completedByResourceID: null,
      resolvedDateTime: null,
      resolution: null,
    };
    tickets.insert(rec);
    const sim: TicketSim = {
      rec,
      created,
      rank: PRIORITY_RANK[priority] ?? 2,
      left: budget,
      blockedUntil: created,
      firstWork: null,
      lastWork: null,
      waited: !waits,
      stuck,
      completed: null,
    };
    world.sims.push(sim);
    if (resource !== null) world.queues.get(resource)?.push(sim);
    out.push(sim);
  }
  return out;
}

/** The next ticket a technician works on at `t`: most urgent first, then oldest. */
function nextTicket(world: World, resource: number, t: number): TicketSim | null {
  const queue = world.queues.get(resource) ?? [];
  let best: TicketSim | null = null;
  let write = 0;
  for (let i = 0; i < queue.length; i++) {
    const sim = queue[i];
    if (sim.left <= 0 || sim.stuck && sim.firstWork !== null) continue;
    queue[write++] = sim;
    if (sim.created > t || sim.blockedUntil > t) continue;
    if (!best || sim.rank < best.rank || (sim.rank === best.rank && sim.created < best.created)) {
      best = sim;
    }
  }
  queue.length = write;
  return best;
}

function nextTask(world: World, resource: number, day: LocalDay): TaskSim | null {
  for (let i = 0; i < world.tasks.length; i++) {
    const task = world.tasks[i];
    if (task.left <= 0 || task.rec.assignedResourceID !== resource) continue;
    if (task.from <= day && day <= task.to) return task;
  }
  return null;
}

/** What a time entry is for; the rest of its fields follow from these and its times. */
interface EntryFields {
  resourceID: number;
  roleID: unknown;
  ticketID: number | null;
  taskID: number | null;
  timeEntryType: number;
  billingCodeID: number;
  contractID: unknown;
  isNonBillable: boolean;
  summaryNotes: string;
  internalNotes: string | null;
}

/** Adds a time entry (one object literal: the tenant builds thousands of them at start-up). */
function addEntry(
  world: World,
  f: EntryFields,
  start: number,
  hours: number,
  options: { day: LocalDay; withTimes: boolean },
): void {
  const { r, now } = world;
  const end = start + hours * HOUR;
  // Most people log as they go (2-40 minutes after); some catch up the next morning.
  const x = r.next();
  const lag = x < 0.12 ? 15 * HOUR : (2 + Math.floor((x - 0.12) / 0.88 * 39)) * MINUTE;
  const logged = iso(Math.min(now - MINUTE, end + lag));
  world.pending.push({
    end,
    rec: {
      id: 0,
      resourceID: f.resourceID,
      roleID: f.roleID,
      ticketID: f.ticketID,
      taskID: f.taskID,
      timeEntryType: f.timeEntryType,
      billingCodeID: f.billingCodeID,
      contractID: f.contractID,
      isNonBillable: f.isNonBillable,
      summaryNotes: f.summaryNotes,
      internalNotes: f.internalNotes ?? null,
      startDateTime: options.withTimes ? iso(start) : null,
      endDateTime: options.withTimes ? iso(end) : null,
      dateWorked: dayString(world, options.day),
      hoursWorked: hours,
      hoursToBill: f.isNonBillable ? 0 : hours,
      offsetHours: 0,
      showOnInvoice: !f.isNonBillable,
      createDateTime: logged,
      creatorUserID: f.resourceID,
      lastModifiedDateTime: logged,
      lastModifiedUserID: f.resourceID,
    },
  });
}

/**
 * Hands out entry ids in the order the work ended (as entries are logged), so a tenant built a
 * little later has the same entries under the same ids plus the ones logged since.
 */
function storeEntries(world: World): void {
  const pending = world.pending.sort((a, b) =>
    a.end - b.end || (a.rec.resourceID as number) - (b.rec.resourceID as number)
  );
  const rows = world.store.table("TimeEntries").rows;
  for (let i = 0; i < pending.length; i++) {
    pending[i].rec.id = world.nextEntryId();
    rows.push(pending[i].rec);
  }
  world.pending = [];
}

function ticketEntry(
  world: World,
  sim: TicketSim,
  resource: number,
  start: number,
  hours: number,
  code: number,
  day: LocalDay,
): void {
  const { r } = world;
  const warranty = code !== REPORT_CODES.afterHours && r.chance(0.07);
  addEntry(
    world,
    {
      resourceID: resource,
      roleID: sim.rec.assignedResourceRoleID,
      ticketID: sim.rec.id,
      taskID: null,
      timeEntryType: 2,
      billingCodeID: warranty ? REPORT_CODES.warranty : code,
      contractID: sim.rec.contractID,
      isNonBillable: warranty,
      summaryNotes: r.pick(TICKET_NOTES),
      internalNotes: r.chance(0.2) ? "Internal: see documentation vault for credentials." : null,
    },
    start,
    hours,
    { day, withTimes: true },
  );
  const end = start + hours * HOUR;
  sim.firstWork ??= start;
  sim.lastWork = end;
  sim.left = Math.max(0, sim.left - hours);
  // Waits on a vendor or on back-ordered parts from the first visit on, and is never finished.
  if (sim.stuck) {
    sim.left = Math.max(sim.left, 0.5);
    return;
  }
  if (sim.left <= 0) {
    // Done, or done once the customer confirms.
    sim.completed = end + (r.chance(0.1) ? r.int(4, 48) * HOUR : r.int(2, 25) * MINUTE);
    return;
  }
  if (!sim.waited) {
    sim.waited = true;
    sim.blockedUntil = end + r.int(16, 96) * HOUR;
  }
}

function afterHoursCall(world: World, sim: TicketSim): void {
  const { r, now } = world;
  const tech = onCall(world, localDayOf(sim.created));
  const role = tech === 29682887 ? R.afterHours : world.deskRole.get(tech) ?? null;
  const start = sim.created + r.int(10, 50) * MINUTE;
  const hours = Math.min(sim.left, r.pick(CALL_HOURS));
  // Hand the ticket to the on-call technician under the role they work nights with.
  if (sim.rec.assignedResourceID !== tech) {
    const previous = sim.rec.assignedResourceID as number | null;
    const queue = previous === null ? [] : world.queues.get(previous) ?? [];
    if (queue.includes(sim)) queue.splice(queue.indexOf(sim), 1);
    sim.rec.assignedResourceID = tech;
    sim.rec.assignedResourceRoleID = role;
    sim.rec.status = 8;
    world.queues.get(tech)?.push(sim);
  }
  if (start + hours * HOUR > now) return;
  const day = localDayOf(start);
  // Nothing is logged before 06:00 local: the wall clock of the DST switch days is ambiguous then.
  const minute = Math.round((start - localTime(day, 0)) / MINUTE);
  const from = minute < 6 * 60 ? localTime(day, 6 * 60) : start;
  ticketEntry(world, sim, tech, from, hours, REPORT_CODES.afterHours, day);
}

function workDay(world: World, p: Profile, day: LocalDay): void {
  const { r, now } = world;
  const friday = weekday(day) === 5;
  const target = (friday ? r.int(26, 32) : r.int(28, 34)) / 4;
  const startMinute = r.pick(START_MINUTES);
  const dayStart = localTime(day, startMinute);
  let t = dayStart;
  let logged = 0;
  let lunch = false;
  while (logged < target - 0.01) {
    if (!lunch && t - dayStart >= 4 * HOUR) {
      t += r.pick(LUNCH_MINUTES) * MINUTE;
      lunch = true;
    }
    const roll = r.next();
    const cap = Math.max(0.25, Math.round((target - logged) * 4) / 4);
    let kind = roll < p.ticket ? "ticket" : roll < p.ticket + p.project ? "project" : "internal";
    // An emergency or urgent ticket comes before anything else.
    let ticket: TicketSim | null = nextTicket(world, p.id, t);
    if (ticket && ticket.rank <= 1) kind = "ticket";
    let task: TaskSim | null = null;
    if (kind === "ticket") {
      if (!ticket) kind = p.project > 0 ? "project" : "internal";
    }
    if (kind === "project") {
      task = nextTask(world, p.id, day);
      if (!task) {
        ticket = nextTicket(world, p.id, t);
        kind = ticket ? "ticket" : "internal";
      }
    }
    let hours: number;
    if (kind === "ticket" && ticket) {
      hours = Math.min(ticket.left, r.pick(TICKET_CHUNKS), cap);
      if (t + hours * HOUR > now) break;
      const code = p.id === FIELD_TECH ? REPORT_CODES.onsite : REPORT_CODES.remote;
      ticketEntry(world, ticket, p.id, t, hours, code, day);
    } else if (kind === "project" && task) {
      hours = Math.min(task.left, r.pick(TASK_CHUNKS), cap);
      if (t + hours * HOUR > now) break;
      addEntry(
        world,
        {
          resourceID: p.id,
          roleID: task.rec.assignedResourceRoleID,
          ticketID: null,
          taskID: task.rec.id,
          timeEntryType: 6,
          billingCodeID: task.billable ? REPORT_CODES.projectLabor : REPORT_CODES.internal,
          contractID: task.contractID,
          isNonBillable: !task.billable,
          summaryNotes: "Project work as planned.",
          internalNotes: null,
        },
        t,
        hours,
        { day, withTimes: r.chance(0.5) },
      );
      task.left = Math.max(0, task.left - hours);
      task.rec.remainingHours = Math.round(Math.max(0, task.left) * 4) / 4;
      task.rec.lastActivityDateTime = iso(Math.min(now - MINUTE, t + hours * HOUR));
      if (task.left <= 0) {
        task.rec.status = 5;
        task.rec.completedDateTime = iso(t + hours * HOUR);
        task.rec.completedByResourceID = p.id;
        task.rec.completedByType = 1;
      }
    } else {
      hours = Math.min(r.pick(INTERNAL_CHUNKS), cap);
      if (t + hours * HOUR > now) break;
      const code = weighted(r, p.internalCodes);
      addEntry(
        world,
        {
          resourceID: p.id,
          // General time always carries the resource's default role.
          roleID: world.deskRole.get(p.id) ?? null,
          ticketID: null,
          taskID: null,
          timeEntryType: 1,
          billingCodeID: code,
          contractID: null,
          isNonBillable: true,
          summaryNotes: r.pick(INTERNAL_NOTES[code]),
          internalNotes: null,
        },
        t,
        hours,
        { day, withTimes: r.chance(0.5) },
      );
    }
    t += hours * HOUR + (r.chance(0.3) ? 15 * MINUTE : 0);
    logged += hours;
  }
}

/** Statuses and dates of the simulated tickets once their history has run. */
function finishTickets(world: World): void {
  const now = world.now;
  for (const sim of world.sims) {
    const rec = sim.rec;
    const done = sim.completed !== null && sim.completed <= now;
    const last = Math.max(sim.created, sim.lastWork ?? sim.created);
    if (done) {
      const completed = iso(sim.completed!);
      rec.status = 5;
      rec.completedDate = completed;
      rec.completedByResourceID = rec.assignedResourceID;
      rec.resolvedDateTime = completed;
      rec.resolution = RESOLUTIONS[rec.id % RESOLUTIONS.length];
      rec.lastTrackedModificationDateTime = completed;
      rec.lastActivityDate = completed;
      continue;
    }
    if (rec.assignedResourceID === null) continue;
    // Chosen from the id, not drawn: whether a ticket is done by now must not move other tickets.
    if (sim.stuck && sim.firstWork !== null) rec.status = rec.id % 2 === 0 ? 12 : 27;
    else if (sim.completed !== null || sim.blockedUntil > now) rec.status = 21;
    else if (sim.firstWork !== null) rec.status = rec.id % 10 < 3 ? 19 : 24;
    rec.lastTrackedModificationDateTime = iso(Math.min(now - MINUTE, last + 5 * MINUTE));
    rec.lastActivityDate = rec.lastTrackedModificationDateTime;
  }
}

/** Tasks of finished projects are complete, whatever hours they took. */
function finishTasks(world: World): void {
  for (const task of world.tasks) {
    if (task.rec.status === 5 || task.to >= world.today) continue;
    task.rec.status = 5;
    task.rec.remainingHours = 0;
    task.rec.completedDateTime = iso(localTime(task.to, 16 * 60));
    task.rec.completedByResourceID = task.rec.assignedResourceID;
    task.rec.completedByType = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// SLA events

function addClockHours(from: number, hours: number): number {
  return from + hours * HOUR;
}

function clockMsBetween(from: number, to: number): number {
  return to - from;
}

/** Hours to two decimals, rounded up: an event past its due date never reads as on target. */
function elapsedHours(ms: number): number {
  return Math.ceil(ms / 36_000 - 1e-9) / 100;
}

/**
 * Due dates, events and met flags of every ticket with an SLA, and one ServiceLevelAgreementResults
 * row per ticket. Met means the event happened at or before its due date; the elapsed hours count
 * the SLA's own clock (business hours for "Standard Business Hours").
 */
function applySla(
  store: Store,
  r: Rand,
  cal: Calendar,
  now: number,
  simulated: Map<number, TicketSim>,
): void {
  const results = store.table("ServiceLevelAgreementResults");
  let resultId = 7710001;
  const names = new Map(SLA.map((s) => [s.value, s.label]));
  const rows = store.table("Tickets").rows;
  for (let i = 0; i < rows.length; i++) {
    const t = rows[i];
    const slaId = t.serviceLevelAgreementID as number | null;
    const sla = slaId === null ? undefined : SLA_TARGETS[slaId];
    if (!sla) continue;
    const targets = sla.byPriority[t.priority as number] ?? sla.byPriority[1];
    const frTarget = targets[0];
    const planTarget = targets[1];
    const resTarget = targets[2];
    const business = sla.businessHours;
    const created = Date.parse(t.createDate as string);
    const after = business ? cal.addBusinessHours : addClockHours;
    const clock = business ? cal.businessMsBetween : clockMsBetween;
    const frDue = after.call(cal, created, frTarget);
    const planDue = after.call(cal, created, planTarget);
    const resDue = after.call(cal, created, resTarget);
    const completed = t.completedDate ? Date.parse(t.completedDate as string) : null;
    const sim = simulated.get(t.id);
    const assignee = t.assignedResourceID as number | null;
    // Draws happen whatever the outcome, so one ticket's events never move another's.
    const ackOnTime = r.chance(0.88);
    const ackShare = r.next();
    const planOnTime = r.chance(0.85);
    const planShare = r.next();
    let fr = t.firstResponseDateTime ? Date.parse(t.firstResponseDateTime as string) : null;
    if (fr === null && sim && assignee !== null) {
      const hours = frTarget * (ackOnTime ? 0.1 + 0.8 * ackShare : 1.1 + 1.5 * ackShare);
      fr = Math.ceil(after.call(cal, created, hours) / MINUTE) * MINUTE;
      if (sim.firstWork !== null && fr > sim.firstWork) fr = sim.firstWork;
    }
    if (fr === null && completed !== null) fr = completed;
    if (fr !== null && completed !== null && fr > completed) fr = completed;
    if (fr !== null && fr > now) fr = null;
    let plan: number | null = null;
    if (fr !== null && t.status !== 1) {
      const hours = planOnTime
        ? Math.max(0.25, planTarget - frTarget) * (0.1 + 0.8 * planShare)
        : planTarget * (0.6 + 1.2 * planShare);
      plan = Math.ceil(after.call(cal, fr, hours) / MINUTE) * MINUTE;
      if (completed !== null && plan > completed) plan = completed;
      if (plan > now) plan = null;
    }
    const frMet = fr === null ? null : fr <= frDue;
    const planMet = plan === null ? null : plan <= planDue;
    const resMet = completed === null ? null : completed <= resDue;
    t.firstResponseDueDateTime = iso(frDue);
    t.firstResponseDateTime = fr === null ? null : iso(fr);
    t.firstResponseAssignedResourceID = fr === null ? null : assignee;
    t.firstResponseInitiatingResourceID = fr === null ? null : assignee;
    t.resolutionPlanDueDateTime = iso(planDue);
    t.resolutionPlanDateTime = plan === null ? null : iso(plan);
    t.resolvedDueDateTime = iso(resDue);
    t.resolvedDateTime = completed === null ? null : t.completedDate;
    t.serviceLevelAgreementHasBeenMet = completed === null ? null : frMet! && planMet! && resMet!;
    if (sim) t.dueDateTime = iso(resDue);
    results.insert({
      id: resultId++,
      ticketID: t.id,
      serviceLevelAgreementName: names.get(slaId!) ?? null,
      isFirstResponseMet: frMet,
      firstResponseElapsedHours: fr === null ? null : elapsedHours(clock.call(cal, created, fr)),
      firstResponseResourceID: fr === null ? null : assignee,
      firstResponseInitiatingResourceID: fr === null ? null : assignee,
      isResolutionPlanMet: planMet,
      resolutionPlanElapsedHours: plan === null
        ? null
        : elapsedHours(clock.call(cal, created, plan)),
      resolutionPlanResourceID: plan === null ? null : assignee,
      isResolutionMet: resMet,
      resolutionElapsedHours: completed === null
        ? null
        : elapsedHours(clock.call(cal, created, completed)),
      resolutionResourceID: completed === null ? null : t.completedByResourceID ?? assignee,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Block and retainer purchases

/** The money a billable time entry draws from a retainer: hours to bill at the role's rate. */
function entryAmount(store: Store, e: Rec): number {
  const rate = store.table("Roles").get(e.roleID as number)?.hourlyRate as number | undefined;
  return money((e.hoursToBill as number) * (rate ?? 0));
}

/**
 * Blocks (hours) and retainer purchases (money) of each block-hour and retainer contract: a new
 * purchase whenever the balance runs low, consumed oldest first. Autotask approves time weekly, so
 * `hoursApproved` / `amountApproved` hold the billable time worked before this week's Monday;
 * this week's time is still unapproved.
 */
function seedPurchases(store: Store, r: Rand, today: LocalDay, plans: PlannedContract[]): void {
  const byContract = new Map<number, Rec[]>();
  for (const e of store.table("TimeEntries").rows) {
    if (e.isNonBillable === true || typeof e.contractID !== "number") continue;
    const list = byContract.get(e.contractID) ?? [];
    list.push(e);
    byContract.set(e.contractID, list);
  }
  const cutoff = mondayOf(today);
  const blockId = idsFrom(88012, r);
  const retainerId = idsFrom(91020, r);
  let invoice = 18_600;
  for (const plan of plans.sort((a, b) => a.id - b.id)) {
    const retainer = plan.type === 6;
    const entries = (byContract.get(plan.id) ?? [])
      .map((e) => ({
        day: dayOfIso(e.dateWorked as string),
        amount: retainer ? entryAmount(store, e) : e.hoursToBill as number,
      }))
      .sort((a, b) => a.day - b.day);
    // Larger than any one entry, so no entry draws on a purchase made after the day it was worked.
    const lowWater = retainer ? Math.max(1000, plan.size * 0.2) : Math.max(4, plan.size * 0.2);
    const purchases: { day: LocalDay; size: number; used: number }[] = [
      { day: Math.max(plan.start, today - HISTORY_WEEKS * 7 - 30), size: plan.size, used: 0 },
    ];
    let bought = plan.size;
    let consumed = 0;
    for (const e of entries) {
      consumed += e.amount;
      if (bought - consumed < lowWater && e.day < today) {
        purchases.push({ day: e.day + 1, size: plan.size, used: 0 });
        bought += plan.size;
      }
    }
    // Today's work is not bought for until today is over; top up if it overdrew the balance.
    if (bought < consumed) {
      purchases.push({ day: today, size: plan.size, used: 0 });
      bought += plan.size;
    }
    if (plan.nearRunOut) {
      // The balance lasts about two weeks at the last 30 days' burn rate.
      const burn = entries.filter((e) => e.day > today - 30).reduce((s, e) => s + e.amount, 0);
      const wanted = Math.max(2, Math.round(burn * 0.5 * 2) / 2);
      const last = purchases[purchases.length - 1];
      last.size = Math.max(1, Math.round((last.size - (bought - consumed) + wanted) * 2) / 2);
    }
    // Approved time, oldest first, into the oldest purchase with room.
    let k = 0;
    for (const e of entries) {
      if (e.day >= cutoff) continue;
      let left = e.amount;
      while (left > 1e-9 && k < purchases.length) {
        const p = purchases[k];
        const room = p.size - p.used;
        const take = Math.min(room, left);
        p.used += take;
        left -= take;
        if (p.size - p.used <= 1e-9) k++;
      }
    }
    purchases.forEach((p, i) => {
      const paid = i < purchases.length - 1 || r.chance(0.5);
      const common = {
        contractID: plan.id,
        datePurchased: dayIso(p.day),
        startDate: dayIso(p.day),
        endDate: dayIso(plan.end),
        invoiceNumber: String(++invoice),
        isPaid: paid,
        paymentNumber: paid ? `PMT-${invoice}` : null,
        status: 1,
      };
      if (retainer) {
        store.table("ContractRetainers").insert({
          id: retainerId(),
          ...common,
          amount: money(p.size),
          amountApproved: money(p.used),
          internalCurrencyAmount: money(p.size),
          internalCurrencyAmountApproved: money(p.used),
          paymentID: null,
        });
      } else {
        store.table("ContractBlocks").insert({
          id: blockId(),
          ...common,
          hours: p.size,
          hoursApproved: Math.round(p.used * 100) / 100,
          hourlyRate: plan.rate,
          paymentType: paid ? PAYMENT_TYPES[(plan.id + i) % PAYMENT_TYPES.length] : null,
        });
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Scale mode

/**
 * Scale mode: pads the time entries to `total` by repeating the seeded history further back, 26
 * weeks at a time (whole weeks, so weekdays and local times of day stay put), in one pass in id
 * order. The copies keep their resource, role, ticket or task, contract and work type, so every
 * reference resolves, but ticket and task copies predate the ticket or task they name: they are
 * volume for benchmarks, not history to read.
 */
export function padTimeEntries(store: Store, total: number): void {
  const table = store.table("TimeEntries");
  const base = table.rows.slice();
  const count = total - base.length;
  if (count <= 0 || base.length === 0) return;
  // Parse each template's times once; the copies only subtract.
  const ms = (value: unknown): number => typeof value === "string" ? Date.parse(value) : NaN;
  const times = base.map((e) => ({
    start: ms(e.startDateTime),
    end: ms(e.endDateTime),
    day: ms(e.dateWorked),
    logged: ms(e.createDateTime),
  }));
  const at = (value: number, by: number): string | null =>
    Number.isNaN(value) ? null : isoOf(value - by);
  // Work times move by whole weeks of local time: across a DST change the UTC instant moves an
  // hour more or less, so an entry started just after local midnight keeps its local date (and
  // so its dateWorked, which moves by whole days).
  const localAt = (value: number, by: number): string | null =>
    Number.isNaN(value)
      ? null
      : isoOf(value - by + (pacificOffsetHours(value) - pacificOffsetHours(value - by)) * HOUR);
  const span = HISTORY_WEEKS * 7 * DAY;
  let id = table.nextId() + 1000;
  for (let i = 0; i < count; i++) {
    const k = i % base.length;
    const src = base[k];
    const t = times[k];
    const by = (Math.floor(i / base.length) + 1) * span;
    const logged = at(t.logged, by);
    table.rows.push({
      id,
      resourceID: src.resourceID,
      roleID: src.roleID,
      ticketID: src.ticketID,
      taskID: src.taskID,
      timeEntryType: src.timeEntryType,
      billingCodeID: src.billingCodeID,
      contractID: src.contractID ?? null,
      isNonBillable: src.isNonBillable,
      summaryNotes: src.summaryNotes,
      internalNotes: src.internalNotes ?? null,
      startDateTime: localAt(t.start, by),
      endDateTime: localAt(t.end, by),
      dateWorked: at(t.day, by),
      hoursWorked: src.hoursWorked,
      hoursToBill: src.hoursToBill,
      offsetHours: src.offsetHours,
      showOnInvoice: src.showOnInvoice,
      createDateTime: logged,
      creatorUserID: src.creatorUserID,
      lastModifiedDateTime: logged,
      lastModifiedUserID: src.lastModifiedUserID,
    });
    id += (i & 15) === 0 ? 2 : 1;
  }
}
