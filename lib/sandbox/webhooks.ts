/** The tenant's side of webhooks: their field metadata, the rules of their routes, and the changes that fire callouts. */

import { Deliveries, deliverySettings } from "./callouts.ts";
import type { CalloutEvent } from "./callouts.ts";
import type { Tenant, WriteEvent, WriteHooks } from "./handlers.ts";
import type { EntityDef, FieldDef } from "./metadata.ts";
import { netJson, type NetJsonValue } from "./net_json.ts";
import type { PicklistEntry } from "./picklists.ts";
import { fail, TenantError } from "./respond.ts";
import type { Store } from "./store.ts";
import type { Rec, RightVerb, SandboxWebhookOptions, UdfValue } from "./types.ts";
import { ERROR_LOG_ENTITY, WEBHOOK_KINDS, type WebhookKind } from "./webhook_kinds.ts";

/** `WebhookEventErrorLogs` keeps an entry this long. */
const ERROR_LOG_RETENTION_MS = 30 * 24 * 3_600_000;
/** Length of the error log's `errorMessage` and `payload`. */
const ERROR_LOG_TEXT_LENGTH = 8000;
const MIN_SECRET_LENGTH = 10;

type Action = "Create" | "Update" | "Delete";

/** The webhook flag that subscribes to each action. */
const EVENT_FLAGS: Record<Action, string> = {
  Create: "isSubscribedToCreateEvents",
  Update: "isSubscribedToUpdateEvents",
  Delete: "isSubscribedToDeleteEvents",
};

/** Booleans of a webhook that read false when not given. */
const WEBHOOK_FLAGS = [
  "isActive",
  ...Object.values(EVENT_FLAGS),
  "sendThresholdExceededNotification",
];

/** Which configuration child an entity is, with the field that must be unique per webhook. */
interface ChildKind {
  kind: WebhookKind;
  unique: "fieldID" | "udfFieldID" | "resourceID";
}

/** One field a webhook watches or shows. */
interface Subscription {
  /** Wire field name, or the UDF's name. */
  name: string;
  udf: boolean;
  subscribed: boolean;
  always: boolean;
}

/** What the service needs from the tenant. */
export interface WebhookServiceOptions {
  store: Store;
  now(): Date;
  /** The tenant's definition of an entity (its own user-defined fields applied). */
  resolve(name: string): EntityDef;
  settings?: SandboxWebhookOptions;
}

type FieldPatch = Partial<
  Pick<FieldDef, "length" | "isRequired" | "isReadOnly" | "referenceEntityType" | "picklist">
>;

function patched(def: EntityDef, patches: Record<string, FieldPatch>): EntityDef {
  const fields = def.fields.map((f) => (patches[f.name] ? { ...f, ...patches[f.name] } : f));
  return { ...def, fields, byLower: new Map(fields.map((f) => [f.name.toLowerCase(), f])) };
}

/** The `fieldID` picklist of a kind: every field of its entity but `id`, labelled with its name. */
function fieldPicklist(kind: WebhookKind, source: EntityDef): PicklistEntry[] {
  return source.fields.filter((f) => f.name !== "id").map((f, i) => ({
    value: kind.fieldIdBase + i,
    label: f.name,
  }));
}

/** The `udfFieldID` picklist of a kind: the entity's user-defined fields, labelled with their names. */
function udfPicklist(kind: WebhookKind, source: EntityDef): PicklistEntry[] {
  return source.udfs.map((u, i) => ({ value: kind.udfIdBase + i, label: u.name }));
}

/** Why a webhook URL is refused, or null: Autotask calls out to https on port 443 only. */
function urlProblem(field: string, value: unknown, allowHttpLoopback: boolean): string | null {
  if (typeof value !== "string") return null; // a missing URL is a "required" error already
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${field} must be an absolute https URL on port 443, such as https://example.com/autotask.`;
  }
  if (url.protocol === "https:" && url.port === "") return null; // "" is the default port, 443
  if (allowHttpLoopback && url.protocol === "http:" && url.hostname === "127.0.0.1") return null;
  return `${field} must use https on port 443: give an https:// URL without another port.`;
}

function sameUrl(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return false;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** A field value as callouts carry it: text, with .NET's spelling of booleans. */
function calloutValue(value: unknown): NetJsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}

