/** Display names for referenced records: one batched `in` query per entity type, cached with a TTL. */

import { referencedEntity } from "./catalog.ts";
import type { AutotaskClient, AutotaskRecord } from "./client.ts";
import { isBudgetRefusal } from "./errors.ts";
import { inList, MAX_OR_CONDITIONS } from "./query.ts";

/** Options of {@linkcode NameResolver}. */
export interface NameResolverOptions {
  /**
   * How a record of each entity is named for people, by catalog entity name: the name fields
   * of the product's resource descriptors. Only these entities are resolved.
   */
  nameFields: ReadonlyMap<string, readonly string[]>;
  /** How long an answer is remembered (default 10 minutes). */
  ttlMs?: number;
  /** Most names remembered (default 20,000). */
  maxEntries?: number;
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
  readonly #nameFields: ReadonlyMap<string, readonly string[]>;

  constructor(client: AutotaskClient, options: NameResolverOptions) {
    this.#client = client;
    this.#nameFields = options.nameFields;
    this.#ttlMs = options.ttlMs ?? 10 * 60 * 1000;
    this.#maxEntries = options.maxEntries ?? 20_000;
  }

  /**
   * Maps a field's `referenceEntityType` (tenants say "Company" or "Companies")
   * to the catalog entity whose records have a display name, or undefined.
   */
  nameable(referenceEntityType: string): string | undefined {
    return referencedEntity(referenceEntityType, (e) => this.#nameFields.has(e.name))?.name;
  }

  /** The name fields of an entity (for IncludeFields); none for entities without names. */
  nameFieldsOf(entity: string): readonly string[] {
    return this.#nameFields.get(entity) ?? [];
  }

  #displayName(entity: string, record: AutotaskRecord): string | undefined {
    const parts = this.nameFieldsOf(entity)
      .map((field) => record[field])
      .filter((v) => v !== null && v !== undefined && String(v).trim() !== "")
      .map(String);
    return parts.length === 0 ? undefined : parts.join(" ");
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
          includeFields: [...this.nameFieldsOf(entity)],
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
        page.items.map((r) => [r.id as number, this.#displayName(entity, r) ?? null]),
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
