/** Front door of HTTP serving: the server, its listener and its gates (apart from the tool kit). */

export {
  createHttpHandler,
  type HttpConfig,
  type HttpHandler,
  type HttpHandlerOptions,
  type HttpServer,
  type HttpTransport,
  ListenError,
  type Logger,
  serveHttp,
  SHUTDOWN_GRACE_MS,
} from "./serve.ts";
export { type AllowLists, isLoopbackHost, loopbackAllowLists, sha256Hex } from "./guard.ts";
export { BODY_TIMEOUT_MS, type ConnectionLimits, LIMITS, MAX_BODY_BYTES } from "./limits.ts";
export { Authenticator, type AuthenticatorOptions, type AuthOutcome } from "./auth.ts";
export {
  type AuthSettings,
  loadAuthSettings,
  type OAuthSettings,
  parseUsers,
  requiresSignIn,
  type UserEntry,
} from "./auth_config.ts";
export { newToken, TOKEN_HELP, tokenMain, userEntryFor } from "./auth_tokens.ts";
export {
  CLOCK_TOLERANCE_SECONDS,
  IssuerError,
  JwtVerifier,
  netHost,
  type OAuthResource,
  prepareOAuth,
} from "./oauth.ts";
export {
  DEACTIVATION_PATH,
  WEBHOOK_PATH,
  WebhookEndpoint,
  type WebhookEndpointOptions,
  type WebhookReceiver,
} from "./webhooks.ts";
