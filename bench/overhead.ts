/**
 * 2. Per-call overhead: a tool call through MCP (stdio, spawned server) against the identical
 * Autotask request made by the client library alone; the difference is the server's own cost.
 * Then the same call to a spawned server in HTTP mode against the stdio server: what HTTP adds.
 */

import type { AutotaskClient } from "../lib/autotask/client.ts";
import type { Filter } from "../lib/autotask/query.ts";
import type { ServedSandbox } from "../lib/sandbox/mod.ts";
import { HttpServerProcess, MCP_HEADERS, messageText } from "./http_process.ts";
import { RawHttpClient } from "./raw_http.ts";
import { type Row, type SectionResult, summaryRow } from "./report.ts";
import { type ServerProcess, startServer } from "./server_process.ts";
import { fmt, MS, summarize } from "./stats.ts";
import { libraryClient, serverEnv, serverFlags } from "./tenant.ts";

/** Options of {@linkcode perCallOverhead}. */
export interface OverheadOptions {
  calls: number;
  /** Paired calls per transport comparison (more: its difference is small beside the spread). */
  transportCalls: number;
  progress(line: string): void;
}

/** Calls before timing starts: fills the caches (picklists, names, budget) on both paths. */
const WARM_UP = 20;

/** The query body a tool sent, as the tenant logged it. */
interface LoggedQuery {
  filter: Filter[];
  IncludeFields?: string[];
  MaxRecords?: number;
}

