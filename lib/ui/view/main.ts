/**
 * The dashboard page's entry: speaks the MCP Apps view protocol (JSON-RPC 2.0 over postMessage
 * with the host), follows the host's theme, and draws each tool result it is sent.
 *
 * The protocol is small enough to speak by hand; the official `App` class needs the MCP SDK and
 * zod in the page (about 540 KB), and the page must stay small and self-contained.
 */

import { browser } from "./dom.ts";
import { formatter } from "./format.ts";
import { asReport, renderMessage, renderReport } from "./render.ts";

/** MCP Apps protocol revision this view speaks. */
const PROTOCOL_VERSION = "2026-01-26";
const APP_INFO = { name: "autotask-dashboard", version: "1.0.0" };

/** What the page keeps of the host context (`ui/initialize` and later changes). */
interface HostContext {
  theme?: unknown;
  locale?: unknown;
  styles?: { variables?: Record<string, unknown> };
  containerDimensions?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The result the view was sent last, or why there is none. */
type Shown =
  | { state: "waiting" }
  | { state: "cancelled"; reason: string }
  | { state: "result"; result: Record<string, unknown> };

const { document, window, ResizeObserver } = browser();
const root = document.getElementById("app")!;
const surface = { doc: document, root };
let context: HostContext = {};
let shown: Shown = { state: "waiting" };
let nextId = 1;
let initialized = false;
const pending = new Map<number, (message: Record<string, unknown>) => void>();

function post(message: Record<string, unknown>): void {
  // The view runs in a sandbox with an opaque origin and cannot know the host's origin.
  window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
}

function request(method: string, params: unknown): Promise<Record<string, unknown>> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    post({ id, method, params });
  });
}

function notify(method: string, params?: unknown): void {
  post(params === undefined ? { method } : { method, params });
}

function applyContext(update: HostContext): void {
  context = { ...context, ...update };
  const html = document.documentElement;
  const theme = context.theme === "dark" || context.theme === "light" ? context.theme : undefined;
  // Without a host theme the stylesheet's `color-scheme: light dark` follows the OS setting.
  html.style.colorScheme = theme ?? "light dark";
  html.setAttribute("data-theme", theme ?? "");
  const variables = update.styles?.variables;
  if (variables && typeof variables === "object") {
    for (const [name, value] of Object.entries(variables)) {
      if (/^--[a-z0-9-]+$/i.test(name) && typeof value === "string") {
        html.style.setProperty(name, value);
      }
    }
  }
  const fixedHeight = typeof context.containerDimensions?.height === "number";
  html.style.height = fixedHeight ? "100vh" : "";
  html.setAttribute("data-fixed-height", fixedHeight ? "true" : "false");
}

function draw(): void {
  if (shown.state === "waiting") {
    renderMessage(surface, "Waiting for the report…");
    return;
  }
  if (shown.state === "cancelled") {
    renderMessage(
      surface,
      `The report was cancelled${shown.reason ? `: ${shown.reason}` : "."}`,
    );
    return;
  }
  const { result } = shown;
  const text = firstText(result.content);
  if (result.isError === true) {
    renderMessage(surface, "The report failed.", { error: true, detail: text });
    return;
  }
  // Clients differ in which part they pass on: fall back to the JSON text block.
  const report = asReport(result.structuredContent) ?? asReport(parseJson(text));
  if (!report) {
    renderMessage(surface, "This result has no dashboard data.", { detail: text });
    return;
  }
  const locale = typeof context.locale === "string" ? context.locale : window.navigator.language;
  drawnWidth = contentWidth();
  renderReport(surface, report, { format: formatter(locale), chartWidth: drawnWidth });
}

/** Width charts get: the page's, less main's padding (charts are laid out 1:1 in pixels). */
function contentWidth(): number {
  return Math.floor(root.getBoundingClientRect().width) - 32;
}

function firstText(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined;
  for (const block of content as { type?: unknown; text?: unknown }[]) {
    if (block && block.type === "text" && typeof block.text === "string") return block.text;
  }
  return undefined;
}

function parseJson(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

let reported = { width: 0, height: 0 };
let scheduled = false;
let drawnWidth = 0;

/**
 * Once per frame after a resize or a redraw: redraws the charts when the width changed, then
 * tells the host the page's size when that changed.
 */
function onResize(): void {
  if (scheduled) return;
  scheduled = true;
  window.requestAnimationFrame(() => {
    scheduled = false;
    if (shown.state === "result" && contentWidth() !== drawnWidth) draw();
    if (!initialized) return;
    const width = Math.ceil(window.innerWidth);
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (width === reported.width && height === reported.height) return;
    reported = { width, height };
    notify("ui/notifications/size-changed", { width, height });
  });
}

function onNotification(method: string, params: Record<string, unknown>): void {
  switch (method) {
    case "ui/notifications/tool-result":
      shown = { state: "result", result: params };
      break;
    case "ui/notifications/tool-cancelled":
      shown = {
        state: "cancelled",
        reason: typeof params.reason === "string" ? params.reason : "",
      };
      break;
    case "ui/notifications/host-context-changed":
      applyContext(params as HostContext);
      break;
    default:
      // tool-input and tool-input-partial carry only arguments; the result has everything.
      return;
  }
  draw();
  onResize();
}

function onRequest(id: unknown, method: string): void {
  if (method === "ui/resource-teardown" || method === "ping") {
    post({ id, result: {} });
    return;
  }
  post({ id, error: { code: -32601, message: `Method not found: ${method}` } });
}

window.addEventListener("message", (event) => {
  // Only the host (the parent frame) speaks to the view.
  if (event.source !== window.parent) return;
  const message = event.data as Record<string, unknown> | null;
  if (!message || typeof message !== "object" || message.jsonrpc !== "2.0") return;
  const params =
    (message.params && typeof message.params === "object" ? message.params : {}) as Record<
      string,
      unknown
    >;
  if (typeof message.method === "string") {
    if (message.id !== undefined) onRequest(message.id, message.method);
    else onNotification(message.method, params);
    return;
  }
  if (typeof message.id === "number" && pending.has(message.id)) {
    const resolve = pending.get(message.id)!;
    pending.delete(message.id);
    resolve(message);
  }
});

async function start(): Promise<void> {
  applyContext({});
  draw();
  const answer = await request("ui/initialize", {
    appInfo: APP_INFO,
    appCapabilities: { availableDisplayModes: ["inline"] },
    protocolVersion: PROTOCOL_VERSION,
  });
  const result = answer.result as { hostContext?: HostContext } | undefined;
  if (result?.hostContext && typeof result.hostContext === "object") {
    applyContext(result.hostContext);
  }
  notify("ui/notifications/initialized");
  initialized = true;
  draw();
  if (ResizeObserver) new ResizeObserver(onResize).observe(document.documentElement);
  onResize();
}

start();
