/** Fault injection: the queue of pending faults, abortable sleeps, and the dropped-connection signal. */

import type { Fault } from "./types.ts";

/**
 * Thrown by `Sandbox.handle` when a fault drops the request. It is a
 * `TypeError`, like the one `fetch` rejects with on a network failure; the
 * HTTP server turns it into a connection closed without a valid response.
 */
export class DroppedConnection extends TypeError {
  constructor() {
    super("error sending request: connection closed before message completed (sandbox drop fault)");
    this.name = "TypeError";
  }
}

/** What a request looks like to fault matching. */
export interface FaultTarget {
  method: string;
  entity: string | null;
  /** Pathname and search as received. */
  path: string;
}

interface Pending {
  fault: Fault;
  remaining: number;
}

/** Faults in injection order; each applies to `times` matching requests, then is gone. */
export class FaultQueue {
  #pending: Pending[] = [];

  /** Queues a fault. */
  add(fault: Fault): void {
    this.#pending.push({ fault: { ...fault }, remaining: fault.times ?? 1 });
  }

  /** Forgets every pending fault. */
  clear(): void {
    this.#pending = [];
  }

  /** The first pending fault that matches, consuming one of its uses. */
  take(target: FaultTarget): Fault | undefined {
    const index = this.#pending.findIndex((p) => p.remaining > 0 && matches(p.fault, target));
    if (index < 0) return undefined;
    const pending = this.#pending[index];
    pending.remaining--;
    if (pending.remaining <= 0) this.#pending.splice(index, 1);
    return pending.fault;
  }
}

function matches(fault: Fault, target: FaultTarget): boolean {
  const m = fault.match;
  if (!m) return true;
  if (m.method && m.method.toUpperCase() !== target.method.toUpperCase()) return false;
  if (m.entity && m.entity.toLowerCase() !== (target.entity ?? "").toLowerCase()) return false;
  if (m.pathEndsWith) {
    const pathname = target.path.split("?")[0].toLowerCase();
    if (!pathname.endsWith(m.pathEndsWith.toLowerCase())) return false;
  }
  if (m.pathIncludes) {
    const wanted = m.pathIncludes.toLowerCase();
    let decoded = target.path;
    try {
      decoded = decodeURIComponent(target.path);
    } catch {
      // keep the raw path
    }
    if (!target.path.toLowerCase().includes(wanted) && !decoded.toLowerCase().includes(wanted)) {
      return false;
    }
  }
  return true;
}

/** The rejection of an aborted wait: the signal's reason, like `fetch`. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** Waits `ms`; rejects as soon as `signal` aborts, leaving no timer behind. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Cuts a JSON text in half so no parser accepts it (a 200 with a garbled body). */
export function truncateJson(text: string): string {
  if (text.length < 2) return "{";
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}
