/**
 * 10. Webhooks: how many signed callouts per second HTTP mode accepts (signature verified over the
 * raw bytes, answered 200) and works through (de-duplicated, logged, subscribers told), and the
 * latency from a callout to the `notifications/resources/updated` a 2026-07-28 subscriber receives.
 * The server runs as users run it (`main.ts --http`, production flags plus loopback,
 * AUTOTASK_WEBHOOK_SECRET set); callouts are .NET-escaped bodies signed here and posted with
 * keep-alive fetch; the subscriber is a raw `subscriptions/listen` stream (the MCP client package
 * needs env access the bench does not have). `deno run <bench flags> bench/webhooks.ts [--quick]`
 * runs this item alone.
 */

import type { ServedSandbox } from "../lib/sandbox/mod.ts";
import { netJson } from "../lib/sandbox/net_json.ts";
import { HttpServerProcess } from "./http_process.ts";
import { describeMachine } from "./machine.ts";
import { mainTable, type Row, type SectionResult, summaryRow, valueRow } from "./report.ts";
import { fmt, MS, summarize } from "./stats.ts";
import { serverEnv, serverFlags, startTenant } from "./tenant.ts";

/** Options of {@linkcode webhookBench}. */
export interface WebhookBenchOptions {
  /** Callouts posted in the throughput run. */
  callouts: number;
  /** Callouts in flight at once. */
  concurrency: number;
  /** Callout-to-notification round trips measured one at a time. */
  latencyRuns: number;
  progress(line: string): void;
}

const SECRET = "bench-webhook-secret-0123456789";
const SUBSCRIBED = 4711;
const URI = `autotask://tickets/${SUBSCRIBED}`;
const ENCODER = new TextEncoder();

/** A signed callout: its bytes and its X-Hook-Signature. */
interface Signed {
  bytes: Uint8Array<ArrayBuffer>;
  signature: string;
}

async function signer(): Promise<(body: string) => Promise<Signed>> {
  const key = await crypto.subtle.importKey(
    "raw",
    ENCODER.encode(SECRET),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  return async (body) => {
    const bytes = ENCODER.encode(body);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes));
    return { bytes, signature: `sha1=${btoa(String.fromCharCode(...mac))}` };
  };
}

/** A realistic ticket update: a title with characters .NET escapes, a status, a display field. */
function callout(id: number, sequenceNumber: number): string {
  return netJson({
    Action: "Update",
    Guid: "7d0c2b9e-5d52-4f0e-9d8a-6a1f0e2c4b11",
    EntityType: "Ticket",
    Id: id,
    Fields: {
      Title: `Printer & <scanner> 'down' + Gr\u00fc\u00dfe #${sequenceNumber}`,
      Status: "8",
      TicketNumber: `T20261130.${String(sequenceNumber).padStart(4, "0")}`,
    },
    EventTime: "2026-11-30T14:57:50Z",
    SequenceNumber: sequenceNumber,
    PersonID: 29682887,
  });
}

async function post(origin: string, signed: Signed): Promise<void> {
  const response = await fetch(`${origin}/webhooks/autotask`, {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      "x-hook-signature": signed.signature,
    },
    body: signed.bytes,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`callout answered ${response.status}: ${text}`);
}

/** A 2026-07-28 `subscriptions/listen` stream over plain fetch: its updates' URIs, in order. */
interface Listener {
  /** Resolves with the URI of the next `notifications/resources/updated`. */
  next(): Promise<string>;
  close(): void;
}

async function listen(origin: string, uri: string): Promise<Listener> {
  const meta = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": { name: "bench", version: "0" },
    "io.modelcontextprotocol/clientCapabilities": {},
  };
  const controller = new AbortController();
  const response = await fetch(`${origin}/mcp`, {
    method: "POST",
    signal: controller.signal,
    headers: {
      accept: "application/json, text/event-stream",
      "content-type": "application/json",
      "mcp-method": "subscriptions/listen",
      "mcp-protocol-version": "2026-07-28",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: "listen:bench",
      method: "subscriptions/listen",
      params: { _meta: meta, notifications: { resourceSubscriptions: [uri] } },
    }),
  });
  if (!response.body || !response.headers.get("content-type")?.includes("text/event-stream")) {
    throw new Error(`subscriptions/listen answered ${response.status}: ${await response.text()}`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const updates: string[] = [];
  const waiters: ((uri: string) => void)[] = [];
  const acknowledged = Promise.withResolvers<void>();
  let buffer = "";
  (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: "" }));
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (!data) continue;
        const message = JSON.parse(data);
        if (message.method === "notifications/subscriptions/acknowledged") acknowledged.resolve();
        if (message.method !== "notifications/resources/updated") continue;
        const waiter = waiters.shift();
        if (waiter) waiter(message.params.uri);
        else updates.push(message.params.uri);
      }
    }
  })();
  await acknowledged.promise;
  return {
    next: () => {
      const ready = updates.shift();
      return ready !== undefined
        ? Promise.resolve(ready)
        : new Promise((resolve) => waiters.push(resolve));
    },
    close: () => controller.abort(),
  };
}

