/** Tenant picklists: label <-> value, defaults and dependent lists, read from entityInformation/fields. */

import { closest } from "../similar.ts";
import type { AutotaskClient, FieldInfo, PicklistValue } from "./client.ts";
import { AutotaskError } from "./errors.ts";

/** A picklist value as records hold it: numeric strings become numbers. */
export type PicklistScalar = number | string;

/** Options for {@linkcode Picklists.resolve}. */
export interface ResolveOptions {
  /** For dependent picklists (subIssueType under issueType): the parent's value. */
  parentValue?: PicklistScalar;
  signal?: AbortSignal;
  /**
   * Accept only a value or a label as the tenant spells it (any case): a near miss is refused
   * with suggestions. For fields where a wrong guess costs (a note's publish level).
   */
  exact?: boolean;
}

/** Options of {@linkcode Picklists}. */
export interface PicklistsOptions {
  /** Told each near miss accepted, in words for the result's note. */
  onNearMiss?: (note: string) => void;
}

function toScalar(value: string): PicklistScalar {
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

function normalize(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, " ");
}

/** Roman numerals people write in labels ("Level II Support"), read as numbers. */
const ROMAN: Readonly<Record<string, string>> = {
  i: "1",
  ii: "2",
  iii: "3",
  iv: "4",
  v: "5",
  vi: "6",
  vii: "7",
  viii: "8",
  ix: "9",
  x: "10",
};

/**
 * The words of a label with case, accents, spacing, punctuation and roman numerals taken out:
 * "Level II  Support" and "level-2 support" both give `["level", "2", "support"]`.
 */
function words(text: string): string[] {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/&/g, " and ").replace(/[^a-z0-9]+/g, " ").trim().split(" ")
    .filter((w) => w !== "").map((w) => ROMAN[w] ?? w);
}

/**
 * A leading priority-style code, "P1 Emergency" or "1 - Critical": the code and the rest. A
 * code the caller gives decides alone ("P1 Critical" is the tenant's P1 value).
 */
function splitCode(text: string): { code?: string; rest: string } {
  const found = /^\s*(p\s?\d{1,2}|\d{1,2}(?=\s*[-:.)]))\s*[-:.)]?\s*(.*)$/i.exec(text);
  if (!found) return { rest: text };
  return { code: found[1].toLowerCase().replace(/\s/g, ""), rest: found[2] };
}

/**
 * Words people use for a value a tenant may call otherwise: "Completed" for "Complete", and the
 * urgency words, each with the rank of a "P1"-style code ("Critical" is a P1 value).
 */
const SYNONYMS: Readonly<Record<string, string>> = {
  completed: "complete",
  done: "complete",
  finished: "complete",
  closed: "complete",
};
const URGENCY: Readonly<Record<string, number>> = {
  critical: 1,
  emergency: 1,
  high: 2,
  urgent: 2,
  medium: 3,
  normal: 3,
  moderate: 3,
  low: 4,
};

/** How a near miss was read, for the result's note. */
type NearRule = "spelling" | "code" | "synonym" | "part of the label";

/** What {@linkcode matchLabel} found for caller input among a picklist's values. */
export type LabelMatch =
  | { kind: "exact"; value: PicklistValue }
  | { kind: "near"; value: PicklistValue; rule: NearRule }
  | { kind: "ambiguous"; candidates: PicklistValue[] }
  | { kind: "none"; closest: PicklistValue[] };

function same(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((w, i) => w === b[i]);
}

/** True when `part` appears in `whole` as consecutive words. */
function within(part: string[], whole: string[]): boolean {
  for (let i = 0; i + part.length <= whole.length; i++) {
    if (part.every((w, k) => whole[i + k] === w)) return true;
  }
  return false;
}

/** The values `test` accepts, each once. */
function matching(
  values: readonly PicklistValue[],
  test: (label: { all: string[]; code?: string; rest: string[] }) => boolean,
): PicklistValue[] {
  return values.filter((v) => {
    const { code, rest } = splitCode(v.label);
    return test({ all: words(v.label), code, rest: words(rest) });
  });
}

/**
 * Finds `input` among a picklist's values: an exact value or label (any case) first; then, in
 * order, the first rule that finds anything: the same words once case, spacing, punctuation and
 * roman numerals are set aside; the same "P1"-style code, or the label without its code; a
 * common synonym ("Completed", "Critical"); the input as consecutive words of the label ("In
 * Progress" in "Work In Progress"). One value found is a near miss; several are ambiguous.
 */
export function matchLabel(input: string, values: readonly PicklistValue[]): LabelMatch {
  const text = input.trim();
  const byValue = values.find((v) => v.value === text);
  if (byValue) return { kind: "exact", value: byValue };
  const byLabel = values.filter((v) => normalize(v.label) === normalize(text));
  if (byLabel.length === 1) return { kind: "exact", value: byLabel[0] };
  if (byLabel.length > 1) return { kind: "ambiguous", candidates: byLabel };
  const given = words(text);
  if (given.length === 0) return { kind: "none", closest: [] };
  const split = splitCode(text);
  const rank = given.length === 1 ? URGENCY[given[0]] : undefined;
  const synonyms = given.map((w) => SYNONYMS[w] ?? w);
  const rules: [NearRule, (l: { all: string[]; code?: string; rest: string[] }) => boolean][] = [
    ["spelling", (l) => same(l.all, given)],
    [
      "code",
      (l) =>
        (split.code !== undefined && l.code === split.code) ||
        (split.code === undefined && l.code !== undefined && same(l.rest, given)),
    ],
    [
      "synonym",
      (l) =>
        (!same(synonyms, given) && (same(l.all, synonyms) || same(l.rest, synonyms))) ||
        (rank !== undefined &&
          (l.code === `p${rank}` || (l.rest.length === 1 && URGENCY[l.rest[0]] === rank))),
    ],
    ["part of the label", (l) => given.join("").length >= 3 && within(given, l.all)],
  ];
  for (const [rule, test] of rules) {
    const found = matching(values, test);
    if (found.length === 1) return { kind: "near", value: found[0], rule };
    if (found.length > 1) return { kind: "ambiguous", candidates: found };
  }
  const labels = values.map((v) => v.label);
  const near = closest(text, labels);
  return {
    kind: "none",
    closest: near.map((label) => values.find((v) => v.label === label)!),
  };
}

