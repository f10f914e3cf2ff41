/** Writing for tools: picklist labels to values, defaults, creating with a read-back, the changed item. */

import type { AutotaskRecord } from "../autotask/client.ts";
import { AutotaskError } from "../autotask/errors.ts";
import type { PicklistScalar } from "../autotask/picklists.ts";
import { valueKind } from "../autotask/coerce.ts";
import { chooseRole } from "../autotask/roles.ts";
import { autotaskDay, autotaskInstant, endsBeforeStart } from "../dates.ts";
import { enrich } from "./shape.ts";
import { InputError, type ToolContext } from "./tool.ts";

/** Names the entity a write helper works on. */
export interface EntityOption {
  entity: string;
}

/** Drops undefined values so only given fields are sent (sparse PATCH, minimal POST). */
export function defined(record: Record<string, unknown>): AutotaskRecord {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}

/**
 * A date the caller gave for `field` of `entity`, as Autotask stores it: a date-only field
 * (its descriptor's `dateOnly`) as the day meant, at midnight UTC; any other date field as the
 * UTC instant, a zoneless time read as wall-clock time in the user's zone and a day as its
 * local midnight. Unreadable text is an {@linkcode InputError}.
 */
export function autotaskDate(
  ctx: Pick<ToolContext, "resources" | "timeZone" | "now">,
  text: string,
  options: EntityOption & { field: string },
): string {
  const zone = { timeZone: ctx.timeZone, now: ctx.now() };
  const value = ctx.resources.isDateOnly(options.entity, options.field)
    ? autotaskDay(text, zone)
    : autotaskInstant(text, zone);
  if (value === undefined) {
    throw new InputError(
      `${options.field} "${text}" is not a date: use e.g. 2026-11-24, 2026-11-24T14:00 ` +
        `(in ${ctx.timeZone}) or 2026-11-24T14:00:00Z`,
    );
  }
  return value;
}

/**
 * The date fields of `record` (string values of fields the tenant's metadata types as dates)
 * in Autotask's form ({@linkcode autotaskDate}); other fields unchanged. Values already in
 * Autotask's form come back as they were.
 */
export async function localizeDates(
  ctx: ToolContext,
  record: AutotaskRecord,
  options: EntityOption,
): Promise<AutotaskRecord> {
  const fields = await ctx.client.fields(options.entity, { signal: ctx.signal });
  const out: AutotaskRecord = { ...record };
  for (const field of fields) {
    const value = out[field.name];
    if (typeof value !== "string" || valueKind(field.dataType) !== "date") continue;
    out[field.name] = autotaskDate(ctx, value, { entity: options.entity, field: field.name });
  }
  return out;
}

/** One end of a range: the field's name and the caller's value. */
export interface RangeEnd {
  field: string;
  value: unknown;
}

/**
 * Refuses an end before its start (`endDateTime` before `startDateTime`,
 * `dueDate` before `startDate`, ...) when both are given, naming both fields.
 * Both are read by the one date rule: a date-time without a zone is UTC.
 */
export function assertInOrder(start: RangeEnd, end: RangeEnd): void {
  if (start.value === undefined || end.value === undefined) return;
  if (endsBeforeStart(String(start.value), String(end.value))) {
    throw new InputError(
      `${end.field} is before ${start.field} (${end.value} < ${start.value}): give an ` +
        `${end.field} on or after the ${start.field}`,
    );
  }
}

/**
 * Resolves every picklist field of `record` given as a label into its value,
 * using the tenant's own metadata (dependent picklists use their parent's value
 * from the same record).
 */
