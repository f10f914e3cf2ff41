/** Webhook callout delivery: per-webhook queues, HMAC-SHA1 signatures, timeouts, retries and the test log. */

import type {
  CalloutLogEntry,
  PendingRetry,
  SandboxWebhookOptions,
  SandboxWebhooks,
} from "./types.ts";

/** Delivery settings with every default applied. */
export interface DeliverySettings {
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  timeoutMs: number;
  retryDelayMs: number;
  maxAttempts: number;
  deactivateAfterFailures: number;
  logLimit: number;
}

/** The live API's numbers (autotask-api.md section 8 and Autotask's webhook error handling help). */
export function deliverySettings(options: SandboxWebhookOptions = {}): DeliverySettings {
  return {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    timeoutMs: Math.max(1, options.timeoutMs ?? 10_000),
    retryDelayMs: Math.max(0, options.retryDelayMs ?? 30_000),
    maxAttempts: Math.max(1, options.maxAttempts ?? 5),
    deactivateAfterFailures: Math.max(1, options.deactivateAfterFailures ?? 25),
    logLimit: Math.max(1, options.logLimit ?? 10_000),
  };
}

/** One change to deliver to one webhook. */
export interface CalloutEvent {
  /** The webhook entity, e.g. "TicketWebhooks". */
  webhookEntity: string;
  webhookId: number;
  url: string;
  secretKey: string;
  /** The body exactly as it is signed and sent. */
  body: string;
  sequenceNumber: number;
}

/** One call to a webhook's deactivation URL. */
export interface DeactivationCall {
  webhookEntity: string;
  webhookId: number;
  url: string;
  body: string;
}

/** What the tenant does when deliveries fail. */
export interface DeliveryListener {
  /** An event's last attempt failed: record it in `WebhookEventErrorLogs`. */
  failed(event: CalloutEvent, errorMessage: string): void;
  /** The webhook failed `deactivateAfterFailures` attempts in a row: deactivate it. */
  exhausted(webhookEntity: string, webhookId: number): void;
}

interface QueuedEvent extends CalloutEvent {
  /** Set when the webhook was deleted or deactivated: no further attempt. */
  dropped: boolean;
  signature: string | null;
}

interface Wait {
  event: QueuedEvent;
  nextAttempt: number;
  dueAt: Date;
  timer: ReturnType<typeof setTimeout>;
  resolve(): void;
}

interface Outcome {
  status: number;
  error: string | null;
}

const ENCODER = new TextEncoder();

function keyOf(webhookEntity: string, webhookId: number): string {
  return `${webhookEntity}:${webhookId}`;
}

/** `sha1=` + base64 of HMAC-SHA1(secret, body): the `X-Hook-Signature` header. */
export async function hookSignature(
  secretKey: string,
  body: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    ENCODER.encode(secretKey),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  return `sha1=${btoa(String.fromCharCode(...mac))}`;
}

/** Reason phrases for the error log when the receiver sent none (HTTP/2 has no reason phrase). */
function reasonPhrase(status: number, statusText: string): string {
  if (statusText !== "") return statusText;
  if (status >= 500) return "Server Error";
  if (status >= 400) return "Client Error";
  return "Unexpected Status";
}

/**
 * Delivers callouts the way Autotask does: each webhook's events in the order they happened, one at
 * a time; a failed attempt (no 2xx within the timeout) is retried after a pause, and an event that
 * fails every attempt is reported and skipped. Deliveries never block the write that caused them.
 */
export class Deliveries implements SandboxWebhooks {
  readonly callouts: CalloutLogEntry[] = [];
  readonly #settings: DeliverySettings;
  readonly #listener: DeliveryListener;
  readonly #queues = new Map<string, QueuedEvent[]>();
  /** Consecutive failed attempts per webhook. */
  readonly #failures = new Map<string, number>();
  readonly #workers = new Set<Promise<void>>();
  readonly #waits = new Set<Wait>();
  readonly #inFlight = new Set<AbortController>();
  #closed = false;

  constructor(settings: DeliverySettings, listener: DeliveryListener) {
    this.#settings = settings;
    this.#listener = listener;
  }

