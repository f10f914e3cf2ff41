/**
 * 2b. HTTP listener cost: the same MCP handler served by `node:http` (what HTTP mode uses, for its
 * connection deadlines) and by `Deno.serve`, both in the bench process over an in-process tenant,
 * so the only difference is the listener.
 */

import { createHttpHandler, type HttpConfig, serveHttp } from "../lib/http/mod.ts";
import { createServerFactory, SERVER_NAME, VERSION } from "../lib/mcp/server.ts";
import { loadHttpConfig } from "../lib/settings.ts";
import { createSandboxClient } from "../main.ts";
import { Sandbox } from "../lib/sandbox/mod.ts";
import { allTools, kit } from "../tools/mod.ts";
import { MCP_HEADERS } from "./http_process.ts";
import { type Row, type SectionResult, summaryRow } from "./report.ts";
import { MS, summarize } from "./stats.ts";

/** Options of {@linkcode httpListener}. */
export interface HttpListenerOptions {
  calls: number;
  progress(line: string): void;
}

const WARM_UP = 20;
const quiet = { error() {}, warn() {}, info() {}, debug() {} };

async function factory() {
  const client = await createSandboxClient({ sandbox: new Sandbox() });
  return createServerFactory({
    kit,
    client,
    tools: allTools(),
    sandbox: true,
    redact: (text) => text,
    log: () => {},
  });
}

/** One JSON-RPC request over keep-alive fetch, answer read to the end. */
async function roundTrip(origin: string, body: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${origin}/mcp`, { method: "POST", headers: MCP_HEADERS, body });
  const text = await response.text();
  if (response.status !== 200 || !text.includes('"result"')) {
    throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  return performance.now() - started;
}

/** `calls` round trips on each listener, interleaved; rows for both and their paired difference. */
async function compare(
  origins: { node: string; deno: string },
  label: string,
  body: string,
  calls: number,
): Promise<Row[]> {
  for (let i = 0; i < WARM_UP; i++) {
    await roundTrip(origins.node, body);
    await roundTrip(origins.deno, body);
  }
  const node: number[] = [];
  const deno: number[] = [];
  const differences: number[] = [];
  for (let i = 0; i < calls; i++) {
    const viaNode = await roundTrip(origins.node, body);
    const viaDeno = await roundTrip(origins.deno, body);
    node.push(viaNode);
    deno.push(viaDeno);
    differences.push(viaNode - viaDeno);
  }
  return [
    summaryRow(2, `${label} over Streamable HTTP, \`node:http\` listener (HTTP mode)`, {
      summary: summarize(node),
      unit: MS,
      notes: "fetch with keep-alive, answer read to the end",
    }),
    summaryRow(2, `${label} over Streamable HTTP, \`Deno.serve\` with the same handler`, {
      summary: summarize(deno),
      unit: MS,
    }),
    summaryRow(2, `${label}: what \`node:http\` adds (paired difference)`, {
      summary: summarize(differences),
      unit: MS,
      notes: "the price of header, request and idle deadlines",
    }),
  ];
}

/** `ping` (transport only) and `search_tickets` (25 tickets) through both listeners. */
export async function httpListener(options: HttpListenerOptions): Promise<SectionResult> {
  const config: HttpConfig = loadHttpConfig("http", (name) => name === "PORT" ? "0" : undefined);
  config.rateLimitPerMinute = 0;
  const options_ = {
    server: { name: SERVER_NAME, version: VERSION },
    log: quiet,
    redact: (text: string) => text,
  };
  const viaNode = await serveHttp(await factory(), config, options_);
  const handler = createHttpHandler(await factory(), config, options_);
  const viaDeno = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler.fetch);
  const origins = { node: viaNode.origin, deno: `http://127.0.0.1:${viaDeno.addr.port}` };
  try {
    const rows = await compare(
      origins,
      "`ping`",
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      options.calls,
    );
    options.progress(`HTTP listeners: ${options.calls} pings on each`);
    rows.push(
      ...await compare(
        origins,
        "`search_tickets` (25)",
        JSON.stringify({
          jsonrpc: "2.0",
          id: 2,
          method: "tools/call",
          params: { name: "search_tickets", arguments: { limit: 25 } },
        }),
        options.calls,
      ),
    );
    options.progress(`HTTP listeners: ${options.calls} search_tickets calls on each`);
    return { rows };
  } finally {
    await viaNode.shutdown(1_000);
    await viaDeno.shutdown();
    await handler.close();
  }
}
