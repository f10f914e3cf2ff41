// Spec test of the simulated tenant's query grammar, keyset paging, counts and scale mode, over HTTP.
// Every operator is checked against an oracle computed from the tenant's own records.

import assert from "node:assert/strict";
import {
  Sandbox,
  SANDBOX_CREDENTIALS,
  type ServedSandbox,
  serveSandbox,
} from "../lib/sandbox/mod.ts";

type Rec = Record<string, unknown>;
interface Page {
  items: Rec[];
  pageDetails: {
    count: number;
    requestCount: number;
    prevPageUrl: string | null;
    nextPageUrl: string | null;
  };
}
interface Reply {
  status: number;
  json: unknown;
}

const HEADERS: Record<string, string> = {
  ApiIntegrationCode: SANDBOX_CREDENTIALS.integrationCode,
  UserName: SANDBOX_CREDENTIALS.username,
  Secret: SANDBOX_CREDENTIALS.secret,
  "Content-Type": "application/json",
};
const ALL = { op: "gte", field: "id", value: 0 };

async function send(method: string, url: string, body?: unknown): Promise<Reply> {
  const res = await fetch(url, {
    method,
    headers: HEADERS,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === "" ? null : JSON.parse(text) };
}

function errorsOf(reply: Reply): string {
  return (((reply.json as { errors?: string[] } | null)?.errors) ?? []).join(" | ");
}

/** POSTs a query and follows nextPageUrl (POSTing the same body) to the end. */
async function queryAll(s: ServedSandbox, entity: string, model: Rec): Promise<Rec[]> {
  let reply = await send("POST", `${s.restBase}V1.0/${entity}/query`, model);
  const out: Rec[] = [];
  while (true) {
    assert.equal(reply.status, 200, errorsOf(reply));
    const page = reply.json as Page;
    out.push(...page.items);
    if (!page.pageDetails.nextPageUrl) return out;
    reply = await send("POST", page.pageDetails.nextPageUrl, model);
  }
}

async function ids(s: ServedSandbox, entity: string, filter: unknown[]): Promise<number[]> {
  return (await queryAll(s, entity, { filter })).map((r) => r.id as number);
}

function oracle(records: Rec[], keep: (r: Rec) => boolean): number[] {
  return records.filter(keep).map((r) => r.id as number).sort((a, b) => a - b);
}

Deno.test("every operator, nesting, case-insensitivity and typing rules", async () => {
  const s = await serveSandbox();
  try {
    const tickets = s.sandbox.records("Tickets");
    const companies = s.sandbox.records("Companies");
    const str = (r: Rec, f: string) => String(r[f] ?? "").toLowerCase();
    const pivot = tickets[40].id as number;
    const cases: [string, unknown[], (r: Rec) => boolean][] = [
      ["eq", [{ op: "eq", field: "status", value: 5 }], (r) => r.status === 5],
      ["noteq", [{ op: "noteq", field: "status", value: 5 }], (r) => r.status !== 5],
      ["gt", [{ op: "gt", field: "id", value: pivot }], (r) => (r.id as number) > pivot],
      ["gte", [{ op: "gte", field: "id", value: pivot }], (r) => (r.id as number) >= pivot],
      ["lt", [{ op: "lt", field: "id", value: pivot }], (r) => (r.id as number) < pivot],
      ["lte", [{ op: "lte", field: "priority", value: 3 }], (r) => (r.priority as number) <= 3],
      [
        "beginsWith",
        [{ op: "beginsWith", field: "title", value: "OUTLOOK" }],
        (r) => str(r, "title").startsWith("outlook"),
      ],
      [
        "endsWith",
        [{ op: "endsWith", field: "title", value: "Queue" }],
        (r) => str(r, "title").endsWith("queue"),
      ],
      [
        "contains",
        [{ op: "contains", field: "title", value: "wi-fi" }],
        (r) => str(r, "title").includes("wi-fi"),
      ],
      [
        "exist",
        [{ op: "exist", field: "assignedResourceID" }],
        (r) => r.assignedResourceID !== null,
      ],
      [
        "notExist",
        [{ op: "notExist", field: "assignedResourceID" }],
        (r) => r.assignedResourceID === null,
      ],
      [
        "in",
        [{ op: "in", field: "queueID", value: [29682833, 8] }],
        (r) => r.queueID === 29682833 || r.queueID === 8,
      ],
      [
        "notIn",
        [{ op: "notIn", field: "status", value: [1, 5] }],
        (r) => r.status !== 1 && r.status !== 5,
      ],
      [
        "nested or/and",
        [{
          op: "or",
          items: [
            { op: "eq", field: "status", value: 1 },
            {
              op: "and",
              items: [{ op: "eq", field: "status", value: 5 }, {
                op: "contains",
                field: "title",
                value: "printer",
              }],
            },
          ],
        }],
        (r) => r.status === 1 || (r.status === 5 && str(r, "title").includes("printer")),
      ],
      [
        "top-level AND",
        [{ op: "eq", field: "issueType", value: 18 }, { op: "noteq", field: "status", value: 5 }],
        (r) => r.issueType === 18 && r.status !== 5,
      ],
      [
        "datetime as instants",
        [{ op: "gt", field: "createDate", value: "2000-01-01T02:00:00+02:00" }],
        (r) => Date.parse(r.createDate as string) > Date.parse("2000-01-01T00:00:00Z"),
      ],
    ];
    for (const [name, filter, keep] of cases) {
      const expected = oracle(tickets, keep);
      assert.ok(expected.length > 0, `${name}: the oracle matches nothing, the case proves little`);
      assert.deepEqual(await ids(s, "Tickets", filter), expected, name);
    }
    const recent = tickets[100].createDate as string;
    assert.deepEqual(
      await ids(s, "Tickets", [{ op: "gte", field: "createDate", value: recent }]),
      oracle(tickets, (r) => Date.parse(r.createDate as string) >= Date.parse(recent)),
    );

    // Field names and string values are case-insensitive; so are the model's keys.
    const tech = oracle(companies, (r) => str(r, "companyName").includes("tech"));
    assert.ok(tech.length >= 2);
    assert.deepEqual(
      await ids(s, "Companies", [{ op: "contains", field: "COMPANYNAME", value: "TeCh" }]),
      tech,
    );
    const upperKeys = await send("POST", `${s.restBase}V1.0/Companies/query`, {
      Filter: [{ Op: "contains", Field: "companyname", Value: "tech" }],
      includeFields: ["COMPANYNAME"],
      maxRecords: 1,
    });
    const upperPage = upperKeys.json as Page;
    assert.equal(upperPage.items.length, 1);
    assert.deepEqual(Object.keys(upperPage.items[0]).sort(), ["companyName", "id"]);

    // Typing: a string against a number matches nothing; booleans must be real booleans.
    assert.deepEqual(await ids(s, "Tickets", [{ op: "eq", field: "status", value: "abc" }]), []);
    assert.deepEqual(
      await ids(s, "Tickets", [{ op: "eq", field: "status", value: "5" }]),
      oracle(tickets, (r) => r.status === 5),
    );
    const active = oracle(companies, (r) => r.isActive === true);
    assert.deepEqual(
      await ids(s, "Companies", [{ op: "eq", field: "isActive", value: true }]),
      active,
    );
    assert.deepEqual(
      await ids(s, "Companies", [{ op: "eq", field: "isActive", value: "true" }]),
      [],
    );
    const contacts = s.sandbox.records("Contacts");
    assert.deepEqual(
      await ids(s, "Contacts", [{ op: "eq", field: "isActive", value: 0 }]),
      oracle(contacts, (r) => r.isActive === 0),
    );

    // Failures are 500 {"errors":[...]}.
    const q = (body: unknown) => send("POST", `${s.restBase}V1.0/Tickets/query`, body);
    const unknown = await q({ filter: [{ op: "eq", field: "nosuchfield", value: 1 }] });
    assert.equal(unknown.status, 500);
    assert.equal(errorsOf(unknown), "Unable to find nosuchfield in the Tickets Entity.");
    // Unknown operators are not errors: the clause is dropped (here the only one: every row comes
    // back) and recorded. Their full coverage is in sandbox_live_test.ts.
    for (const op of ["startsWith", "ne", "isNull", "between"]) {
      const dropped = await q({ filter: [{ op, field: "id", value: 1 }], MaxRecords: 3 });
      assert.equal(dropped.status, 200, op);
      assert.equal((dropped.json as Page).items.length, 3, op);
      assert.deepEqual(s.sandbox.droppedOperators.at(-1), {
        entity: "Tickets",
        op,
        path: "filter[0]",
      });
    }
    assert.equal((await q({ filter: [] })).status, 500);
    assert.equal((await q({ filter: [{ op: "in", field: "status", value: 5 }] })).status, 500);
    const badInclude = await q({ filter: [ALL], IncludeFields: ["nope"] });
    assert.match(errorsOf(badInclude), /Unable to find nope in the Tickets Entity/);

    // UDF conditions: by name, case-insensitive, at most one per query.
    const tier = await ids(s, "Companies", [{
      op: "eq",
      field: "customer tier",
      udf: true,
      value: "PLATINUM",
    }]);
    const udf = (r: Rec, name: string) =>
      ((r.userDefinedFields as { name: string; value: string | null }[]).find((u) =>
        u.name === name
      )?.value ?? "")
        .toLowerCase();
    assert.deepEqual(tier, oracle(companies, (r) => udf(r, "Customer Tier") === "platinum"));
    assert.ok(tier.length > 0);
    assert.deepEqual(
      await ids(s, "Tickets", [{ op: "eq", field: "Root Cause", udf: true, value: "2" }]),
      oracle(tickets, (r) => udf(r, "Root Cause") === "2"),
    );
    assert.deepEqual(
      await ids(s, "Tickets", [{ op: "gt", field: "Affected Users", udf: true, value: 20 }]),
      oracle(tickets, (r) => Number(udf(r, "Affected Users") || "0") > 20),
    );
    const twoUdfs = await send("POST", `${s.restBase}V1.0/Companies/query`, {
      filter: [
        { op: "eq", field: "Customer Tier", udf: true, value: "Gold" },
        { op: "exist", field: "RMM Site ID", udf: true },
      ],
    });
    assert.equal(twoUdfs.status, 500);
    // At most 500 conditions in or groups.
    const many = (n: number) => ({
      filter: [{
        op: "or",
        items: Array.from({ length: n }, (_, i) => ({ op: "eq", field: "id", value: i })),
      }],
    });
    assert.equal((await q(many(500))).status, 200);
    assert.equal((await q(many(501))).status, 500);

    // MaxRecords bounds, default 500, IncludeFields projection, id order.
    for (const bad of [0, 501, -1, 2.5]) {
      const r = await q({ filter: [ALL], MaxRecords: bad });
      assert.equal(r.status, 500);
      assert.equal(errorsOf(r), "maxCountOfRecordsToReturn must be between 1 and 500");
    }
    const one = (await q({ filter: [ALL], MaxRecords: 1, IncludeFields: ["title", "Status"] }))
      .json as Page;
    assert.equal(one.items.length, 1);
    assert.deepEqual(Object.keys(one.items[0]).sort(), ["id", "status", "title"]);
    assert.equal(one.pageDetails.requestCount, 1);
    const full = (await q({ filter: [ALL] })).json as Page;
    assert.equal(full.pageDetails.requestCount, 500);
    // The tenant holds more than 500 tickets: a full first page, and a next one.
    assert.ok(tickets.length > 500);
    assert.equal(full.items.length, 500);
    assert.notEqual(full.pageDetails.nextPageUrl, null);
    const order = full.items.map((r) => r.id as number);
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
    assert.ok("userDefinedFields" in full.items[0] && "dueDateTime" in full.items[0]);

    // count, POST and GET.
    const countBody = { filter: [{ op: "eq", field: "status", value: 5 }] };
    const counted = await send("POST", `${s.restBase}V1.0/Tickets/query/count`, countBody);
    assert.deepEqual(counted.json, { queryCount: oracle(tickets, (r) => r.status === 5).length });
    const search = encodeURIComponent(JSON.stringify(countBody));
    const countedGet = await send("GET", `${s.restBase}V1.0/Tickets/query/count?search=${search}`);
    assert.deepEqual(countedGet.json, counted.json);
    // Long GET URLs fail (as on Autotask's web servers): big queries must be POSTed.
    const long = encodeURIComponent(JSON.stringify(many(60)));
    assert.equal((await send("GET", `${s.restBase}V1.0/Tickets/query?search=${long}`)).status, 414);
  } finally {
    await s.close();
  }
});

Deno.test("keyset paging over 1,500 rows: POSTed nextPageUrl, GET-able search pages, 405", async () => {
  const s = await serveSandbox({ ticketCount: 1_500 });
  try {
    const tickets = s.sandbox.records("Tickets");
    assert.equal(tickets.length, 1_500);
    const model = { filter: [ALL], MaxRecords: 200, IncludeFields: ["id"] };
    let reply = await send("POST", `${s.restBase}V1.0/Tickets/query`, model);
    const seen: number[] = [];
    let pages = 0;
    let firstNext = "";
    while (true) {
      assert.equal(reply.status, 200, errorsOf(reply));
      const page = reply.json as Page;
      pages++;
      assert.equal(page.pageDetails.count, page.items.length);
      assert.equal(page.pageDetails.prevPageUrl === null, pages === 1);
      seen.push(...page.items.map((r) => r.id as number));
      const next = page.pageDetails.nextPageUrl;
      if (!next) break;
      assert.match(next, /\/ATServicesRest\/V1\.0\/Tickets\/query\/next\?paging=/);
      assert.doesNotMatch(next, /offset|page=/i);
      firstNext ||= next;
      reply = await send("POST", next, model);
    }
    assert.equal(pages, 8);
    assert.equal(new Set(seen).size, seen.length, "no overlap");
    assert.deepEqual(seen, tickets.map((t) => t.id as number), "no gap, id order");
    // A POSTed query's next page cannot be fetched with GET.
    assert.equal((await send("GET", firstNext)).status, 405);

    // Filtered paging: pages hold only matches and stop exactly at the end.
    const filtered = { filter: [{ op: "eq", field: "status", value: 5 }], MaxRecords: 37 };
    assert.deepEqual(
      (await queryAll(s, "Tickets", filtered)).map((r) => r.id),
      oracle(tickets, (r) => r.status === 5),
    );

    // A GET query (search=) carries search in its next URL and may be followed with GET.
    const search = encodeURIComponent(
      JSON.stringify({ filter: [{ op: "noteq", field: "status", value: 5 }], MaxRecords: 500 }),
    );
    let get = await send("GET", `${s.restBase}V1.0/Tickets/query?search=${search}`);
    const viaGet: number[] = [];
    while (true) {
      assert.equal(get.status, 200, errorsOf(get));
      const page = get.json as Page;
      viaGet.push(...page.items.map((r) => r.id as number));
      if (!page.pageDetails.nextPageUrl) break;
      assert.match(page.pageDetails.nextPageUrl, /&search=/);
      get = await send("GET", page.pageDetails.nextPageUrl);
    }
    assert.deepEqual(viaGet, oracle(tickets, (r) => r.status !== 5));
    // prevPageUrl leads back to the previous page.
    const p1 = (await send("POST", `${s.restBase}V1.0/Tickets/query`, model)).json as Page;
    const p2 = (await send("POST", p1.pageDetails.nextPageUrl as string, model)).json as Page;
    const back = (await send("POST", p2.pageDetails.prevPageUrl as string, model)).json as Page;
    assert.deepEqual(back.items.map((r) => r.id), p1.items.map((r) => r.id));
  } finally {
    await s.close();
  }
});

Deno.test("scale mode: 100,000 tickets build fast and serve filtered pages", async () => {
  const t0 = performance.now();
  const sandbox = new Sandbox({ ticketCount: 100_000 });
  const built = performance.now() - t0;
  console.log(`scale: built 100,000 tickets in ${built.toFixed(0)} ms`);
  const all = sandbox.records("Tickets");
  assert.equal(all.length, 100_000);
  const lastId = all[99_999].id as number;
  const url = "http://sandbox.invalid/ATServicesRest/V1.0/Tickets/query";
  const post = async (target: string, body: unknown): Promise<Page> => {
    const res = await sandbox.handle(
      new Request(target, { method: "POST", headers: HEADERS, body: JSON.stringify(body) }),
    );
    assert.equal(res.status, 200);
    return await res.json() as Page;
  };
  const t1 = performance.now();
  const model = {
    filter: [{ op: "eq", field: "status", value: 1 }, {
      op: "contains",
      field: "title",
      value: "vpn",
    }],
  };
  let page = await post(url, model);
  let total = page.items.length;
  let pages = 1;
  while (page.pageDetails.nextPageUrl) {
    assert.ok(
      page.pageDetails.nextPageUrl.startsWith("http://sandbox.invalid/"),
      "next URL uses the request's origin",
    );
    page = await post(page.pageDetails.nextPageUrl, model);
    total += page.items.length;
    pages++;
  }
  const countRes = await sandbox.handle(
    new Request(`${url}/count`, { method: "POST", headers: HEADERS, body: JSON.stringify(model) }),
  );
  assert.deepEqual(await countRes.json(), { queryCount: total });
  const byId = await post(url, { filter: [{ op: "eq", field: "id", value: lastId }] });
  assert.equal(byId.items[0].id, lastId);
  console.log(
    `scale: ${total} filtered rows in ${pages} pages plus count and id lookup in ${
      (performance.now() - t1).toFixed(0)
    } ms`,
  );
});
