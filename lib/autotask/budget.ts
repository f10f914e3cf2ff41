/** The hourly request budget: ThresholdInformation read now and then, requests counted locally in between. */

/** `GET ThresholdInformation`, as far as the budget needs it. */
export interface ThresholdReading {
  externalRequestThreshold: number;
  requestThresholdTimeframe: number;
  currentTimeframeRequestCount: number;
}

/** Shares and refresh cadence of a {@linkcode RequestBudget}. */
export interface BudgetOptions {
  /** Share of the limit from which {@linkcode RequestBudget.notice} warns (default 0.8). */
  warnShare?: number;
  /** Share of the limit from which optional work is refused (default 0.95). */
  hardShare?: number;
  /** Re-read ThresholdInformation after this long (default 5 minutes). */
  refreshIntervalMs?: number;
  /** ...or after this many requests counted locally (default 500). */
  refreshEveryRequests?: number;
  /**
   * Share of the limit one user may use in the window (default 1: no per-user cap). With
   * several users on one server, a lower share keeps one user's bulk work from using the
   * hour up for everyone.
   */
  userShare?: number;
  /** Clock, for tests (default `Date.now`). */
  now?: () => number;
}

/** Where usage stands relative to the shares. */
export type BudgetLevel = "unknown" | "ok" | "warn" | "hard" | "exhausted";

/** What {@linkcode RequestBudget.snapshot} reports (also part of `client.stats()`). */
export interface BudgetSnapshot {
  level: BudgetLevel;
  /** Requests allowed per timeframe; undefined until ThresholdInformation was read. */
  limit?: number;
  /** Requests used in the current timeframe: the last reading plus those counted since. */
  used: number;
  /** `used / limit`, when the limit is known. */
  share?: number;
  timeframeMinutes?: number;
  /** Latest time the current window ends (ISO-8601), when known. */
  resetsBy?: string;
  /** When ThresholdInformation was last read (ISO-8601). */
  syncedAt?: string;
  /** Requests counted locally since that reading. */
  sinceSync: number;
  warnShare: number;
  hardShare: number;
  /** Share of the limit one user may use (1: no per-user cap). */
  userShare: number;
}

/** Default shares, also used by the configuration. */
export const DEFAULT_BUDGET_WARN = 0.8;
/** Default hard share. */
export const DEFAULT_BUDGET_HARD = 0.95;

const DEFAULT_REFRESH_MS = 5 * 60_000;
const DEFAULT_REFRESH_REQUESTS = 500;
/** Near or past the hard share, re-read more often: a window reset should be noticed soon. */
const HARD_REFRESH_MS = 60_000;
/** After a failed reading, wait this long before trying again. */
const FAILED_SYNC_RETRY_MS = 60_000;

/**
 * Tracks how much of Autotask's hourly request threshold is used. Readings are
 * rare (at the first call, then every few minutes or every few hundred
 * requests); in between every request sent is counted here. Autotask does not
 * say when its window started, so the reset time is an upper bound: the first
 * reading of a window plus the timeframe.
 */
export class RequestBudget {
  readonly warnShare: number;
  readonly hardShare: number;
  readonly userShare: number;
  readonly #refreshMs: number;
  readonly #refreshRequests: number;
  readonly #now: () => number;
  #limit: number | undefined;
  #timeframeMinutes: number | undefined;
  #base = 0;
  #sinceSync = 0;
  #syncedAt: number | undefined;
  #lastReading: number | undefined;
  #resetsBy: number | undefined;
  #nextAttempt = 0;
  #forceSync = false;
  /** With replicas: the shared request counter when the last reading was taken. */
  #totalAtSync: number | undefined;

  constructor(options: BudgetOptions = {}) {
    this.warnShare = options.warnShare ?? DEFAULT_BUDGET_WARN;
    this.hardShare = options.hardShare ?? DEFAULT_BUDGET_HARD;
    this.userShare = options.userShare ?? 1;
    this.#refreshMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_MS;
    this.#refreshRequests = options.refreshEveryRequests ?? DEFAULT_REFRESH_REQUESTS;
    this.#now = options.now ?? Date.now;
  }

