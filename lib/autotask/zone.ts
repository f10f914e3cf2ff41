/** The REST base of the tenant: configured, or discovered once from the username and shared. */

import { type AutotaskConfig, normalizeApiUrl } from "./config.ts";
import { AutotaskError, cancelledError } from "./errors.ts";
import { type FetchFn, sendRequest } from "./http.ts";
import { abortable } from "./retry.ts";

/** Zone discovery endpoint (no authentication). */
export const ZONE_DISCOVERY_URL =
  "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation";

/** Where {@linkcode Zone} asks and how. */
export interface ZoneOptions {
  fetch: FetchFn;
  /** Defaults to {@linkcode ZONE_DISCOVERY_URL}. */
  discoveryUrl?: string;
}

/**
 * The REST base (ending in `V1.0/`). Discovery runs once and is shared by
 * every caller, so no single caller's signal may cancel it; a failed
 * discovery is not kept, so the next call tries again.
 */
export class Zone {
  readonly #config: AutotaskConfig;
  readonly #fetch: FetchFn;
  readonly #discoveryUrl: string;
  #base: Promise<string> | undefined;

  constructor(config: AutotaskConfig, options: ZoneOptions) {
    this.#config = config;
    this.#fetch = options.fetch;
    this.#discoveryUrl = options.discoveryUrl ?? ZONE_DISCOVERY_URL;
    if (config.baseUrl) this.#base = Promise.resolve(config.baseUrl);
  }

  /** The REST base; `signal` ends only this caller's wait. */
  base(signal?: AbortSignal): Promise<string> {
    if (!this.#base) {
      const discovery = this.#discover();
      this.#base = discovery;
      discovery.catch(() => {
        if (this.#base === discovery) this.#base = undefined;
      });
    }
    return abortable(this.#base, signal).catch((error) => {
      throw signal?.aborted ? cancelledError("before it was sent", { operation: "zone" }) : error;
    });
  }

  async #discover(): Promise<string> {
    const url = `${this.#discoveryUrl}?user=${
      encodeURIComponent(this.#config.credentials.username)
    }`;
    const { body } = await sendRequest(this.#fetch, {
      method: "GET",
      url,
      headers: { Accept: "application/json" },
      operation: "zone",
      timeoutMs: this.#config.timeoutMs,
    });
    const zoneUrl = (body as { url?: unknown } | undefined)?.url;
    if (typeof zoneUrl !== "string") {
      throw new AutotaskError(
        "Zone discovery answered without a REST url: set AUTOTASK_ZONE (e.g. 6 for ww6.autotask.net)",
        { category: "configuration", operation: "zone" },
      );
    }
    try {
      return normalizeApiUrl(zoneUrl);
    } catch {
      throw new AutotaskError(
        "Zone discovery returned an unusable REST url: set AUTOTASK_ZONE or AUTOTASK_API_URL",
        { category: "configuration", operation: "zone" },
      );
    }
  }
}
