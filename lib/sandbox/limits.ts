/**
 * Autotask's limits: the hourly request threshold, the per-entity thread limit (with high-water
 * marks) and the attachment upload window.
 */

/** The hourly request threshold of the database. */
export class Threshold {
  limit: number;
  used: number;
  readonly timeframeMinutes: number;
  #windowStart: number;

  constructor(options: { limit?: number; used?: number; timeframeMinutes?: number }, now: Date) {
    this.limit = options.limit ?? 10_000;
    this.used = options.used ?? 0;
    this.timeframeMinutes = options.timeframeMinutes ?? 60;
    this.#windowStart = now.getTime();
  }

  #roll(now: Date): void {
    if (now.getTime() - this.#windowStart >= this.timeframeMinutes * 60_000) {
      this.#windowStart = now.getTime();
      this.used = 0;
    }
  }

  /** Counts one request; false (not counted) when the threshold is already reached. */
  admit(now: Date): boolean {
    this.#roll(now);
    if (this.used >= this.limit) return false;
    this.used++;
    return true;
  }

  /**
   * Counts a `ThresholdInformation` call, which always answers: it counts toward the hour
   * (autotask-api.md section 6) but is never refused by it, so an exhausted hour shows in the
   * counts (the count can then read above the limit).
   */
  countInfoCall(now: Date): void {
    this.#roll(now);
    this.used++;
  }

  /** `GET ThresholdInformation` answer. */
  info(now: Date): Record<string, number> {
    this.#roll(now);
    return {
      externalRequestThreshold: this.limit,
      requestThresholdTimeframe: this.timeframeMinutes,
      currentTimeframeRequestCount: this.used,
    };
  }
}

/** In-flight requests per (integration code, entity), with high-water marks for tests. */
export class Threads {
  readonly #byKey = new Map<string, number>();
  readonly #byEntity = new Map<string, number>();
  readonly #maxByEntity = new Map<string, number>();
  #total = 0;
  #maxTotal = 0;

  /** Takes a thread; false when `limit` requests of this code are already in flight on the entity. */
  acquire(code: string, entity: string, limit: number): boolean {
    const key = `${code}\u0000${entity.toLowerCase()}`;
    const current = this.#byKey.get(key) ?? 0;
    if (current >= limit) return false;
    this.#byKey.set(key, current + 1);
    const e = entity.toLowerCase();
    const n = (this.#byEntity.get(e) ?? 0) + 1;
    this.#byEntity.set(e, n);
    this.#maxByEntity.set(e, Math.max(this.#maxByEntity.get(e) ?? 0, n));
    this.#total++;
    this.#maxTotal = Math.max(this.#maxTotal, this.#total);
    return true;
  }

  /** Gives a thread back. */
  release(code: string, entity: string): void {
    const key = `${code}\u0000${entity.toLowerCase()}`;
    this.#byKey.set(key, Math.max(0, (this.#byKey.get(key) ?? 0) - 1));
    const e = entity.toLowerCase();
    this.#byEntity.set(e, Math.max(0, (this.#byEntity.get(e) ?? 0) - 1));
    this.#total = Math.max(0, this.#total - 1);
  }

  /** Requests in flight on an entity now. */
  inFlight(entity: string): number {
    return this.#byEntity.get(entity.toLowerCase()) ?? 0;
  }

  /** High-water mark of one entity, or of all requests together when omitted. */
  maxInFlight(entity?: string): number {
    if (entity === undefined) return this.#maxTotal;
    return this.#maxByEntity.get(entity.toLowerCase()) ?? 0;
  }

  /** Restarts the high-water marks from what is in flight now. */
  reset(): void {
    this.#maxByEntity.clear();
    for (const [e, n] of this.#byEntity) if (n > 0) this.#maxByEntity.set(e, n);
    this.#maxTotal = this.#total;
  }
}

/** Default attachment limits (autotask-api.md section 4). */
export const ATTACHMENT_LIMITS = {
  /** "About 6 MB" per file. */
  maxFileBytes: 6 * 1024 * 1024,
  windowBytes: 10_000_000,
  windowMinutes: 5,
} as const;

/**
 * Attachment bytes per database over a sliding window. An upload that would take the window past
 * its byte budget is refused, and so is every attachment create for the next window length.
 */
export class AttachmentWindow {
  readonly windowBytes: number;
  readonly windowMs: number;
  #uploads: { at: number; bytes: number }[] = [];
  #blockedUntil = -Infinity;

  constructor(options: { windowBytes?: number; windowMinutes?: number } = {}) {
    this.windowBytes = options.windowBytes ?? ATTACHMENT_LIMITS.windowBytes;
    this.windowMs = (options.windowMinutes ?? ATTACHMENT_LIMITS.windowMinutes) * 60_000;
  }

  /** Takes `bytes` into the window, or answers until when attachment creation is refused. */
  admit(bytes: number, now: Date): { ok: true } | { ok: false; until: Date } {
    const t = now.getTime();
    if (t < this.#blockedUntil) return { ok: false, until: new Date(this.#blockedUntil) };
    this.#uploads = this.#uploads.filter((u) => u.at > t - this.windowMs);
    const used = this.#uploads.reduce((sum, u) => sum + u.bytes, 0);
    if (used + bytes > this.windowBytes) {
      this.#blockedUntil = t + this.windowMs;
      this.#uploads = [];
      return { ok: false, until: new Date(this.#blockedUntil) };
    }
    this.#uploads.push({ at: t, bytes });
    return { ok: true };
  }
}
