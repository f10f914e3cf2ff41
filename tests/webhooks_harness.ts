/** Webhook test helpers: signing as Autotask does (independently of the server), callout bodies, an in-process HTTP server. */

import { serveHttp } from "../lib/http/mod.ts";
import { createServerFactory, SERVER_NAME, VERSION } from "../lib/mcp/server.ts";
import { enabledRecords, recordUriOf } from "../lib/mcp/mod.ts";
import { netJson, type NetJsonValue } from "../lib/sandbox/net_json.ts";
import type { SandboxOptions, ServedSandbox } from "../lib/sandbox/mod.ts";
import { loadHttpConfig } from "../lib/settings.ts";
import { type WebhookServing, webhookServing } from "../lib/webhooks/mod.ts";
import { allTools, kit } from "../tools/mod.ts";
import { startTenant, tenantClient } from "./harness.ts";
import { type Env, reader } from "./http_harness.ts";

/** The shared secret the tests configure (AUTOTASK_WEBHOOK_SECRET). */
export const WEBHOOK_SECRET = "webhook-secret-for-tests-0123456789";

/** `sha1=` + base64 of HMAC-SHA1(secret, bytes), computed here with crypto.subtle. */
export async function sign(secret: string, bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes));
  return `sha1=${btoa(String.fromCharCode(...mac))}`;
}

/** Fields of a callout body (see autotask-api.md section 8). */
export interface CalloutSpec {
  action?: string;
  guid?: string;
  entityType?: string;
  id: number;
  fields?: Record<string, NetJsonValue>;
  sequenceNumber?: number;
  personId?: number;
}

/** A callout body as Autotask writes it: .NET escaping, so pure ASCII. */
export function calloutBytes(spec: CalloutSpec): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(netJson({
    Action: spec.action ?? "Update",
    Guid: spec.guid ?? "0f8fad5b-d9cb-469f-a165-70867728950e",
    EntityType: spec.entityType ?? "Ticket",
    Id: spec.id,
    Fields: spec.fields ?? { Status: "8" },
    EventTime: "2026-11-30T14:57:50Z",
    SequenceNumber: spec.sequenceNumber ?? 1,
    PersonID: spec.personId ?? 29682887,
  }));
}

/** POSTs `bytes` to the endpoint with `signature` (none when null). */
export async function postCallout(
  origin: string,
  bytes: Uint8Array<ArrayBuffer>,
  signature: string | null,
  path = "/webhooks/autotask",
): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (signature !== null) headers["x-hook-signature"] = signature;
  const response = await fetch(`${origin}${path}`, { method: "POST", headers, body: bytes });
  return { status: response.status, body: await response.text() };
}

/** The HTTP server of this process with webhooks on, over a tenant served on 127.0.0.1. */
export interface InProcessWebhooks {
  origin: string;
  tenant: ServedSandbox;
  serving: WebhookServing;
  /** Log lines (level and text). */
  lines: string[];
  /** Waits until every accepted callout is in the log. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the tenant, then the HTTP server (the production wiring of main.ts) in this process. */
export async function serveWebhooksInProcess(
  options: { env?: Env; tenant?: SandboxOptions; logCapacity?: number } = {},
): Promise<InProcessWebhooks> {
  const tenant = await startTenant(options.tenant);
  const client = tenantClient(tenant);
  const config = loadHttpConfig("http", reader({ PORT: "0", ...options.env }));
  const lines: string[] = [];
  const log = {
    error: (l: string) => lines.push(`error ${l}`),
    warn: (l: string) => lines.push(`warn ${l}`),
    info: (l: string) => lines.push(`info ${l}`),
    debug: (l: string) => lines.push(`debug ${l}`),
  };
  const tools = allTools();
  const records = enabledRecords(kit.records, tools);
  const serving = webhookServing({
    client,
    secret: WEBHOOK_SECRET,
    uriOf: (entity, id) => recordUriOf(records, entity, id),
    log,
    maxBodyBytes: config.maxBodyBytes,
    bodyTimeoutMs: config.bodyTimeoutMs,
    logCapacity: options.logCapacity,
  });
  const redact = (text: string) => text.replaceAll(WEBHOOK_SECRET, "[redacted]");
  const factory = createServerFactory({
    kit,
    client,
    tools,
    redact,
    log: log.info,
    webhooks: { secret: WEBHOOK_SECRET, feed: serving.feed, transport: "http" },
  });
  const server = await serveHttp(factory, config, {
    server: { name: SERVER_NAME, version: VERSION },
    log,
    redact,
    bus: serving.bus,
    webhooks: serving.endpoint,
  });
  return {
    origin: server.origin,
    tenant,
    serving,
    lines,
    settled: async () => {
      await serving.endpoint.idle();
      await serving.feed.idle();
    },
    close: async () => {
      await server.shutdown(2_000);
      await tenant.close();
    },
  };
}
