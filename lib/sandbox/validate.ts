/** Create/update validation from the tenant's own field metadata, plus the entity rules Autotask enforces. */

import { getKey } from "./query.ts";
import type { DataType, EntityDef, FieldDef } from "./metadata.ts";
import { CATEGORY_DUE_HOURS } from "./picklists.ts";
import { fail, TenantError } from "./respond.ts";
import type { Store } from "./store.ts";
import type { Rec, UdfValue } from "./types.ts";

/** Who writes, and when. */
export interface WriteContext {
  store: Store;
  now: Date;
  /** The resource the write is recorded against (impersonated, else the API user). */
  actorResourceId: number;
  /** The API user's resource id. */
  apiUserResourceId: number;
  impersonating: boolean;
  /** The tenant setting that lets primary and secondary resources log time under another role. */
  allowTimeEntryRoleChange: boolean;
  /** Largest attachment accepted, in bytes. */
  maxAttachmentBytes: number;
}

/** References an entity rule checks itself, with Autotask's own wording. */
const RULE_CHECKED_REFERENCES: ReadonlySet<string> = new Set(["TimeEntries.roleID"]);

/** Create, sparse update (PATCH) or full replace (PUT). */
export type WriteMode = "create" | "update" | "replace";

const CLR_TYPES: Record<DataType, string> = {
  integer: "System.Int32",
  long: "System.Int64",
  double: "System.Double",
  decimal: "System.Decimal",
  string: "System.String",
  datetime: "System.DateTime",
  boolean: "System.Boolean",
};

const INTEGER_TEXT = /^\s*-?\d+\s*$/;
const NUMBER_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

/** "... is required." in Autotask's words. */
export function requiredMessage(field: string): string {
  return `${field} is required.; on record number [0].`;
}

/** Autotask's answer for a missing record on update or delete. */
export function noMatchMessage(entity: string, id: number): string {
  return `No matching records found for ${entity} with id ${id}. The logged in Resource may not have access to this entity or the entity may not exist.`;
}

function conversionError(value: unknown, field: FieldDef): string {
  return `Error converting value ${JSON.stringify(value)} to type '${
    CLR_TYPES[field.dataType]
  }'. Path '${field.name}'.`;
}

/** Converts a JSON body value to the field's stored form, as Autotask's deserializer would. */
function coerce(value: unknown, field: FieldDef): { ok: true; value: unknown } | { ok: false } {
  if (value === null) return { ok: true, value: null };
  switch (field.dataType) {
    case "integer":
    case "long":
      if (typeof value === "number" && Number.isInteger(value)) return { ok: true, value };
      if (typeof value === "string" && INTEGER_TEXT.test(value)) {
        return { ok: true, value: Number(value) };
      }
      return { ok: false };
    case "double":
    case "decimal":
      if (typeof value === "number" && Number.isFinite(value)) return { ok: true, value };
      if (typeof value === "string" && NUMBER_TEXT.test(value)) {
        return { ok: true, value: Number(value) };
      }
      return { ok: false };
    case "string":
      if (typeof value === "string") return { ok: true, value };
      if (typeof value === "number" || typeof value === "boolean") {
        return { ok: true, value: String(value) };
      }
      return { ok: false };
    case "boolean":
      // Autotask wants real JSON booleans (contacts' isActive is the integer exception).
      return typeof value === "boolean" ? { ok: true, value } : { ok: false };
    case "datetime": {
      if (typeof value !== "string") return { ok: false };
      const ms = Date.parse(value);
      if (Number.isNaN(ms)) return { ok: false };
      return { ok: true, value: new Date(ms).toISOString() };
    }
  }
}

function isBlank(value: unknown): boolean {
  return value === null || value === undefined || value === "";
}

function picklistErrors(
  field: FieldDef,
  value: unknown,
  changed: boolean,
  rec: Rec,
  def: EntityDef,
): string[] {
  if (!field.picklist || value === null || value === undefined) return [];
  const entry = field.picklist.find((p) => p.value === value);
  if (!entry) return [`Value ${value} is not a valid picklist value for ${field.name}.`];
  if (changed && entry.isActive === false) {
    return [`Value ${value} is an inactive picklist value for ${field.name}.`];
  }
  if (field.picklistParentValueField) {
    const parentField = def.byLower.get(field.picklistParentValueField.toLowerCase());
    const parentValue = parentField ? rec[parentField.name] : undefined;
    if (parentValue === null || parentValue === undefined) {
      return [`${field.name} ${value} requires ${field.picklistParentValueField} to be set.`];
    }
    if (entry.parentValue !== parentValue) {
      return [
        `Value ${value} is not a valid picklist value for ${field.name} when ${field.picklistParentValueField} is ${parentValue}.`,
      ];
    }
  }
  return [];
}

