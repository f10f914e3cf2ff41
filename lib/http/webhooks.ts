/** The inbound end of Autotask's webhooks in HTTP mode: the signature over the raw bytes first, 200 at once, then processing. */

import {
  type Callout,
  importHookKey,
  parseCallout,
  verifyHookSignature,
} from "../autotask/webhooks.ts";
import { bodyError, readBodyCapped, type RpcNote } from "./guard.ts";

/** Where Autotask posts signed callouts (the public URL a webhook is created with ends here). */
export const WEBHOOK_PATH = "/webhooks/autotask";
/** Where Autotask posts its unsigned notice when a webhook is deactivated or deleted. */
export const DEACTIVATION_PATH = `${WEBHOOK_PATH}/deactivated`;

/** What the endpoint hands on once a request is accepted. */
export interface WebhookReceiver {
  /** A callout whose signature verified (called after the answer went out). */
  callout(callout: Callout): void;
  /** A deactivation notice, parsed but unverified: Autotask does not sign it. */
  deactivation(body: unknown): void;
}

/** Options of {@linkcode WebhookEndpoint}. */
export interface WebhookEndpointOptions {
  /** `AUTOTASK_WEBHOOK_SECRET`: the `secretKey` of the webhooks that call this server. */
  secret: string;
  receiver: WebhookReceiver;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  log: { warn(line: string): void; debug(line: string): void };
}

function answer(status: number, body: Record<string, string>, headers?: HeadersInit): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

/**
 * `POST /webhooks/autotask` and `POST /webhooks/autotask/deactivated`. Needs no MCP token
 * (Autotask cannot send one): a callout is taken only when `X-Hook-Signature` signs its raw
 * bytes with the shared secret, checked before anything parses them; a missing or wrong
 * signature is a 401 and nothing is recorded. Accepted requests are answered 200 at once
 * (Autotask retries what is not answered within 10 s) and processed afterwards.
 */
export class WebhookEndpoint {
  readonly #key: Promise<CryptoKey>;
  readonly #options: WebhookEndpointOptions;
  readonly #decoder = new TextDecoder();
  #pending = 0;
  #drained = Promise.withResolvers<void>();

  constructor(options: WebhookEndpointOptions) {
    this.#options = options;
    this.#key = importHookKey(options.secret);
  }

  /** Whether `path` is one of the endpoint's (everything else under /webhooks/ is a 404). */
  handles(path: string): boolean {
    return path === WEBHOOK_PATH || path === DEACTIVATION_PATH;
  }

  /** Answers one request to {@linkcode WEBHOOK_PATH} or {@linkcode DEACTIVATION_PATH}. */
  async handle(request: Request, note: RpcNote): Promise<Response> {
    if (request.method !== "POST") {
      return answer(405, { error: "Method Not Allowed: Autotask posts callouts" }, {
        allow: "POST",
      });
    }
    const read = await readBodyCapped(
      request,
      this.#options.maxBodyBytes,
      this.#options.bodyTimeoutMs,
    );
    if (!read.ok) return bodyError(read.status, this.#options.maxBodyBytes);
    const path = new URL(request.url).pathname;
    if (path === DEACTIVATION_PATH) {
      note.rpc = "webhook-deactivation";
      this.#later(() => this.#options.receiver.deactivation(this.#json(read.bytes)));
      return answer(200, { status: "received" });
    }
    const signature = request.headers.get("x-hook-signature");
    if (!await verifyHookSignature(await this.#key, read.bytes, signature)) {
      note.refused = "signature";
      return answer(401, {
        error: "Unauthorized: X-Hook-Signature is missing or does not sign this body with the " +
          "webhook's secret key",
      });
    }
    note.rpc = "webhook";
    this.#later(() => this.#accept(read.bytes));
    return answer(200, { status: "accepted" });
  }

  /** Resolves once every accepted request has been handed on. */
  idle(): Promise<void> {
    return this.#pending === 0 ? Promise.resolve() : this.#drained.promise;
  }

  #accept(bytes: Uint8Array): void {
    const body = this.#json(bytes);
    if (body === undefined) return;
    const callout = parseCallout(body);
    if (typeof callout === "string") {
      this.#options.log.warn(`webhook: signed callout ignored: ${callout}`);
      return;
    }
    this.#options.receiver.callout(callout);
  }

  #json(bytes: Uint8Array): unknown {
    try {
      return JSON.parse(this.#decoder.decode(bytes));
    } catch {
      this.#options.log.warn("webhook: body is not JSON: ignored");
      return undefined;
    }
  }

  /** Runs `work` after the answer is on its way. */
  #later(work: () => void): void {
    this.#pending++;
    setTimeout(() => {
      try {
        work();
      } catch (error) {
        this.#options.log.warn(`webhook: ${(error as Error)?.message ?? error}`);
      } finally {
        if (--this.#pending === 0) {
          this.#drained.resolve();
          this.#drained = Promise.withResolvers<void>();
        }
      }
    }, 0);
  }
}
