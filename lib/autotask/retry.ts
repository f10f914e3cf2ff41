/** When a failed read is worth another attempt, how long to wait first, and timers that can be counted. */

import { AutotaskError, isWrite, type Operation } from "./errors.ts";

/**
 * Bounds of the automatic retries. Reads are retried after transient
 * failures; writes only after a thread-limit refusal, which Autotask answers
 * before processing anything.
 */
export interface RetryPolicy {
  /** Attempts in all, the first one included, after a transient failure. */
  maxAttempts: number;
  /**
   * Attempts in all after thread-limit refusals: several server processes
   * sharing one integration code keep meeting them, and each is harmless.
   */
  maxThreadAttempts: number;
  /** Ceiling of the first backoff; it doubles per attempt (full jitter picks 0..ceiling). */
  baseDelayMs: number;
  /** Largest backoff ceiling. `Retry-After` is honoured beyond it, within `maxTotalMs`. */
  maxDelayMs: number;
  /** No retry starts later than this after the first attempt (nor past the request timeout). */
  maxTotalMs: number;
}

/**
 * 4 attempts after transient failures and 8 after thread-limit refusals,
 * backoff ceilings 0.5 s, 1 s, 2 s, ... (capped at 8 s), all within 20 s.
 */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 4,
  maxThreadAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxTotalMs: 20_000,
});

/** Statuses that mean "not processed, try again shortly" for a read. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

/** True for Autotask's thread-limit refusal: the request was not processed. */
export function isThreadRefusal(error: unknown): boolean {
  return error instanceof AutotaskError && error.category === "rate_limited" &&
    error.limit === "threads" && error.failure === "http";
}

/**
 * True when a failed request may be sent again automatically. A write only
 * after a thread-limit refusal (unprocessed, so a second send cannot
 * duplicate anything); a read also after 429/502/503/504 or a network
 * failure. Never after a timeout (that is how 80-second hangs start), the
 * caller's cancellation, or the hourly threshold.
 */
export function isRetryable(error: unknown, operation: Operation): boolean {
  if (!(error instanceof AutotaskError)) return false;
  if (isThreadRefusal(error)) return true;
  if (isWrite(operation) || error.limit === "hourly") return false;
  if (error.failure === "network") return true;
  if (error.failure !== "http" || error.status === undefined) return false;
  return RETRYABLE_STATUS.has(error.status);
}

/** The policy and the jitter source of {@linkcode backoffDelay} and {@linkcode retryDelay}. */
export interface DelayOptions {
  /** Default {@linkcode DEFAULT_RETRY_POLICY}. */
  policy?: RetryPolicy;
  /** Default `Math.random` (tests pass a fixed one). */
  random?: () => number;
}

/**
 * Backoff before attempt `attempt + 1` with full jitter: a uniform pick in
 * [0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))), so callers that failed
 * together do not come back together.
 */
export function backoffDelay(attempt: number, options: DelayOptions = {}): number {
  const { policy = DEFAULT_RETRY_POLICY, random = Math.random } = options;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/** The wait before the next attempt: `Retry-After` when Autotask gave one (plus a little jitter), else backoff. */
export function retryDelay(
  error: AutotaskError,
  attempt: number,
  options: DelayOptions = {},
): number {
  if (error.retryAfterSeconds !== undefined) {
    return error.retryAfterSeconds * 1000 + Math.floor((options.random ?? Math.random)() * 250);
  }
  return backoffDelay(attempt, options);
}

/** What `setTimeout` returns (a number in Deno; Node's types say otherwise). */
export type TimerId = ReturnType<typeof setTimeout>;

/**
 * `setTimeout` with a count of the timers still pending, so tests can assert
 * that nothing is left behind after a burst of calls.
 */
export class TimerSet {
  readonly #active = new Set<TimerId>();

  /** Timers not yet fired or cleared. */
  get size(): number {
    return this.#active.size;
  }

  /** Schedules `fn` after `ms`. */
  set(fn: () => void, ms: number): TimerId {
    const id = setTimeout(() => {
      this.#active.delete(id);
      fn();
    }, Math.max(0, ms));
    this.#active.add(id);
    return id;
  }

  /** Cancels a timer (no-op when it already fired). */
  clear(id: TimerId | undefined): void {
    if (id === undefined) return;
    clearTimeout(id);
    this.#active.delete(id);
  }
}

/** Options of {@linkcode sleep}. */
export interface SleepOptions {
  /** Ends the wait early. */
  signal?: AbortSignal;
  /** Where the timer is registered, so its owner can count it. */
  timers: TimerSet;
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as `signal` aborts;
 * either way no timer or listener is left behind.
 */
export function sleep(ms: number, options: SleepOptions): Promise<void> {
  const { signal, timers } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      timers.clear(timer);
      reject(signal!.reason);
    };
    const timer = timers.set(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Awaits `promise` but stops waiting (rejecting with the signal's reason) when `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
