/**
 * The server as users run it: `deno run <production flags + loopback> main.ts`, spawned here and
 * spoken to in newline-delimited JSON-RPC over its stdin and stdout, so the bench knows its pid
 * (for /proc) and the exact bytes of every answer.
 */

const ROOT = new URL("..", import.meta.url).pathname;
/** The protocol revision most clients speak (initialize handshake). */
const PROTOCOL_VERSION = "2025-11-25";
/** Kept of the server's stderr, for error messages. */
const STDERR_LIMIT = 20_000;
/** How long a server gets to exit after its stdin closes before it is killed. */
const EXIT_GRACE_MS = 2_000;

/** A JSON-RPC answer and its size on the wire (without the newline). */
export interface Answer {
  result: Record<string, unknown>;
  bytes: number;
}

/** A `tools/call` result as the server sends it. */
export interface ToolResult {
  content: { type: string; text?: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** Options of {@linkcode ServerProcess.spawn}. */
export interface SpawnOptions {
  flags: string[];
  env: Record<string, string>;
}

/** Memory of a process as the kernel reports it, in KiB. */
export interface ProcessMemory {
  /** Resident set size now (VmRSS). */
  rssKib: number;
  /** Peak resident set size (VmHWM); undefined where /proc is not available. */
  peakKib?: number;
}

interface Pending {
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

/** A spawned server with a minimal JSON-RPC client on its pipes. */
export class ServerProcess {
  readonly pid: number;
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pending = new Map<number, Pending>();
  readonly #encoder = new TextEncoder();
  readonly #decoder = new TextDecoder();
  #nextId = 1;
  #stderr = "";
  #exited = false;
  #initialized: Record<string, unknown> | undefined;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.pid = child.pid;
    this.#stdin = child.stdin.getWriter();
    this.#readAnswers();
    this.#readStderr();
    child.status.then(() => {
      this.#exited = true;
      this.#failAll(new Error(`The server exited; its stderr:\n${this.#stderr}`));
    });
  }

  /** Spawns the server; it is not initialized yet (see {@linkcode initialize}). */
  static spawn(options: SpawnOptions): ServerProcess {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...options.flags, `${ROOT}main.ts`],
      env: options.env,
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new ServerProcess(child);
  }

  /** The 2025-11-25 handshake; returns the initialize result. */
  async initialize(): Promise<Answer> {
    const answer = await this.request("initialize", {
      protocolVersion: PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: "autotask-mcp-bench", version: "0.0.0" },
    });
    await this.#send({ jsonrpc: "2.0", method: "notifications/initialized" });
    this.#initialized = answer.result;
    return answer;
  }

  /** The server's instructions from the initialize result ("" before the handshake). */
  instructions(): string {
    return String(this.#initialized?.instructions ?? "");
  }

  /** Sends one request and waits for its answer. */
  request(method: string, params: Record<string, unknown> = {}): Promise<Answer> {
    const id = this.#nextId++;
    const answer = new Promise<Answer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    this.#send({ jsonrpc: "2.0", id, method, params }).catch((error) => {
      this.#pending.get(id)?.reject(error);
      this.#pending.delete(id);
    });
    return answer;
  }

  /** Calls a tool; the answer's `result` is the tool result. */
  async callTool(
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ result: ToolResult; bytes: number }> {
    const answer = await this.request("tools/call", { name, arguments: args });
    return { result: answer.result as unknown as ToolResult, bytes: answer.bytes };
  }

  /** Calls a tool and returns its structured content, throwing on an error result. */
  async callOk(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { result } = await this.callTool(name, args);
    if (result.isError) {
      throw new Error(`${name} failed: ${result.content.map((c) => c.text).join("\n")}`);
    }
    return result.structuredContent ?? {};
  }

  /** The server's memory now, read from /proc (Linux) or `ps` (elsewhere). */
  memory(): Promise<ProcessMemory> {
    return processMemory(this.pid);
  }

  /** What the server wrote to stderr (the first 20,000 characters). */
  stderr(): string {
    return this.#stderr;
  }

  /** Closes stdin (the server exits on end of input) and kills it if it lingers. */
  async close(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    const timer = setTimeout(() => {
      if (!this.#exited) this.#child.kill("SIGKILL");
    }, EXIT_GRACE_MS);
    await this.#child.status;
    clearTimeout(timer);
  }

  async #send(message: Record<string, unknown>): Promise<void> {
    await this.#stdin.write(this.#encoder.encode(`${JSON.stringify(message)}\n`));
  }

  async #readAnswers(): Promise<void> {
    let buffer = new Uint8Array(0);
    for await (const chunk of this.#child.stdout) {
      const joined = new Uint8Array(buffer.length + chunk.length);
      joined.set(buffer);
      joined.set(chunk, buffer.length);
      let start = 0;
      for (let end = joined.indexOf(10, start); end >= 0; end = joined.indexOf(10, start)) {
        this.#dispatch(joined.subarray(start, end));
        start = end + 1;
      }
      buffer = joined.slice(start);
    }
  }

  #dispatch(line: Uint8Array): void {
    if (line.length === 0) return;
    const message = JSON.parse(this.#decoder.decode(line));
    // Notifications and requests from the server (none expected) carry no answer id of ours.
    const pending = typeof message.id === "number" ? this.#pending.get(message.id) : undefined;
    if (!pending || !("result" in message || "error" in message)) return;
    this.#pending.delete(message.id);
    if (message.error) {
      pending.reject(new Error(`JSON-RPC error ${message.error.code}: ${message.error.message}`));
    } else {
      pending.resolve({ result: message.result, bytes: line.length });
    }
  }

  async #readStderr(): Promise<void> {
    for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      if (this.#stderr.length < STDERR_LIMIT) this.#stderr += chunk;
    }
  }

  #failAll(error: Error): void {
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }
}

/** Spawns a server and completes the handshake. */
export async function startServer(options: SpawnOptions): Promise<ServerProcess> {
  const server = ServerProcess.spawn(options);
  try {
    await server.initialize();
  } catch (error) {
    await server.close();
    throw error;
  }
  return server;
}

/** Output of a short helper command, or undefined when it cannot run. */
export async function commandOutput(command: string, args: string[]): Promise<string | undefined> {
  try {
    const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "null" })
      .output();
    return output.success ? new TextDecoder().decode(output.stdout) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Memory of process `pid`. Deno grants /proc only with --allow-all, so the
 * status file is read through `cat` (the bench may run programs); `ps` is the
 * fallback where there is no /proc.
 */
export async function processMemory(pid: number): Promise<ProcessMemory> {
  const status = await commandOutput("cat", [`/proc/${pid}/status`]);
  const field = (name: string) => {
    const match = status?.match(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m"));
    return match ? Number(match[1]) : undefined;
  };
  const rss = field("VmRSS");
  if (rss !== undefined) return { rssKib: rss, peakKib: field("VmHWM") };
  const ps = await commandOutput("ps", ["-o", "rss=", "-p", String(pid)]);
  const value = Number(ps?.trim());
  if (!ps || !Number.isFinite(value)) {
    throw new Error(`Cannot read the memory of process ${pid}: needs /proc or ps`);
  }
  return { rssKib: value };
}
