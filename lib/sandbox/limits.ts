/** Autotask's limits: the hourly request threshold and the per-entity thread limit, with high-water marks. */

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
