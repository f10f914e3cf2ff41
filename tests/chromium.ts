/**
 * Headless Chromium (Debian's package) driven over the Chrome DevTools Protocol with Deno's
 * own WebSocket. playwright-core needs `--allow-sys` at import, which the test permissions do
 * not grant, and the few CDP calls a page test needs are easy to speak directly.
 */

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** A CDP event, with the flat session it came from (undefined for the browser). */
export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

interface Pending {
  method: string;
  resolve(result: Record<string, unknown>): void;
  reject(error: Error): void;
}

/** One CDP connection (the browser endpoint, sessions flattened onto it). */
export class Cdp {
  #socket: WebSocket;
  #next = 1;
  #pending = new Map<number, Pending>();
  #listeners = new Set<(event: CdpEvent) => void>();
  #closed: Promise<void>;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    this.#closed = new Promise((resolve) => socket.addEventListener("close", () => resolve()));
    socket.addEventListener("message", (event) => this.#receive(String(event.data)));
  }

  /** Connects to a `ws://127.0.0.1:PORT/devtools/browser/...` endpoint. */
  static async connect(url: string): Promise<Cdp> {
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`Cannot open ${url}`)), {
        once: true,
      });
    });
    return new Cdp(socket);
  }

  #receive(text: string): void {
    const message = JSON.parse(text);
    if (typeof message.id === "number") {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      if (message.error) {
        pending.reject(new Error(`${pending.method}: ${message.error.message}`));
      } else pending.resolve(message.result ?? {});
      return;
    }
    const event: CdpEvent = {
      method: message.method,
      params: message.params ?? {},
      sessionId: message.sessionId,
    };
    for (const listener of this.#listeners) listener(event);
  }

  /** Sends a command, to a target session when `sessionId` is given. */
  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ): Promise<Record<string, unknown>> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { method, resolve, reject });
      this.#socket.send(JSON.stringify({ id, method, params, sessionId }));
    });
  }

  /** Calls `listener` for every event; returns the function that stops it. */
  on(listener: (event: CdpEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes the socket and fails what is still waiting. */
  async close(): Promise<void> {
    for (const pending of this.#pending.values()) {
      pending.reject(new Error(`${pending.method}: the connection closed`));
    }
    this.#pending.clear();
    if (this.#socket.readyState !== WebSocket.CLOSED) this.#socket.close();
    await this.#closed;
  }
}

/** A running browser and its CDP connection. */
export interface Chromium {
  cdp: Cdp;
  /** What the browser printed on stderr (for failure messages). */
  stderr(): string;
  close(): Promise<void>;
}

/** The flags the dashboard tests run Chromium with: headless, nothing phoning home. */
export function chromiumFlags(userDataDir: string): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    // A tab the test drives is never "in the background": keep every frame painting.
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    "--disable-background-timer-throttling",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    `--user-data-dir=${userDataDir}`,
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "about:blank",
  ];
}

/**
 * Starts headless Chromium with a new profile in a temp dir and connects to it. Fails, with the
 * fix, when the browser is not installed: the dashboard test must never skip silently.
 */
export async function launchChromium(): Promise<Chromium> {
  try {
    await Deno.stat(CHROMIUM_PATH);
  } catch {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: run .ci/install_chromium ` +
        "(it installs Debian's chromium package; CI runs it before the tests)",
    );
  }
  const userDataDir = await Deno.makeTempDir({ prefix: "autotask-chromium-" });
  const child = new Deno.Command(CHROMIUM_PATH, {
    args: chromiumFlags(userDataDir),
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();

  let stderr = "";
  let announce: (url: string) => void = () => {};
  const announced = new Promise<string>((resolve) => announce = resolve);
  // Keep reading stderr to the end: a full pipe would stall the browser.
  const drained = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match) announce(match[1]);
    }
  })();

  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Chromium did not start within 15 s:\n${stderr}`)),
      15_000,
    );
  });
  const exited = child.status.then((status) => {
    throw new Error(`Chromium exited with code ${status.code} before it was ready:\n${stderr}`);
  });
  let cdp: Cdp;
  try {
    cdp = await Cdp.connect(await Promise.race([announced, timeout, exited]));
  } catch (error) {
    clearTimeout(timer);
    exited.catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await drained;
    await Deno.remove(userDataDir, { recursive: true }).catch(() => {});
    throw error;
  }
  clearTimeout(timer);
  exited.catch(() => {});

  return {
    cdp,
    stderr: () => stderr,
    async close(): Promise<void> {
      await cdp.send("Browser.close").catch(() => {});
      await cdp.close();
      const stop = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 5_000);
      await child.status;
      clearTimeout(stop);
      await drained;
      await Deno.remove(userDataDir, { recursive: true }).catch(() => {});
    },
  };
}

