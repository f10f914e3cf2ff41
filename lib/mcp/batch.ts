/** Many records in one call: previews held until confirmed, writes at Autotask's thread bound, one outcome per record. */

import type { AutotaskClient, AutotaskRecord } from "../autotask/client.ts";
import { AutotaskError } from "../autotask/errors.ts";
import { inList, MAX_OR_CONDITIONS } from "../autotask/query.ts";
import { describeError, InputError, type ToolContext, type ToolOutput } from "./tool.ts";

/**
 * Writes a batch keeps in flight: Autotask's limit of 3 concurrent requests per entity endpoint
 * (autotask-api.md section 6). More would only wait in the client's gate (or be refused).
 */
export const BATCH_THREADS = 3;
/** How long a preview's confirm token can be applied. */
export const PREVIEW_TTL_MS = 10 * 60_000;
/**
 * Previews kept per user, and in all per tenant connection; past either bound the oldest
 * unapplied one (of that user, then of anyone) goes first. Per user too: on a team server one
 * person's previews must not push out another's before they confirm.
 */
export const MAX_PREVIEWS_PER_USER = 20;
export const MAX_PREVIEWS = 200;

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
        : v,
  );
}

/** A preview waiting for its confirm token, being applied, or applied (with its report). */
export interface PreviewEntry<T> {
  token: string;
  /** The tool that issued it: a token only applies through that tool. */
  tool: string;
  /**
   * The user key of the caller who previewed (the audit log's; "local" over stdio): only they
   * may apply it, so on a team server a token seen by someone else applies nothing as them.
   */
  user: string;
  /** {@linkcode canonicalJson} of what the preview covered: entity, records, normalized changes. */
  fingerprint: string;
  expiresAt: number;
  data: T;
  state: "ready" | "applying" | "done";
  /** The apply's result, once done: answered again to a repeated confirm. */
  result?: ToolOutput;
}

/** What a preview is kept with (see {@linkcode PreviewStore.issue}). */
export interface IssueOptions<T> {
  /** The previewing caller's user key. */
  user: string;
  fingerprint: string;
  data: T;
  now: number;
}

/** What a confirm call must match. */
export interface ClaimOptions {
  tool: string;
  /** The confirming caller's user key: it must be the one that previewed. */
  user: string;
  fingerprint: string;
  now: number;
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** 128 random bits, URL-safe: a token no one can guess or derive from another. */
function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "bulk_" + btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}

/**
 * Previews by confirm token, in memory. A random token keyed into this map (rather than a signed
 * token carrying the preview) keeps the token short for the model to repeat, lets the preview
 * hold what "unchanged" means for up to 500 records, and makes every token single-use: a
 * repeated confirm answers the first apply's report and sends nothing, which a signature alone
 * cannot ensure (applying a batch of creates twice would duplicate them). The price: a token
 * works only in the process that issued it, and a restart forgets it (preview again).
 */
export class PreviewStore {
  readonly #entries = new Map<string, PreviewEntry<unknown>>();

  /** Keeps `options.data` under a new token for `options.user` until `now` + 10 minutes. */
  issue<T>(tool: string, options: IssueOptions<T>): PreviewEntry<T> {
    const { now } = options;
    this.#prune(now, options.user);
    const entry: PreviewEntry<T> = {
      token: randomToken(),
      tool,
      user: options.user,
      fingerprint: options.fingerprint,
      expiresAt: now + PREVIEW_TTL_MS,
      data: options.data,
      state: "ready",
    };
    this.#entries.set(entry.token, entry);
    return entry;
  }