function lastQuery(tenant: ServedSandbox, entity: string): LoggedQuery {
  const entry = tenant.sandbox.log.findLast((e) =>
    e.method === "POST" && e.entity === entity && /\/query$/i.test(e.path)
  );
  if (!entry) throw new Error(`The tool sent no ${entity} query: adapt bench/overhead.ts`);
  return entry.body as LoggedQuery;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** The paths to the same tenant. */
interface Paths {
  tenant: ServedSandbox;
  server: ServerProcess;
  library: AutotaskClient;
  http: HttpServerProcess;
}

/** What HTTP mode may add to a tool call over stdio (issue 19). */
const HTTP_BUDGET_MS = 0.5;

/** A tool call and the entity its one Autotask query reads. */
interface Probe {
  name: string;
  args: Record<string, unknown>;
  entity: string;
}

async function compare(paths: Paths, tool: Probe, options: OverheadOptions): Promise<Row[]> {
  const { tenant, server, library } = paths;
  const callTool = () => server.callOk(tool.name, tool.args);
  for (let i = 0; i < WARM_UP; i++) await callTool();
  const query = lastQuery(tenant, tool.entity);
  const callLibrary = () =>
    library.query(tool.entity, {
      filter: query.filter,
      includeFields: query.IncludeFields,
      maxRecords: query.MaxRecords,
    });
  for (let i = 0; i < WARM_UP; i++) await callLibrary();

  const viaMcp: number[] = [];
  const viaLibrary: number[] = [];
  const differences: number[] = [];
  tenant.sandbox.resetStats();
  const libraryBefore = library.stats().requests;
  // Interleaved, so both paths see the same machine state.
  for (let i = 0; i < options.calls; i++) {
    const mcp = await timed(callTool);
    const lib = await timed(callLibrary);
    viaMcp.push(mcp);
    viaLibrary.push(lib);
    differences.push(mcp - lib);
  }
  const libraryRequests = library.stats().requests - libraryBefore;
  const mcpRequests = tenant.sandbox.log.length - libraryRequests;
  options.progress(`${tool.name}: ${options.calls} calls on each path`);
  const perCall = (n: number) => fmt(n / options.calls, 2);
  const { bytes } = await server.callTool(tool.name, tool.args);
  return [
    summaryRow(2, `\`${tool.name}\` through MCP (stdio, spawned server)`, {
      summary: summarize(viaMcp),
      unit: MS,
      notes: `${perCall(mcpRequests)} Autotask requests per call; answer ${fmt(bytes)} B`,
    }),
    summaryRow(2, `\`${tool.name}\`: the same Autotask request by \`AutotaskClient\` alone`, {
      summary: summarize(viaLibrary),
      unit: MS,
      notes: `${perCall(libraryRequests)} Autotask requests per call`,
    }),
    summaryRow(2, `\`${tool.name}\`: the server's own cost (MCP − library, paired)`, {
      summary: summarize(differences),
      unit: MS,
      notes: "validation, labels and names from cache, shaping, JSON-RPC over pipes",
    }),
  ];
}

/**
 * The same tool call to the stdio server and to the HTTP-mode server, interleaved and paired:
 * over HTTP once with a minimal keep-alive client (what the server adds) and once with Deno's
 * `fetch` (what a fetch-based client adds of its own on top).
 */
async function compareTransports(
  paths: Paths,
  tool: Probe,
  options: OverheadOptions,
): Promise<Row[]> {
  const { server, http } = paths;
  const raw = await RawHttpClient.connect(http.origin);
  try {
    let id = 1;
    const viaStdio = () => server.callOk(tool.name, tool.args);
    const viaRaw = async () => {
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id: id++,
        method: "tools/call",
        params: { name: tool.name, arguments: tool.args },
      });
      const answer = await raw.post("/mcp", MCP_HEADERS, body);
      const message = JSON.parse(messageText(answer.body) ?? "{}");
      if (answer.status !== 200 || message.result?.isError !== undefined) {
        throw new Error(`${tool.name} failed over HTTP: ${answer.body.slice(0, 300)}`);
      }
    };
    const viaFetch = async () => {
      const { result } = await http.callTool(tool.name, tool.args);
      if (result.isError) {
        throw new Error(`${tool.name} failed over HTTP: ${result.content[0]?.text}`);
      }
    };
    for (let i = 0; i < WARM_UP; i++) {
      await viaStdio();
      await viaRaw();
      await viaFetch();
    }
    const overHttp: number[] = [];
    const added: number[] = [];
    const addedWithFetch: number[] = [];
    for (let i = 0; i < options.transportCalls; i++) {
      const before = await timed(viaStdio);
      const httpMs = await timed(viaRaw);
      overHttp.push(httpMs);
      added.push(httpMs - before);
      const beforeFetch = await timed(viaStdio);
      addedWithFetch.push(await timed(viaFetch) - beforeFetch);
    }
    options.progress(
      `${tool.name}: ${options.transportCalls} calls over HTTP (two clients) and stdio`,
    );
    const serverShare = summarize(added);
    return [
      summaryRow(
        2,
        `\`${tool.name}\` through MCP over Streamable HTTP (spawned \`--http\` server)`,
        {
          summary: summarize(overHttp),
          unit: MS,
          notes: "stateless 2025-11-25 POSTs to /mcp on one keep-alive connection, answer read " +
            "to the end, by a minimal HTTP/1.1 client (bench/raw_http.ts)",
        },
      ),
      summaryRow(2, `\`${tool.name}\`: what HTTP mode adds over stdio (HTTP − stdio, paired)`, {
        summary: serverShare,
        unit: MS,
        notes:
          `budget ${HTTP_BUDGET_MS} ms: ${
            serverShare.median <= HTTP_BUDGET_MS ? "within" : "OVER"
          }; node:http parsing and the web Request/Response around it, the gates, the request ` +
          "log line, one JSON answer on the policy's shared connection, TCP instead of pipes",
      }),
      summaryRow(2, `\`${tool.name}\`: the same with Deno's \`fetch\` as the HTTP client`, {
        summary: summarize(addedWithFetch),
        unit: MS,
        notes: "HTTP − stdio, paired: the server's share as above plus the client's own " +
          "(a fetch-based MCP client pays its fetch, as a stdio client pays its pipes)",
      }),
    ];
  } finally {
    raw.close();
  }
}

/** get_ticket and search_tickets, each `calls` times on every path. */
export async function perCallOverhead(
  tenant: ServedSandbox,
  options: OverheadOptions,
): Promise<SectionResult> {
  const spawn = { flags: await serverFlags(), env: serverEnv(tenant) };
  const server = await startServer(spawn);
  const http = await HttpServerProcess.start(spawn);
  const paths: Paths = { tenant, server, library: libraryClient(tenant), http };
  try {
    const ticket = tenant.sandbox.records("Tickets")[0];
    const getTicket = { name: "get_ticket", args: { id: ticket.id }, entity: "Tickets" };
    const searchTickets = {
      name: "search_tickets",
      args: { openOnly: true, limit: 25 },
      entity: "Tickets",
    };
    return {
      rows: [
        ...await compare(paths, getTicket, options),
        ...await compare(paths, searchTickets, options),
        ...await compareTransports(paths, getTicket, options),
        ...await compareTransports(paths, searchTickets, options),
      ],
    };
  } finally {
    await server.close();
    await http.close();
  }
}
