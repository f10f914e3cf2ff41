/** The continuation (cursor) codec: what a cursor holds, how it is written, and the checks on reading one back. */

import { AutotaskError } from "./errors.ts";
import { filterProblems, type QueryModel } from "./query.ts";

/**
 * What a cursor holds: the query string of Autotask's `nextPageUrl` (`p`,
 * the keyset `paging=...`) to re-POST `b` to, or, for a page the caller cut
 * short, no paging and `b` narrowed to ids after the last record kept. `t` is
 * when it was issued. The host and path are never taken from the cursor: they
 * are rebuilt from the configured base, so a cursor cannot send credentials
 * elsewhere.
 */
export interface Continuation {
  v: 1;
  e: string;
  p?: string;
  b: QueryModel;
  t: number;
}

/** How long a cursor stays valid: the data behind a keyset page drifts. */
export const CURSOR_TTL_MS = 24 * 60 * 60 * 1000;

/** The cursor to the page after one Autotask answered with `nextPageUrl`. */
export function nextPageCursor(
  entity: string,
  page: { nextUrl: string; query: QueryModel },
): string {
  const paging = pagingOf(entity, page.nextUrl);
  return encodeContinuation({ v: 1, e: entity, p: paging, b: page.query, t: Date.now() });
}

/**
 * The cursor that continues `query` after the record with id `lastId`: for a
 * page cut short (e.g. to fit a size cap), since Autotask orders by id.
 */
export function cursorAfter(
  entity: string,
  after: { query: QueryModel; lastId: number },
): string {
  const filter = [...after.query.filter, { op: "gt" as const, field: "id", value: after.lastId }];
  return encodeContinuation({ v: 1, e: entity, b: { ...after.query, filter }, t: Date.now() });
}

/** The path (relative to the REST base) a continuation is POSTed to, given the entity's query path. */
export function continuationPath(state: Continuation, queryPath: string): string {
  return state.p === undefined ? queryPath : `${queryPath}/next${state.p}`;
}

/** URL-safe base64 of the state's JSON. */
function encodeContinuation(state: Continuation): string {
  const bytes = new TextEncoder().encode(JSON.stringify(state));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Decodes a continuation (caller input) and checks its shape, entity and age. */
export function decodeContinuation(text: string, entity: string): Continuation {
  let state: Continuation;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    state = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw badCursor(entity, "it could not be decoded");
  }
  if (
    !state || state.v !== 1 || (state.p !== undefined && !/^\?paging=/.test(String(state.p))) ||
    typeof state.e !== "string" || typeof state.t !== "number" || !state.b ||
    !Array.isArray(state.b.filter) || "u" in state
  ) {
    throw badCursor(entity, "it is malformed");
  }
  if (state.e.toLowerCase() !== entity.toLowerCase()) {
    throw badCursor(entity, `it belongs to a ${state.e} search`);
  }
  if (Date.now() - state.t > CURSOR_TTL_MS) throw badCursor(entity, "it has expired");
  if (filterProblems(state.b.filter).length > 0) throw badCursor(entity, "its query is invalid");
  return state;
}

/** The `?paging=...` part of a `nextPageUrl` (the rest is rebuilt from the configured base). */
export function pagingOf(entity: string, nextUrl: string): string {
  let url: URL;
  try {
    url = new URL(nextUrl);
  } catch {
    url = new URL(nextUrl, "https://invalid.invalid/");
  }
  if (!/\/query\/next$/i.test(url.pathname) || !url.searchParams.has("paging")) {
    throw new AutotaskError(`Autotask answered the ${entity} query with an unusable nextPageUrl`, {
      category: "unavailable",
      operation: "query",
      entity,
    });
  }
  return url.search;
}

function badCursor(entity: string, why: string): AutotaskError {
  return new AutotaskError(
    `The cursor is not valid for this ${entity} search (${why}): repeat the search without a cursor`,
    { category: "validation", operation: "query", entity },
  );
}