/** Merges `[{name, value}]` into the record's UDFs by name; `named` collects the names given. */
function mergeUdfs(
  def: EntityDef,
  raw: unknown,
  current: UdfValue[],
  errors: string[],
  named: Set<string>,
): UdfValue[] {
  if (raw === null || raw === undefined) return current;
  if (!Array.isArray(raw)) {
    errors.push("userDefinedFields must be an array of {name, value}.");
    return current;
  }
  const next = current.map((u) => ({ ...u }));
  for (const item of raw) {
    if (typeof item !== "object" || item === null) {
      errors.push("userDefinedFields must be an array of {name, value}.");
      continue;
    }
    const name = getKey(item as Record<string, unknown>, "name");
    const value = getKey(item as Record<string, unknown>, "value");
    const udf = typeof name === "string" ? def.udfByLower.get(name.toLowerCase()) : undefined;
    if (!udf) {
      errors.push(
        `Unable to find the user-defined field ${String(name)} in the ${def.name} Entity.`,
      );
      continue;
    }
    named.add(udf.name);
    let text: string | null = value === null || value === undefined || value === ""
      ? null
      : String(value);
    if (text !== null) {
      if (udf.dataType === "double" && !NUMBER_TEXT.test(text)) {
        errors.push(`Value ${text} is not a number for user-defined field ${udf.name}.`);
        continue;
      }
      if (udf.dataType === "datetime") {
        const ms = Date.parse(text);
        if (Number.isNaN(ms)) {
          errors.push(`Value ${text} is not a date for user-defined field ${udf.name}.`);
          continue;
        }
        text = new Date(ms).toISOString();
      }
      if (udf.picklist && !udf.picklist.some((p) => p.value === text)) {
        errors.push(
          `Value ${text} is not a valid picklist value for user-defined field ${udf.name}.`,
        );
        continue;
      }
      if (udf.dataType === "string" && text.length > udf.length) {
        errors.push(`${udf.name} exceeds the maximum length of ${udf.length} characters.`);
        continue;
      }
    }
    const existing = next.find((u) => u.name === udf.name);
    if (existing) existing.value = text;
    else next.push({ name: udf.name, value: text });
  }
  return next.filter((u) => u.value !== null);
}

/** The parent binding of a child route (`Tickets/{id}/Notes` sets ticketID). */
export interface ParentBinding {
  field: string;
  value: number;
}

/**
 * Validates a write and returns the record to store (not yet stored). Throws a
 * {@linkcode TenantError} with every message Autotask would give.
 */
