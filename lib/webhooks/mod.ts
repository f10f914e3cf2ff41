/** Front door of the webhook feed: the event log and what a verified callout goes through. */

export { ChangeFeed, type ChangeFeedOptions, type Deactivation, type FeedLogger } from "./feed.ts";
export {
  type ChangeEvent,
  ChangeLog,
  type ChangeLogOptions,
  type CursorRead,
  DEFAULT_LOG_CAPACITY,
} from "./log.ts";
export { type WebhookServing, webhookServing, type WebhookServingOptions } from "./serving.ts";
