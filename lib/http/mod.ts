/** Front door of HTTP serving: the server, its listener and its gates (apart from the tool kit). */

export {
  BODY_TIMEOUT_MS,
  createHttpHandler,
  type HttpConfig,
  type HttpHandler,
  type HttpHandlerOptions,
  type HttpServer,
  type HttpTransport,
  ListenError,
  type Logger,
  MAX_BODY_BYTES,
  serveHttp,
  SHUTDOWN_GRACE_MS,
} from "./serve.ts";
export { type AllowLists, isLoopbackHost, loopbackAllowLists } from "./guard.ts";
export { type ConnectionLimits, LIMITS } from "./listener.ts";
export {
  DEACTIVATION_PATH,
  WEBHOOK_PATH,
  WebhookEndpoint,
  type WebhookEndpointOptions,
  type WebhookReceiver,
} from "./webhooks.ts";