export function prepareWrite(
  def: EntityDef,
  mode: WriteMode,
  body: Record<string, unknown>,
  existing: Rec | undefined,
  id: number,
  ctx: WriteContext,
  parent?: ParentBinding,
): Rec {
  const conversions: string[] = [];
  const given = new Map<string, unknown>();
  for (const [key, raw] of Object.entries(body)) {
    const field = def.byLower.get(key.toLowerCase());
    if (!field || field.isReadOnly) continue; // unknown and read-only fields are ignored silently
    const c = coerce(raw, field);
    if (c.ok) given.set(field.name, c.value);
    else conversions.push(conversionError(raw, field));
  }
  if (conversions.length > 0) throw new TenantError(500, conversions);
  if (parent) given.set(parent.field, parent.value);

  let rec: Rec;
  if (mode === "create") {
    rec = { id };
    for (const [k, v] of given) rec[k] = v;
    for (const f of def.fields) {
      if (rec[f.name] !== undefined || f.isRequired || f.isReadOnly || !f.picklist) continue;
      const fallback = f.picklist.find((p) => p.isDefaultValue && p.isActive !== false);
      if (fallback && !f.picklistParentValueField) rec[f.name] = fallback.value;
    }
  } else if (mode === "update") {
    rec = { ...(existing as Rec) };
    for (const [k, v] of given) rec[k] = v;
  } else {
    rec = { id };
    for (const f of def.fields) {
      if (f.isReadOnly && existing?.[f.name] !== undefined) rec[f.name] = existing[f.name];
    }
    for (const f of def.fields) {
      if (!f.isReadOnly && f.name !== "id") {
        rec[f.name] = given.has(f.name) ? given.get(f.name) : null;
      }
    }
  }
  rec.id = id;

  const errors: string[] = [];
  const touched = (name: string): boolean => mode !== "update" || given.has(name);
  for (const f of def.fields) {
    if (f.isReadOnly || !touched(f.name)) continue;
    const value = rec[f.name];
    if (f.isRequired && isBlank(value)) {
      errors.push(requiredMessage(f.name));
      continue;
    }
    if (value === null || value === undefined) continue;
    if (f.dataType === "string" && f.length > 0 && (value as string).length > f.length) {
      errors.push(`${f.name} exceeds the maximum length of ${f.length} characters.`);
    }
    const changed = mode === "create" || existing?.[f.name] !== value;
    errors.push(...picklistErrors(f, value, changed, rec, def));
    if (
      f.referenceEntityType && typeof value === "number" &&
      !RULE_CHECKED_REFERENCES.has(`${def.name}.${f.name}`) &&
      !ctx.store.table(f.referenceEntityType).get(value)
    ) {
      errors.push(`Value does not reference an existing entity for ${f.name} . `);
    }
  }
  // A changed parent picklist re-checks its dependants.
  for (const f of def.fields) {
    if (!f.picklistParentValueField || touched(f.name) || !given.has(f.picklistParentValueField)) {
      continue;
    }
    errors.push(...picklistErrors(f, rec[f.name], true, rec, def));
  }

  if (def.carriesUdfs) {
    const bodyUdfs = getKey(body, "userDefinedFields");
    const current = mode === "create"
      ? []
      : ((existing?.userDefinedFields as UdfValue[] | undefined) ?? []);
    const named = new Set<string>();
    const merged = mergeUdfs(def, bodyUdfs, current, errors, named);
    for (const udf of def.udfs) {
      if (!udf.isRequired || (mode === "update" && !named.has(udf.name))) continue;
      if (!merged.some((u) => u.name === udf.name && u.value !== null)) {
        errors.push(`The user-defined field ${udf.name} is required.; on record number [0].`);
      }
    }
    if (merged.length > 0) rec.userDefinedFields = merged;
    else delete rec.userDefinedFields;
  }

  // Entity rules run even when fields failed: Autotask lists every problem at once.
  ENTITY_RULES[def.name]?.({ rec, existing, mode, given, ctx, errors });
  if (errors.length > 0) throw new TenantError(500, errors);

  const stamp = ctx.now.toISOString();
  if (mode === "create") { for (const f of def.createStamps) rec[f] = stamp; }
  for (const f of def.watermarks) rec[f] = stamp;
  if (mode === "create" && def.byLower.has("impersonatorcreatorresourceid") && ctx.impersonating) {
    rec.impersonatorCreatorResourceID = ctx.apiUserResourceId;
  }
  if (mode !== "create" && def.byLower.has("impersonatorupdaterresourceid") && ctx.impersonating) {
    rec.impersonatorUpdaterResourceID = ctx.apiUserResourceId;
  }
  return rec;
}

interface RuleInput {
  rec: Rec;
  existing: Rec | undefined;
  mode: WriteMode;
  given: Map<string, unknown>;
  ctx: WriteContext;
  errors: string[];
}

const ASSIGN_PAIR =
  "When assigning a Resource, you must assign both a assignedResourceID and assignedResourceRoleID.";

function isActiveResource(ctx: WriteContext, id: number): boolean {
  return ctx.store.table("Resources").get(id)?.isActive === true;
}

/** Whether the resource holds the role as a service-desk role (tickets) or any resource role. */
export function holdsRole(
  store: Store,
  resourceId: number,
  roleId: number,
  serviceDesk: boolean,
): boolean {
  const desk = store.table("ResourceServiceDeskRoles").rows.some((r) =>
    r.resourceID === resourceId && r.roleID === roleId && r.isActive !== false
  );
  if (desk || serviceDesk) return desk;
  return store.table("ResourceRoles").rows.some((r) =>
    r.resourceID === resourceId && r.roleID === roleId && r.isActive !== false
  );
}

function holdsAnyRole(store: Store, resourceId: number, roleId: number): boolean {
  return holdsRole(store, resourceId, roleId, false);
}

function checkAssignment(input: RuleInput, serviceDesk: boolean): void {
  const { rec, ctx, errors, given, mode } = input;
  const resource = rec.assignedResourceID as number | null | undefined;
  const role = rec.assignedResourceRoleID as number | null | undefined;
  if ((resource == null) !== (role == null)) {
    errors.push(ASSIGN_PAIR);
    return;
  }
  if (resource == null || role == null) return;
  if (
    mode === "update" && !given.has("assignedResourceID") && !given.has("assignedResourceRoleID")
  ) return;
  if (!isActiveResource(ctx, resource)) {
    errors.push(`Resource ${resource} is inactive and cannot be assigned.`);
  } else if (!holdsRole(ctx.store, resource, role, serviceDesk)) {
    errors.push(
      `Resource ${resource} does not hold role ${role}: assign a role from the resource's ${
        serviceDesk ? "ResourceServiceDeskRoles" : "ResourceRoles"
      }.`,
    );
  }
}

