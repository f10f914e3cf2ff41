/**
 * A minimal HTTP/1.1 client over one keep-alive TCP connection, as lean as the bench's stdio
 * client is over pipes: what a call costs with it is what the server adds, not the client.
 * (Deno's `fetch` costs this bench 0.3 to 0.4 ms a call of its own: measured side by side.)
 */

const CRLF_CRLF = [13, 10, 13, 10];
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** One answer: status, lower-case headers, the body as text. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends requests one at a time on one connection; answers with Content-Length or chunked. */
export class RawHttpClient {
  readonly #conn: Deno.TcpConn;
  readonly #authority: string;
  readonly #chunk = new Uint8Array(64 * 1024);
  #buffer = new Uint8Array(0);

  private constructor(conn: Deno.TcpConn, authority: string) {
    this.#conn = conn;
    this.#authority = authority;
  }

  /** Connects to `origin` (`http://host:port`). */
  static async connect(origin: string): Promise<RawHttpClient> {
    const url = new URL(origin);
    const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
    conn.setNoDelay(true);
    return new RawHttpClient(conn, url.host);
  }

  /** POSTs `body` to `path` with `headers` and reads the whole answer. */
  async post(path: string, headers: Record<string, string>, body: string): Promise<RawAnswer> {
    const payload = encoder.encode(body);
    let head = `POST ${path} HTTP/1.1\r\nhost: ${this.#authority}\r\n` +
      `content-length: ${payload.byteLength}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    const headBytes = encoder.encode(`${head}\r\n`);
    // One write, as a client that knows its body does.
    const request = new Uint8Array(headBytes.byteLength + payload.byteLength);
    request.set(headBytes);
    request.set(payload, headBytes.byteLength);
    for (let written = 0; written < request.byteLength;) {
      written += await this.#conn.write(request.subarray(written));
    }
    return await this.#answer();
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  async #answer(): Promise<RawAnswer> {
    let end: number;
    while ((end = indexOf(this.#buffer, CRLF_CRLF)) < 0) await this.#fill();
    const [statusLine, ...lines] = decoder.decode(this.#buffer.subarray(0, end)).split("\r\n");
    this.#buffer = this.#buffer.subarray(end + 4);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const status = Number(statusLine.split(" ")[1]);
    if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
      let body = "";
      while (true) {
        const size = parseInt(await this.#line(), 16);
        if (size === 0) {
          await this.#line();
          return { status, headers, body };
        }
        body += decoder.decode(await this.#take(size));
        await this.#line();
      }
    }
    const length = Number(headers["content-length"] ?? 0);
    return { status, headers, body: decoder.decode(await this.#take(length)) };
  }

  async #line(): Promise<string> {
    let end: number;
    while ((end = indexOf(this.#buffer, [13, 10])) < 0) await this.#fill();
    const line = decoder.decode(this.#buffer.subarray(0, end));
    this.#buffer = this.#buffer.subarray(end + 2);
    return line;
  }

  async #take(n: number): Promise<Uint8Array> {
    while (this.#buffer.byteLength < n) await this.#fill();
    const taken = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return taken;
  }

  async #fill(): Promise<void> {
    const n = await this.#conn.read(this.#chunk);
    if (n === null) throw new Error("the server closed the connection");
    const next = new Uint8Array(this.#buffer.byteLength + n);
    next.set(this.#buffer);
    next.set(this.#chunk.subarray(0, n), this.#buffer.byteLength);
    this.#buffer = next;
  }
}

function indexOf(haystack: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.byteLength; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