export async function resolvePicklists(
  ctx: ToolContext,
  record: AutotaskRecord,
  options: EntityOption,
): Promise<AutotaskRecord> {
  const { entity } = options;
  const fields = await ctx.client.fields(entity, { signal: ctx.signal });
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const out: AutotaskRecord = { ...record };
  // Parents first, so a dependent field can use its parent's resolved value.
  const keys = Object.keys(record).sort((a, b) =>
    Number(Boolean(byName.get(a.toLowerCase())?.picklistParentValueField)) -
    Number(Boolean(byName.get(b.toLowerCase())?.picklistParentValueField))
  );
  for (const key of keys) {
    const info = byName.get(key.toLowerCase());
    const value = out[key];
    if (!info?.isPickList || value === undefined || value === null) continue;
    if (typeof value !== "number" && typeof value !== "string") continue;
    const parentField = info.picklistParentValueField;
    const parentValue = parentField ? out[parentField] as number | string | undefined : undefined;
    out[key] = await ctx.picklists.resolve(entity, info.name, value, {
      parentValue: parentValue ?? undefined,
      signal: ctx.signal,
    });
  }
  return out;
}

/** "1 (New), 5 (Complete)": the tenant's active values of a picklist, for error messages. */
export async function picklistChoices(
  ctx: ToolContext,
  field: string,
  options: EntityOption,
): Promise<string> {
  const values = await ctx.picklists.values(options.entity, field, { signal: ctx.signal });
  return values.map((v) => `${v.value} (${v.label})`).join(", ");
}

/** How {@linkcode pickDefault} chooses. */
export interface DefaultChoice extends EntityOption {
  /** A value Autotask documents as a system value (ticket status 1 New), used when the tenant has it. */
  system?: number;
  /** Try the tenant's own default before the system value. */
  tenantFirst?: boolean;
  /** false: never fall back to the tenant's default. */
  tenantDefault?: boolean;
  /** Last resort: the first active value. */
  firstActive?: boolean;
}

/**
 * The value a create uses for a picklist the caller left out: the system
 * value (when this tenant has it) and/or the tenant's default, in the order
 * asked for; otherwise an error listing the tenant's values.
 */
export async function pickDefault(
  ctx: ToolContext,
  field: string,
  choice: DefaultChoice,
): Promise<PicklistScalar> {
  const { entity } = choice;
  const system = async () =>
    choice.system !== undefined && await ctx.picklists.has(entity, field, choice.system, ctx.signal)
      ? choice.system
      : undefined;
  const tenant = () =>
    choice.tenantDefault === false
      ? undefined
      : ctx.picklists.defaultValue(entity, field, ctx.signal);
  const value = choice.tenantFirst
    ? await tenant() ?? await system()
    : await system() ?? await tenant();
  if (value !== undefined) return value;
  if (choice.firstActive) {
    const [first] = await ctx.picklists.values(entity, field, { signal: ctx.signal });
    if (first) return /^-?\d+$/.test(first.value) ? Number(first.value) : first.value;
  }
  const wanted = choice.system !== undefined ? `value ${choice.system} and no default` : "default";
  throw new InputError(
    `This tenant has no ${entity} ${field} ${wanted}: pass ${field}, one of ` +
      await picklistChoices(ctx, field, { entity }),
  );
}

/**
 * Fills picklist fields this tenant requires (per entityInformation/fields)
 * but the caller left out, with the tenant's own default value, except those
 * the entity's descriptor says never to default. Returns a note per field
 * filled, so the caller can see what was assumed.
 */
export async function fillRequiredDefaults(
  ctx: ToolContext,
  record: AutotaskRecord,
  options: EntityOption,
): Promise<string[]> {
  const { entity } = options;
  const never = new Set(ctx.resources.find(entity)?.neverDefault ?? []);
  const notes: string[] = [];
  const fields = await ctx.client.fields(entity, { signal: ctx.signal });
  for (const field of fields) {
    if (!field.isRequired || field.isReadOnly || !field.isPickList) continue;
    if (record[field.name] !== undefined || never.has(field.name)) continue;
    const value = await ctx.picklists.defaultValue(entity, field.name, ctx.signal);
    if (value === undefined) continue; // Autotask's own "is required" message will say so.
    record[field.name] = value;
    const label = await ctx.picklists.label(entity, field.name, value, ctx.signal);
    notes.push(
      `${field.name} defaulted to ${value}${label ? ` (${label})` : ""}, the tenant's default`,
    );
  }
  return notes;
}

