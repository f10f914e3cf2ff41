/** Each user's requests over the rolling hour, for the per-user share of Autotask's hourly budget. */

/** The user key of calls made for no user in particular. */
export const DEFAULT_USER = "";

/** Requests are counted per minute: a user's usage is the sum of the minutes in the window. */
export const BUCKET_MS = 60_000;

/** What {@linkcode UserUsage.take} answers. */
export type Take =
  | { ok: true; used: number }
  | {
    ok: false;
    /** Requests the user sent in the window. */
    used: number;
    /** When the user's oldest counted minute leaves the window (ms since the epoch). */
    freesAt: number;
  };

/** Options of {@linkcode UserUsage.take}. */
export interface TakeOptions {
  /** Most requests the user may send in the window; undefined: no cap, just count. */
  cap?: number;
  /** The window (Autotask's timeframe, 60 minutes). */
  windowMs: number;
  /** Now, in ms since the epoch. */
  now: number;
}

/**
 * Requests per user in per-minute buckets over a rolling window, in this
 * process. Old minutes are dropped as they leave the window and a user with
 * none left is forgotten, so memory follows the users active in the last hour.
 */
export class UserUsage {
  readonly #byUser = new Map<string, Map<number, number>>();

  /**
   * Counts one request for `user`, unless `cap` requests were already counted
   * in the window: then nothing is counted and the answer says when room frees up.
   */
  take(user: string, options: TakeOptions): Take {
    const buckets = this.#prune(user, options);
    let used = 0;
    for (const count of buckets?.values() ?? []) used += count;
    if (options.cap !== undefined && used >= options.cap) {
      const oldest = Math.min(...buckets!.keys());
      return { ok: false, used, freesAt: (oldest + 1) * BUCKET_MS + options.windowMs };
    }
    const minute = Math.floor(options.now / BUCKET_MS);
    const map = buckets ?? new Map<number, number>();
    map.set(minute, (map.get(minute) ?? 0) + 1);
    this.#byUser.set(user, map);
    return { ok: true, used: used + 1 };
  }

  /** Requests counted for `user` in the window ending now. */
  used(user: string, options: Omit<TakeOptions, "cap">): number {
    let used = 0;
    for (const count of this.#prune(user, options)?.values() ?? []) used += count;
    return used;
  }

  /** Users with requests in the window (after the last prune), for stats. */
  get users(): number {
    return this.#byUser.size;
  }

  #prune(user: string, options: Omit<TakeOptions, "cap">): Map<number, number> | undefined {
    const buckets = this.#byUser.get(user);
    if (!buckets) return undefined;
    // A minute counts while any part of it is inside the window.
    const first = Math.floor((options.now - options.windowMs) / BUCKET_MS);
    for (const minute of buckets.keys()) if (minute < first) buckets.delete(minute);
    if (buckets.size > 0) return buckets;
    this.#byUser.delete(user);
    return undefined;
  }
}
