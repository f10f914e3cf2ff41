/** The audit log: one JSON line per Autotask write (who, as which resource, which tool, which record, outcome), and per-user counts. */

import type { WriteEvent } from "../autotask/client.ts";

/** One write, as the audit line states it: never a field value or a secret. */
export interface AuditEntry extends WriteEvent {
  user: string;
  /** The resource the write acted as; absent when made as the API user. */
  resourceId?: number;
  tool: string;
}

/** What one user did since the server started. */
export interface UserCounts {
  /** Tool calls (each counted once, whatever it sent). */
  calls: number;
  /** Tool calls that ended in an error result. */
  failedCalls: number;
  /** Autotask writes by outcome. */
  writes: number;
  failedWrites: number;
  unknownWrites: number;
  /** When the user's last call started (ISO-8601). */
  lastCall?: string;
}

/** Options of {@linkcode AuditLog}. */
export interface AuditLogOptions {
  /** Where each line goes (default: stderr, whatever LOG_LEVEL says). */
  write?: (line: string) => void;
  now?: () => number;
}

/** Most users counted; beyond it the oldest are forgotten (counts are for monitoring, not billing). */
const MAX_USERS = 10_000;

/**
 * Writes one JSON line per write to stderr and counts calls and writes per user. The line
 * names the user, the resource acted as, the tool, the entity, the record id, the operation
 * and the outcome: what happened and to which record, never what was written.
 */
export class AuditLog {
  readonly #write: (line: string) => void;
  readonly #now: () => number;
  readonly #users = new Map<string, UserCounts>();

  constructor(options: AuditLogOptions = {}) {
    this.#write = options.write ?? ((line) => console.error(line));
    this.#now = options.now ?? Date.now;
  }

  /** Counts a tool call of `user` (its outcome is known when it ends). */
  call(user: string): (ok: boolean) => void {
    const counts = this.#counts(user);
    counts.calls++;
    counts.lastCall = new Date(this.#now()).toISOString();
    return (ok) => {
      if (!ok) counts.failedCalls++;
    };
  }

  /** Writes the line of one Autotask write and counts it. */
  write(entry: AuditEntry): void {
    const counts = this.#counts(entry.user);
    if (entry.outcome === "ok") counts.writes++;
    else if (entry.outcome === "failed") counts.failedWrites++;
    else counts.unknownWrites++;
    const line: Record<string, unknown> = {
      audit: "write",
      time: new Date(this.#now()).toISOString(),
      user: entry.user,
      resourceId: entry.resourceId ?? null,
      tool: entry.tool,
      entity: entry.entity,
      operation: entry.operation,
      recordId: entry.id ?? null,
      outcome: entry.outcome,
    };
    this.#write(JSON.stringify(line));
  }

  /** Per-user counts, users in alphabetical order (for the operator's `/health`). */
  counts(): Record<string, UserCounts> {
    const out: Record<string, UserCounts> = {};
    for (const user of [...this.#users.keys()].sort()) out[user] = { ...this.#users.get(user)! };
    return out;
  }

  #counts(user: string): UserCounts {
    let counts = this.#users.get(user);
    if (counts === undefined) {
      if (this.#users.size >= MAX_USERS) {
        this.#users.delete(this.#users.keys().next().value!);
      }
      counts = { calls: 0, failedCalls: 0, writes: 0, failedWrites: 0, unknownWrites: 0 };
      this.#users.set(user, counts);
    }
    return counts;
  }
}
