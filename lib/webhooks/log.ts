/** The bounded in-memory log of webhook events this process received, with cursors and de-duplication. */

import { type Callout, calloutKey, type CalloutValue } from "../autotask/webhooks.ts";

/** One change Autotask reported, as the log keeps it. */
export interface ChangeEvent {
  /** Position in this process's log, from 1: what cursors point at. */
  seq: number;
  /** When this server accepted the callout (ISO, UTC). */
  receivedAt: string;
  action: Callout["action"];
  /** Catalog name of the changed record's entity (Tickets, Companies, ...). */
  entity: string;
  id: number;
  /** The subscribed and always-shown fields the callout carried, keys as sent. */
  fields: Record<string, CalloutValue>;
  /** When Autotask saw the change, when it said. */
  eventTime?: string;
  /** Who made the change (a resource id). */
  personId?: number;
  /** The webhook that reported it (its GUID) and its event counter. */
  guid: string;
  sequenceNumber: number;
  /** For a ticket note: the ticket it belongs to, when known. */
  ticketId?: number;
}

/** Options of {@linkcode ChangeLog}. */
export interface ChangeLogOptions {
  /** Events kept; older ones are dropped first (default {@linkcode DEFAULT_LOG_CAPACITY}). */
  capacity?: number;
  /** Clock (default `Date.now`). */
  now?: () => number;
}

/** Events the log keeps by default: a busy MSP's day of ticket changes is a few thousand. */
export const DEFAULT_LOG_CAPACITY = 5_000;

/** A position in the log, as {@linkcode ChangeLog.readCursor} understands it. */
export type CursorRead =
  | { ok: true; seq: number }
  | { ok: false; reason: "malformed" | "restarted" };

const CURSOR_PREFIX = "wh1.";

/**
 * The events of this process, oldest first, at most `capacity`. A restart loses them all (and
 * cursors from before it are refused, not misread); Autotask itself keeps only failed deliveries.
 * Each (Guid, EntityType, Id, Action, SequenceNumber) is taken once: Autotask retries re-send the
 * same event.
 */
export class ChangeLog {
  /** Tells this process's cursors from those of an earlier run. */
  readonly bootId: string = crypto.randomUUID().slice(0, 8);
  /** When this log began (ISO): nothing before it is known. */
  readonly startedAt: string;
  readonly capacity: number;
  readonly #now: () => number;
  readonly #events: ChangeEvent[] = [];
  /** Keys of the events taken, oldest first, at most twice the capacity. */
  readonly #keys = new Set<string>();
  #nextSeq = 1;
  #dropped = 0;

  constructor(options: ChangeLogOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_LOG_CAPACITY);
    this.#now = options.now ?? Date.now;
    this.startedAt = new Date(this.#now()).toISOString();
  }

  /**
   * Claims an event's identity: true the first time, false for a retry of one already taken.
   * Claim before any slow work so two copies arriving together are not both recorded.
   */
  claim(callout: Callout): boolean {
    const key = calloutKey(callout);
    if (this.#keys.has(key)) return false;
    this.#keys.add(key);
    // Retries come within minutes: twice the log's size of keys outlives them by far.
    if (this.#keys.size > this.capacity * 2) {
      const oldest = this.#keys.values().next().value;
      if (oldest !== undefined) this.#keys.delete(oldest);
    }
    return true;
  }

  /** Appends a claimed event and returns it as logged. */
  append(callout: Callout, extra: { ticketId?: number } = {}): ChangeEvent {
    const event: ChangeEvent = {
      seq: this.#nextSeq++,
      receivedAt: new Date(this.#now()).toISOString(),
      action: callout.action,
      entity: callout.entity,
      id: callout.id,
      fields: callout.fields,
      eventTime: callout.eventTime,
      personId: callout.personId,
      guid: callout.guid,
      sequenceNumber: callout.sequenceNumber,
      ...(extra.ticketId !== undefined ? { ticketId: extra.ticketId } : {}),
    };
    this.#events.push(event);
    if (this.#events.length > this.capacity) {
      this.#events.shift();
      this.#dropped++;
    }
    return event;
  }

  /** Events after `seq` (0: all kept), oldest first. */
  after(seq: number): ChangeEvent[] {
    const first = this.#events[0]?.seq ?? this.#nextSeq;
    return this.#events.slice(Math.max(0, seq + 1 - first));
  }

  /** Events dropped since `seq` because the log was full (0 when none). */
  droppedAfter(seq: number): number {
    const first = this.#events[0]?.seq ?? this.#nextSeq;
    return Math.max(0, first - seq - 1);
  }

  /** Events kept now. */
  get size(): number {
    return this.#events.length;
  }

  /** Events dropped since start because the log was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The seq of the newest event (0 when none yet). */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** An opaque cursor: continue after `seq` in this process's log. */
  cursor(seq: number): string {
    return `${CURSOR_PREFIX}${this.bootId}.${seq}`;
  }

  /** Reads a cursor of {@linkcode cursor}; one from another run of the server is "restarted". */
  readCursor(text: string): CursorRead {
    const match = /^wh1\.([0-9a-f]{8})\.(\d{1,15})$/.exec(text.trim());
    if (!match) return { ok: false, reason: "malformed" };
    if (match[1] !== this.bootId) return { ok: false, reason: "restarted" };
    const seq = Number(match[2]);
    return seq > this.lastSeq ? { ok: false, reason: "malformed" } : { ok: true, seq };
  }
}
