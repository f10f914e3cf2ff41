/**
 * Smoke test of a built server, with no MCP client library: `--version`, `doctor --sandbox`,
 * then initialize, tools/list and one tool call over stdio in sandbox mode.
 *
 * Usage: deno task smoke dist/autotask-mcp-x86_64-unknown-linux-gnu
 *        deno task smoke deno run <flags> main.ts      (any command that starts the server)
 */

import denoConfig from "../deno.json" with { type: "json" };

const VERSION: string = denoConfig.version;
const PROTOCOL = "2025-11-25";

/** What the smoke test saw. */
export interface SmokeResult {
  version: string;
  tools: number;
  companies: number;
}

/** The environment an MCP host gives a stdio server: a few basics, nothing of ours. */
function hostEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "USERPROFILE", "SystemRoot", "TEMP", "TMP", "DENO_DIR"]) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  return env;
}

async function runOnce(command: string[], args: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command(command[0], {
    args: [...command.slice(1), ...args],
    env: hostEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
}

/** A JSON-RPC answer, as far as the smoke test reads it. */
interface RpcMessage {
  id?: number | string;
  error?: { message: string };
  result?: {
    serverInfo?: { name?: string; version?: string };
    tools?: { name: string }[];
    isError?: boolean;
    structuredContent?: { items?: unknown[] };
  };
}

/** Reads newline-delimited JSON-RPC messages from the server's stdout. */
async function* messages(stream: ReadableStream<Uint8Array>): AsyncGenerator<RpcMessage> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) yield JSON.parse(line);
    }
  }
}

/** Runs the checks; throws with what went wrong. */
export async function smoke(command: string[], timeoutMs = 60_000): Promise<SmokeResult> {
  const version = await runOnce(command, ["--version"]);
  const printed = new TextDecoder().decode(version.stdout).trim();
  if (version.code !== 0 || printed !== `autotask-mcp ${VERSION}`) {
    throw new Error(`--version printed "${printed}" (exit ${version.code}), expected ${VERSION}`);
  }
  const doctor = await runOnce(command, ["doctor", "--sandbox"]);
  if (doctor.code !== 0) {
    throw new Error(`doctor --sandbox failed:\n${new TextDecoder().decode(doctor.stdout)}`);
  }

  const child = new Deno.Command(command[0], {
    args: [...command.slice(1), "--sandbox"],
    env: hostEnv(),
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const kill = () => {
    try {
      child.kill();
    } catch {
      // Already exited.
    }
  };
  const stderr = new Response(child.stderr).text();
  const writer = child.stdin.getWriter();
  const send = (message: unknown) =>
    writer.write(new TextEncoder().encode(JSON.stringify(message) + "\n"));
  const timer = setTimeout(kill, timeoutMs);
  try {
    await send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: PROTOCOL,
        capabilities: {},
        clientInfo: { name: "autotask-mcp-smoke", version: VERSION },
      },
    });
    const answers = new Map<number, RpcMessage>();
    for await (const message of messages(child.stdout)) {
      if (typeof message.id !== "number") continue;
      answers.set(message.id, message);
      if (message.error) throw new Error(`request ${message.id} failed: ${message.error.message}`);
      if (message.id === 1) {
        await send({ jsonrpc: "2.0", method: "notifications/initialized" });
        await send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
      } else if (message.id === 2) {
        await send({
          jsonrpc: "2.0",
          id: 3,
          method: "tools/call",
          params: { name: "search_companies", arguments: { query: "Tech" } },
        });
      } else if (message.id === 3) break;
    }
    const info = answers.get(1)?.result?.serverInfo;
    if (info?.name !== "autotask-mcp" || info?.version !== VERSION) {
      throw new Error(`initialize answered serverInfo ${JSON.stringify(info)}`);
    }
    const tools = answers.get(2)?.result?.tools ?? [];
    if (!tools.some((tool) => tool.name === "get_ticket")) {
      throw new Error(`tools/list holds ${tools.length} tools and no get_ticket`);
    }
    const call = answers.get(3)?.result;
    const items = call?.structuredContent?.items;
    if (call === undefined || call.isError || !Array.isArray(items) || items.length === 0) {
      throw new Error(`search_companies answered ${JSON.stringify(call)?.slice(0, 500)}`);
    }
    return { version: VERSION, tools: tools.length, companies: items.length };
  } catch (error) {
    kill();
    throw new Error(`${(error as Error).message}\nserver stderr:\n${await stderr}`);
  } finally {
    clearTimeout(timer);
    await writer.close().catch(() => {});
    // Closing stdin ends a stdio server; make sure it is gone either way.
    const grace = setTimeout(kill, 5_000);
    await child.status;
    clearTimeout(grace);
    await stderr.catch(() => {});
  }
}

if (import.meta.main) {
  const command = Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args;
  if (command.length === 0) {
    console.error(
      "Usage: deno task smoke <binary> | deno task smoke <command that starts the server>",
    );
    Deno.exit(2);
  }
  try {
    const result = await smoke(command);
    console.log(
      `smoke test passed: ${command.join(" ")} is autotask-mcp ${result.version}; ` +
        `--version, doctor --sandbox, initialize, tools/list (${result.tools} tools) and ` +
        `search_companies (${result.companies} companies) over stdio`,
    );
  } catch (error) {
    console.error(`smoke test failed: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
