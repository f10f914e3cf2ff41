/**
 * The simulated tenant's report data, read over real HTTP like a report would: 26 weeks of time
 * entries and tickets, SLA events and results, block-hour and retainer purchases, business hours;
 * their volumes, their consistency, and the time-entry scale mode.
 */

import assert from "node:assert/strict";
import {
  Sandbox,
  SANDBOX_CREDENTIALS,
  type ServedSandbox,
  serveSandbox,
} from "../lib/sandbox/mod.ts";

type Rec = Record<string, unknown> & { id: number };

interface Page {
  items: Rec[];
  pageDetails: { count: number; nextPageUrl: string | null };
}

const HEADERS = {
  "Content-Type": "application/json",
  ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
  UserName: SANDBOX_CREDENTIALS.username,
  Secret: SANDBOX_CREDENTIALS.secret,
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ALL = { op: "gte", field: "id", value: 0 };
/** The tenant's office is in Portland: its local days are Pacific days. */
const ZONE = "America/Los_Angeles";

/** The local date (yyyy-mm-dd) of an instant, by the runtime's own time zone data. */
const localDate = (() => {
  const format = new Intl.DateTimeFormat("en-CA", {
    timeZone: ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  });
  return (ms: number): string => format.format(new Date(ms));
})();

async function post(s: ServedSandbox, path: string, body: unknown): Promise<Rec> {
  const url = path.startsWith("http") ? path : `${s.restBase}V1.0/${path}`;
  const res = await fetch(url, { method: "POST", headers: HEADERS, body: JSON.stringify(body) });
  const text = await res.text();
  assert.equal(res.status, 200, `POST ${path}: ${text}`);
  return JSON.parse(text) as Rec;
}

async function get(s: ServedSandbox, path: string): Promise<Rec> {
  const res = await fetch(`${s.restBase}V1.0/${path}`, { headers: HEADERS });
  const text = await res.text();
  assert.equal(res.status, 200, `GET ${path}: ${text}`);
  return JSON.parse(text) as Rec;
}

/** Every record a query matches, page by page (the POSTed body goes to each nextPageUrl). */
async function queryAll(
  s: ServedSandbox,
  entity: string,
  filter: unknown[] = [ALL],
  fields?: string[],
): Promise<Rec[]> {
  const body = { filter, MaxRecords: 500, ...(fields ? { IncludeFields: ["id", ...fields] } : {}) };
  let page = await post(s, `${entity}/query`, body) as unknown as Page;
  const out = [...page.items];
  while (page.pageDetails.nextPageUrl) {
    page = await post(s, page.pageDetails.nextPageUrl, body) as unknown as Page;
    out.push(...page.items);
  }
  return out;
}

async function count(s: ServedSandbox, entity: string, filter: unknown[]): Promise<number> {
  return (await post(s, `${entity}/query/count`, { filter })).queryCount as number;
}

const ENTRY_FIELDS = [
  "resourceID",
  "roleID",
  "ticketID",
  "taskID",
  "contractID",
  "billingCodeID",
  "timeEntryType",
  "dateWorked",
  "startDateTime",
  "endDateTime",
  "hoursWorked",
  "hoursToBill",
  "offsetHours",
  "isNonBillable",
];

/** Everything the checks below read, fetched once over HTTP. */
interface Tenant {
  entries: Rec[];
  tickets: Rec[];
  ticketsById: Map<number, Rec>;
}

async function load(s: ServedSandbox): Promise<Tenant> {
  const entries = await queryAll(s, "TimeEntries", [ALL], ENTRY_FIELDS);
  const tickets = await queryAll(s, "Tickets");
  return { entries, tickets, ticketsById: new Map(tickets.map((t) => [t.id, t])) };
}

async function withTenant(fn: (s: ServedSandbox, t: Tenant) => Promise<void>): Promise<void> {
  const s = await serveSandbox({ port: 0 });
  try {
    await fn(s, await load(s));
  } finally {
    await s.close();
  }
}

Deno.test("report data: 26 weeks of time for ten technicians, billable and not, with partial weeks", async () => {
  await withTenant(async (s, { entries, tickets }) => {
    const now = Date.now();
    assert.ok(entries.length >= 3_000, `${entries.length} time entries`);
    const hours = new Map<number, number>();
    for (const e of entries) {
      hours.set(
        e.resourceID as number,
        (hours.get(e.resourceID as number) ?? 0) + (e.hoursWorked as number),
      );
    }
    // Ten technicians and the one who left log real weeks: hundreds of hours each.
    const busy = [...hours].filter(([, h]) => h >= 200).map(([id]) => id);
    assert.ok(busy.length >= 10, `${busy.length} resources with 200+ hours`);
    const inactive =
      (await queryAll(s, "Resources", [{ op: "eq", field: "isActive", value: false }]))
        .map((r) => r.id);
    assert.ok(inactive.some((id) => busy.includes(id)), "someone who left has history");

    const days = entries.map((e) => e.dateWorked as string).sort();
    const first = Date.parse(days[0]);
    const last = Date.parse(days[days.length - 1]);
    const span = (last - first) / DAY;
    assert.ok(span >= 26 * 7 - 2, `history spans ${span} days`);
    assert.ok(now - last < 5 * DAY, `the latest entry is recent (${days[days.length - 1]})`);
    // The first week is a partial one: the history does not start on a Monday.
    assert.notEqual(new Date(first).getUTCDay(), 1, `starts on ${days[0]}`);

    const total = entries.reduce((n, e) => n + (e.hoursWorked as number), 0);
    const billable = entries.reduce((n, e) => n + (e.hoursToBill as number), 0);
    const share = billable / total;
    assert.ok(share > 0.25 && share < 0.8, `billable share ${share.toFixed(2)}`);
    const kinds = new Set(entries.map((e) => e.timeEntryType));
    assert.deepEqual([...kinds].sort(), [1, 2, 6], "general, ticket and task time");
    const weekend = entries.filter((e) =>
      [0, 6].includes(new Date(e.dateWorked as string).getUTCDay())
    );
    assert.ok(
      weekend.length > 0 && weekend.length < entries.length * 0.1,
      `${weekend.length} weekend`,
    );
    const codes = new Set(entries.map((e) => e.billingCodeID));
    assert.ok(codes.size >= 6, `${codes.size} work types and internal codes`);

    // Tickets were raised and completed all along the 26 weeks.
    const weeks = (field: string) =>
      new Set(
        tickets.filter((t) => t[field] !== null && Date.parse(t[field] as string) >= first)
          .map((t) => Math.floor((Date.parse(t[field] as string) - first) / (7 * DAY))),
      );
    assert.ok(weeks("createDate").size >= 26, "tickets created every week");
    assert.ok(weeks("completedDate").size >= 26, "tickets completed every week");
    assert.ok(tickets.length > 1_000, `${tickets.length} tickets`);
  });
});

Deno.test("report data: every time entry is consistent with what it references", async () => {
  await withTenant(async (s, { entries, ticketsById }) => {
    const held = new Set(
      [
        ...await queryAll(s, "ResourceRoles", [ALL], ["resourceID", "roleID"]),
        ...await queryAll(s, "ResourceServiceDeskRoles", [ALL], ["resourceID", "roleID"]),
      ].map((r) => `${r.resourceID}/${r.roleID}`),
    );
    const ids = async (entity: string) =>
      new Set((await queryAll(s, entity, [ALL], [])).map((r) => r.id));
    const resources = await ids("Resources");
    const codes = await ids("BillingCodes");
    const tasks = new Map((await queryAll(s, "Tasks", [ALL], ["projectID"])).map((t) => [t.id, t]));
    const projects = new Map(
      (await queryAll(s, "Projects", [ALL], ["companyID"])).map((p) => [p.id, p]),
    );
    const contracts = new Map(
      (await queryAll(s, "Contracts", [ALL], ["companyID"])).map((c) => [c.id, c]),
    );
    let crossesUtcMidnight = 0;
    for (const e of entries) {
      const where = JSON.stringify(e);
      assert.ok(resources.has(e.resourceID as number), where);
      assert.ok(held.has(`${e.resourceID}/${e.roleID}`), `role held: ${where}`);
      assert.ok(codes.has(e.billingCodeID as number), where);
      const hours = e.hoursWorked as number;
      assert.ok(hours > 0 && hours <= 24, where);
      assert.equal(e.hoursToBill, e.isNonBillable ? 0 : hours + (e.offsetHours as number), where);
      // A date-only field: the local date at midnight, with no zone shift.
      assert.match(e.dateWorked as string, /^\d{4}-\d\d-\d\dT00:00:00(\.000)?Z$/, where);
      if (e.startDateTime !== null) {
        const start = Date.parse(e.startDateTime as string);
        const end = Date.parse(e.endDateTime as string);
        assert.equal(
          Math.round((end - start) / 36_000) / 100,
          hours,
          `hours match times: ${where}`,
        );
        assert.equal(
          (e.dateWorked as string).slice(0, 10),
          localDate(start),
          `local day: ${where}`,
        );
        if (localDate(start) !== new Date(start).toISOString().slice(0, 10)) crossesUtcMidnight++;
      }
      let company: unknown = undefined;
      if (e.ticketID !== null) {
        const ticket = ticketsById.get(e.ticketID as number);
        assert.ok(ticket, `ticket resolves: ${where}`);
        assert.ok(
          Date.parse(e.startDateTime as string) >= Date.parse(ticket.createDate as string),
          where,
        );
        assert.equal(e.contractID, ticket.contractID, `the ticket's contract: ${where}`);
        company = ticket.companyID;
      } else if (e.taskID !== null) {
        const task = tasks.get(e.taskID as number);
        assert.ok(task, `task resolves: ${where}`);
        company = projects.get(task.projectID as number)?.companyID;
      }
      if (e.contractID !== null) {
        const contract = contracts.get(e.contractID as number);
        assert.ok(contract, `contract resolves: ${where}`);
        assert.equal(contract.companyID, company, `contract of the same company: ${where}`);
      }
    }
    // Afternoon work in Portland is past midnight UTC: a UTC date would be the wrong day.
    assert.ok(
      crossesUtcMidnight > 50,
      `${crossesUtcMidnight} entries whose UTC date is the next day`,
    );
  });
});

Deno.test("report data: tickets' SLA dates, met flags and ServiceLevelAgreementResults agree", async () => {
  await withTenant(async (s, { tickets }) => {
    const now = Date.now();
    const results = await queryAll(s, "ServiceLevelAgreementResults");
    const byTicket = new Map(results.map((r) => [r.ticketID as number, r]));
    const withSla = tickets.filter((t) => t.serviceLevelAgreementID !== null);
    assert.equal(results.length, withSla.length, "one result per ticket with an SLA");
    const tally = { fr: [0, 0], plan: [0, 0], res: [0, 0] };
    const events: [keyof typeof tally, string, string, string, string][] = [
      [
        "fr",
        "firstResponseDateTime",
        "firstResponseDueDateTime",
        "isFirstResponseMet",
        "firstResponseElapsedHours",
      ],
      [
        "plan",
        "resolutionPlanDateTime",
        "resolutionPlanDueDateTime",
        "isResolutionPlanMet",
        "resolutionPlanElapsedHours",
      ],
      [
        "res",
        "resolvedDateTime",
        "resolvedDueDateTime",
        "isResolutionMet",
        "resolutionElapsedHours",
      ],
    ];
    for (const t of tickets) {
      const where = `ticket ${t.id}`;
      const created = Date.parse(t.createDate as string);
      assert.ok(created <= now, where);
      assert.equal(
        t.status === 5,
        t.completedDate !== null,
        `complete has a completedDate: ${where}`,
      );
      if (t.completedDate !== null) {
        assert.ok(
          Date.parse(t.completedDate as string) > created,
          `completed after created: ${where}`,
        );
        assert.equal(t.resolvedDateTime, t.completedDate, where);
      }
      if (t.serviceLevelAgreementID === null) continue;
      const result = byTicket.get(t.id);
      assert.ok(result, where);
      const met: boolean[] = [];
      for (const [key, at, due, flag, elapsed] of events) {
        assert.ok(t[due] !== null && Date.parse(t[due] as string) >= created, `${due}: ${where}`);
        if (t[at] === null) {
          assert.equal(result[flag], null, `${flag} waits for its event: ${where}`);
          continue;
        }
        const happened = Date.parse(t[at] as string);
        assert.ok(happened >= created && happened <= now, `${at}: ${where}`);
        const onTime = happened <= Date.parse(t[due] as string);
        assert.equal(result[flag], onTime, `${flag} agrees with the dates: ${where}`);
        assert.equal(typeof result[elapsed], "number", where);
        tally[key][onTime ? 0 : 1]++;
        met.push(onTime);
      }
      if (t.firstResponseDateTime !== null && t.resolutionPlanDateTime !== null) {
        const response = Date.parse(t.firstResponseDateTime as string);
        assert.ok(response <= Date.parse(t.resolutionPlanDateTime as string), `plan: ${where}`);
      }
      assert.equal(
        t.serviceLevelAgreementHasBeenMet,
        t.completedDate === null ? null : met.length === 3 && met.every(Boolean),
        `overall flag: ${where}`,
      );
    }
    // Most targets are met, and there are misses to list.
    for (const [key, [hit, miss]] of Object.entries(tally)) {
      assert.ok(hit > 2 * miss && miss >= 20, `${key}: ${hit} met, ${miss} missed`);
    }
  });
});

Deno.test("report data: open tickets of every age, counted without downloading them", async () => {
  await withTenant(async (s, { tickets }) => {
    const now = Date.now();
    const ago = (days: number) => new Date(now - days * DAY).toISOString();
    const open = { op: "noteq", field: "status", value: 5 };
    const buckets: [string, number, number | null][] = [
      ["0-1", 0, 2],
      ["2-7", 2, 8],
      ["8-30", 8, 31],
      ["31-90", 31, 91],
      ["90+", 91, null],
    ];
    let total = 0;
    for (const [name, from, to] of buckets) {
      const filter: unknown[] = [open, { op: "lte", field: "createDate", value: ago(from) }];
      if (to !== null) filter.push({ op: "gt", field: "createDate", value: ago(to) });
      const n = await count(s, "Tickets", filter);
      const oracle = tickets.filter((t) => {
        const age = now - Date.parse(t.createDate as string);
        return t.status !== 5 && age >= from * DAY && (to === null || age < to * DAY);
      }).length;
      assert.equal(n, oracle, `bucket ${name}`);
      assert.ok(n > 0, `open tickets aged ${name} days`);
      total += n;
    }
    assert.equal(total, await count(s, "Tickets", [open]));
    // Priority, queue and assignee all vary among the open tickets.
    const openTickets = tickets.filter((t) => t.status !== 5);
    for (const field of ["priority", "queueID", "assignedResourceID"]) {
      assert.ok(new Set(openTickets.map((t) => t[field])).size >= 4, field);
    }
  });
});

Deno.test("report data: block-hour and retainer contracts with purchases that match the time", async () => {
  await withTenant(async (s, { entries }) => {
    const now = Date.now();
    const contracts = await queryAll(s, "Contracts", [{
      op: "in",
      field: "contractType",
      value: [4, 6],
    }]);
    const roles = new Map(
      (await queryAll(s, "Roles", [ALL], ["hourlyRate"])).map((r) => [r.id, r]),
    );
    // Time is approved weekly: what was worked before this week's Monday is in the purchases.
    const today = localDate(now);
    const monday = Date.parse(`${today}T00:00:00Z`) -
      ((new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7) * DAY;
    let nearRunOut = 0;
    const kinds = new Set<number>();
    for (const c of contracts.filter((x) => x.status === 1)) {
      const retainer = c.contractType === 6;
      const child = retainer ? "Retainers" : "Blocks";
      const purchases = (await get(s, `Contracts/${c.id}/${child}`)).items as Rec[];
      assert.ok(purchases.length >= 1, `${c.contractName} has ${child}`);
      kinds.add(c.contractType as number);
      const billable = entries.filter((e) => e.contractID === c.id && e.isNonBillable === false);
      const used = (e: Rec) =>
        retainer
          ? Math.round(
            (e.hoursToBill as number) * (roles.get(e.roleID as number)!.hourlyRate as number) * 100,
          ) / 100
          : e.hoursToBill as number;
      const approved = billable.filter((e) => Date.parse(e.dateWorked as string) < monday)
        .reduce((n, e) => n + used(e), 0);
      const bought = purchases.reduce(
        (n, p) => n + (p[retainer ? "amount" : "hours"] as number),
        0,
      );
      const booked = purchases.reduce(
        (n, p) => n + (p[retainer ? "amountApproved" : "hoursApproved"] as number),
        0,
      );
      assert.ok(
        Math.abs(booked - approved) < 0.05,
        `${c.contractName}: approved ${booked} vs worked ${approved}`,
      );
      for (const p of purchases) {
        assert.ok(
          (p[retainer ? "amountApproved" : "hoursApproved"] as number) <=
            (p[retainer ? "amount" : "hours"] as number) + 1e-9,
        );
        assert.ok(Date.parse(p.datePurchased as string) <= now);
      }
      const all = billable.reduce((n, e) => n + used(e), 0);
      const burn30 = billable.filter((e) => Date.parse(e.dateWorked as string) > now - 30 * DAY)
        .reduce((n, e) => n + used(e), 0);
      const remaining = bought - all;
      assert.ok(remaining >= 0, `${c.contractName} is not overdrawn`);
      if (!retainer && burn30 > 0 && remaining < burn30) nearRunOut++;
    }
    assert.deepEqual([...kinds].sort(), [4, 6], "block-hour and retainer contracts");
    assert.ok(nearRunOut >= 1, "a block-hour contract runs out within 30 days at its burn rate");
    const soon = await count(s, "Contracts", [
      { op: "eq", field: "status", value: 1 },
      { op: "gte", field: "endDate", value: new Date(now - DAY).toISOString() },
      { op: "lte", field: "endDate", value: new Date(now + 30 * DAY).toISOString() },
    ]);
    assert.ok(soon >= 2, `${soon} contracts end within 30 days`);
  });
});

Deno.test("report data: metadata of the added entities, business hours and holidays", async () => {
  const s = await serveSandbox({ port: 0 });
  try {
    const fields = async (entity: string) =>
      new Map(
        ((await get(s, `${entity}/entityInformation/fields`)).fields as Rec[]).map((
          f,
        ) => [f.name, f]),
      );
    const blocks = await fields("ContractBlocks");
    // Documented: hoursApproved cannot be queried.
    assert.equal(blocks.get("hoursApproved")?.isQueryable, false);
    const payment = blocks.get("paymentType")!.picklistValues as Rec[];
    assert.ok(
      payment.some((p) => p.label === "Card on File (Stripe)" && typeof p.value === "string"),
    );
    assert.equal(blocks.get("contractID")?.referenceEntityType, "Contracts");
    const sla = await fields("ServiceLevelAgreementResults");
    for (const f of ["isFirstResponseMet", "isResolutionPlanMet", "isResolutionMet"]) {
      assert.equal(sla.get(f)?.dataType, "boolean", f);
    }
    assert.equal(sla.get("ticketID")?.referenceEntityType, "Tickets");
    // The office the resources work at, with its business hours and holiday set.
    const resource = (await get(s, "Resources/29682887")).item as Rec;
    const office = (await get(s, `InternalLocationWithBusinessHours/${resource.locationID}`))
      .item as Rec;
    assert.equal(office.mondayBusinessHoursStartTime, "1900-01-01T08:00:00.000Z");
    assert.equal(office.fridayBusinessHoursEndTime, "1900-01-01T17:00:00.000Z");
    assert.equal(office.saturdayBusinessHoursStartTime, null);
    const holidays = (await get(s, `HolidaySets/${office.holidaySetID}/Holidays`)).items as Rec[];
    assert.ok(holidays.some((h) => h.holidayName === "Thanksgiving"));
    // Holidays are quiet: on-call calls and the odd hour of project work, never a working day.
    const holidayDays = holidays.map((h) => h.holidayDate as string);
    const entries = await queryAll(s, "TimeEntries", [ALL], ["dateWorked", "hoursWorked"]);
    const perDay = new Map<string, number>();
    for (const e of entries) {
      const day = e.dateWorked as string;
      perDay.set(day, (perDay.get(day) ?? 0) + (e.hoursWorked as number));
    }
    const totals = [...perDay.values()].sort((x, y) => x - y);
    const median = totals[Math.floor(totals.length / 2)];
    for (const day of holidayDays.filter((d) => perDay.has(d))) {
      assert.ok(perDay.get(day)! < median * 0.3, `${day}: ${perDay.get(day)} hours logged`);
    }
  } finally {
    await s.close();
  }
});

Deno.test("report data: deterministic for a seed and a clock; a later clock only adds what happened since", () => {
  const at = Date.parse("2026-03-11T17:07:00Z");
  const build = (now: number, seed?: number) => new Sandbox({ now: () => new Date(now), seed });
  const a = build(at);
  const b = build(at);
  for (
    const entity of [
      "TimeEntries",
      "Tickets",
      "ServiceLevelAgreementResults",
      "ContractBlocks",
      "ContractRetainers",
      "Tasks",
    ]
  ) {
    assert.deepEqual(a.records(entity), b.records(entity), entity);
  }
  assert.notDeepEqual(
    build(at, 7).records("TimeEntries").slice(-50),
    a.records("TimeEntries").slice(-50),
    "another seed, other data",
  );
  // An hour later: the same entries under the same ids, plus the ones logged since. (What
  // an entry is; the older part of the data set sits at fixed offsets from the clock, so its
  // times move with it.)
  const later = build(at + 60 * 60_000);
  const before = a.records("TimeEntries");
  const after = later.records("TimeEntries");
  assert.ok(after.length > before.length, "work was logged in that hour");
  const what = (
    e: Record<string, unknown>,
  ) => [
    e.id,
    e.resourceID,
    e.roleID,
    e.ticketID,
    e.taskID,
    e.hoursWorked,
    e.billingCodeID,
    e.contractID,
  ];
  assert.deepEqual(after.slice(0, before.length).map(what), before.map(what));
  const tickets = (x: Sandbox) => x.records("Tickets").map((t) => [t.id, t.title, t.priority]);
  assert.deepEqual(tickets(later).slice(0, a.records("Tickets").length), tickets(a));
});

Deno.test("scale mode: timeEntryCount pads to 200,000 entries that count and page fast", async () => {
  const started = performance.now();
  const s = await serveSandbox({ port: 0, timeEntryCount: 200_000 });
  const built = performance.now() - started;
  try {
    const all = s.sandbox.records("TimeEntries");
    assert.equal(all.length, 200_000);
    const ids = all.map((e) => e.id as number);
    assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), "ids ascend");
    // Copies keep references and the local-date rule; they reach further back in whole weeks.
    const oldest = all.reduce(
      (m, e) => (e.dateWorked as string) < m ? e.dateWorked as string : m,
      "9999",
    );
    assert.ok(Date.now() - Date.parse(oldest) > 5 * 365 * DAY, `back to ${oldest}`);
    // Every entry: a copy moved across a DST change must keep its local date (an entry started
    // just after local midnight shows it; a sample missed them on most days).
    for (const e of all) {
      if (e.startDateTime !== null) {
        const day = (e.dateWorked as string).slice(0, 10);
        if (day !== localDate(Date.parse(e.startDateTime as string))) {
          assert.fail(`entry ${e.id}: dateWorked ${day} but started ${e.startDateTime}`);
        }
      }
    }
    for (const e of all.filter((_, i) => i % 997 === 0)) {
      assert.match(e.dateWorked as string, /T00:00:00.000Z$/);
    }
    const year = new Date(Date.now() - 365 * DAY).toISOString();
    const filter = [
      { op: "gte", field: "dateWorked", value: year },
      { op: "eq", field: "isNonBillable", value: false },
    ];
    const t0 = performance.now();
    const n = await count(s, "TimeEntries", filter);
    const counted = performance.now() - t0;
    const oracle = all.filter((e) =>
      (e.dateWorked as string) >= year && e.isNonBillable === false
    ).length;
    assert.equal(n, oracle);
    const t1 = performance.now();
    const page = await post(s, "TimeEntries/query", {
      filter,
      MaxRecords: 500,
      IncludeFields: ["id", "resourceID", "hoursWorked", "dateWorked"],
    }) as unknown as Page;
    const paged = performance.now() - t1;
    assert.equal(page.items.length, 500);
    assert.ok(page.pageDetails.nextPageUrl);
    console.log(
      `scale: 200,000 time entries built in ${built.toFixed(0)} ms; count ${
        counted.toFixed(0)
      } ms, first page ${paged.toFixed(0)} ms`,
    );
  } finally {
    await s.close();
  }
});