  /** Queues an event behind the webhook's earlier ones; returns at once. */
  enqueue(event: CalloutEvent): void {
    if (this.#closed) return;
    const key = keyOf(event.webhookEntity, event.webhookId);
    const queued: QueuedEvent = { ...event, dropped: false, signature: null };
    const queue = this.#queues.get(key);
    if (queue) {
      queue.push(queued);
      return;
    }
    const fresh = [queued];
    this.#queues.set(key, fresh);
    this.#track(this.#drain(key, fresh));
  }

  /** Forgets a webhook's queued events and stops retrying its current one. */
  drop(webhookEntity: string, webhookId: number): void {
    const key = keyOf(webhookEntity, webhookId);
    const queue = this.#queues.get(key);
    if (queue) {
      for (const event of queue) event.dropped = true;
      this.#queues.delete(key);
    }
    for (const wait of this.#waits) {
      if (keyOf(wait.event.webhookEntity, wait.event.webhookId) === key) this.#wake(wait);
    }
  }

  /** Starts counting a webhook's consecutive failures afresh (it was reactivated or replaced). */
  resetFailures(webhookEntity: string, webhookId: number): void {
    this.#failures.delete(keyOf(webhookEntity, webhookId));
  }

  /** One unsigned POST to a deactivation URL, not retried (its format is not documented). */
  notify(call: DeactivationCall): void {
    if (this.#closed) return;
    this.#track((async () => {
      const bytes = ENCODER.encode(call.body);
      const at = new Date();
      const outcome = await this.#post(call.url, bytes, {});
      this.#log({
        kind: "deactivation",
        webhookEntity: call.webhookEntity,
        webhookId: call.webhookId,
        url: call.url,
        body: bytes,
        text: call.body,
        signature: null,
        sequenceNumber: null,
        attempt: 1,
        ...outcome,
        at,
      });
    })());
  }

  async idle(): Promise<void> {
    while (this.#workers.size > 0) await Promise.allSettled([...this.#workers]);
  }

  pendingRetries(): PendingRetry[] {
    return [...this.#waits].map((w) => ({
      webhookEntity: w.event.webhookEntity,
      webhookId: w.event.webhookId,
      sequenceNumber: w.event.sequenceNumber,
      nextAttempt: w.nextAttempt,
      dueAt: w.dueAt,
    }));
  }

  retryNow(): void {
    for (const wait of this.#waits) this.#wake(wait);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const queue of this.#queues.values()) for (const event of queue) event.dropped = true;
    this.#queues.clear();
    this.retryNow();
    for (const controller of this.#inFlight) controller.abort();
    await this.idle();
  }

  #track(work: Promise<void>): void {
    const tracked = work.finally(() => this.#workers.delete(tracked));
    this.#workers.add(tracked);
  }

  async #drain(key: string, queue: QueuedEvent[]): Promise<void> {
    while (queue.length > 0) {
      await this.#deliver(key, queue[0]);
      queue.shift();
    }
    if (this.#queues.get(key) === queue) this.#queues.delete(key);
  }

  async #deliver(key: string, event: QueuedEvent): Promise<void> {
    for (let attempt = 1;; attempt++) {
      if (event.dropped) return;
      const outcome = await this.#attempt(event, attempt);
      if (outcome.error === null) {
        this.#failures.delete(key);
        return;
      }
      if (event.dropped) return;
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      const exhausted = failures >= this.#settings.deactivateAfterFailures;
      if (attempt >= this.#settings.maxAttempts || exhausted) {
        this.#listener.failed(event, outcome.error);
        if (exhausted) this.#listener.exhausted(event.webhookEntity, event.webhookId);
        return;
      }
      await this.#wait(event, attempt + 1);
    }
  }

  async #attempt(event: QueuedEvent, attempt: number): Promise<Outcome> {
    const bytes = ENCODER.encode(event.body);
    event.signature ??= await hookSignature(event.secretKey, bytes);
    const at = new Date();
    const outcome = await this.#post(event.url, bytes, { "X-Hook-Signature": event.signature });
    this.#log({
      kind: "event",
      webhookEntity: event.webhookEntity,
      webhookId: event.webhookId,
      url: event.url,
      body: bytes,
      text: event.body,
      signature: event.signature,
      sequenceNumber: event.sequenceNumber,
      attempt,
      ...outcome,
      at,
    });
    return outcome;
  }

  /** POSTs the bytes; anything but a 2xx within the timeout is a failure, worded like .NET's. */
  async #post(
    url: string,
    body: Uint8Array<ArrayBuffer>,
    headers: Record<string, string>,
  ): Promise<Outcome> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#settings.timeoutMs);
    this.#inFlight.add(controller);
    try {
      const response = await this.#settings.fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
        body,
        signal: controller.signal,
        redirect: "manual",
      });
      // The answer's body is never read: only the status counts.
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) {
        return { status: response.status, error: null };
      }
      return {
        status: response.status,
        error: `The remote server returned an error: (${response.status}) ${
          reasonPhrase(response.status, response.statusText)
        }.`,
      };
    } catch (error) {
      if (timedOut) return { status: 0, error: "The operation has timed out." };
      if (controller.signal.aborted) return { status: 0, error: "The request was aborted." };
      return {
        status: 0,
        error: `Unable to connect to the remote server: ${
          error instanceof Error ? error.message : String(error)
        }`,
      };
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
    }
  }

  #wait(event: QueuedEvent, nextAttempt: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    const delay = this.#settings.retryDelayMs;
    const wait: Wait = {
      event,
      nextAttempt,
      dueAt: new Date(Date.now() + delay),
      timer: setTimeout(() => this.#wake(wait), delay),
      resolve,
    };
    this.#waits.add(wait);
    return promise;
  }

  #wake(wait: Wait): void {
    clearTimeout(wait.timer);
    this.#waits.delete(wait);
    wait.resolve();
  }

  #log(entry: CalloutLogEntry): void {
    this.callouts.push(entry);
    const excess = this.callouts.length - this.#settings.logLimit;
    if (excess > 0) this.callouts.splice(0, excess);
  }
}
