/** Wires the inbound webhook endpoint to the feed and the feed to MCP resource subscribers. */

import { InMemoryServerEventBus, type ServerEventBus } from "@modelcontextprotocol/server";
import type { AutotaskClient } from "../autotask/client.ts";
import { WebhookEndpoint } from "../http/webhooks.ts";
import { ChangeFeed } from "./feed.ts";
import { ChangeLog } from "./log.ts";

/** The parts HTTP mode serves webhooks with. */
export interface WebhookServing {
  feed: ChangeFeed;
  /** `/webhooks/autotask` for the HTTP handler. */
  endpoint: WebhookEndpoint;
  /** Where 2026-07-28 `subscriptions/listen` streams hear `notifications/resources/updated`. */
  bus: ServerEventBus;
}

/** Options of {@linkcode webhookServing}. */
export interface WebhookServingOptions {
  client: AutotaskClient;
  /** `AUTOTASK_WEBHOOK_SECRET`. */
  secret: string;
  /** The MCP resource URI of a record, when its entity is served as resources. */
  uriOf(entity: string, id: number): string | undefined;
  log: { warn(line: string): void; info(line: string): void; debug(line: string): void };
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  /** Events the in-memory log keeps (default 5,000). */
  logCapacity?: number;
}

/** The endpoint, the feed behind it and the bus its updates go out on. */
export function webhookServing(options: WebhookServingOptions): WebhookServing {
  const bus = new InMemoryServerEventBus((error) =>
    options.log.warn(`webhook: a subscriber failed: ${error.message}`)
  );
  const feed = new ChangeFeed({
    client: options.client,
    log: new ChangeLog({ capacity: options.logCapacity }),
    uriOf: options.uriOf,
    publish: (uri) => bus.publish({ kind: "resource_updated", uri }),
    logger: options.log,
  });
  const endpoint = new WebhookEndpoint({
    secret: options.secret,
    receiver: {
      callout: (callout) => feed.receive(callout),
      deactivation: (body) => feed.deactivationNotice(body),
    },
    maxBodyBytes: options.maxBodyBytes,
    bodyTimeoutMs: options.bodyTimeoutMs,
    log: options.log,
  });
  return { feed, endpoint, bus };
}
