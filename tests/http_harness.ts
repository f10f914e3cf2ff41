/** HTTP test harness: the server spawned in HTTP mode, MCP clients over HTTP, raw requests. */

import type { EnvVar } from "../lib/autotask/mod.ts";
import {
  type ConnectionLimits,
  type HttpConfig,
  type HttpTransport,
  serveHttp,
} from "../lib/http/mod.ts";
import { createServerFactory, SERVER_NAME, VERSION } from "../lib/mcp/server.ts";
import { loadHttpConfig } from "../lib/settings.ts";
import { createSandboxClient } from "../main.ts";
import type { Sandbox } from "../lib/sandbox/mod.ts";
import { allTools, kit } from "../tools/mod.ts";
import { childEnv } from "../scripts/child_env.ts";
import { newToken, userEntryFor } from "../lib/http/auth_tokens.ts";
import { Client, SSEClientTransport, StreamableHTTPClientTransport } from "./deps.ts";
import { productionFlagsPlusLoopback } from "./harness.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** A server process listening over HTTP. */
export interface HttpServerProcess {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** What the server wrote to stderr so far. */
  stderr(): string;
  /** Sends `signal` and waits for the exit; returns the exit code and the whole stderr. */
  stop(signal?: Deno.Signal): Promise<{ code: number; stderr: string }>;
}

/** Options for {@linkcode startHttpServer}. */
export interface StartOptions {
  env?: Record<string, string>;
  /** Permission flags; default: the production set plus loopback (listen and tenant). */
  flags?: string[];
  /** Arguments after main.ts; default `--http`. */
  args?: string[];
}

const LISTENING = /serving MCP over Streamable HTTP at (http:\/\/[^\s/]+)\/mcp/;

/** Spawns `deno run <flags> main.ts --http` on a free port and waits until it listens. */
export async function startHttpServer(options: StartOptions = {}): Promise<HttpServerProcess> {
  const flags = options.flags ?? await productionFlagsPlusLoopback();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, `${ROOT}main.ts`, ...(options.args ?? ["--http"])],
    env: { ...childEnv(), PORT: "0", ...options.env },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    cwd: ROOT,
  }).spawn();
  let stderr = "";
  const listening = Promise.withResolvers<string>();
  const decoder = new TextDecoder();
  const pump = (async () => {
    for await (const chunk of child.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
      const match = LISTENING.exec(stderr);
      if (match) listening.resolve(match[1]);
    }
  })();
  child.stdout.pipeTo(new WritableStream()).catch(() => {});
  const timeout = setTimeout(
    () => listening.reject(new Error("no listening line in 20 s")),
    20_000,
  );
  child.status.then((status) => {
    listening.reject(new Error(`server exited with code ${status.code}`));
  });
  let origin: string;
  try {
    origin = await listening.promise;
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await pump.catch(() => {});
    throw new Error(`server did not start: ${(error as Error).message}\nstderr:\n${stderr}`);
  } finally {
    clearTimeout(timeout);
  }
  let stopped: Promise<{ code: number; stderr: string }> | undefined;
  return {
    origin,
    stderr: () => stderr,
    stop(signal: Deno.Signal = "SIGTERM") {
      stopped ??= (async () => {
        try {
          child.kill(signal);
        } catch {
          // already exited
        }
        const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
        const status = await child.status;
        clearTimeout(kill);
        await pump.catch(() => {});
        return { code: status.code, stderr };
      })();
      return stopped;
    },
  };
}

/** Options for {@linkcode connectHttp}. */
export interface HttpConnectOptions {
  /** "legacy" = 2025-11-25 initialize; "modern" = pinned 2026-07-28. */
  era?: "legacy" | "modern";
  token?: string;
  /** Use the deprecated HTTP+SSE client against `/sse` instead of Streamable HTTP at `/mcp`. */
  legacySse?: boolean;
}

/** Connects the official MCP client to a server over HTTP. */
export async function connectHttp(
  origin: string,
  options: HttpConnectOptions = {},
): Promise<Client> {
  const token = options.token;
  const authProvider = token !== undefined ? { token: () => Promise.resolve(token) } : undefined;
  const transport = options.legacySse
    ? new SSEClientTransport(new URL(`${origin}/sse`), { authProvider })
    : new StreamableHTTPClientTransport(new URL(`${origin}/mcp`), { authProvider });
  const client = new Client(
    { name: "autotask-mcp-tests", version: "0.0.0" },
    options.era === "modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
  );
  await client.connect(transport);
  return client;
}