function datePart(iso: string): string {
  return iso.slice(0, 10).replaceAll("-", "");
}

function ticketRules(input: RuleInput): void {
  const { rec, existing, mode, given, ctx, errors } = input;
  checkAssignment(input, true);
  if (
    rec.contactID != null && (mode !== "update" || given.has("contactID") || given.has("companyID"))
  ) {
    const contact = ctx.store.table("Contacts").get(rec.contactID as number);
    if (contact && contact.companyID !== rec.companyID) {
      errors.push(`Contact ${rec.contactID} does not belong to company ${rec.companyID}.`);
    }
  }
  if (rec.dueDateTime == null) {
    const hours = CATEGORY_DUE_HOURS[rec.ticketCategory as number];
    if (mode === "create" && hours !== undefined) {
      rec.dueDateTime = new Date(ctx.now.getTime() + hours * 3_600_000).toISOString();
    } else if (mode !== "update" || given.has("dueDateTime")) {
      errors.push(requiredMessage("dueDateTime"));
    }
  }
  if (mode === "create") {
    rec.ticketNumber = `T${datePart(ctx.now.toISOString())}.${
      String(rec.id % 10000).padStart(4, "0")
    }`;
    rec.creatorResourceID = ctx.actorResourceId;
    rec.creatorType = 1;
  } else if (existing) {
    rec.ticketNumber = existing.ticketNumber;
  }
  rec.lastActivityResourceID = ctx.actorResourceId;
  rec.lastActivityPersonType = 1;
  const wasComplete = existing?.status === 5;
  if (rec.status === 5 && !wasComplete) {
    rec.completedDate = ctx.now.toISOString();
    rec.completedByResourceID = ctx.actorResourceId;
    rec.resolvedDateTime = ctx.now.toISOString();
  } else if (rec.status !== 5 && wasComplete) {
    rec.completedDate = null;
    rec.completedByResourceID = null;
    rec.resolvedDateTime = null;
  }
}

function taskRules(input: RuleInput): void {
  const { rec, existing, mode, ctx } = input;
  checkAssignment(input, false);
  if (rec.phaseID != null) {
    const phase = ctx.store.table("Phases").get(rec.phaseID as number);
    if (phase && phase.projectID !== rec.projectID) {
      input.errors.push(`Phase ${rec.phaseID} does not belong to project ${rec.projectID}.`);
    }
  }
  if (mode === "create") {
    rec.taskNumber = `T${datePart(ctx.now.toISOString())}.${
      String(rec.id % 100000).padStart(5, "0")
    }`;
    rec.creatorResourceID = ctx.actorResourceId;
    rec.creatorType = 1;
  }
  if (rec.status === 5 && existing?.status !== 5) {
    rec.completedDateTime = ctx.now.toISOString();
    rec.completedByResourceID = ctx.actorResourceId;
    rec.completedByType = 1;
  } else if (rec.status !== 5 && existing?.status === 5) {
    rec.completedDateTime = null;
    rec.completedByResourceID = null;
  }
}

function noteRules(input: RuleInput): void {
  if (input.mode === "create") input.rec.creatorResourceID = input.ctx.actorResourceId;
}

function midnight(iso: string): string {
  return `${iso.slice(0, 10)}T00:00:00.000Z`;
}

/** Autotask's answer for a time entry role it does not accept. */
export const ROLE_INVALID = "Role does not exist or is invalid";

/** The resource's default role (its default service-desk role), or null. */
function defaultRole(store: Store, resourceId: number): number | null {
  const resource = store.table("Resources").get(resourceId);
  if (typeof resource?.defaultServiceDeskRoleID === "number") {
    return resource.defaultServiceDeskRoleID;
  }
  const desk = store.table("ResourceServiceDeskRoles").rows.find((r) =>
    r.resourceID === resourceId && r.isDefault === true && r.isActive !== false
  );
  return typeof desk?.roleID === "number" ? desk.roleID : null;
}

/**
 * The time-entry role rule (autotask-api.md section 7): ticket and task time needs a role; the
 * parent's primary resource logs under the parent's `assignedResourceRoleID`, a secondary resource
 * under its role on that ticket or task (either may use any role it holds when the tenant allows
 * changing the role); anyone else needs a role they hold. General time always gets the resource's
 * default role, whatever was sent.
 */