  /**
   * The preview `token` confirms, now marked as being applied; or the report of its earlier
   * apply. Anything else is refused with what to do: an unknown, expired, foreign or busy token,
   * another user's token, or arguments other than the previewed ones.
   */
  claim<T>(token: string, options: ClaimOptions): PreviewEntry<T> | { report: ToolOutput } {
    const { tool, now } = options;
    const again = `call ${tool} without confirm to preview again`;
    const entry = this.#entries.get(token.trim()) as PreviewEntry<T> | undefined;
    if (!entry) {
      throw new InputError(
        `This confirm token is not one this server issued, or it is no longer kept: tokens ` +
          `last 10 minutes, only in the server process that previewed (a restart forgets them). ` +
          `Nothing was sent; ${again}`,
      );
    }
    // Before anything else about the preview is looked at or changed: another user learns
    // nothing of it (its tool, its expiry, its report) and the owner can still apply it.
    if (entry.user !== options.user) {
      throw new InputError(
        "This confirmation token was issued to another user: preview the change yourself " +
          `(${again}). Nothing was sent`,
      );
    }
    if (entry.tool !== tool) {
      throw new InputError(
        `This confirm token comes from ${entry.tool}'s preview, not from ${tool}: confirm it ` +
          `with ${entry.tool}, or ${again}`,
      );
    }
    if (entry.state !== "done" && entry.expiresAt <= now) {
      this.#entries.delete(entry.token);
      throw new InputError(
        `This confirm token expired at ${
          isoTime(entry.expiresAt)
        } (previews last 10 minutes). Nothing was sent; ${again}, then confirm within 10 minutes`,
      );
    }
    if (entry.fingerprint !== options.fingerprint) {
      throw new InputError(
        `The arguments differ from the preview this token confirms (other records or other ` +
          `changes). Nothing was sent: repeat exactly the previewed arguments with confirm, or ` +
          `${again} with the new ones`,
      );
    }
    if (entry.state === "applying") {
      throw new InputError(
        "This batch is being applied by another call right now: wait for that call's result " +
          "(confirming again afterwards answers the same report and sends nothing)",
      );
    }
    if (entry.state === "done") return { report: entry.result ?? {} };
    entry.state = "applying";
    return entry;
  }

  /** Records the apply's report: a repeated confirm answers it for another 10 minutes. */
  finish<T>(entry: PreviewEntry<T>, report: ToolOutput, now: number): void {
    entry.state = "done";
    entry.result = report;
    entry.expiresAt = Math.max(entry.expiresAt, now + PREVIEW_TTL_MS);
    // The records' details are no longer needed once the report is kept.
    entry.data = undefined as T;
  }

  /** Hands a claimed preview back unapplied (its apply failed before any write was sent). */
  release<T>(entry: PreviewEntry<T>): void {
    if (entry.state === "applying") entry.state = "ready";
  }

  /** Forgets a preview (the user declined it). */
  discard(token: string): void {
    this.#entries.delete(token);
  }

  /** Previews kept now (for tests and bounds). */
  get size(): number {
    return this.#entries.size;
  }

  #prune(now: number, user: string): void {
    for (const [token, entry] of this.#entries) {
      if (entry.expiresAt <= now && entry.state !== "applying") this.#entries.delete(token);
    }
    // Oldest first (insertion order); a batch being applied is never dropped.
    let mine = 0;
    for (const entry of this.#entries.values()) if (entry.user === user) mine++;
    for (const [token, entry] of this.#entries) {
      if (mine < MAX_PREVIEWS_PER_USER) break;
      if (entry.user === user && entry.state !== "applying") {
        this.#entries.delete(token);
        mine--;
      }
    }
    for (const [token, entry] of this.#entries) {
      if (this.#entries.size < MAX_PREVIEWS) break;
      if (entry.state !== "applying") this.#entries.delete(token);
    }
  }
}

const STORES = new WeakMap<AutotaskClient, PreviewStore>();

/**
 * The previews of one tenant connection. Per client, not per MCP server: HTTP mode builds a
 * server per request, and a confirm must find the preview of the request before.
 */
export function previewsOf(client: AutotaskClient): PreviewStore {
  // Keyed on the shared client: each call of a team server's user gets its own view of it.
  let store = STORES.get(client.root);
  if (!store) {
    store = new PreviewStore();
    STORES.set(client.root, store);
  }
  return store;
}

/** How one record's write ended: Autotask's id for it, or the error. */
export type WriteOutcome = { ok: true; id: number } | { ok: false; error: unknown };

/** Options of {@linkcode runBatch}. */
export interface BatchOptions<T> {
  /** Sends one record's write and resolves with the id Autotask answered. */
  send(item: T): Promise<number>;
  /**
   * Cancellation: once aborted, no further write starts. Writes in flight are not cut off (their
   * outcome would become unknown); they finish and are reported.
   */
  signal: AbortSignal;
  /** Called as each write ends (progress). */
  settled?(done: number, total: number): void;
}

/** What {@linkcode runBatch} did: an outcome per item (undefined: never sent) and why it stopped. */
export interface BatchRun {
  outcomes: (WriteOutcome | undefined)[];
  /** Why the remaining writes were not sent (authentication, permission, the hourly limit). */
  stopped?: string;
  /** True when the caller cancelled before every write was sent. */
  cancelled: boolean;
}

/**
 * Why a failed write must stop the whole batch, or undefined when the others may go on: the
 * credentials or the security level refuse every record alike, and past the hourly limit every
 * further call is refused before it is sent.
 */
export function stopReason(error: unknown): string | undefined {
  if (!(error instanceof AutotaskError)) return undefined;
  if (error.category === "authentication" || error.category === "configuration") {
    return "Autotask refused the API credentials";
  }
  if (error.category === "permission") return "the API user's security level refused the write";
  if (
    error.category === "rate_limited" && (error.limit === "hourly" || error.failure === "refused")
  ) {
    return "the hourly API request limit (or its hard share) was reached";
  }
  return undefined;
}

/**
 * Sends one write per item, {@linkcode BATCH_THREADS} at a time: each of the three workers takes
 * the next item the moment its write ends, so no slot idles while work remains and the tenant
 * never sees more than three from this batch. A failure ends only its own item, unless it is one
 * of {@linkcode stopReason}'s: then no further write starts.
 */
export async function runBatch<T>(
  items: readonly T[],
  options: BatchOptions<T>,
): Promise<BatchRun> {
  const outcomes: (WriteOutcome | undefined)[] = new Array(items.length).fill(undefined);
  let next = 0;
  let done = 0;
  let stopped: string | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length && stopped === undefined && !options.signal.aborted) {
      const index = next++;
      try {
        outcomes[index] = { ok: true, id: await options.send(items[index]) };
      } catch (error) {
        outcomes[index] = { ok: false, error };
        stopped ??= stopReason(error);
      }
      options.settled?.(++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_THREADS, items.length) }, worker));
  return {
    outcomes,
    stopped,
    cancelled: stopped === undefined && options.signal.aborted && next < items.length,
  };
}