/** Options of {@linkcode createAndReport}. */
export interface CreateOptions extends EntityOption {
  /** Fields read back after the create and shown as the result's item. */
  readBack?: readonly string[];
  /** The parent record's id, for entities created under their parent. */
  parentId?: number;
}

/**
 * Creates the record (after filling required picklists from the tenant's
 * defaults), so the result always carries the new id; re-reads when asked and
 * shows what it read as a get would (labels, names, local date-times).
 */
export async function createAndReport(
  ctx: ToolContext,
  record: AutotaskRecord,
  options: CreateOptions,
): Promise<Record<string, unknown>> {
  const { entity } = options;
  const filled = { ...record };
  const notes = await fillRequiredDefaults(ctx, filled, { entity });
  const id = await ctx.client.create(entity, filled, {
    signal: ctx.signal,
    parentId: options.parentId,
  });
  const result: Record<string, unknown> = { id, entity };
  if (options.readBack) {
    try {
      const item = await ctx.client.get(entity, id, { signal: ctx.signal });
      if (item) {
        // Shaped like a get's item: labels, names and local date-times inline.
        [result.item] = await enrich(ctx, [
          Object.fromEntries(options.readBack.filter((k) => k in item).map((k) => [k, item[k]])),
        ], { entity });
        // The UDFs sent, as Autotask stored them (it lists every UDF, set or not).
        const sent = filled.userDefinedFields as { name: string }[] | undefined;
        if (sent && Array.isArray(item.userDefinedFields)) {
          const names = new Set(sent.map((u) => u.name.toLowerCase()));
          (result.item as AutotaskRecord).userDefinedFields = (item.userDefinedFields as {
            name: string;
          }[]).filter((u) => typeof u?.name === "string" && names.has(u.name.toLowerCase()));
        }
      } else {
        notes.push("created; Autotask has not made the new record readable yet");
      }
    } catch (error) {
      if (!(error instanceof AutotaskError)) throw error;
      notes.push(`created; reading it back failed: ${error.message}`);
    }
  }
  if (notes.length > 0) result.note = notes.join("; ");
  return result;
}

/**
 * The item of an update's result: the changed fields with labels and names,
 * cleared fields kept as null, user-defined fields as sent.
 */
export async function changedItem(
  ctx: ToolContext,
  record: AutotaskRecord,
  options: EntityOption & { id: number },
): Promise<Record<string, unknown>> {
  const shown: AutotaskRecord = { ...record };
  delete shown.userDefinedFields;
  const [item] = await enrich(ctx, [{ id: options.id, ...shown }], options);
  for (const [key, value] of Object.entries(record)) {
    if (value === null || value === "") item[key] = null;
  }
  if (record.userDefinedFields) item.userDefinedFields = record.userDefinedFields;
  return item;
}

/** Adds `note` (one or more parts) to a result's note, after what the result already says. */
export function addNotes(result: Record<string, unknown>, notes: readonly string[]): void {
  const all = [result.note, ...notes].filter(Boolean);
  if (all.length > 0) result.note = all.join("; ");
}

/**
 * Autotask takes an assignee only with a role (`assignedResourceRoleID`): when the record
 * names an assignee without one, picks one the resource holds and says which, else nothing.
 */
export async function withAssignmentRole(
  ctx: ToolContext,
  record: AutotaskRecord,
): Promise<string | undefined> {
  if (
    typeof record.assignedResourceID !== "number" || record.assignedResourceRoleID !== undefined
  ) {
    return undefined;
  }
  const choice = await chooseRole(ctx.client, record.assignedResourceID, { signal: ctx.signal });
  record.assignedResourceRoleID = choice.roleID;
  return `assignedResourceRoleID ${choice.roleID} chosen from the resource's ${choice.source}`;
}
