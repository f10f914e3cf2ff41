/** Who a team server's user is in Autotask: the resource they act as, found once and cached, or why there is none. */

import type { AutotaskClient, AutotaskRecord } from "./client.ts";
import { AutotaskError } from "./errors.ts";
import { API_ONLY_LICENSE_TYPE } from "./impersonation.ts";

/** How a user is found among Autotask's resources. */
export interface UserMapping {
  /** The stable user key (token subject or e-mail), for messages and the cache. */
  user: string;
  /** An explicit mapping from the configuration; wins over the e-mail. */
  resourceId?: number;
  /** The e-mail to look up in `Resources.email`. */
  email?: string;
}

/** Options of {@linkcode ResourceDirectory}. */
export interface ResourceDirectoryOptions {
  /** How long a found resource is remembered (default 10 minutes). */
  ttlMs?: number;
  /** How long a failed lookup is remembered, so a misconfigured user does not cost a call per request (default 1 minute). */
  failureTtlMs?: number;
  now?: () => number;
}

interface Entry {
  expires: number;
  value: Promise<number>;
}

const MAX_ENTRIES = 10_000;

/**
 * Maps users to the Autotask resources they act as: an explicit resource id, else the
 * active resource whose `email` is the user's e-mail. Checked before anything is sent as
 * them: the resource exists, is active and is not an API-only user. Answers are cached.
 */
export class ResourceDirectory {
  readonly #client: AutotaskClient;
  readonly #ttlMs: number;
  readonly #failureTtlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, Entry>();

  /** `client` reads Resources as the API user (Resources does not honour impersonation). */
  constructor(client: AutotaskClient, options: ResourceDirectoryOptions = {}) {
    this.#client = client;
    this.#ttlMs = options.ttlMs ?? 10 * 60_000;
    this.#failureTtlMs = options.failureTtlMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The resource id `mapping` acts as, or an {@linkcode AutotaskError} (category
   * `permission`, nothing sent as the user) that says why there is none and what to change.
   */
  resolve(mapping: UserMapping, signal?: AbortSignal): Promise<number> {
    const key = `${mapping.user}\u0000${mapping.resourceId ?? ""}\u0000${mapping.email ?? ""}`;
    const now = this.#now();
    const hit = this.#cache.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
    const value = this.#lookup(mapping, signal);
    const entry = { expires: now + this.#ttlMs, value };
    this.#cache.set(key, entry);
    value.catch((error) => {
      // A cancelled or failed call is not an answer about the user: ask again next time.
      const answer = error instanceof AutotaskError && error.failure === "refused" &&
        error.category === "permission";
      if (answer) entry.expires = this.#now() + this.#failureTtlMs;
      else if (this.#cache.get(key) === entry) this.#cache.delete(key);
    });
    return value;
  }

  async #lookup(mapping: UserMapping, signal?: AbortSignal): Promise<number> {
    const fields = ["id", "isActive", "licenseType", "email"];
    if (mapping.resourceId !== undefined) {
      const found = await this.#client.get("Resources", mapping.resourceId, { signal });
      return check(mapping, found, `resource ${mapping.resourceId} (resource= in MCP_USERS)`);
    }
    if (mapping.email === undefined || !/^[^@\s]+@[^@\s]+$/.test(mapping.email)) {
      throw refusal(
        `${mapping.user} has no e-mail address to find their Autotask resource by: add ` +
          `resource=ID to their entry in MCP_USERS`,
      );
    }
    const page = await this.#client.query("Resources", {
      filter: [{ op: "eq", field: "email", value: mapping.email }],
      includeFields: fields,
      maxRecords: 10,
      signal,
    });
    const candidates = page.items.filter((r) => r.isActive === true);
    if (candidates.length > 1) {
      throw refusal(
        `${candidates.length} active Autotask resources have the e-mail ${mapping.email} ` +
          `(ids ${candidates.map((r) => r.id).join(", ")}): add resource=ID to ` +
          `${mapping.user}'s entry in MCP_USERS to say which one is them`,
      );
    }
    const found = candidates[0] ?? page.items[0] ?? null;
    return check(mapping, found, `the resource with e-mail ${mapping.email}`);
  }
}

function refusal(message: string): AutotaskError {
  return new AutotaskError(
    `${message}. Nothing was done, and nothing is done under the API user's name instead`,
    { category: "permission", operation: "query", entity: "Resources", failure: "refused" },
  );
}

function check(mapping: UserMapping, found: AutotaskRecord | null, what: string): number {
  if (found === null || typeof found.id !== "number") {
    throw refusal(
      `${mapping.user} is not an Autotask resource: no ${what} exists; add resource=ID ` +
        "(their resource id) to their entry in MCP_USERS",
    );
  }
  if (found.isActive !== true) {
    throw refusal(
      `${mapping.user} maps to ${what}, id ${found.id}, which is inactive: Autotask cannot act ` +
        "as an inactive resource",
    );
  }
  if (found.licenseType === API_ONLY_LICENSE_TYPE) {
    throw refusal(
      `${mapping.user} maps to ${what}, id ${found.id}, an API-only user (licenseType 7): ` +
        "Autotask cannot impersonate API-only users; map them to their own staff resource",
    );
  }
  return found.id;
}
