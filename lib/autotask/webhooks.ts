/** Autotask's webhook rules (autotask-api.md section 8): the five kinds, callout bodies, the signature. */

/** One kind of webhook: the entity whose changes it reports and the entities that configure it. */
export interface WebhookKind {
  /** The watched entity, e.g. "Tickets". */
  entity: string;
  /** The webhook entity, e.g. "TicketWebhooks". */
  hooks: string;
  /** Its subscribed and always-shown fields (`fieldID`), e.g. "TicketWebhookFields". */
  fields: string;
  /** Its user-defined fields (`udfFieldID`); ticket notes have none. */
  udfFields?: string;
  /** Resources whose changes fire nothing (`resourceID`). */
  excluded: string;
  /**
   * `EntityType` values a callout may carry, lower case: Autotask keeps old names for companies
   * (Account) and configuration items (InstalledProduct).
   */
  entityTypes: readonly string[];
  /** The `WebhookEventErrorLogs` field that names a failed delivery's webhook, where there is one. */
  errorLogField?: string;
}

function kind(
  entity: string,
  prefix: string,
  entityTypes: string[],
  options: { udf?: boolean; errorLogField?: string } = {},
): WebhookKind {
  return {
    entity,
    hooks: `${prefix}Webhooks`,
    fields: `${prefix}WebhookFields`,
    udfFields: options.udf === false ? undefined : `${prefix}WebhookUdfFields`,
    excluded: `${prefix}WebhookExcludedResources`,
    entityTypes: [prefix.toLowerCase(), ...entityTypes],
    errorLogField: options.errorLogField,
  };
}

/** Every kind of webhook the live API has: two in the 2020 swagger, three documented extras. */
export const WEBHOOK_KINDS: readonly WebhookKind[] = [
  kind("Tickets", "Ticket", []),
  kind("TicketNotes", "TicketNote", [], { udf: false }),
  kind("Companies", "Company", ["account"], { errorLogField: "accountWebhookID" }),
  kind("Contacts", "Contact", [], { errorLogField: "contactWebhookID" }),
  kind("ConfigurationItems", "ConfigurationItem", ["installedproduct"]),
];

/** Failed deliveries, kept 30 days by Autotask. */
export const WEBHOOK_ERROR_LOG = "WebhookEventErrorLogs";

/** The kind watching `entity` (any case: "tickets", "Tickets"), if webhooks exist for it. */
export function webhookKind(entity: string): WebhookKind | undefined {
  const wanted = entity.toLowerCase();
  return WEBHOOK_KINDS.find((k) => k.entity.toLowerCase() === wanted);
}

/** The kind a callout's `EntityType` names (Ticket, Account, InstalledProduct, ... any case). */
export function kindOfEntityType(entityType: string): WebhookKind | undefined {
  const wanted = entityType.trim().toLowerCase();
  return WEBHOOK_KINDS.find((k) => k.entityTypes.includes(wanted));
}

/** A webhook event's action. */
export type CalloutAction = "Create" | "Update" | "Delete";

/** A field value as callouts carry it: mostly text, whatever the field's type. */
export type CalloutValue = string | number | boolean | null;

/** One callout body, read case-insensitively and with the entity named by its catalog name. */
export interface Callout {
  action: CalloutAction;
  /** The webhook's GUID (`webhookGUID`), lower case. */
  guid: string;
  /** `EntityType` as sent (Ticket, Account, ...). */
  entityType: string;
  /** The watched entity's catalog name (Tickets, Companies, ...). */
  entity: string;
  id: number;
  /** Subscribed and display-always fields, keys as sent (PascalCase, or a UDF's name). */
  fields: Record<string, CalloutValue>;
  /** When Autotask saw the change (UTC), when it said. */
  eventTime?: string;
  sequenceNumber: number;
  /** Who made the change (`PersonID` or `PersonId`). */
  personId?: number;
}

/** Keys of a JSON object by lower case, so `PersonID`, `PersonId` and `personid` are one key. */
function lowerKeys(value: Record<string, unknown>): Map<string, unknown> {
  return new Map(Object.entries(value).map(([k, v]) => [k.toLowerCase(), v]));
}