/** A failed write as a batch reports it: the message, and whether it may have been applied. */
export interface WriteFailure {
  error: string;
  /** True when Autotask's answer never came: the write may have been applied (check first). */
  mayHaveHappened: boolean;
}

/** How a failed write is reported: Autotask's own message, and whether it may have happened. */
export function failureOf(error: unknown): WriteFailure {
  return {
    error: describeError(error),
    mayHaveHappened: error instanceof AutotaskError && error.category === "unknown_outcome",
  };
}

/**
 * Records of `entity` by id: one `in` query per 500 ids (each value counts toward Autotask's
 * 500-condition limit), never one read per record. Ids that do not exist are simply absent.
 */
export async function readByIds(
  ctx: ToolContext,
  entity: string,
  options: { ids: readonly number[]; fields?: string[] },
): Promise<Map<number, AutotaskRecord>> {
  const found = new Map<number, AutotaskRecord>();
  const ids = [...new Set(options.ids)];
  for (let start = 0; start < ids.length; start += MAX_OR_CONDITIONS) {
    const chunk = ids.slice(start, start + MAX_OR_CONDITIONS);
    const { items } = await ctx.client.queryAll(entity, {
      filter: [inList("id", chunk)],
      includeFields: options.fields,
      cap: chunk.length,
      signal: ctx.signal,
    });
    for (const item of items) if (typeof item.id === "number") found.set(item.id, item);
  }
  return found;
}

/** Batched reads a batch of `n` records makes: one per 500 ids. */
export function readsFor(n: number): number {
  return Math.ceil(n / MAX_OR_CONDITIONS);
}

/** `3-7, 9, 12-13`: ids sorted, runs of consecutive ids folded. */
export function idRanges(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const first = sorted[i];
    while (i + 1 < sorted.length && sorted[i + 1] === sorted[i] + 1) i++;
    const last = sorted[i];
    parts.push(
      first === last
        ? String(first)
        : last === first + 1
        ? `${first}, ${last}`
        : `${first}-${last}`,
    );
  }
  return parts.join(", ");
}

/** Ids grouped by the text said about them (a skip reason, a failure message), in first-seen order. */
export function groupIds<K extends string>(
  entries: readonly { id: number; text: string }[],
  key: K,
): ({ ids: string; count: number } & Record<K, string>)[] {
  const groups = new Map<string, number[]>();
  for (const { id, text } of entries) groups.set(text, [...groups.get(text) ?? [], id]);
  return [...groups].map(([text, ids]) =>
    ({ [key]: text, ids: idRanges(ids), count: ids.length }) as
      & { ids: string; count: number }
      & Record<K, string>
  );
}

