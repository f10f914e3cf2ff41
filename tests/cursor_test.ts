/** The cursor codec: what a cursor carries, and what is refused when one comes back. */

import assert from "node:assert/strict";
import {
  continuationPath,
  CURSOR_TTL_MS,
  cursorAfter,
  decodeContinuation,
  nextPageCursor,
  pagingOf,
} from "../lib/autotask/cursor.ts";
import { AutotaskError } from "../lib/autotask/errors.ts";
import type { QueryModel } from "../lib/autotask/query.ts";

const QUERY: QueryModel = { filter: [{ op: "eq", field: "status", value: 1 }], MaxRecords: 50 };
const NEXT_URL = "https://webservices6.autotask.net/ATServicesRest/V1.0/Tickets/query/next" +
  '?paging={"pageSize":50,"previousIds":[1],"nextIds":[51]}&search={}';

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof AutotaskError);
    assert.equal(error.category, "validation");
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("a next-page cursor keeps the paging and the query, never the host", () => {
  const cursor = nextPageCursor("Tickets", { nextUrl: NEXT_URL, query: QUERY });
  assert.match(cursor, /^[A-Za-z0-9_-]+$/, "URL-safe, unpadded");
  assert.ok(!atob(cursor.replaceAll("-", "+").replaceAll("_", "/")).includes("autotask.net"));
  const state = decodeContinuation(cursor, "tickets");
  assert.deepEqual(state.b, QUERY);
  assert.equal(state.p, new URL(NEXT_URL).search);
  assert.equal(continuationPath(state, "Tickets/query"), `Tickets/query/next${state.p}`);
});

Deno.test("a cursor after an id narrows the query and is POSTed to the query itself", () => {
  const state = decodeContinuation(cursorAfter("Tickets", { query: QUERY, lastId: 42 }), "Tickets");
  assert.equal(state.p, undefined);
  assert.deepEqual(state.b.filter, [...QUERY.filter, { op: "gt", field: "id", value: 42 }]);
  assert.equal(state.b.MaxRecords, 50);
  assert.equal(continuationPath(state, "Tickets/query"), "Tickets/query");
});

Deno.test("a cursor for another entity, tampered, expired or with a bad query is refused", () => {
  const cursor = nextPageCursor("Tickets", { nextUrl: NEXT_URL, query: QUERY });
  refused(() => decodeContinuation(cursor, "Companies"), /belongs to a Tickets search/);
  refused(() => decodeContinuation("%%%", "Tickets"), /could not be decoded/);
  const encode = (state: unknown) => btoa(JSON.stringify(state));
  const now = Date.now();
  refused(
    () =>
      decodeContinuation(encode({ v: 1, e: "Tickets", p: "?x=1", b: QUERY, t: now }), "Tickets"),
    /malformed/,
  );
  refused(
    () =>
      decodeContinuation(
        encode({ v: 1, e: "Tickets", b: QUERY, t: now - CURSOR_TTL_MS - 1000 }),
        "Tickets",
      ),
    /expired/,
  );
  refused(
    () =>
      decodeContinuation(
        encode({
          v: 1,
          e: "Tickets",
          b: { filter: [{ op: "ne", field: "id", value: 1 }] },
          t: now,
        }),
        "Tickets",
      ),
    /query is invalid/,
  );
});

Deno.test("a nextPageUrl that is not a query/next URL with paging is Autotask's fault, not the caller's", () => {
  for (const url of ["https://x.autotask.net/V1.0/Tickets/query?paging=1", "Tickets/query/next"]) {
    assert.throws(() => pagingOf("Tickets", url), (error: unknown) => {
      assert.ok(error instanceof AutotaskError);
      assert.equal(error.category, "unavailable");
      return true;
    });
  }
  assert.equal(pagingOf("Tickets", "/V1.0/Tickets/query/next?paging=abc"), "?paging=abc");
});
