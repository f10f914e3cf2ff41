/** Serves a Sandbox over real HTTP on 127.0.0.1 with Deno.serve. */

import { DroppedConnection } from "./faults.ts";
import { Sandbox } from "./sandbox.ts";
import type { SandboxOptions } from "./types.ts";

/** A sandbox listening on 127.0.0.1. */
export interface ServedSandbox {
  sandbox: Sandbox;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** `origin + "/ATServicesRest/"`, like the zone's `url`: append `V1.0/`. */
  restBase: string;
  /** `origin + "/atservicesrest/v1.0/zoneInformation"` (add `?user=`). */
  zoneDiscoveryUrl: string;
  /** Stops webhook deliveries, then stops listening and waits for open requests to finish. */
  close(): Promise<void>;
}

/**
 * A connection that fails mid-response. Deno.serve always sends a status line,
 * so a drop is the body stream erroring: the server aborts the connection and
 * the client's fetch (or its body read) rejects with a network error.
 */
function droppedResponse(): Response {
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.error(new DroppedConnection());
    },
  });
  return new Response(body, { status: 200, headers: { "content-type": "application/json" } });
}

/**
 * Starts a sandbox on `http://127.0.0.1:PORT` (port 0 = ephemeral). Needs
 * `--allow-net=127.0.0.1` only.
 */
export async function serveSandbox(
  options: SandboxOptions & { port?: number } = {},
): Promise<ServedSandbox> {
  const sandbox = new Sandbox(options);
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen: (addr) => listening.resolve(addr),
    // A drop fault is the intended failure of a response body: not worth a stack trace in the
    // test output (Deno.serve's default prints every error), where it would look like a bug.
    onError: (error) => {
      if (!(error instanceof DroppedConnection)) console.error(error);
      return new Response(null, { status: 500 });
    },
  }, async (request) => {
    try {
      return await sandbox.handle(request);
    } catch (error) {
      if (error instanceof DroppedConnection) return droppedResponse();
      // The client went away (a cancelled request): nobody reads this answer.
      if (request.signal.aborted) return new Response(null, { status: 499 });
      throw error;
    }
  });
  const addr = await listening.promise;
  const origin = `http://127.0.0.1:${addr.port}`;
  let closed: Promise<void> | null = null;
  return {
    sandbox,
    origin,
    restBase: `${origin}/ATServicesRest/`,
    zoneDiscoveryUrl: `${origin}/atservicesrest/v1.0/zoneInformation`,
    close(): Promise<void> {
      // Callouts first: a retry waiting on a timer would outlive the server.
      closed ??= sandbox.webhooks.close().then(() => server.shutdown());
      return closed;
    },
  };
}