function timeEntryRole(input: RuleInput, resource: number | null): void {
  const { rec, ctx, errors, mode, given } = input;
  const onTicket = rec.ticketID != null;
  const onTask = rec.taskID != null;
  if (!onTicket && !onTask) {
    if (resource !== null) rec.roleID = defaultRole(ctx.store, resource);
    return;
  }
  const touched = ["roleID", "resourceID", "ticketID", "taskID"].some((f) => given.has(f));
  if (mode === "update" && !touched) return;
  if (rec.roleID == null) {
    errors.push(`TimeEntries for ${onTicket ? "Tickets" : "Tasks"} must have a roleID`);
    return;
  }
  const roleId = rec.roleID as number;
  const role = ctx.store.table("Roles").get(roleId);
  if (!role || role.isActive === false) {
    errors.push(ROLE_INVALID);
    return;
  }
  const parent = onTicket
    ? ctx.store.table("Tickets").get(rec.ticketID as number)
    : ctx.store.table("Tasks").get(rec.taskID as number);
  // An unknown resource or parent is already reported by the reference checks.
  if (resource === null || !parent) return;
  const secondaryRoles = ctx.store.table(
    onTicket ? "TicketSecondaryResources" : "TaskSecondaryResources",
  ).rows.filter((r) =>
    r[onTicket ? "ticketID" : "taskID"] === parent.id && r.resourceID === resource
  )
    .map((r) => r.roleID);
  const primary = parent.assignedResourceID === resource;
  const holds = holdsAnyRole(ctx.store, resource, roleId);
  const allowed = primary || secondaryRoles.length > 0
    ? (primary && parent.assignedResourceRoleID === roleId) || secondaryRoles.includes(roleId) ||
      (ctx.allowTimeEntryRoleChange && holds)
    : holds;
  if (!allowed) errors.push(ROLE_INVALID);
}

function timeEntryRules(input: RuleInput): void {
  const { rec, ctx, errors, mode } = input;
  const onTicket = rec.ticketID != null;
  const onTask = rec.taskID != null;
  if (onTicket && onTask) {
    errors.push("A time entry can be for a ticket or a task, not both: give ticketID or taskID.");
    return;
  }
  rec.timeEntryType = onTicket ? 2 : onTask ? 6 : 1;
  const resource = rec.resourceID;
  // A missing or unknown resource is already reported by the field checks.
  const known = typeof resource === "number" &&
    ctx.store.table("Resources").get(resource) !== undefined;
  if (known && !isActiveResource(ctx, resource)) {
    errors.push(`Resource ${resource} is inactive and cannot log time.`);
  }
  timeEntryRole(input, known ? resource : null);
  const start = rec.startDateTime as string | null | undefined;
  const end = rec.endDateTime as string | null | undefined;
  if (onTicket) {
    if (start == null) errors.push(requiredMessage("startDateTime"));
    if (end == null) errors.push(requiredMessage("endDateTime"));
  }
  if ((start == null) !== (end == null) && !onTicket) {
    errors.push("startDateTime and endDateTime must be given together.");
  }
  if (start != null && end != null && Date.parse(end) <= Date.parse(start)) {
    errors.push("endDateTime must be after startDateTime.");
  }
  if (rec.hoursWorked == null && start != null && end != null) {
    rec.hoursWorked = Math.round((Date.parse(end) - Date.parse(start)) / 36_000) / 100;
  }
  const hours = rec.hoursWorked as number | null | undefined;
  if (hours == null) errors.push(requiredMessage("hoursWorked"));
  else if (!(hours > 0 && hours <= 24)) {
    errors.push("hoursWorked must be greater than 0 and at most 24.");
  }
  if (rec.dateWorked == null && start != null) rec.dateWorked = midnight(start);
  if (rec.dateWorked == null) errors.push(requiredMessage("dateWorked"));
  else rec.dateWorked = midnight(rec.dateWorked as string);
  const offset = typeof rec.offsetHours === "number" ? rec.offsetHours : 0;
  rec.hoursToBill = rec.isNonBillable === true ? 0 : Math.max(0, (hours ?? 0) + offset);
  if (mode === "create") rec.creatorUserID = ctx.actorResourceId;
  rec.lastModifiedUserID = ctx.actorResourceId;
}

function contactRules(input: RuleInput): void {
  const v = input.rec.isActive;
  if (v !== 0 && v !== 1 && v !== null && v !== undefined) {
    input.errors.push(`Value ${v} is not valid for isActive: use 1 (active) or 0 (inactive).`);
  }
}