  /** Requests used: the last reading plus what was sent since. */
  get used(): number {
    return this.#base + this.#sinceSync;
  }

  /** True when ThresholdInformation should be read before the next request. */
  needsSync(): boolean {
    const now = this.#now();
    if (now < this.#nextAttempt) return false;
    if (this.#syncedAt === undefined || this.#forceSync) return true;
    if (this.#resetsBy !== undefined && now >= this.#resetsBy) return true;
    const share = this.#share();
    const interval = share !== undefined && share >= this.hardShare
      ? Math.min(HARD_REFRESH_MS, this.#refreshMs)
      : this.#refreshMs;
    return now - this.#syncedAt >= interval || this.#sinceSync >= this.#refreshRequests;
  }

  /**
   * Counts one request sent to Autotask. `total` is the counter the replicas share (see
   * `REDIS_URL`) after this request: the requests since the reading are then everyone's.
   */
  count(total?: number): void {
    if (total === undefined || this.#totalAtSync === undefined) this.#sinceSync++;
    else this.#sinceSync = Math.max(this.#sinceSync, total - this.#totalAtSync);
  }

  /**
   * Takes a ThresholdInformation reading as the new truth; `options.total` is the shared
   * request counter at the time of the reading, when replicas share one.
   */
  observe(reading: ThresholdReading, options: { total?: number } = {}): void {
    const now = this.#now();
    const limit = reading.externalRequestThreshold;
    const timeframe = reading.requestThresholdTimeframe;
    const count = reading.currentTimeframeRequestCount;
    if (![limit, timeframe, count].every((n) => typeof n === "number" && Number.isFinite(n))) {
      this.syncFailed();
      return;
    }
    const windowMs = Math.max(1, timeframe) * 60_000;
    // A lower count than last time means a new window began since that reading.
    const newWindow = this.#lastReading === undefined || count < this.#lastReading ||
      this.#resetsBy === undefined || now >= this.#resetsBy;
    if (newWindow) this.#resetsBy = now + windowMs;
    this.#limit = limit > 0 ? limit : undefined;
    this.#timeframeMinutes = timeframe;
    this.#base = count;
    this.#lastReading = count;
    this.#sinceSync = 0;
    this.#syncedAt = now;
    this.#nextAttempt = 0;
    this.#forceSync = false;
    this.#totalAtSync = options.total;
  }

  /** The window per-user shares are counted over (Autotask's timeframe; 60 minutes until read). */
  get windowMs(): number {
    return Math.max(1, this.#timeframeMinutes ?? 60) * 60_000;
  }

  /**
   * Most requests one user may send in the window, or undefined when there is no per-user
   * cap (a share of 1) or the limit is not known yet.
   */
  userCap(): number | undefined {
    if (this.userShare >= 1 || this.#limit === undefined) return undefined;
    return Math.max(1, Math.floor(this.#limit * this.userShare));
  }

  /** Why a user past their share may not send this call, with the numbers. */
  userRefusal(used: number, freesAt: number): string {
    const cap = this.userCap() ?? used;
    const frame = this.#timeframeMinutes ?? 60;
    return `Your share of Autotask's hourly API request limit is used up: ${
      used.toLocaleString("en-US")
    } of your ${cap.toLocaleString("en-US")} requests in the last ${frame} minutes (${
      Math.round(this.userShare * 100)
    }% of ${
      (this.#limit ?? 0).toLocaleString("en-US")
    }, AUTOTASK_USER_BUDGET_SHARE), shared fairly by everyone using this server: this call was ` +
      `not sent. Your oldest counted requests leave the window by ${isoMinute(freesAt)} (in about ${
        Math.max(1, Math.ceil((freesAt - this.#now()) / 60_000))
      } min); try again then, or ask the operator to raise AUTOTASK_USER_BUDGET_SHARE`;
  }

  /** A reading failed: keep counting locally and try again a minute later. */
  syncFailed(): void {
    this.#nextAttempt = this.#now() + FAILED_SYNC_RETRY_MS;
  }

  /**
   * A refusal that may mean the hourly limit (a 429 that does not name the
   * thread limit): read ThresholdInformation before the next request, even if
   * a reading failed a moment ago. Only a reading can tell: other
   * integrations of the tenant use the same hourly limit.
   */
  requestSync(): void {
    this.#forceSync = true;
    this.#nextAttempt = 0;
  }

  #share(): number | undefined {
    return this.#limit === undefined ? undefined : this.used / this.#limit;
  }

  /** Where usage stands. */
  level(): BudgetLevel {
    const share = this.#share();
    if (share === undefined) return "unknown";
    if (share >= 1) return "exhausted";
    if (share >= this.hardShare) return "hard";
    if (share >= this.warnShare) return "warn";
    return "ok";
  }

  /**
   * Why a call must not be sent, or undefined when it may. Past the hard
   * share optional work is refused; at the limit everything is.
   */
  refusal(optional: boolean): string | undefined {
    const level = this.level();
    if (level === "exhausted") {
      return `Autotask's hourly API request limit is used up (${this.#usage()}): ` +
        `this call was not sent. ${this.#resetPhrase(true)}; try again then`;
    }
    if (level === "hard" && optional) {
      return `Skipped an optional Autotask lookup (names, totals): the hourly API request budget is ` +
        `${this.#percent()} used (${this.#usage()}) and past ${
          Math.round(this.hardShare * 100)
        }% (AUTOTASK_BUDGET_HARD) only essential calls are sent. ${this.#resetPhrase(true)}`;
    }
    return undefined;
  }

  /** A sentence for tool results once usage passes the warning share, else undefined. */
  notice(): string | undefined {
    switch (this.level()) {
      case "warn":
        return `Autotask API usage is at ${this.#percent()} of the hourly limit (${this.#usage()}; ` +
          `${this.#resetPhrase(false)}): keep searches narrow and avoid repeated calls`;
      case "hard":
        return `Autotask API usage is at ${this.#percent()} of the hourly limit (${this.#usage()}): ` +
          `optional lookups (names, totals) are skipped; ${this.#resetPhrase(false)}`;
      case "exhausted":
        return `Autotask's hourly API request limit is used up (${this.#usage()}): ` +
          `calls are refused; ${this.#resetPhrase(false)}`;
      default:
        return undefined;
    }
  }

  #percent(): string {
    return `${Math.floor((this.#share() ?? 0) * 100)}%`;
  }

  #usage(): string {
    const used = this.used.toLocaleString("en-US");
    if (this.#limit === undefined) return `${used} requests counted`;
    const frame = this.#timeframeMinutes ?? 60;
    return `${used} of ${
      this.#limit.toLocaleString("en-US")
    } requests in the current ${frame}-minute window`;
  }

  #resetPhrase(capital: boolean): string {
    const text = this.#resetsBy === undefined
      ? `the window resets within ${this.#timeframeMinutes ?? 60} minutes`
      : `the window resets by ${isoMinute(this.#resetsBy)} (in about ${
        Math.max(1, Math.ceil((this.#resetsBy - this.#now()) / 60_000))
      } min)`;
    return capital ? text[0].toUpperCase() + text.slice(1) : text;
  }

  /** The state, for `client.stats()` and tests. */
  snapshot(): BudgetSnapshot {
    const share = this.#share();
    return {
      level: this.level(),
      limit: this.#limit,
      used: this.used,
      share: share === undefined ? undefined : Math.round(share * 10_000) / 10_000,
      timeframeMinutes: this.#timeframeMinutes,
      resetsBy: this.#resetsBy === undefined ? undefined : isoMinute(this.#resetsBy),
      syncedAt: this.#syncedAt === undefined ? undefined : new Date(this.#syncedAt).toISOString(),
      sinceSync: this.#sinceSync,
      warnShare: this.warnShare,
      hardShare: this.hardShare,
      userShare: this.userShare,
    };
  }
}

/** `2026-05-01T14:32Z`: minutes are precise enough for a reset time, and agents parse ISO. */
function isoMinute(ms: number): string {
  // Round up: "by" must not be earlier than the bound.
  return new Date(Math.ceil(ms / 60_000) * 60_000).toISOString().slice(0, 16) + "Z";
}