/** "8 (Dispatched)": how a picklist value is shown in messages. */
function shown(value: PicklistValue): string {
  return `${value.value} (${value.label})`;
}

/**
 * Resolves picklist input given as a value or a tenant label. Nothing is
 * hard-coded: labels and values differ between tenants, and a wrong guess can
 * publish an internal note to a customer.
 */
export class Picklists {
  readonly #client: AutotaskClient;
  readonly #onNearMiss?: (note: string) => void;

  constructor(client: AutotaskClient, options: PicklistsOptions = {}) {
    this.#client = client;
    this.#onNearMiss = options.onNearMiss;
  }

  /** The same picklists, telling `onNearMiss` each near miss accepted (one per tool call). */
  withNotes(onNearMiss: (note: string) => void): Picklists {
    return new Picklists(this.#client, { onNearMiss });
  }

  /** The field's metadata, or a validation error naming the field when it is not a picklist. */
  async field(entity: string, field: string, signal?: AbortSignal): Promise<FieldInfo> {
    const fields = await this.#client.fields(entity, { signal });
    const info = fields.find((f) => f.name.toLowerCase() === field.toLowerCase());
    if (!info || !info.isPickList) {
      throw new AutotaskError(
        `${entity}.${field} is not a picklist field in this Autotask tenant`,
        {
          category: "validation",
          operation: "metadata",
          entity,
        },
      );
    }
    return info;
  }

  /** Active values of a picklist (optionally only those under a parent value). */
  async values(
    entity: string,
    field: string,
    options: ResolveOptions = {},
  ): Promise<PicklistValue[]> {
    const info = await this.field(entity, field, options.signal);
    let values = (info.picklistValues ?? []).filter((v) => v.isActive !== false);
    if (options.parentValue !== undefined && info.picklistParentValueField) {
      const parent = String(options.parentValue);
      values = values.filter((v) => (v.parentValue ?? "") === parent);
    }
    return values.sort((a, b) => (a.sortOrder ?? 0) - (b.sortOrder ?? 0));
  }

  /**
   * Turns a value (`8`, `"8"`) or a label (`"in progress"`, any case) into the value records
   * hold. A near miss ({@linkcode matchLabel}: "Level 2 Support", "Completed", "Critical") is
   * accepted when it finds one value, and reported; unless `exact`. An ambiguous one is refused
   * with its candidates, a miss with the closest values and the tenant's valid choices.
   */
  async resolve(
    entity: string,
    field: string,
    input: PicklistScalar,
    options: ResolveOptions = {},
  ): Promise<PicklistScalar> {
    const values = await this.values(entity, field, options);
    const text = String(input).trim();
    const match = matchLabel(text, values);
    if (match.kind === "exact") return toScalar(match.value.value);
    const under = options.parentValue !== undefined ? ` under ${options.parentValue}` : "";
    const fail = (message: string) =>
      new AutotaskError(message, { category: "validation", operation: "metadata", entity });
    if (match.kind === "near" && !options.exact) {
      this.#onNearMiss?.(`${field} "${text}" read as ${shown(match.value)}`);
      return toScalar(match.value.value);
    }
    if (match.kind === "ambiguous") {
      throw fail(
        `"${text}" matches several values of ${entity}.${field}${under}: ` +
          `${match.candidates.map(shown).join(", ")}. Give one of them`,
      );
    }
    const suggestions = match.kind === "near" ? [match.value] : match.closest;
    const hint = suggestions.length > 0
      ? ` Closest: ${suggestions.map(shown).join(", ")}${
        options.exact ? ` (${field} takes its exact value or label only)` : ""
      }.`
      : "";
    const choices = values.slice(0, 40).map(shown).join(", ");
    const more = values.length > 40 ? `, and ${values.length - 40} more` : "";
    throw fail(
      `"${text}" is not a valid value or label for ${entity}.${field}${under}.${hint} ` +
        `Valid values in this tenant: ${choices}${more}`,
    );
  }

  /** The tenant's label for a stored value, or undefined. */
  async label(
    entity: string,
    field: string,
    value: unknown,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    if (value === null || value === undefined) return undefined;
    const info = await this.field(entity, field, signal);
    return (info.picklistValues ?? []).find((v) => v.value === String(value))?.label;
  }

  /** The tenant's default value (`isDefaultValue`), or undefined when none is marked. */
  async defaultValue(
    entity: string,
    field: string,
    signal?: AbortSignal,
  ): Promise<PicklistScalar | undefined> {
    const values = await this.values(entity, field, { signal });
    const found = values.find((v) => v.isDefaultValue);
    return found ? toScalar(found.value) : undefined;
  }

  /** True when `value` is an active value of the picklist. */
  async has(
    entity: string,
    field: string,
    value: PicklistScalar,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const values = await this.values(entity, field, { signal });
    return values.some((v) => v.value === String(value));
  }
}
