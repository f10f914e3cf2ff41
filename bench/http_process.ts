/**
 * The server in HTTP mode as users run it: `deno run <production flags + loopback> main.ts
 * --http`, spawned here and spoken to with keep-alive `fetch` (Streamable HTTP, stateless
 * 2025-11-25 requests), so the bench can read its memory like the stdio server's.
 */

import {
  type ProcessMemory,
  processMemory,
  type SpawnOptions,
  type ToolResult,
} from "./server_process.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const LISTENING = /serving MCP over Streamable HTTP at (http:\/\/[^\s/]+)\/mcp/;
/** Headers of a stateless 2025-11-25 JSON-RPC POST to /mcp. */
export const MCP_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-11-25",
};
const START_TIMEOUT_MS = 20_000;

/**
 * The JSON-RPC message of a Streamable HTTP answer: the body itself when it is JSON, else the data
 * line of its one event; undefined when there is neither.
 */
export function messageText(body: string): string | undefined {
  return body.startsWith("{") ? body : /^data: (.*)$/m.exec(body)?.[1];
}
const EXIT_GRACE_MS = 5_000;

/** A spawned HTTP-mode server and a minimal JSON-RPC client over fetch. */
export class HttpServerProcess {
  readonly pid: number;
  readonly origin: string;
  readonly #child: Deno.ChildProcess;
  #nextId = 1;

  private constructor(child: Deno.ChildProcess, origin: string) {
    this.#child = child;
    this.pid = child.pid;
    this.origin = origin;
  }

  /** Spawns `main.ts --http` on a free port (PORT=0) and waits for its listening line. */
  static async start(options: SpawnOptions): Promise<HttpServerProcess> {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...options.flags, `${ROOT}main.ts`, "--http"],
      env: { ...options.env, PORT: "0", MCP_RATE_LIMIT: "0" },
      cwd: ROOT,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let stderr = "";
    const listening = Promise.withResolvers<string>();
    const timer = setTimeout(
      () => listening.reject(new Error(`no listening line in ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    // Read stderr to the end (one line per request), keeping only the start.
    (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        if (stderr.length < 20_000) stderr += chunk;
        const match = LISTENING.exec(stderr);
        if (match) listening.resolve(match[1]);
      }
      listening.reject(new Error(`the HTTP server exited; its stderr:\n${stderr}`));
    })();
    try {
      return new HttpServerProcess(child, await listening.promise);
    } catch (error) {
      child.kill("SIGKILL");
      await child.status;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Calls a tool with one POST; the answer's `result` is the tool result. */
  async callTool(
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ result: ToolResult; bytes: number }> {
    const id = this.#nextId++;
    const response = await fetch(`${this.origin}/mcp`, {
      method: "POST",
      headers: MCP_HEADERS,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name, arguments: args },
      }),
    });
    const text = await response.text();
    const json = messageText(text);
    const message = json ? JSON.parse(json) : undefined;
    if (!message?.result) {
      throw new Error(`HTTP ${response.status} for ${name}: ${text.slice(0, 300)}`);
    }
    return { result: message.result as ToolResult, bytes: json!.length };
  }

  /** The server's memory now. */
  memory(): Promise<ProcessMemory> {
    return processMemory(this.pid);
  }

  /** SIGTERM (graceful shutdown), then SIGKILL if it lingers. */
  async close(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, EXIT_GRACE_MS);
    await this.#child.status;
    clearTimeout(timer);
  }
}
