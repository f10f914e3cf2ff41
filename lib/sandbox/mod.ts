/**
 * The simulated Autotask tenant: a `Request -> Response` handler that behaves like the Autotask
 * REST API (zones, auth, query grammar, keyset paging, child routes, validation, limits, faults,
 * permissions, silently dropped unknown operators, webhooks with signed callouts)
 * over deterministic small-MSP data. Use {@linkcode Sandbox} in-process (no permissions needed) or
 * {@linkcode serveSandbox} over HTTP on 127.0.0.1.
 *
 * @module
 */

export { Sandbox, SANDBOX_CREDENTIALS } from "./sandbox.ts";
export { serveSandbox } from "./serve.ts";
export type { ServedSandbox } from "./serve.ts";
export type {
  CalloutLogEntry,
  DeniedRight,
  DroppedOperator,
  Fault,
  PendingRetry,
  RequestLogEntry,
  RightVerb,
  SandboxCredentials,
  SandboxOptions,
  SandboxUdf,
  SandboxWebhookOptions,
  SandboxWebhooks,
} from "./types.ts";
export { WELL_KNOWN } from "./data.ts";