function projectRules(input: RuleInput): void {
  const { rec, existing, mode, ctx, errors } = input;
  if (rec.startDateTime != null && rec.endDateTime != null) {
    if (Date.parse(rec.endDateTime as string) < Date.parse(rec.startDateTime as string)) {
      errors.push("endDateTime must be on or after startDateTime.");
    }
  }
  if (mode === "create") {
    rec.projectNumber = `P${datePart(ctx.now.toISOString())}.${
      String(rec.id % 10000).padStart(4, "0")
    }`;
    rec.creatorResourceID = ctx.actorResourceId;
  }
  if (rec.status !== existing?.status) rec.statusDateTime = ctx.now.toISOString();
  if (rec.status === 5 && existing?.status !== 5) rec.completedDateTime = ctx.now.toISOString();
}

function contractRules(input: RuleInput): void {
  const { rec, errors } = input;
  if (rec.startDate != null && rec.endDate != null) {
    if (Date.parse(rec.endDate as string) < Date.parse(rec.startDate as string)) {
      errors.push("endDate must be on or after startDate.");
    }
  }
}

function opportunityRules(input: RuleInput): void {
  const { rec, existing, ctx, errors, mode } = input;
  const p = rec.probability;
  if (typeof p === "number" && (p < 0 || p > 100)) {
    errors.push("probability must be between 0 and 100.");
  }
  if (mode === "create") rec.creatorResourceID = ctx.actorResourceId;
  if (rec.status === 2 && existing?.status !== 2) rec.lostDate = ctx.now.toISOString();
  if (rec.status === 3 && existing?.status !== 3) rec.closedDate = ctx.now.toISOString();
}

function attachmentRules(input: RuleInput): void {
  const { rec, ctx, errors, mode } = input;
  if (mode !== "create" || typeof rec.data !== "string") return;
  const clean = rec.data.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    errors.push("data must be base64-encoded file content.");
    return;
  }
  const size = clean.length / 4 * 3 - (clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0);
  if (size > ctx.maxAttachmentBytes) {
    errors.push(
      `The attachment is ${size} bytes and exceeds the maximum file size of ${ctx.maxAttachmentBytes} bytes (about ${
        Math.round(ctx.maxAttachmentBytes / 1_048_576)
      } MB).`,
    );
  }
  rec.data = clean;
  rec.fileSize = size;
  rec.attachmentType ??= "FILE_ATTACHMENT";
  rec.fullPath ??= rec.title;
  rec.contentType ??= "application/octet-stream";
  rec.attachedByResourceID = ctx.actorResourceId;
  rec.parentType = 4;
  rec.isTaskAttachment = false;
}

function chargeRules(input: RuleInput): void {
  const { rec, ctx, mode } = input;
  if (mode === "create") {
    rec.creatorResourceID = ctx.actorResourceId;
    rec.isBillableToCompany ??= true;
    rec.isBilled ??= false;
  }
  const qty = typeof rec.unitQuantity === "number" ? rec.unitQuantity : 0;
  const cost = typeof rec.unitCost === "number" ? rec.unitCost : 0;
  rec.extendedCost = Math.round(qty * cost * 100) / 100;
  const price = typeof rec.unitPrice === "number" ? rec.unitPrice : 0;
  rec.billableAmount = rec.isBillableToCompany === false ? 0 : Math.round(qty * price * 100) / 100;
}

function hoursBetween(start: unknown, end: unknown): number | null {
  if (typeof start !== "string" || typeof end !== "string") return null;
  return Math.round((Date.parse(end) - Date.parse(start)) / 36_000) / 100;
}

function serviceCallRules(input: RuleInput): void {
  const { rec, ctx, errors, mode } = input;
  const hours = hoursBetween(rec.startDateTime, rec.endDateTime);
  if (hours !== null && hours <= 0) errors.push("endDateTime must be after startDateTime.");
  rec.duration = hours;
  if (rec.isComplete == null) rec.isComplete = 0;
  else if (rec.isComplete !== 0 && rec.isComplete !== 1) {
    errors.push(`Value ${rec.isComplete} is not valid for isComplete: use 1 (complete) or 0.`);
  }
  if (mode === "create") rec.creatorResourceID = ctx.actorResourceId;
}