/** Rejects after `ms` (a lost notification must not hang the bench). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Item 10 against a tenant: throughput, then latency, through one spawned HTTP-mode server. */
export async function webhookBench(
  tenant: ServedSandbox,
  options: WebhookBenchOptions,
): Promise<SectionResult> {
  const server = await HttpServerProcess.start({
    flags: await serverFlags(),
    env: serverEnv(tenant, { AUTOTASK_WEBHOOK_SECRET: SECRET, AUTOTASK_TOOLSETS: "webhooks" }),
  });
  const sign = await signer();
  let sequence = 0;
  const rows: Row[] = [];
  try {
    const subscriber = await listen(server.origin, URI);
    // Warm up the endpoint and the stream.
    for (let i = 0; i < 20; i++) {
      await post(server.origin, await sign(callout(SUBSCRIBED, ++sequence)));
      await within(subscriber.next(), 10_000, "warm-up notification");
    }

    // Throughput: other tickets' callouts, signed beforehand, `concurrency` in flight.
    const bodies: Signed[] = [];
    for (let i = 0; i < options.callouts; i++) {
      bodies.push(await sign(callout(100_000 + (i % 500), ++sequence)));
    }
    const marker = await sign(callout(SUBSCRIBED, ++sequence));
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: options.concurrency }, async () => {
      while (next < bodies.length) await post(server.origin, bodies[next++]);
    }));
    const accepted = performance.now() - started;
    // The feed works callouts in arrival order: the marker's notification comes after all of them.
    await post(server.origin, marker);
    await within(subscriber.next(), 60_000, "the marker's notification");
    const processed = performance.now() - started;
    options.progress(`webhooks: ${options.callouts} callouts, ${options.concurrency} in flight`);
    rows.push(
      valueRow(10, "Webhook callouts accepted per second (signature verified, answered 200)", {
        value: `${fmt(options.callouts / (accepted / 1000))}/s`,
        runs: options.callouts,
        notes: `${options.concurrency} in flight over keep-alive fetch; ${fmt(accepted)} ms in all`,
      }),
      valueRow(
        10,
        "Webhook callouts worked through per second (de-duplicated, logged, announced)",
        {
          value: `${fmt((options.callouts + 1) / (processed / 1000))}/s`,
          runs: options.callouts + 1,
          notes: "until the notification of a callout posted after all of them",
        },
      ),
    );

    // Latency: one callout at a time for the subscribed ticket, until its notification arrives.
    const latencies: number[] = [];
    for (let i = 0; i < options.latencyRuns; i++) {
      const signed = await sign(callout(SUBSCRIBED, ++sequence));
      const t0 = performance.now();
      const heard = subscriber.next();
      await post(server.origin, signed);
      const uri = await within(heard, 10_000, "a notification");
      latencies.push(performance.now() - t0);
      if (uri !== URI) throw new Error(`notified of ${uri}, not ${URI}`);
    }
    options.progress(`webhooks: ${options.latencyRuns} callout-to-notification round trips`);
    rows.push(
      summaryRow(10, "Latency from callout to `notifications/resources/updated`", {
        summary: summarize(latencies),
        unit: MS,
        notes: "POST sent until the subscriber's SSE frame is read (2026-07-28 listen stream)",
      }),
    );
    subscriber.close();
    return { rows };
  } finally {
    await server.close();
  }
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  // Run alone, the figures carry their conditions: the machine and how busy it was.
  const load = () => Deno.loadavg().map((n) => fmt(n, 2)).join(" ");
  console.log(`Machine: ${await describeMachine()}; load average before: ${load()}.\n`);
  const tenant = await startTenant();
  try {
    const { rows } = await webhookBench(tenant, {
      callouts: quick ? 300 : 5_000,
      concurrency: 16,
      latencyRuns: quick ? 20 : 200,
      progress: (line) => console.error(`bench: ${line}`),
    });
    console.log(mainTable(rows));
    console.log(
      `\nLoad average after: ${load()} (1, 5, 15 minutes; ${navigator.hardwareConcurrency} cores).`,
    );
  } finally {
    await tenant.close();
  }
}
