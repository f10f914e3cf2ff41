/** Shapes records for agents: chosen fields, picklist labels and reference names inline, clean text, a size cap. */

import type { AutotaskRecord, FieldInfo } from "../autotask/client.ts";
import { closest } from "../similar.ts";
import { InputError, type ToolContext } from "./tool.ts";
import { cleanValue } from "./untrusted.ts";

/** The untrusted-text fields of `entity` (per its descriptor) that appear in `records`. */
export function untrustedFieldsIn(
  ctx: Pick<ToolContext, "resources">,
  records: readonly AutotaskRecord[],
  options: { entity: string },
): string[] {
  return ctx.resources.untrustedIn(options.entity, records);
}

/**
 * Fields that hold a secret in any entity (a webhook's `secretKey`): never returned, never
 * filtered on (a `beginsWith` condition would read it out one character at a time).
 */
const SECRET_FIELDS: ReadonlySet<string> = new Set(["secretkey"]);

/** Whether `field` (any case) holds a secret that no result or filter may touch. */
export function isSecretField(field: string): boolean {
  return SECRET_FIELDS.has(field.toLowerCase());
}

/** `companyID` -> `company`, `status` -> `status`: the stem for Label/Name keys. */
function stem(field: string): string {
  return /.ID$/.test(field) ? field.slice(0, -2) : field;
}

/** Key for a picklist label: `status` -> `statusLabel`, `queueID` -> `queueLabel`. */
export function labelKey(field: string): string {
  return `${stem(field)}Label`;
}

/** Key for a reference's name: `companyID` -> `companyName`, `assignedResourceID` -> `assignedResourceName`. */
export function nameKey(field: string, record: AutotaskRecord): string {
  const key = `${stem(field)}Name`;
  // Never overwrite a real field of the record.
  return key in record ? `${field}Name` : key;
}

/** What `fields` / `detail` select. */
export interface Selection {
  /** Fields to fetch with IncludeFields; undefined = every field. */
  fields?: string[];
}

/**
 * Turns the caller's `fields` / `detail` into the fields to fetch, validating
 * names against the tenant's `entityInformation/fields` (any case; unknown
 * names are rejected with suggestions).
 */
export async function selectFields(
  ctx: ToolContext,
  entity: string,
  options: { fields?: string[]; detail?: "compact" | "full"; defaults: string[] },
): Promise<Selection> {
  if (options.fields && options.fields.length > 0) {
    const meta = await ctx.client.fields(entity, { signal: ctx.signal });
    const byLower = new Map(meta.map((f) => [f.name.toLowerCase(), f.name]));
    const chosen: string[] = [];
    const unknown: string[] = [];
    for (const requested of options.fields) {
      const name = byLower.get(requested.trim().toLowerCase());
      if (name) chosen.push(name);
      else unknown.push(requested);
    }
    if (unknown.length > 0) {
      const hints = unknown.map((u) => {
        const near = closest(u, meta.map((f) => f.name));
        return near.length > 0 ? `"${u}" (did you mean ${near.join(", ")}?)` : `"${u}"`;
      });
      const where = ctx.fieldLister ? `${ctx.fieldLister} or detail "full"` : 'detail "full"';
      throw new InputError(
        `Unknown ${entity} field${unknown.length > 1 ? "s" : ""}: ${hints.join("; ")}. ` +
          `Use ${where} to see every field`,
      );
    }
    return { fields: [...new Set(["id", ...chosen])] };
  }
  if (options.detail === "full") return {};
  return { fields: options.defaults };
}

/**
 * Adds `<field>Label` for picklist values and `<field>Name` for references
 * (company, contact, resources, project, contract, role, ...), resolving names
 * with one batched query per referenced entity type, and cleans all text.
 */
export async function enrich(
  ctx: ToolContext,
  records: AutotaskRecord[],
  options: { entity: string },
): Promise<AutotaskRecord[]> {
  const { entity } = options;
  if (records.length === 0) return records;
  const meta = await ctx.client.fields(entity, { signal: ctx.signal });
  const present = new Set(records.flatMap((r) => Object.keys(r)));
  const picklists: FieldInfo[] = [];
  const references = new Map<string, { field: string; target: string }>();
  for (const field of meta) {
    if (!present.has(field.name)) continue;
    if (field.isPickList) picklists.push(field);
    else if (field.isReference) {
      const target = ctx.names.nameable(field.referenceEntityType ?? "");
      if (target) references.set(field.name, { field: field.name, target });
    }
  }
  // One batched lookup per referenced entity type for the whole page.
  const idsByTarget = new Map<string, Set<number>>();
  for (const { field, target } of references.values()) {
    const ids = idsByTarget.get(target) ?? new Set<number>();
    for (const record of records) {
      const value = record[field];
      if (typeof value === "number") ids.add(value);
    }
    idsByTarget.set(target, ids);
  }
  const names = new Map<string, Map<number, string | null>>();
  await Promise.all(
    [...idsByTarget].filter(([, ids]) => ids.size > 0).map(async ([target, ids]) => {
      names.set(target, await ctx.names.names(target, ids, { signal: ctx.signal }));
    }),
  );
  const labelMaps = new Map(
    picklists.map((
      f,
    ) => [f.name, new Map((f.picklistValues ?? []).map((v) => [v.value, v.label]))]),
  );
  return records.map((record) => {
    const out: AutotaskRecord = {};
    for (const [key, value] of Object.entries(record)) {
      // Empty fields cost tokens and say nothing: compact results leave them out.
      if (value === null || value === undefined || value === "" || isSecretField(key)) continue;
      if (key === "userDefinedFields" && Array.isArray(value)) {
        // Autotask lists every UDF of the entity, set or not: keep the set ones.
        const set = value.filter((u) => {
          const v = (u as { value?: unknown } | null)?.value;
          return v !== null && v !== undefined && v !== "";
        });
        if (set.length > 0) out[key] = set;
        continue;
      }
      out[key] = value;
      const labels = labelMaps.get(key);
      if (labels && value !== null && value !== undefined) {
        const label = labels.get(String(value));
        if (label !== undefined) out[labelKey(key)] = label;
      }
      const reference = references.get(key);
      if (reference && typeof value === "number") {
        const name = names.get(reference.target)?.get(value);
        if (name) out[nameKey(key, record)] = name;
      }
    }
    return cleanValue(out);
  });
}

/** Length of a value as JSON text. */
export function jsonLength(value: unknown): number {
  return JSON.stringify(value).length;
}

/**
 * Shortens long strings of a single record so it fits `maxChars`, marking each
 * cut; used when one record alone is over the cap.
 */
export function truncateLongText(record: AutotaskRecord, maxChars: number): {
  record: AutotaskRecord;
  cut: string[];
} {
  const out: AutotaskRecord = { ...record };
  const cut: string[] = [];
  const strings = Object.entries(out)
    .filter(([, v]) => typeof v === "string")
    .sort((a, b) => (b[1] as string).length - (a[1] as string).length);
  for (const [key, value] of strings) {
    if (jsonLength(out) <= maxChars) break;
    const text = value as string;
    const keep = Math.max(200, text.length - (jsonLength(out) - maxChars) - 100);
    if (keep >= text.length) continue;
    out[key] = `${text.slice(0, keep)}… [cut: ${text.length - keep} more characters]`;
    cut.push(key);
  }
  return { record: out, cut };
}