/** A response read off a raw HTTP/1.1 exchange. */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * Sends one HTTP/1.1 request over a plain socket: unlike fetch, it can set
 * `Host` (DNS rebinding tests) and declare any Content-Length.
 */
export async function rawRequest(
  origin: string,
  request: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const url = new URL(origin);
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  try {
    const body = request.body ?? "";
    const headers: Record<string, string> = {
      host: url.host,
      connection: "close",
      ...(request.body !== undefined
        ? { "content-length": String(new TextEncoder().encode(body).byteLength) }
        : {}),
      ...request.headers,
    };
    const head = `${request.method ?? "GET"} ${request.path ?? "/"} HTTP/1.1\r\n` +
      Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
    await conn.write(new TextEncoder().encode(head + body));
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(16 * 1024);
    while (true) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(
      chunks.reduce((all, c) => {
        const out = new Uint8Array(all.length + c.length);
        out.set(all);
        out.set(c, all.length);
        return out;
      }, new Uint8Array()),
    );
    const [headText, ...rest] = text.split("\r\n\r\n");
    const [statusLine, ...headerLines] = headText.split("\r\n");
    const responseHeaders = new Headers();
    for (const line of headerLines) {
      const i = line.indexOf(":");
      if (i > 0) responseHeaders.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
    return {
      status: Number(statusLine.split(" ")[1]),
      headers: responseHeaders,
      body: rest.join("\r\n\r\n"),
    };
  } finally {
    try {
      conn.close();
    } catch {
      // closed by the server
    }
  }
}

export type Env = Partial<Record<EnvVar, string>>;

export function reader(env: Env) {
  return (name: EnvVar) => env[name];
}

/** The HTTP server in this process on a free port, over the in-process sandbox. */
export async function serveInProcess(
  env: Env,
  options: {
    transport?: HttpTransport;
    tweak?(config: HttpConfig): void;
    limits?: ConnectionLimits;
    sandbox?: Sandbox;
  } = {},
) {
  const config = loadHttpConfig(options.transport ?? "http", reader({ PORT: "0", ...env }));
  if (options.limits) config.limits = options.limits;
  options.tweak?.(config);
  const lines: string[] = [];
  const log = {
    error: (l: string) => lines.push(`error ${l}`),
    warn: (l: string) => lines.push(`warn ${l}`),
    info: (l: string) => lines.push(`info ${l}`),
    debug: (l: string) => lines.push(`debug ${l}`),
  };
  const factory = createServerFactory({
    kit,
    client: await createSandboxClient({ sandbox: options.sandbox }),
    tools: allTools(),
    sandbox: true,
    redact: (text) => text,
    log: log.info,
  });
  const server = await serveHttp(factory, config, {
    longLived: factory.longLived,
    server: { name: SERVER_NAME, version: VERSION },
    log,
    redact: (text) => text,
  });
  return {
    origin: server.origin,
    lines,
    close: () => server.shutdown(2000),
  };
}

/** The JSON-RPC initialize request of a 2025-11-25 client. */
export const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-11-25",
    capabilities: {},
    clientInfo: { name: "autotask-mcp-tests", version: "0.0.0" },
  },
});

/** Headers of an MCP POST. */
export const MCP_POST_HEADERS: Record<string, string> = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

/** Seeded resources of the simulated tenant that two signed-in users act as. */
export const ALEX = 29682886;
export const SAM = 29682889;

/**
 * A team server: Alice (acting as resource {@linkcode ALEX}) and Bob (as {@linkcode SAM}) signed
 * in with static per-user tokens (MCP_USERS), over `env` (the tenant's, plus any settings).
 */
export async function startTeamServer(
  env: Record<string, string>,
  options: { args?: string[] } = {},
): Promise<{ server: HttpServerProcess; tokens: { alice: string; bob: string } }> {
  const tokens = { alice: newToken(), bob: newToken() };
  const server = await startHttpServer({
    env: {
      ...env,
      MCP_USERS: [
        `${await userEntryFor("alice@msp.example", tokens.alice)} resource=${ALEX}`,
        `${await userEntryFor("bob@msp.example", tokens.bob)} resource=${SAM}`,
      ].join("; "),
    },
    flags: await productionFlagsPlusLoopback(),
    ...(options.args ? { args: options.args } : {}),
  });
  return { server, tokens };
}