/** A JavaScript execution context (a frame's main world) in some target session. */
export interface FrameContext {
  sessionId: string;
  contextId: number;
  frameId: string;
}

interface RemoteObject {
  value?: unknown;
  description?: string;
}

/** The fields of the CDP events a page watches (each event fills some of them). */
interface EventParams {
  sessionId?: string;
  context?: { id: number; auxData?: { isDefault?: boolean; frameId?: string } };
  executionContextId?: number;
  name?: string;
  payload?: string;
  exceptionDetails?: { text: string; exception?: RemoteObject };
  type?: string;
  args?: RemoteObject[];
  entry?: { level: string; source: string; text: string; url?: string };
  request?: { url: string };
}

/**
 * One tab, with every frame in it watched, including out-of-process iframes (sandboxed frames
 * get their own renderer): uncaught exceptions, console and log errors, and every request.
 */
export class BrowserPage {
  /** Uncaught exceptions, console.error/assert calls and error log entries, as text. */
  readonly errors: string[] = [];
  /** Every request any frame of the page started. */
  readonly requests: string[] = [];
  #contexts: FrameContext[] = [];
  #sessions = new Set<string>();
  #colorScheme?: "light" | "dark";
  #bindings = new Map<string, (payload: string) => void>();
  #stop: () => void;

  private constructor(readonly cdp: Cdp, readonly sessionId: string, readonly targetId: string) {
    this.#stop = cdp.on((event) => this.#event(event));
  }

