/** What happens to a verified callout: de-duplicated, logged, and announced to resource subscribers. */

import type { AutotaskClient, AutotaskRecord } from "../autotask/client.ts";
import { AutotaskError } from "../autotask/errors.ts";
import { eq } from "../autotask/query.ts";
import {
  type Callout,
  kindOfEntityType,
  WEBHOOK_KINDS,
  type WebhookKind,
} from "../autotask/webhooks.ts";
import { type ChangeEvent, ChangeLog } from "./log.ts";

/** Where the feed reports (stderr lines of the entry's logger). */
export interface FeedLogger {
  info(line: string): void;
  warn(line: string): void;
}

/** A deactivation notice that a read of the webhook confirmed. */
export interface Deactivation {
  /** The webhook entity, e.g. "TicketWebhooks". */
  webhookEntity: string;
  webhookId: number;
  /** "deactivated": it exists and is inactive; "deleted": Autotask no longer has it. */
  state: "deactivated" | "deleted";
  name?: string;
  confirmedAt: string;
}

/** Options of {@linkcode ChangeFeed}. */
export interface ChangeFeedOptions {
  client: AutotaskClient;
  log?: ChangeLog;
  /** The MCP resource URI of a record, when records of its entity are resources. */
  uriOf(entity: string, id: number): string | undefined;
  /** Announces `notifications/resources/updated` for `uri` to whoever subscribed to it. */
  publish(uri: string): void;
  logger: FeedLogger;
  /** Clock (default `Date.now`). */
  now?: () => number;
}

/** Confirmations (Autotask reads) a minute at most: an unsigned notice must not burn the budget. */
const CONFIRMATIONS_PER_MINUTE = 10;
/** Confirmed deactivations remembered. */
const MAX_DEACTIVATIONS = 20;
/** Signed callouts waiting for processing at most; beyond, they are dropped with a log line. */
const MAX_QUEUED = 10_000;

/** Keys of a JSON object by lower case. */
function lowerKeys(value: unknown): Map<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return new Map();
  return new Map(Object.entries(value).map(([k, v]) => [k.toLowerCase(), v]));
}

