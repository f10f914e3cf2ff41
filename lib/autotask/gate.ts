/**
 * Autotask's per-entity thread limit applied before a request leaves: N in
 * flight per key, the waiters served round-robin across users (FIFO within a
 * user); a key that meets refusals from elsewhere (other processes on the
 * same integration code) runs fewer.
 */

import { type TimerId, TimerSet } from "./retry.ts";

/** Gives the slot back; calling it again does nothing. */
export type Release = () => void;

/** Options for {@linkcode ConcurrencyGate.acquire}. */
export interface AcquireOptions {
  /** Aborting it takes the waiter out of the queue at once. */
  signal?: AbortSignal;
  /** Longest wait for a slot; then the waiter leaves the queue with {@linkcode QueueTimeout}. */
  timeoutMs?: number;
  /**
   * Who the request is for (a stable user key). Waiters of different users take turns, so
   * one user's long queue cannot starve another's; undefined is the default user.
   */
  user?: string;
}

/** Thrown by {@linkcode ConcurrencyGate.acquire} when no slot freed up in time. */
export class QueueTimeout extends Error {
  /** How long the waiter waited, in milliseconds. */
  readonly waitedMs: number;
  /** Requests that were in flight on the key when it gave up. */
  readonly inFlight: number;
  constructor(key: string, waitedMs: number, inFlight: number) {
    super(`No free slot for ${key} within ${waitedMs} ms`);
    this.name = "QueueTimeout";
    this.waitedMs = waitedMs;
    this.inFlight = inFlight;
  }
}

/** Thrown by {@linkcode ConcurrencyGate.acquire} when the caller's signal aborted while queued. */
export class QueueCancelled extends Error {
  constructor(key: string) {
    super(`Cancelled while waiting for a free slot for ${key}`);
    this.name = "QueueCancelled";
  }
}

/** Slots and waiters of one gate, per key. */
export interface GateStats {
  inFlight: Record<string, number>;
  queued: Record<string, number>;
}

interface Waiter {
  grant(release: Release): void;
}

interface Lane {
  active: number;
  /**
   * Waiters per user, FIFO within each. The map's order is the round-robin turn: the user
   * served moves to the back while it has more waiting, so users alternate slot by slot.
   */
  queues: Map<string, Waiter[]>;
  /** Waiters over all users. */
  waiting: number;
}

/** The queue key of calls made for no user in particular. */
const DEFAULT_USER = "";

/** A key running fewer than the gate's limit after refusals; kept while the lane comes and goes. */
interface Shrunk {
  limit: number;
  /** When it last shrank or grew (ms, performance clock). */
  since: number;
}

/** A shrunk key grows back one slot per this long without a refusal (default). */
const REGROW_MS = 2_000;

/**
 * A counting semaphore per key (the entity endpoint). A released slot passes
 * straight to the next waiter, so a newcomer can never overtake the queue and
 * no slot idles while work waits. Waiters are served round-robin across users
 * and in arrival order within a user: with the same work queued, users get
 * slots in turn whatever their queue lengths. Empty lanes are dropped, so the
 * map only holds keys with work.
 */
export class ConcurrencyGate {
  /** Slots per key. */
  readonly limit: number;
  readonly #lanes = new Map<string, Lane>();
  readonly #shrunk = new Map<string, Shrunk>();
  readonly #timers: TimerSet;
  readonly #regrowMs: number;

  constructor(
    limit: number,
    timers: TimerSet = new TimerSet(),
    options: { regrowMs?: number } = {},
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be >= 1");
    this.limit = limit;
    this.#timers = timers;
    this.#regrowMs = options.regrowMs ?? REGROW_MS;
  }

