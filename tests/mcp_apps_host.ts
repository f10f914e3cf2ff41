/**
 * A minimal web MCP Apps host for browser tests: a page that embeds a view's HTML in a sandboxed
 * iframe under the CSP the resource declares, and relays the view's postMessage traffic to the
 * test, where the official `AppBridge` (ext-apps) plays the host's protocol side.
 */

import type { JSONRPCMessage, Transport } from "@modelcontextprotocol/server";
import type { BrowserPage } from "./chromium.ts";

/** The view's declared CSP domains (`_meta.ui.csp`). */
export interface DeclaredCsp {
  connectDomains?: string[];
  resourceDomains?: string[];
  frameDomains?: string[];
  baseUriDomains?: string[];
}

/** The binding the host page calls with each message from the view. */
export const FROM_VIEW_BINDING = "__fromView";

/** The CSP a host puts on a view, built from its declared domains as the MCP Apps spec shows. */
export function hostCspFor(csp: DeclaredCsp | undefined): string {
  const resources = (csp?.resourceDomains ?? []).join(" ");
  const connect = (csp?.connectDomains ?? []).join(" ");
  return [
    "default-src 'none'",
    `script-src 'self' 'unsafe-inline' ${resources}`,
    `style-src 'self' 'unsafe-inline' ${resources}`,
    `connect-src 'self' ${connect}`,
    `img-src 'self' data: ${resources}`,
    `font-src 'self' ${resources}`,
    `media-src 'self' data: ${resources}`,
    `frame-src ${(csp?.frameDomains ?? []).join(" ") || "'none'"}`,
    "object-src 'none'",
    `base-uri ${(csp?.baseUriDomains ?? []).join(" ") || "'self'"}`,
  ].map((d) => d.trim()).join("; ");
}

/**
 * The host page: it loads the view from `srcdoc` into `<iframe sandbox="allow-scripts">` (an
 * opaque origin, no access to the host), with the host's CSP prepended to the view's head.
 * `window.toView(message)` posts into the view; the view's messages go to the test's binding.
 */
export function hostPageHtml(viewHtml: string, csp: string): string {
  const payload = JSON.stringify({ html: viewHtml, csp }).replace(/</g, "\\u003c");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>MCP Apps test host</title>
<style>
  body { margin: 0; padding: 20px; background: #d4d4d8; }
  body.dark { background: #09090b; }
  iframe { display: block; width: 860px; height: 120px; border: 1px solid #a1a1aa; border-radius: 8px; }
</style></head>
<body>
<script type="application/json" id="view">${payload}</script>
<script>
  const view = JSON.parse(document.getElementById("view").textContent);
  const frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts");
  frame.setAttribute("title", "Report dashboard");
  const hostCsp = '<meta http-equiv="Content-Security-Policy" content="' + view.csp + '">';
  frame.srcdoc = view.html.replace(/<head>/i, () => "<head>" + hostCsp);
  window.addEventListener("message", (event) => {
    if (event.source === frame.contentWindow) ${FROM_VIEW_BINDING}(JSON.stringify(event.data));
  });
  window.toView = (message) => frame.contentWindow.postMessage(message, "*");
  window.setFrameHeight = (height) => { frame.style.height = height + "px"; };
  window.setHostTheme = (theme) => { document.body.className = theme; };
  document.body.appendChild(frame);
</script>
</body></html>`;
}

/**
 * An MCP transport between `AppBridge` in the test and the view in the browser: outgoing
 * messages are evaluated into the host page, incoming ones arrive through the page binding.
 */
export class BrowserViewTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;
  /** Everything the view sent, in order. */
  readonly fromView: JSONRPCMessage[] = [];
  /** Everything the host sent, in order. */
  readonly toView: JSONRPCMessage[] = [];

  constructor(private readonly page: BrowserPage) {}

  /** Attaches to the host page's binding; call before the page loads. */
  async attach(): Promise<void> {
    await this.page.bind(FROM_VIEW_BINDING, (payload) => {
      const message = JSON.parse(payload) as JSONRPCMessage;
      this.fromView.push(message);
      this.onmessage?.(message);
    });
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.toView.push(message);
    await this.page.evaluate(null, `toView(${JSON.stringify(message)})`);
  }

  close(): Promise<void> {
    this.onclose?.();
    return Promise.resolve();
  }
}

/** A host page served on loopback, with every path it was asked for. */
export interface ServedHostPage {
  url: string;
  /** Paths requested from this server, in order (the view must fetch nothing). */
  served: string[];
  shutdown(): Promise<void>;
}

/** Serves `page` at `/` on 127.0.0.1 (404 elsewhere) and records every request's path. */
export function serveHostPage(page: string): ServedHostPage {
  const served: string[] = [];
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname;
    served.push(path);
    return path === "/"
      ? new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } })
      : new Response("not found", { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${http.addr.port}/`,
    served,
    shutdown: () => http.shutdown(),
  };
}
