/**
 * Autotask's per-entity thread limit applied before a request leaves: N in
 * flight per key, the rest wait in FIFO order; a key that meets refusals from
 * elsewhere (other processes on the same integration code) runs fewer.
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
  queue: Waiter[];
}

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
 * straight to the oldest waiter, so a newcomer can never overtake the queue.
 * Empty lanes are dropped, so the map only holds keys with work.
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
      lane = { active: 0, queue: [] };
      this.#lanes.set(key, lane);
    }
    if (lane.active < this.limitOf(key) && lane.queue.length === 0) {
      lane.active++;
      return Promise.resolve(this.#releaser(key, lane));
    }
    const queuedLane = lane;
    return new Promise<Release>((resolve, reject) => {
      const started = performance.now();
      let timer: TimerId | undefined;
      const leave = (error: Error) => {
        const index = queuedLane.queue.indexOf(waiter);
        if (index >= 0) queuedLane.queue.splice(index, 1);
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
      queuedLane.queue.push(waiter);
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
      const next = lane.active <= this.limitOf(key) ? lane.queue.shift() : undefined;
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
    const next = lane?.queue.shift();
    if (lane && next) {
      lane.active++;
      next.grant(this.#releaser(key, lane));
    }
  }

  #dropIfIdle(key: string, lane: Lane): void {
    if (lane.active === 0 && lane.queue.length === 0 && this.#lanes.get(key) === lane) {
      this.#lanes.delete(key);
    }
  }

  /** Requests holding a slot on `key`. */
  inFlight(key: string): number {
    return this.#lanes.get(key)?.active ?? 0;
  }

  /** Requests waiting for a slot on `key`. */
  queued(key: string): number {
    return this.#lanes.get(key)?.queue.length ?? 0;
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
      if (lane.queue.length > 0) queued[key] = lane.queue.length;
    }
    return { inFlight, queued };
  }
}
