/** The five kinds of Autotask webhook (autotask-api.md section 8): their entities, names and ids. */

/** One kind of webhook: the entity it watches and the entities that configure it. */
export interface WebhookKind {
  /** The entity whose records fire callouts, e.g. "Tickets". */
  source: string;
  /** The webhook entity, e.g. "TicketWebhooks". */
  hooks: string;
  /** Its subscribed and always-shown fields, e.g. "TicketWebhookFields". */
  fields: string;
  /** Its user-defined fields, or null (ticket notes have none). */
  udfFields: string | null;
  /** Resources whose changes fire nothing, e.g. "TicketWebhookExcludedResources". */
  excluded: string;
  /** `EntityType` of a callout: Autotask keeps old names for companies and configuration items. */
  entityType: string;
  /** The `WebhookEventErrorLogs` field naming the webhook, where the entity has one. */
  errorLogField: string | null;
  /** First `fieldID` of this kind: field ids are tenant-defined numbers, not positions. */
  fieldIdBase: number;
  /** First `udfFieldID` of this kind. */
  udfIdBase: number;
}

/** Every webhook kind, in the order section 8 lists them. */
export const WEBHOOK_KINDS: readonly WebhookKind[] = [
  kind("Companies", "Company", "Account", "accountWebhookID", 3100, 29_400),
  kind("Contacts", "Contact", "Contact", "contactWebhookID", 3300, 29_500),
  kind("ConfigurationItems", "ConfigurationItem", "InstalledProduct", null, 3500, 29_600),
  kind("Tickets", "Ticket", "Ticket", null, 3700, 29_700),
  { ...kind("TicketNotes", "TicketNote", "TicketNote", null, 3900, 0), udfFields: null },
];

function kind(
  source: string,
  prefix: string,
  entityType: string,
  errorLogField: string | null,
  fieldIdBase: number,
  udfIdBase: number,
): WebhookKind {
  return {
    source,
    hooks: `${prefix}Webhooks`,
    fields: `${prefix}WebhookFields`,
    udfFields: `${prefix}WebhookUdfFields`,
    excluded: `${prefix}WebhookExcludedResources`,
    entityType,
    errorLogField,
    fieldIdBase,
    udfIdBase,
  };
}

/** The entity that keeps failed deliveries for 30 days. */
export const ERROR_LOG_ENTITY = "WebhookEventErrorLogs";

/** Whether records of this entity (canonical name) can fire webhook callouts. */
export function supportsWebhooks(entity: string): boolean {
  return WEBHOOK_KINDS.some((k) => k.source === entity);
}
