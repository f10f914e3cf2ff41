/** Display names for referenced records: one batched `in` query per entity type, cached with a TTL. */

import { findEntity } from "./catalog.ts";
import type { AutotaskClient, AutotaskRecord } from "./client.ts";
import { isBudgetRefusal } from "./errors.ts";
import { inList, MAX_OR_CONDITIONS } from "./query.ts";

/** How a record of each entity is named for people; only these are resolved. */
const DISPLAY_FIELDS: Record<string, string[]> = {
  Companies: ["companyName"],
  Contacts: ["firstName", "lastName"],
  Resources: ["firstName", "lastName"],
  Projects: ["projectName"],
  Contracts: ["contractName"],
  Roles: ["name"],
  Tickets: ["ticketNumber", "title"],
  Tasks: ["title"],
  Phases: ["title"],
  Opportunities: ["title"],
  ConfigurationItems: ["referenceTitle"],
  Products: ["name"],
  BillingCodes: ["name"],
  CompanyLocations: ["name"],
  Departments: ["name"],
  Services: ["name"],
  Quotes: ["name"],
  Invoices: ["invoiceNumber"],
};

/**
 * Maps a field's `referenceEntityType` (tenants say "Company" or "Companies")
 * to the catalog entity whose records have a display name, or undefined.
 */
export function nameableEntity(referenceEntityType: string): string | undefined {
  if (!referenceEntityType) return undefined;
  const candidates = [
    referenceEntityType,
    `${referenceEntityType}s`,
    referenceEntityType.replace(/y$/, "ies"),
  ];
  for (const candidate of candidates) {
    const entry = findEntity(candidate);
    if (entry && DISPLAY_FIELDS[entry.name]) return entry.name;
  }
  return undefined;
}

/** The display fields of an entity (for IncludeFields). */
export function displayFields(entity: string): string[] {
  return DISPLAY_FIELDS[entity] ?? [];
}

function displayName(entity: string, record: AutotaskRecord): string | undefined {
  const parts = displayFields(entity)
    .map((field) => record[field])
    .filter((v) => v !== null && v !== undefined && String(v).trim() !== "")
    .map(String);
  return parts.length === 0 ? undefined : parts.join(" ");
}

interface Cached {
  name: string | null;
  expires: number;
}

/**
 * Resolves ids to names with one `in` query per entity type per call (split
 * only past Autotask's 500-condition limit), remembering answers for `ttlMs`.
 */
export class NameResolver {
  readonly #client: AutotaskClient;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, Cached>();
  readonly #maxEntries: number;

  constructor(client: AutotaskClient, options: { ttlMs?: number; maxEntries?: number } = {}) {
    this.#client = client;
    this.#ttlMs = options.ttlMs ?? 10 * 60 * 1000;
    this.#maxEntries = options.maxEntries ?? 20_000;
  }

  /**
   * Names for `ids` of `entity` (ids that do not exist map to null). Only
   * uncached ids are fetched, as optional work: when the hourly budget is tight
   * the lookup is skipped and those ids get no name.
   */
  async names(
    entity: string,
    ids: Iterable<number>,
    options: { signal?: AbortSignal } = {},
  ): Promise<Map<number, string | null>> {
    const now = Date.now();
    const result = new Map<number, string | null>();
    const missing: number[] = [];
    for (const id of new Set(ids)) {
      const hit = this.#cache.get(`${entity}:${id}`);
      if (hit && hit.expires > now) result.set(id, hit.name);
      else missing.push(id);
    }
    for (let start = 0; start < missing.length; start += MAX_OR_CONDITIONS) {
      const chunk = missing.slice(start, start + MAX_OR_CONDITIONS);
      let page;
      try {
        page = await this.#client.query(entity, {
          filter: [inList("id", chunk)],
          includeFields: displayFields(entity),
          maxRecords: chunk.length,
          signal: options.signal,
          optional: true,
        });
      } catch (error) {
        // Names are a courtesy: when the hourly budget is tight the ids stand alone.
        if (isBudgetRefusal(error)) return result;
        throw error;
      }
      const found = new Map(
        page.items.map((r) => [r.id as number, displayName(entity, r) ?? null]),
      );
      for (const id of chunk) {
        const name = found.get(id) ?? null;
        result.set(id, name);
        this.#remember(`${entity}:${id}`, name, now);
      }
    }
    return result;
  }

  #remember(key: string, name: string | null, now: number): void {
    if (this.#cache.size >= this.#maxEntries) {
      // Oldest first: Map iteration follows insertion order.
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(key, { name, expires: now + this.#ttlMs });
  }

  /** Entries cached now (for tests and soak checks). */
  get size(): number {
    return this.#cache.size;
  }
}