/**
 * Refuses a batch the hourly budget cannot carry: when its requests would take usage past the
 * hard share (AUTOTASK_BUDGET_HARD), the message gives the numbers and the largest batch that
 * fits. Nothing is refused while the limit is not known yet.
 */
export function checkBudget(
  ctx: ToolContext,
  options: { records: number; requests: number; what: string },
): void {
  const budget = ctx.client.stats().budget;
  if (budget.limit === undefined) return;
  const ceiling = Math.floor(budget.limit * budget.hardShare);
  const left = Math.max(0, ceiling - budget.used);
  if (options.requests <= left) return;
  const perRecord = options.requests / Math.max(1, options.records);
  const fits = Math.max(0, Math.floor((left - (options.requests - options.records)) / perRecord));
  const n = (value: number) => value.toLocaleString("en-US");
  throw new InputError(
    `This batch would need about ${n(options.requests)} Autotask requests (${
      n(options.records)
    } ${options.what}, plus batched reads), but only ${n(left)} remain before ${
      Math.round(budget.hardShare * 100)
    }% of the hourly limit (AUTOTASK_BUDGET_HARD: ${n(ceiling)} of ${n(budget.limit)}; ${
      n(budget.used)
    } used${budget.resetsBy ? `, the window resets by ${budget.resetsBy}` : ""}). Nothing was ` +
      `sent: ${
        fits > 0 ? `preview at most ${n(fits)} records at a time, or ` : ""
      }wait for the window to reset`,
  );
}

/** `3-5, 9` back to `[3, 4, 5, 9]`. */
function expandRanges(text: unknown): number[] {
  if (typeof text !== "string" || text.trim() === "") return [];
  return text.split(",").flatMap((part) => {
    const [from, to] = part.trim().split("-").map(Number);
    return to === undefined ? [from] : Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
}

/** The lists of grouped ids a batch result may carry, and the key of their text. */
const GROUPED = { failed: "error", skipped: "reason" } as const;

/**
 * Merges the groups of a grouped list whose texts are equal (after shortening) or, with
 * `all`, into one group whose text gives the first of them: every id stays listed.
 */
function mergeGroups(list: unknown[], textKey: string, all: boolean): unknown[] {
  const merged = new Map<string, { group: Record<string, unknown>; ids: number[] }>();
  for (const item of list) {
    const group = item as Record<string, unknown>;
    const key = all ? "" : `${group.mayHaveHappened}\u0000${group[textKey]}`;
    const found = merged.get(key);
    if (found) found.ids.push(...expandRanges(group.ids));
    else merged.set(key, { group: { ...group }, ids: expandRanges(group.ids) });
  }
  return [...merged.values()].map(({ group, ids }) => {
    const out: Record<string, unknown> = { ...group, ids: idRanges(ids), count: ids.length };
    if (all && list.length > 1) {
      out[textKey] = `${list.length} different messages; the first: ${group[textKey]}`;
      if ("mayHaveHappened" in out) {
        out.mayHaveHappened = list.some((g) => (g as Record<string, unknown>).mayHaveHappened);
      }
    }
    return out;
  });
}

/**
 * Shrinks a batch result to `maxChars` of JSON without hiding a record: long texts in its lists
 * are shortened step by step, then the sample goes, then groups whose shortened texts agree are
 * merged, and last each list becomes one group. Every id stays listed throughout.
 */
export function fitResult(result: ToolOutput, maxChars: number): ToolOutput {
  const size = () => JSON.stringify(result).length;
  for (let limit = 400; size() > maxChars && limit >= 60; limit = Math.floor(limit / 2)) {
    for (const key of ["failed", "skipped", "sample"]) {
      const list = result[key];
      if (Array.isArray(list)) result[key] = list.map((item) => shorten(item, limit));
    }
  }
  if (size() > maxChars && "sample" in result) {
    delete result.sample;
    result.note = [result.note, "the sample was left out to fit the result size cap"]
      .filter(Boolean).join("; ");
  }
  for (const all of [false, true]) {
    for (const [key, textKey] of Object.entries(GROUPED)) {
      const list = result[key];
      if (size() > maxChars && Array.isArray(list)) result[key] = mergeGroups(list, textKey, all);
    }
  }
  return result;
}

function shorten(value: unknown, limit: number): unknown {
  if (typeof value === "string") {
    return value.length > limit ? `${value.slice(0, limit)}… [shortened]` : value;
  }
  if (Array.isArray(value)) return value.map((v) => shorten(v, limit));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === "ids" ? v : shorten(v, limit)]),
    );
  }
  return value;
}