function udfValue(rec: Rec, name: string): string | null {
  const udfs = (rec.userDefinedFields as UdfValue[] | undefined) ?? [];
  return udfs.find((u) => u.name === name)?.value ?? null;
}

/** Autotask's `EventTime`: UTC to the second. */
function eventTime(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Webhooks of one tenant: builds the webhook entities' metadata, enforces their rules as write
 * hooks, and turns every stored create, update and delete of a watched entity into callouts.
 */
export class WebhookService implements WriteHooks {
  /** The deliveries and their log: `Sandbox.webhooks`. */
  readonly deliveries: Deliveries;
  /** The tenant's definitions of every webhook entity, with required flags, lengths and picklists. */
  readonly defs: EntityDef[] = [];
  readonly #store: Store;
  readonly #now: () => Date;
  readonly #allowHttpLoopback: boolean;
  readonly #byHooks = new Map<string, WebhookKind>();
  readonly #bySource = new Map<string, WebhookKind>();
  readonly #byChild = new Map<string, ChildKind>();
  /** Field and UDF names by id, per webhook entity. */
  readonly #fieldNames = new Map<string, Map<number, string>>();
  readonly #udfNames = new Map<string, Map<number, string>>();
  /** The last `SequenceNumber` per webhook. */
  readonly #sequence = new Map<string, number>();

  constructor(options: WebhookServiceOptions) {
    this.#store = options.store;
    this.#now = options.now;
    this.#allowHttpLoopback = options.settings?.allowHttpLoopback === true;
    this.deliveries = new Deliveries(deliverySettings(options.settings), {
      failed: (event, message) => this.#logFailure(event, message),
      exhausted: (entity, id) => this.#deactivate(entity, id),
    });
    for (const kind of WEBHOOK_KINDS) this.#define(kind, options.resolve);
    const log = options.resolve(ERROR_LOG_ENTITY);
    const readOnly: Record<string, FieldPatch> = {};
    for (const f of log.fields) readOnly[f.name] = { isReadOnly: true, isRequired: false };
    readOnly.errorMessage = { ...readOnly.errorMessage, length: ERROR_LOG_TEXT_LENGTH };
    readOnly.payload = { ...readOnly.payload, length: ERROR_LOG_TEXT_LENGTH };
    this.defs.push(patched(log, readOnly));
  }

  #define(kind: WebhookKind, resolve: (name: string) => EntityDef): void {
    const source = resolve(kind.source);
    const fields = fieldPicklist(kind, source);
    const udfs = udfPicklist(kind, source);
    this.#fieldNames.set(kind.hooks, new Map(fields.map((p) => [p.value, p.label])));
    this.#udfNames.set(kind.hooks, new Map(udfs.map((p) => [p.value, p.label])));
    this.#byHooks.set(kind.hooks, kind);
    this.#bySource.set(kind.source, kind);
    const readOnly = { isReadOnly: true, isRequired: false };
    this.defs.push(patched(resolve(kind.hooks), {
      name: { length: 50, isRequired: true },
      webhookUrl: { length: 500, isRequired: true },
      deactivationUrl: { length: 500, isRequired: true },
      secretKey: { length: 64, isRequired: true },
      notificationEmailAddress: { length: 150 },
      ownerResourceID: { ...readOnly, referenceEntityType: "Resources" },
      isReady: readOnly,
      webhookGUID: readOnly,
    }));
    const parent = { referenceEntityType: kind.hooks };
    this.defs.push(patched(resolve(kind.fields), {
      fieldID: { isRequired: true, picklist: fields },
      webhookID: parent,
    }));
    this.#byChild.set(kind.fields, { kind, unique: "fieldID" });
    if (kind.udfFields) {
      this.defs.push(patched(resolve(kind.udfFields), {
        udfFieldID: { isRequired: true, picklist: udfs },
        webhookID: parent,
      }));
      this.#byChild.set(kind.udfFields, { kind, unique: "udfFieldID" });
    }
    this.defs.push(patched(resolve(kind.excluded), {
      resourceID: { isRequired: true, referenceEntityType: "Resources" },
      webhookID: parent,
    }));
    this.#byChild.set(kind.excluded, { kind, unique: "resourceID" });
  }

  /**
   * The refusal for a right the security level lacks, when it is about webhooks: creating them
   * needs a permission of its own, off by default. Null for every other entity and verb.
   */
  permissionError(entity: string, verb: RightVerb): TenantError | null {
    const name = entity.toLowerCase();
    const isWebhook = WEBHOOK_KINDS.some((k) =>
      [k.hooks, k.fields, k.udfFields, k.excluded].some((n) => n?.toLowerCase() === name)
    );
    if (verb !== "create" || !isWebhook) return null;
    return fail(
      'The logged in Resource does not have the adequate permissions to create webhooks. In Autotask, open Admin > Security Levels, edit the API user\'s security level, turn on "Can create WebHooks" and set its webhook limit to at least 1.',
    );
  }

  /** Runs before a request reaches an entity: expired error log entries disappear. */
  prepare(entity: string | null): void {
    if (entity === ERROR_LOG_ENTITY) this.#purgeErrorLog();
  }

  check(event: WriteEvent, tenant: Tenant): void {
    const rec = event.after;
    if (!rec) return;
    const kind = this.#byHooks.get(event.def.name);
    if (kind) this.#checkWebhook(kind, rec, event, tenant);
    const child = this.#byChild.get(event.def.name);
    if (child) this.#checkChild(child, rec);
  }

  stored(event: WriteEvent, _tenant: Tenant): void {
    const name = event.def.name;
    const kind = this.#byHooks.get(name);
    if (kind) {
      this.#webhookStored(kind, event);
      return;
    }
    const child = this.#byChild.get(name);
    if (child) {
      const webhookId = (event.after ?? event.before)?.webhookID;
      if (typeof webhookId === "number") this.#refreshReady(child.kind, webhookId);
      return;
    }
    const source = this.#bySource.get(name);
    if (source) this.#fire(source, event);
  }

  #checkWebhook(kind: WebhookKind, rec: Rec, event: WriteEvent, tenant: Tenant): void {
    if (event.mode === "create") {
      // A webhook shows changes to records of its entity: the owner must be able to read them.
      tenant.authorize(kind.source, "query", event.call);
    }
    for (const flag of WEBHOOK_FLAGS) {
      if (rec[flag] === null || rec[flag] === undefined) rec[flag] = false;
    }
    const errors: string[] = [];
    for (const field of ["webhookUrl", "deactivationUrl"]) {
      const problem = urlProblem(field, rec[field], this.#allowHttpLoopback);
      if (problem) errors.push(problem);
    }
    if (typeof rec.secretKey === "string" && rec.secretKey.length < MIN_SECRET_LENGTH) {
      // Never echo the secret itself.
      errors.push(`secretKey must be at least ${MIN_SECRET_LENGTH} characters long.`);
    }
    for (const other of this.#store.table(kind.hooks).rows) {
      if (other.id === rec.id || !sameUrl(other.webhookUrl, rec.webhookUrl)) continue;
      const clash = (Object.keys(EVENT_FLAGS) as Action[]).filter((a) =>
        other[EVENT_FLAGS[a]] === true && rec[EVENT_FLAGS[a]] === true
      );
      if (clash.length > 0) {
        errors.push(
          `${kind.hooks} ${other.id} already sends ${
            clash.join(", ")
          } events to this webhookUrl: use another URL, or subscribe that webhook instead.`,
        );
      }
    }
    if (errors.length > 0) throw new TenantError(500, errors);
    if (event.mode === "create") {
      rec.ownerResourceID = event.call.actorResourceId;
      rec.webhookGUID = crypto.randomUUID();
      rec.isReady = false;
    } else {
      rec.isReady = this.#isReady(kind, rec.id);
    }
  }

  #checkChild(child: ChildKind, rec: Rec): void {
    if (child.unique !== "resourceID") {
      for (const flag of ["isSubscribedField", "isDisplayAlwaysField"]) {
        if (rec[flag] === null || rec[flag] === undefined) rec[flag] = false;
      }
    }
    const table = this.#store.table(
      child.unique === "fieldID"
        ? child.kind.fields
        : child.unique === "udfFieldID"
        ? child.kind.udfFields as string
        : child.kind.excluded,
    );
    const duplicate = table.rows.find((r) =>
      r.id !== rec.id && r.webhookID === rec.webhookID && r[child.unique] === rec[child.unique]
    );
    if (duplicate) {
      throw fail(
        `${child.unique} ${
          rec[child.unique]
        } is already on ${child.kind.hooks} ${rec.webhookID} (record ${duplicate.id}): update or delete that record instead.`,
      );
    }
  }

  #webhookStored(kind: WebhookKind, event: WriteEvent): void {
    const before = event.before;
    const after = event.after;
    if (!after && before) {
      for (const name of [kind.fields, kind.udfFields, kind.excluded]) {
        if (!name) continue;
        const table = this.#store.table(name);
        for (const row of table.rows.filter((r) => r.webhookID === before.id)) table.remove(row.id);
      }
      this.deliveries.drop(kind.hooks, before.id);
      this.deliveries.resetFailures(kind.hooks, before.id);
      this.#sequence.delete(`${kind.hooks}:${before.id}`);
      this.#notifyDeactivation(kind, before, "Deleted", "The webhook was deleted.");
      return;
    }
    if (!after || !before) return;
    if (before.isActive === true && after.isActive !== true) {
      this.deliveries.drop(kind.hooks, after.id);
      this.#notifyDeactivation(kind, after, "Deactivated", "The webhook was deactivated.");
    } else if (before.isActive !== true && after.isActive === true) {
      this.deliveries.resetFailures(kind.hooks, after.id);
    }
  }

  #isReady(kind: WebhookKind, webhookId: number): boolean {
    return [kind.fields, kind.udfFields].some((name) =>
      name !== null &&
      this.#store.table(name).rows.some((r) =>
        r.webhookID === webhookId && r.isSubscribedField === true
      )
    );
  }

  #refreshReady(kind: WebhookKind, webhookId: number): void {
    const hook = this.#store.table(kind.hooks).get(webhookId);
    if (hook) hook.isReady = this.#isReady(kind, webhookId);
  }

  #subscriptions(kind: WebhookKind, webhookId: number): Subscription[] {
    const out: Subscription[] = [];
    const names = this.#fieldNames.get(kind.hooks);
    for (const row of this.#store.table(kind.fields).rows) {
      const name = row.webhookID === webhookId ? names?.get(row.fieldID as number) : undefined;
      if (name) {
        out.push({
          name,
          udf: false,
          subscribed: row.isSubscribedField === true,
          always: row.isDisplayAlwaysField === true,
        });
      }
    }
    if (!kind.udfFields) return out;
    const udfNames = this.#udfNames.get(kind.hooks);
    for (const row of this.#store.table(kind.udfFields).rows) {
      const name = row.webhookID === webhookId
        ? udfNames?.get(row.udfFieldID as number)
        : undefined;
      if (name) {
        out.push({
          name,
          udf: true,
          subscribed: row.isSubscribedField === true,
          always: row.isDisplayAlwaysField === true,
        });
      }
    }
    return out;
  }

  #isExcluded(kind: WebhookKind, webhookId: number, resourceId: number): boolean {
    return this.#store.table(kind.excluded).rows.some((r) =>
      r.webhookID === webhookId && r.resourceID === resourceId
    );
  }

  /** Queues a callout for every active, ready webhook this stored change concerns. */
  #fire(kind: WebhookKind, event: WriteEvent): void {
    const action: Action = event.mode === "create"
      ? "Create"
      : event.mode === "delete"
      ? "Delete"
      : "Update";
    const current = event.after ?? event.before;
    if (!current) return;
    const actor = event.call.actorResourceId;
    for (const hook of this.#store.table(kind.hooks).rows) {
      if (hook.isActive !== true || hook.isReady !== true || hook[EVENT_FLAGS[action]] !== true) {
        continue;
      }
      if (this.#isExcluded(kind, hook.id, actor)) continue;
      const fields = this.#calloutFields(
        this.#subscriptions(kind, hook.id),
        action,
        current,
        event.before,
      );
      if (!fields) continue;
      const key = `${kind.hooks}:${hook.id}`;
      const sequenceNumber = (this.#sequence.get(key) ?? 0) + 1;
      this.#sequence.set(key, sequenceNumber);
      const body = netJson({
        Action: action,
        Guid: String(hook.webhookGUID),
        EntityType: kind.entityType,
        Id: current.id,
        Fields: fields,
        EventTime: eventTime(this.#now()),
        SequenceNumber: sequenceNumber,
        PersonID: actor,
      });
      this.deliveries.enqueue({
        webhookEntity: kind.hooks,
        webhookId: hook.id,
        url: String(hook.webhookUrl),
        secretKey: String(hook.secretKey),
        body,
        sequenceNumber,
      });
    }
  }

  /**
   * `Fields` of a callout: the subscribed fields (on an update only those that changed, and none
   * changed means no callout), then the display-always ones. Keys PascalCase, UDFs by name.
   */
  #calloutFields(
    subs: Subscription[],
    action: Action,
    current: Rec,
    before: Rec | null,
  ): Record<string, NetJsonValue> | null {
    const valueIn = (rec: Rec, sub: Subscription): unknown =>
      sub.udf ? udfValue(rec, sub.name) : rec[sub.name] ?? null;
    const keyOf = (sub: Subscription): string => (sub.udf ? sub.name : pascal(sub.name));
    const fields: Record<string, NetJsonValue> = {};
    let changed = false;
    for (const sub of subs) {
      if (!sub.subscribed) continue;
      const value = valueIn(current, sub);
      const include = action === "Update"
        ? before !== null && valueIn(before, sub) !== value
        : value !== null;
      if (!include) continue;
      fields[keyOf(sub)] = calloutValue(value);
      changed = true;
    }
    if (action === "Update" && !changed) return null;
    for (const sub of subs) {
      if (sub.always && !(keyOf(sub) in fields)) {
        fields[keyOf(sub)] = calloutValue(valueIn(current, sub));
      }
    }
    return fields;
  }

  /** The unsigned call Autotask makes to a deactivation URL; its body is undocumented. */
  #notifyDeactivation(kind: WebhookKind, hook: Rec, action: string, reason: string): void {
    if (typeof hook.deactivationUrl !== "string") return;
    const body = netJson({
      Action: action,
      Reason: reason,
      Guid: String(hook.webhookGUID),
      EntityType: kind.entityType,
      WebhookID: hook.id,
      Name: String(hook.name ?? ""),
      EventTime: eventTime(this.#now()),
    });
    this.deliveries.notify({
      webhookEntity: kind.hooks,
      webhookId: hook.id,
      url: hook.deactivationUrl,
      body,
    });
  }

  /** Too many failures in a row: the webhook is switched off and its owner told. */
  #deactivate(webhookEntity: string, webhookId: number): void {
    const kind = this.#byHooks.get(webhookEntity);
    const hook = kind ? this.#store.table(webhookEntity).get(webhookId) : undefined;
    if (!kind || !hook || hook.isActive !== true) return;
    hook.isActive = false;
    this.deliveries.drop(webhookEntity, webhookId);
    this.#notifyDeactivation(
      kind,
      hook,
      "Deactivated",
      "The webhook was deactivated after too many consecutive failed deliveries.",
    );
  }

  #logFailure(event: CalloutEvent, message: string): void {
    const kind = this.#byHooks.get(event.webhookEntity);
    if (!kind) return;
    this.#purgeErrorLog();
    const table = this.#store.table(ERROR_LOG_ENTITY);
    table.insert({
      id: table.nextId(),
      accountWebhookID: kind.errorLogField === "accountWebhookID" ? event.webhookId : null,
      contactWebhookID: kind.errorLogField === "contactWebhookID" ? event.webhookId : null,
      createDateTime: this.#now().toISOString(),
      errorMessage: message.slice(0, ERROR_LOG_TEXT_LENGTH),
      payload: event.body.slice(0, ERROR_LOG_TEXT_LENGTH),
      sequenceNumber: event.sequenceNumber,
    });
  }

  #purgeErrorLog(): void {
    const table = this.#store.table(ERROR_LOG_ENTITY);
    const oldest = this.#now().getTime() - ERROR_LOG_RETENTION_MS;
    for (const row of table.rows.filter((r) => Date.parse(String(r.createDateTime)) < oldest)) {
      table.remove(row.id);
    }
  }
}