  /** Waits for a slot on `key`; resolves with the function that gives it back. */
  acquire(key: string, options: AcquireOptions = {}): Promise<Release> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new QueueCancelled(key));
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { active: 0, queues: new Map(), waiting: 0 };
      this.#lanes.set(key, lane);
    }
    if (lane.active < this.limitOf(key) && lane.waiting === 0) {
      lane.active++;
      return Promise.resolve(this.#releaser(key, lane));
    }
    const queuedLane = lane;
    const user = options.user ?? DEFAULT_USER;
    return new Promise<Release>((resolve, reject) => {
      const started = performance.now();
      let timer: TimerId | undefined;
      const leave = (error: Error) => {
        const queue = queuedLane.queues.get(user);
        const index = queue?.indexOf(waiter) ?? -1;
        if (queue && index >= 0) {
          queue.splice(index, 1);
          queuedLane.waiting--;
          if (queue.length === 0) queuedLane.queues.delete(user);
        }
        cleanup();
        this.#dropIfIdle(key, queuedLane);
        reject(error);
      };
      const onAbort = () => leave(new QueueCancelled(key));
      const cleanup = () => {
        this.#timers.clear(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const waiter: Waiter = {
        grant: (release) => {
          cleanup();
          resolve(release);
        },
      };
      const queue = queuedLane.queues.get(user);
      if (queue) queue.push(waiter);
      else queuedLane.queues.set(user, [waiter]);
      queuedLane.waiting++;
      signal?.addEventListener("abort", onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = this.#timers.set(() => {
          timer = undefined;
          leave(
            new QueueTimeout(key, Math.round(performance.now() - started), queuedLane.active),
          );
        }, options.timeoutMs);
      }
    });
  }

  #releaser(key: string, lane: Lane): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = lane.active <= this.limitOf(key) ? nextWaiter(lane) : undefined;
      if (next) {
        // The slot changes hands without ever being free: FIFO, no barging.
        next.grant(this.#releaser(key, lane));
        return;
      }
      lane.active--;
      this.#dropIfIdle(key, lane);
    };
  }

  /**
   * Autotask refused a request on `key` because others using the same
   * integration code hold its threads: run one fewer here (never below one)
   * so this process stops competing for slots it cannot get.
   */
  shrink(key: string): void {
    const limit = Math.max(1, this.limitOf(key) - 1);
    this.#shrunk.set(key, { limit, since: performance.now() });
  }

  /**
   * A request on `key` succeeded: a shrunk key takes one slot back per
   * `regrowMs` (2 s) without refusals, handing it straight to a waiter.
   */
  succeeded(key: string): void {
    const shrunk = this.#shrunk.get(key);
    if (!shrunk) return;
    const now = performance.now();
    if (now - shrunk.since < this.#regrowMs) return;
    if (shrunk.limit + 1 >= this.limit) this.#shrunk.delete(key);
    else this.#shrunk.set(key, { limit: shrunk.limit + 1, since: now });
    const lane = this.#lanes.get(key);
    const next = lane && nextWaiter(lane);
    if (lane && next) {
      lane.active++;
      next.grant(this.#releaser(key, lane));
    }
  }

  #dropIfIdle(key: string, lane: Lane): void {
    if (lane.active === 0 && lane.waiting === 0 && this.#lanes.get(key) === lane) {
      this.#lanes.delete(key);
    }
  }

  /** Requests holding a slot on `key`. */
  inFlight(key: string): number {
    return this.#lanes.get(key)?.active ?? 0;
  }

  /** Requests waiting for a slot on `key` (all users, or `user`'s only). */
  queued(key: string, user?: string): number {
    const lane = this.#lanes.get(key);
    if (user === undefined) return lane?.waiting ?? 0;
    return lane?.queues.get(user)?.length ?? 0;
  }

  /** Slots `key` may use now (the limit, or fewer after refusals). */
  limitOf(key: string): number {
    return this.#shrunk.get(key)?.limit ?? this.limit;
  }

  /** Non-zero counts per key (empty objects when idle). */
  stats(): GateStats {
    const inFlight: Record<string, number> = {};
    const queued: Record<string, number> = {};
    for (const [key, lane] of this.#lanes) {
      if (lane.active > 0) inFlight[key] = lane.active;
      if (lane.waiting > 0) queued[key] = lane.waiting;
    }
    return { inFlight, queued };
  }
}

/**
 * Takes the waiter whose turn it is: the first of the user at the front of the
 * round-robin order, which then moves to the back if it has more waiting.
 */
function nextWaiter(lane: Lane): Waiter | undefined {
  for (const [user, queue] of lane.queues) {
    const waiter = queue.shift();
    lane.queues.delete(user);
    if (waiter === undefined) continue;
    if (queue.length > 0) lane.queues.set(user, queue);
    lane.waiting--;
    return waiter;
  }
  return undefined;
}