  /** Opens a blank tab, watches it, and sets its viewport. */
  static async open(cdp: Cdp, viewport = { width: 900, height: 1000 }): Promise<BrowserPage> {
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank" }) as {
      targetId: string;
    };
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true }) as {
      sessionId: string;
    };
    const page = new BrowserPage(cdp, sessionId, targetId);
    page.#sessions.add(sessionId);
    await page.#watch(sessionId);
    await cdp.send("Page.enable", {}, sessionId);
    await cdp.send("Page.bringToFront", {}, sessionId);
    await cdp.send("Emulation.setDeviceMetricsOverride", {
      ...viewport,
      deviceScaleFactor: 1,
      mobile: false,
    }, sessionId);
    return page;
  }

  async #watch(sessionId: string): Promise<void> {
    this.#sessions.add(sessionId);
    await Promise.all([
      this.#emulate(sessionId),
      this.cdp.send("Runtime.enable", {}, sessionId),
      this.cdp.send("Network.enable", {}, sessionId),
      this.cdp.send("Log.enable", {}, sessionId),
      this.cdp.send("Target.setAutoAttach", {
        autoAttach: true,
        waitForDebuggerOnStart: true,
        flatten: true,
      }, sessionId),
    ]);
  }

  #event(event: CdpEvent): void {
    // One connection serves every tab: keep to this tab's own sessions.
    if (!event.sessionId || !this.#sessions.has(event.sessionId)) return;
    const p = event.params as EventParams;
    switch (event.method) {
      case "Target.attachedToTarget":
        // A child frame in its own process: watch it too, then let it run.
        this.#sessions.add(p.sessionId!);
        this.#watch(p.sessionId!)
          .then(() => this.cdp.send("Runtime.runIfWaitingForDebugger", {}, p.sessionId))
          .catch((error) => this.errors.push(`attaching to a frame failed: ${error.message}`));
        return;
      case "Runtime.executionContextCreated":
        if (p.context?.auxData?.isDefault && event.sessionId) {
          this.#contexts.push({
            sessionId: event.sessionId,
            contextId: p.context.id,
            frameId: p.context.auxData.frameId ?? "",
          });
        }
        return;
      case "Runtime.executionContextDestroyed":
        this.#contexts = this.#contexts.filter((c) =>
          !(c.sessionId === event.sessionId && c.contextId === p.executionContextId)
        );
        return;
      case "Runtime.executionContextsCleared":
        this.#contexts = this.#contexts.filter((c) => c.sessionId !== event.sessionId);
        return;
      case "Runtime.bindingCalled":
        this.#bindings.get(p.name ?? "")?.(p.payload ?? "");
        return;
      case "Runtime.exceptionThrown":
        this.errors.push(
          `uncaught: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`,
        );
        return;
      case "Runtime.consoleAPICalled":
        if (p.type === "error" || p.type === "assert") {
          const text = (p.args ?? []).map((a) => a.value ?? a.description ?? "").join(" ");
          this.errors.push(`console.${p.type}: ${text}`);
        }
        return;
      case "Log.entryAdded":
        if (p.entry?.level === "error") {
          this.errors.push(`log (${p.entry.source}): ${p.entry.text} ${p.entry.url ?? ""}`);
        }
        return;
      case "Network.requestWillBeSent":
        this.requests.push(p.request?.url ?? "");
        return;
      case "Target.detachedFromTarget":
        if (p.sessionId) this.#sessions.delete(p.sessionId);
        return;
      case "Inspector.targetCrashed":
        this.errors.push("the page crashed");
    }
  }

  /** Emulates the OS colour scheme (`prefers-color-scheme`) in every frame, present and future. */
  async emulateColorScheme(scheme: "light" | "dark"): Promise<void> {
    this.#colorScheme = scheme;
    await Promise.all([...this.#sessions].map((sessionId) => this.#emulate(sessionId)));
  }

  async #emulate(sessionId: string): Promise<void> {
    if (!this.#colorScheme) return;
    await this.cdp.send("Emulation.setEmulatedMedia", {
      features: [{ name: "prefers-color-scheme", value: this.#colorScheme }],
    }, sessionId);
  }

  /** Exposes `window[name](payload)` to every frame's main world; calls land in `handler`. */
  async bind(name: string, handler: (payload: string) => void): Promise<void> {
    this.#bindings.set(name, handler);
    await this.cdp.send("Runtime.addBinding", { name }, this.sessionId);
  }

  /** Navigates and waits for the load event. */
  async goto(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      const stop = this.cdp.on((event) => {
        if (event.method === "Page.loadEventFired" && event.sessionId === this.sessionId) {
          stop();
          resolve();
        }
      });
    });
    const result = await this.cdp.send("Page.navigate", { url }, this.sessionId);
    if (result.errorText) throw new Error(`Navigation to ${url} failed: ${result.errorText}`);
    await withTimeout(loaded, 10_000, `the load event of ${url}`);
  }

  /** Evaluates `expression` in a context, returning its value (JSON-serialisable). */
  async evaluate<T>(context: FrameContext | null, expression: string): Promise<T> {
    const result = await this.cdp.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
      ...(context ? { contextId: context.contextId } : {}),
    }, context?.sessionId ?? this.sessionId) as {
      result: { value: T };
      exceptionDetails?: { exception?: { description?: string }; text: string };
    };
    if (result.exceptionDetails) {
      throw new Error(
        `evaluate failed: ${
          result.exceptionDetails.exception?.description ?? result.exceptionDetails.text
        }`,
      );
    }
    return result.result.value;
  }

  /** The main world of the frame whose `location.href` is `href` (waits for it to exist). */
  async frame(href: string): Promise<FrameContext> {
    return await waitFor(async () => {
      for (const context of this.#contexts) {
        const at = await this.evaluate<string>(context, "location.href").catch(() => "");
        if (at === href) return context;
      }
      return undefined;
    }, `a frame at ${href}`);
  }

  /**
   * A PNG of the whole page, written to `path`. The viewport grows to the page's height first:
   * Chromium does not paint out-of-process frames beyond the viewport.
   */
  async screenshot(path: string): Promise<void> {
    const size = await this.evaluate<{ width: number; height: number }>(
      null,
      "({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight })",
    );
    await this.cdp.send("Emulation.setDeviceMetricsOverride", {
      ...size,
      deviceScaleFactor: 1,
      mobile: false,
    }, this.sessionId);
    // Two frames for the resize to reach every frame's compositor.
    await this.evaluate(
      null,
      "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))",
    );
    const { data } = await this.cdp.send(
      "Page.captureScreenshot",
      { format: "png" },
      this.sessionId,
    ) as {
      data: string;
    };
    await Deno.writeFile(path, Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  }

  /** Stops watching and closes the tab. */
  async close(): Promise<void> {
    this.#stop();
    await this.cdp.send("Target.closeTarget", { targetId: this.targetId }).catch(() => {});
  }
}

/** Resolves `promise`, or fails naming `what` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` every 50 ms until it returns something other than undefined. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out after ${ms} ms waiting for ${what}${last ? `: ${last}` : ""}`);
}
