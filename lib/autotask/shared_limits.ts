/** What replicas share to stay inside Autotask's limits together: thread slots as leases, request counts. */

import type { Release } from "./gate.ts";
import type { Take } from "./user_usage.ts";

/** Options of {@linkcode SharedLimits.lease}. */
export interface LeaseOptions {
  /** Slots of the key across all replicas (Autotask's 3 threads per entity). */
  limit: number;
  /**
   * The lease ends by itself after this long: a replica that crashed holding it frees the
   * slot then. Longer than any request may take (the request timeout plus a margin).
   */
  ttlMs: number;
  /** Give up (reject with {@linkcode LeaseTimeout}) at this `performance.now()` time. */
  deadline: number;
  /** Aborting it stops the wait (rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** Thrown by {@linkcode SharedLimits.lease} when no slot freed up before the deadline. */
export class LeaseTimeout extends Error {
  constructor(key: string) {
    super(`No shared slot for ${key} freed up in time`);
    this.name = "LeaseTimeout";
  }
}

/** Thrown when the shared store cannot be used: the call is not sent. */
export class SharedLimitsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SharedLimitsError";
  }
}

/** A {@linkcode Take} plus the shared request counter after it. */
export type SharedTake = Take & { total: number };

/**
 * The limits store replicas of the server share (Redis, with `REDIS_URL`).
 * Without one, each process keeps its own slots and counts.
 */
export interface SharedLimits {
  /** Where the store is, for logs (never credentials). */
  readonly description: string;
  /** One of `limit` slots of `key` across replicas, held until released or expired. */
  lease(key: string, options: LeaseOptions): Promise<Release>;
  /**
   * Counts a new call for `user` and one request on the shared counter, unless
   * `cap` requests of that user are already in the window (then counts nothing).
   */
  take(user: string, options: { cap?: number; windowMs: number }): Promise<SharedTake>;
  /** Counts one more request (a retry) on the shared counter; answers the counter. */
  count(): Promise<number>;
  /** The shared request counter now. */
  total(): Promise<number>;
  /** Disconnects; leases still held expire on their own. */
  close(): Promise<void>;
}