function positiveId(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d{1,15}$/.test(value.trim()) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The receiving end of Autotask's webhooks in this process: callouts are processed one at a time
 * in arrival order (so the log's order is the order Autotask's deliveries arrived in), each event
 * once, then subscribers of the changed record (and, for a note, of its ticket) are told.
 */
export class ChangeFeed {
  readonly log: ChangeLog;
  readonly #client: AutotaskClient;
  readonly #uriOf: ChangeFeedOptions["uriOf"];
  readonly #publish: (uri: string) => void;
  readonly #logger: FeedLogger;
  readonly #now: () => number;
  readonly #deactivations: Deactivation[] = [];
  #queue: Promise<void> = Promise.resolve();
  #queued = 0;
  #confirmations: number[] = [];

  constructor(options: ChangeFeedOptions) {
    this.#client = options.client;
    this.#now = options.now ?? Date.now;
    this.log = options.log ?? new ChangeLog({ now: this.#now });
    this.#uriOf = options.uriOf;
    this.#publish = options.publish;
    this.#logger = options.logger;
  }

  /** Queues a verified callout; returns at once (Autotask wants its answer within 10 s). */
  receive(callout: Callout): void {
    if (this.#queued >= MAX_QUEUED) {
      this.#logger.warn(
        `webhook: ${MAX_QUEUED} callouts waiting; dropped ${callout.entity} ${callout.id} ` +
          `${callout.action} (seq ${callout.sequenceNumber})`,
      );
      return;
    }
    if (!this.log.claim(callout)) {
      this.#logger.info(
        `webhook: repeated delivery of ${callout.entity} ${callout.id} ${callout.action} ` +
          `(seq ${callout.sequenceNumber}) ignored`,
      );
      return;
    }
    this.#enqueue(() => this.#record(callout));
  }

  /** Queues an unsigned deactivation notice: trusted only once a read of the webhook confirms it. */
  deactivationNotice(body: unknown): void {
    this.#enqueue(() => this.#confirm(body));
  }

  /** Resolves when everything received so far is processed. */
  async idle(): Promise<void> {
    let seen: Promise<void> | undefined;
    while (seen !== this.#queue) {
      seen = this.#queue;
      await seen;
    }
  }

  /** Confirmed deactivations, newest last. */
  deactivations(): readonly Deactivation[] {
    return this.#deactivations;
  }

  /** The records events named, newest first, each once (for resources/list). */
  recentRecords(limit: number): { entity: string; id: number }[] {
    const seen = new Set<string>();
    const out: { entity: string; id: number }[] = [];
    const events = this.log.after(0);
    for (let i = events.length - 1; i >= 0 && out.length < limit; i--) {
      const key = `${events[i].entity}:${events[i].id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ entity: events[i].entity, id: events[i].id });
    }
    return out;
  }

  #enqueue(work: () => Promise<void>): void {
    this.#queued++;
    this.#queue = this.#queue.then(work).catch((error) => {
      this.#logger.warn(`webhook: processing failed: ${(error as Error)?.message ?? error}`);
    }).finally(() => this.#queued--);
  }

  async #record(callout: Callout): Promise<void> {
    const ticketId = callout.entity === "TicketNotes" ? await this.#ticketOf(callout) : undefined;
    const event = this.log.append(callout, { ticketId });
    this.#announce(event);
  }

  #announce(event: ChangeEvent): void {
    const uris = [this.#uriOf(event.entity, event.id)];
    if (event.ticketId !== undefined) uris.push(this.#uriOf("Tickets", event.ticketId));
    for (const uri of uris) if (uri !== undefined) this.#publish(uri);
  }

  /** A note's ticket: from its fields (webhooks made here always show ticketID), else one read. */
  async #ticketOf(callout: Callout): Promise<number | undefined> {
    const fields = lowerKeys(callout.fields);
    const given = positiveId(fields.get("ticketid"));
    if (given !== undefined || callout.action === "Delete") return given;
    try {
      const note = await this.#client.get("TicketNotes", callout.id, { optional: true });
      return positiveId(note?.ticketID);
    } catch (error) {
      if (!(error instanceof AutotaskError)) throw error;
      this.#logger.warn(`webhook: ticket of note ${callout.id} unknown: ${error.message}`);
      return undefined;
    }
  }

  /** Whether another confirmation may be spent now (a sliding minute). */
  #mayConfirm(): boolean {
    const now = this.#now();
    this.#confirmations = this.#confirmations.filter((t) => now - t < 60_000);
    if (this.#confirmations.length >= CONFIRMATIONS_PER_MINUTE) return false;
    this.#confirmations.push(now);
    return true;
  }

  async #confirm(body: unknown): Promise<void> {
    const keys = lowerKeys(body);
    const id = positiveId(keys.get("webhookid")) ?? positiveId(keys.get("id"));
    const guid = typeof keys.get("guid") === "string"
      ? (keys.get("guid") as string).trim().toLowerCase()
      : undefined;
    const named = typeof keys.get("entitytype") === "string"
      ? kindOfEntityType(keys.get("entitytype") as string)
      : undefined;
    if (id === undefined && guid === undefined) {
      this.#logger.warn("webhook: deactivation notice names no webhook: ignored");
      return;
    }
    if (!this.#mayConfirm()) {
      this.#logger.warn("webhook: too many deactivation notices this minute: one ignored");
      return;
    }
    let confirmed = false;
    try {
      confirmed = await this.#check(named ? [named] : WEBHOOK_KINDS, { id, guid, named });
    } catch (error) {
      if (!(error instanceof AutotaskError)) throw error;
      this.#logger.warn(`webhook: deactivation notice not confirmed: ${error.message}`);
      return;
    }
    if (!confirmed) {
      this.#logger.warn(
        "webhook: deactivation notice not confirmed by Autotask (the webhook it names is active " +
          "or unknown): ignored",
      );
    }
  }

  /** Reads the webhook a notice names; true when Autotask shows it inactive or gone. */
  async #check(
    kinds: readonly WebhookKind[],
    notice: { id?: number; guid?: string; named?: WebhookKind },
  ): Promise<boolean> {
    for (const kind of kinds) {
      const hook = await this.#find(kind, notice);
      if (hook === undefined) continue;
      if (hook === null) {
        // Nothing to compare a GUID with: only a notice naming the kind and the id says "deleted".
        if (notice.named && notice.id !== undefined) {
          this.#confirmed(kind, notice.id, "deleted");
          return true;
        }
        continue;
      }
      const guid = String(hook.webhookGUID ?? "").toLowerCase();
      if (notice.guid !== undefined && guid !== notice.guid) continue;
      if (hook.isActive === true) return false;
      this.#confirmed(kind, hook.id as number, "deactivated", hook.name);
      return true;
    }
    return false;
  }

  /** The webhook by id (null: Autotask has none) or by GUID; undefined when neither can be asked. */
  async #find(
    kind: WebhookKind,
    by: { id?: number; guid?: string },
  ): Promise<AutotaskRecord | null | undefined> {
    if (by.id !== undefined) return await this.#client.get(kind.hooks, by.id, { optional: true });
    if (by.guid === undefined) return undefined;
    const page = await this.#client.query(kind.hooks, {
      filter: [eq("webhookGUID", by.guid)],
      includeFields: ["name", "isActive", "webhookGUID"],
      maxRecords: 1,
      optional: true,
    });
    return page.items[0] ?? undefined;
  }

  #confirmed(kind: WebhookKind, id: number, state: Deactivation["state"], name?: unknown): void {
    const notice: Deactivation = {
      webhookEntity: kind.hooks,
      webhookId: id,
      state,
      ...(typeof name === "string" ? { name } : {}),
      confirmedAt: new Date(this.#now()).toISOString(),
    };
    this.#deactivations.push(notice);
    if (this.#deactivations.length > MAX_DEACTIVATIONS) this.#deactivations.shift();
    this.#logger.warn(
      `webhook: Autotask ${state} ${kind.hooks} ${id}: its changes no longer reach this server` +
        (state === "deactivated" ? " until it is activated again" : ""),
    );
  }
}
