/** Looks up Autotask entities in the generated catalog: their routes and fields ("where do I send this verb?"). */

import { CATALOG } from "./catalog_data.ts";
import type { CatalogEntry, ChildRoute, ChildVerb, RootVerb } from "./catalog_data.ts";
import { editDistance } from "../similar.ts";

export { CATALOG, SPECIAL_ROUTES } from "./catalog_data.ts";
export type {
  CatalogEntry,
  ChildRoute,
  ChildVerb,
  FieldType,
  RootVerb,
  SpecialRoute,
} from "./catalog_data.ts";

// Autotask treats entity names case-insensitively, so callers (and models) may too.
const BY_NAME: ReadonlyMap<string, CatalogEntry> = new Map(
  CATALOG.map((entry) => [entry.name.toLowerCase(), entry]),
);

/** Finds an entity by name, ignoring case (`tickets`, `Tickets`). */
export function findEntity(name: string): CatalogEntry | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/**
 * The entity a field's `referenceEntityType` names, if `accept` takes it: tenants write the
 * singular ("Company", "Opportunity") as often as the entity's plural name.
 */
export function referencedEntity(
  referenceEntityType: string | undefined,
  accept: (entry: CatalogEntry) => boolean,
): CatalogEntry | undefined {
  if (!referenceEntityType) return undefined;
  const candidates = [
    referenceEntityType,
    `${referenceEntityType}s`,
    referenceEntityType.replace(/y$/, "ies"),
  ];
  for (const candidate of candidates) {
    const entry = findEntity(candidate);
    if (entry && accept(entry)) return entry;
  }
  return undefined;
}

/**
 * The one answer to a name that is no entity: what to write instead, with the closest entities,
 * so a caller who wrote `Ticket` learns to write `Tickets`.
 */
export function unknownEntityMessage(name: string): string {
  const hints = suggestions(name);
  const hint = hints.length > 0 ? `; did you mean ${hints.join(", ")}?` : "";
  return `Unknown Autotask entity "${name}": use the plural API name, e.g. Tickets${hint}`;
}

/** Finds an entity by name, ignoring case, or throws {@linkcode unknownEntityMessage}. */
export function requireEntity(name: string): CatalogEntry {
  const entry = findEntity(name);
  if (entry) return entry;
  throw new Error(unknownEntityMessage(name));
}

/** The first parent route through which `entity` supports `verb`, if any. */
export function childRoute(entity: CatalogEntry, verb: ChildVerb): ChildRoute | undefined {
  return entity.children.find((route) => route.verbs.includes(verb));
}

/** Whether `entity`'s root path `/V1.0/{Name}` supports `verb`. */
export function supportsRoot(entity: CatalogEntry, verb: RootVerb): boolean {
  return entity.root.includes(verb);
}

/** Every entity name, in catalog (alphabetical) order. */
export function entityNames(): string[] {
  return CATALOG.map((entry) => entry.name);
}

const MAX_SUGGESTIONS = 3;

/** Names that start with `name` (e.g. `Ticket`), then the ones within a few typos of it. */
function suggestions(name: string): string[] {
  const wanted = name.toLowerCase();
  if (wanted === "") return [];
  const budget = Math.max(2, Math.floor(wanted.length / 4));
  const scored: { name: string; score: number }[] = [];
  for (const entry of CATALOG) {
    const candidate = entry.name.toLowerCase();
    if (candidate.startsWith(wanted) || wanted.startsWith(candidate)) {
      scored.push({ name: entry.name, score: Math.abs(candidate.length - wanted.length) - 100 });
      continue;
    }
    const distance = editDistance(wanted, candidate, { budget });
    if (distance <= budget) scored.push({ name: entry.name, score: distance });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, MAX_SUGGESTIONS).map((s) => s.name);
}
