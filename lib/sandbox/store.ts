/** Record storage: one table per entity, rows kept sorted by id for keyset paging and binary search. */

import type { Rec } from "./types.ts";

/** The rows of one entity, sorted by ascending id. */
export class Table {
  /** Sorted by id; never reordered, only appended to or spliced. */
  readonly rows: Rec[] = [];

  /** Index of the first row whose id is >= `id` (rows.length when none). */
  lowerBound(id: number): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid].id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The stored row (not a copy) with this id. */
  get(id: number): Rec | undefined {
    const i = this.lowerBound(id);
    const row = this.rows[i];
    return row && row.id === id ? row : undefined;
  }

  /** The next id to hand out: one past the largest. */
  nextId(): number {
    const last = this.rows[this.rows.length - 1];
    return last ? last.id + 1 : 1;
  }

  /** Adds a row, keeping id order (appending is the common, O(1) case). */
  insert(row: Rec): void {
    const last = this.rows[this.rows.length - 1];
    if (!last || last.id < row.id) {
      this.rows.push(row);
      return;
    }
    const i = this.lowerBound(row.id);
    if (this.rows[i]?.id === row.id) throw new Error(`Duplicate id ${row.id}`);
    this.rows.splice(i, 0, row);
  }

  /** Removes the row with this id; false when there is none. */
  remove(id: number): boolean {
    const i = this.lowerBound(id);
    if (this.rows[i]?.id !== id) return false;
    this.rows.splice(i, 1);
    return true;
  }
}

/** All tables of the tenant, by lower-cased entity name. */
export class Store {
  readonly #tables = new Map<string, Table>();

  /** The table of an entity (created empty on first use). */
  table(entity: string): Table {
    const key = entity.toLowerCase();
    let table = this.#tables.get(key);
    if (!table) {
      table = new Table();
      this.#tables.set(key, table);
    }
    return table;
  }
}