/** A whole number, also when sent as text ("351181"). */
function wholeNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === "string" && /^\s*-?\d{1,16}\s*$/.test(value)) return Number(value);
  return undefined;
}

const ACTIONS: readonly CalloutAction[] = ["Create", "Update", "Delete"];

/**
 * Reads a parsed callout body. Keys are matched case-insensitively; numbers may come as text.
 * Returns what is wrong (a sentence) when it is no callout.
 */
export function parseCallout(body: unknown): Callout | string {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    return "the body is not a JSON object";
  }
  const keys = lowerKeys(body as Record<string, unknown>);
  const rawAction = keys.get("action");
  const action = ACTIONS.find((a) =>
    typeof rawAction === "string" && a.toLowerCase() === rawAction.trim().toLowerCase()
  );
  if (!action) return "Action is not Create, Update or Delete";
  const guid = keys.get("guid");
  if (typeof guid !== "string" || guid.trim() === "") return "Guid is missing";
  const entityType = keys.get("entitytype");
  if (typeof entityType !== "string") return "EntityType is missing";
  const found = kindOfEntityType(entityType);
  if (!found) return `EntityType ${JSON.stringify(entityType.slice(0, 50))} is no webhook entity`;
  const id = wholeNumber(keys.get("id"));
  if (id === undefined || id < 0) return "Id is not a record id";
  const sequenceNumber = wholeNumber(keys.get("sequencenumber"));
  if (sequenceNumber === undefined) return "SequenceNumber is not a number";
  const rawFields = keys.get("fields");
  const fields: Record<string, CalloutValue> = {};
  if (rawFields !== undefined && rawFields !== null) {
    if (typeof rawFields !== "object" || Array.isArray(rawFields)) return "Fields is not an object";
    for (const [key, value] of Object.entries(rawFields as Record<string, unknown>)) {
      fields[key] = value === null || ["string", "number", "boolean"].includes(typeof value)
        ? value as CalloutValue
        : JSON.stringify(value);
    }
  }
  const eventTime = keys.get("eventtime");
  const personId = wholeNumber(keys.get("personid"));
  return {
    action,
    guid: guid.trim().toLowerCase(),
    entityType,
    entity: found.entity,
    id,
    fields,
    eventTime: typeof eventTime === "string" ? eventTime : undefined,
    sequenceNumber,
    personId,
  };
}

/** What identifies one event across Autotask's retries: (Guid, EntityType, Id, Action, SequenceNumber). */
export function calloutKey(callout: Callout): string {
  return [callout.guid, callout.entity, callout.id, callout.action, callout.sequenceNumber].join(
    "|",
  );
}

const ENCODER = new TextEncoder();
/** HMAC-SHA1 is 20 bytes. */
const MAC_BYTES = 20;

/** The key that signs callouts, from a webhook's `secretKey`. */
export function importHookKey(secretKey: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    ENCODER.encode(secretKey),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
}

/** The bytes of `sha1=<base64>`, or undefined when the header is not of that form. */
function headerMac(header: string | null): Uint8Array | undefined {
  const match = /^\s*sha1=([A-Za-z0-9+/]{1,64}={0,2})\s*$/i.exec(header ?? "");
  if (!match) return undefined;
  try {
    return Uint8Array.from(atob(match[1]), (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Whether `X-Hook-Signature` (`sha1=<base64 of HMAC-SHA1(secretKey, body)>`) signs these raw bytes.
 * The MAC is always computed and compared over its whole length, whatever the header holds, so
 * the time taken says nothing about how close a forged signature came.
 */
export async function verifyHookSignature(
  key: CryptoKey,
  body: Uint8Array<ArrayBuffer>,
  header: string | null,
): Promise<boolean> {
  const expected = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  const given = headerMac(header);
  let diff = given === undefined || given.length !== MAC_BYTES ? 1 : 0;
  for (let i = 0; i < MAC_BYTES; i++) diff |= expected[i] ^ (given?.[i] ?? 0);
  return diff === 0;
}