function serviceCallTicketRules(input: RuleInput): void {
  const { rec, ctx, errors } = input;
  const call = ctx.store.table("ServiceCalls").get(rec.serviceCallID as number);
  const ticket = ctx.store.table("Tickets").get(rec.ticketID as number);
  if (!call || !ticket) return; // reported by the reference checks
  if (ticket.companyID !== call.companyID) {
    errors.push(
      `Ticket ${ticket.id} belongs to company ${ticket.companyID}, not to the service call's company ${call.companyID}.`,
    );
  }
  const taken = ctx.store.table("ServiceCallTickets").rows.some((r) =>
    r.id !== rec.id && r.serviceCallID === call.id && r.ticketID === ticket.id
  );
  if (taken) errors.push(`Ticket ${ticket.id} is already assigned to service call ${call.id}.`);
}

function serviceCallTaskRules(input: RuleInput): void {
  const { rec, ctx, errors } = input;
  const call = ctx.store.table("ServiceCalls").get(rec.serviceCallID as number);
  const task = ctx.store.table("Tasks").get(rec.taskID as number);
  if (!call || !task) return; // reported by the reference checks
  const project = ctx.store.table("Projects").get(task.projectID as number);
  if (project && project.companyID !== call.companyID) {
    errors.push(
      `Task ${task.id} belongs to a project of company ${project.companyID}, not to the service call's company ${call.companyID}.`,
    );
  }
  const taken = ctx.store.table("ServiceCallTasks").rows.some((r) =>
    r.id !== rec.id && r.serviceCallID === call.id && r.taskID === task.id
  );
  if (taken) errors.push(`Task ${task.id} is already assigned to service call ${call.id}.`);
}

/**
 * The resources sent on a service call's ticket or task: active, holding the role (a
 * service-desk role for tickets, any role for tasks), each once per link.
 */
function visitResourceRules(
  table: "ServiceCallTicketResources" | "ServiceCallTaskResources",
  linkField: "serviceCallTicketID" | "serviceCallTaskID",
): (input: RuleInput) => void {
  const tickets = table === "ServiceCallTicketResources";
  return ({ rec, ctx, errors }) => {
    const resource = rec.resourceID as number | null | undefined;
    const role = rec.roleID as number | null | undefined;
    if (resource == null || !ctx.store.table("Resources").get(resource)) return;
    if (!isActiveResource(ctx, resource)) {
      errors.push(`Resource ${resource} is inactive and cannot be assigned.`);
    } else if (role != null && !holdsRole(ctx.store, resource, role, tickets)) {
      errors.push(
        `Resource ${resource} does not hold role ${role}` +
          (tickets ? ": assign a role from the resource's ResourceServiceDeskRoles." : "."),
      );
    }
    const taken = ctx.store.table(table).rows.some((r) =>
      r.id !== rec.id && r[linkField] === rec[linkField] && r.resourceID === resource
    );
    if (taken) {
      errors.push(
        `Resource ${resource} is already assigned to service call ${tickets ? "ticket" : "task"} ${
          rec[linkField]
        }.`,
      );
    }
  };
}

/** A second technician on a ticket (service-desk role) or task (any role), once per role. */
function secondaryResourceRules(parentField: "ticketID" | "taskID"): (input: RuleInput) => void {
  const tickets = parentField === "ticketID";
  const table = tickets ? "TicketSecondaryResources" : "TaskSecondaryResources";
  return ({ rec, ctx, errors }) => {
    const resource = rec.resourceID as number | null | undefined;
    const role = rec.roleID as number | null | undefined;
    if (resource == null || role == null || !ctx.store.table("Resources").get(resource)) return;
    if (!isActiveResource(ctx, resource)) {
      errors.push(`Resource ${resource} is inactive and cannot be assigned.`);
    } else if (!holdsRole(ctx.store, resource, role, tickets)) {
      errors.push(
        `Resource ${resource} does not hold role ${role}` +
          (tickets ? ": assign a role from the resource's ResourceServiceDeskRoles." : "."),
      );
    }
    const parent = ctx.store.table(tickets ? "Tickets" : "Tasks").get(rec[parentField] as number);
    if (parent?.assignedResourceID === resource && parent.assignedResourceRoleID === role) {
      errors.push(
        `Resource ${resource} is already the primary resource with role ${role}.`,
      );
    }
    const taken = ctx.store.table(table).rows.some((r) =>
      r.id !== rec.id && r[parentField] === rec[parentField] && r.resourceID === resource &&
      r.roleID === role
    );
    if (taken) {
      errors.push(`Resource ${resource} is already a secondary resource with role ${role}.`);
    }
  };
}

function quoteRules(input: RuleInput): void {
  const { rec, ctx, errors, mode } = input;
  if (rec.effectiveDate != null && rec.expirationDate != null) {
    if (Date.parse(rec.expirationDate as string) < Date.parse(rec.effectiveDate as string)) {
      errors.push("expirationDate must be on or after effectiveDate.");
    }
  }
  const opportunity = ctx.store.table("Opportunities").get(rec.opportunityID as number);
  if (opportunity) {
    if (rec.companyID == null) rec.companyID = opportunity.companyID;
    else if (rec.companyID !== opportunity.companyID) {
      errors.push(
        `companyID ${rec.companyID} does not match the company of opportunity ${opportunity.id}.`,
      );
    }
  }
  if (mode !== "create") return;
  const quotes = ctx.store.table("Quotes").rows;
  rec.quoteNumber = quotes.reduce((n, q) => Math.max(n, (q.quoteNumber as number) ?? 0), 1000) + 1;
  rec.creatorResourceID = ctx.actorResourceId;
  rec.approvalStatus = 1;
  rec.isActive ??= true;
  rec.primaryQuote ??= !quotes.some((q) => q.opportunityID === rec.opportunityID);
}

/** Which item field each system quote item type uses. */
const QUOTE_ITEM_FIELDS: Record<number, string> = {
  1: "productID",
  2: "chargeID",
  3: "laborID",
  4: "expenseID",
  6: "shippingID",
  11: "serviceID",
  12: "serviceBundleID",
};

function quoteItemRules(input: RuleInput): void {
  const { rec, ctx, errors, mode } = input;
  const set = Object.values(QUOTE_ITEM_FIELDS).filter((f) => rec[f] != null);
  if (set.length > 1) {
    errors.push(`Only one of ${set.join(", ")} can be set on a quote item.`);
  }
  const wanted = QUOTE_ITEM_FIELDS[rec.quoteItemType as number];
  if (wanted && rec[wanted] == null) {
    errors.push(`A quote item of quoteItemType ${rec.quoteItemType} requires ${wanted}.`);
  }
  if (typeof rec.quantity === "number" && rec.quantity <= 0) {
    errors.push("quantity must be greater than 0.");
  }
  const discounts = ["unitDiscount", "percentageDiscount", "lineDiscount"];
  if (discounts.some((f) => typeof rec[f] === "number" && (rec[f] as number) < 0)) {
    errors.push("Discounts cannot be negative.");
  }
  if (discounts.filter((f) => typeof rec[f] === "number" && (rec[f] as number) > 0).length > 1) {
    errors.push(
      "Only one of unitDiscount, percentageDiscount and lineDiscount can be greater than 0.",
    );
  }
  if (typeof rec.percentageDiscount === "number" && rec.percentageDiscount > 100) {
    errors.push("percentageDiscount must be at most 100.");
  }
  if (mode !== "create") return;
  // Autotask fills a line from its catalog item where the caller left gaps.
  const source = rec.productID != null
    ? ctx.store.table("Products").get(rec.productID as number)
    : rec.serviceID != null
    ? ctx.store.table("Services").get(rec.serviceID as number)
    : undefined;
  if (source) {
    if (source.isActive === false) {
      errors.push(`${rec.productID != null ? "Product" : "Service"} ${source.id} is inactive.`);
    }
    if (rec.name == null || rec.name === "") rec.name = source.name;
    rec.unitPrice ??= source.unitPrice ?? 0;
    rec.unitCost ??= source.unitCost ?? 0;
    rec.periodType ??= source.periodType ?? 1;
  }
  rec.unitPrice ??= 0;
  rec.isTaxable ??= false;
}

const ENTITY_RULES: Record<string, (input: RuleInput) => void> = {
  Tickets: ticketRules,
  Tasks: taskRules,
  TicketNotes: noteRules,
  ProjectNotes: noteRules,
  TaskNotes: noteRules,
  TimeEntries: timeEntryRules,
  Contacts: contactRules,
  Projects: projectRules,
  Contracts: contractRules,
  Opportunities: opportunityRules,
  TicketAttachments: attachmentRules,
  TicketCharges: chargeRules,
  ServiceCalls: serviceCallRules,
  ServiceCallTickets: serviceCallTicketRules,
  ServiceCallTicketResources: visitResourceRules(
    "ServiceCallTicketResources",
    "serviceCallTicketID",
  ),
  ServiceCallTasks: serviceCallTaskRules,
  ServiceCallTaskResources: visitResourceRules("ServiceCallTaskResources", "serviceCallTaskID"),
  Quotes: quoteRules,
  QuoteItems: quoteItemRules,
  TicketSecondaryResources: secondaryResourceRules("ticketID"),
  TaskSecondaryResources: secondaryResourceRules("taskID"),
};

/** Parses a write body: a JSON object, else an Autotask-style failure. */
export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw fail("The request body must be a JSON object describing one entity.");
  }
  return body as Record<string, unknown>;
}
