/**
 * The dashboard in a real browser. Headless Chromium (Debian's package) opens a host page served
 * on 127.0.0.1 that embeds ui://autotask/dashboard, read through the MCP client from an
 * in-process server, in a sandboxed iframe; the official ext-apps `AppBridge` answers
 * `ui/initialize` and sends a report tool's result the way an MCP Apps host does. The page must
 * draw charts and tables, follow the host's theme (the OS setting without one), throw nothing,
 * and request nothing. Screenshots go to a temp folder outside the repository.
 *
 * Chromium missing: run .ci/install_chromium (CI does before the tests).
 */

import assert from "node:assert/strict";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import {
  DASHBOARD_URI,
  dashboardReportSchema,
  dashboardToolMeta,
  registerDashboard,
} from "../lib/ui/mod.ts";
import {
  BrowserPage,
  type FrameContext,
  launchChromium,
  waitFor,
  withTimeout,
} from "./chromium.ts";
import { MARKUP_NAME, SAMPLE_BAR_COUNT, sampleReport } from "./dashboard_fixture.ts";
import {
  AppBridge,
  Client,
  getToolUiResourceUri,
  McpUiInitializedNotificationSchema,
  McpUiInitializeRequestSchema,
  McpUiResourceMetaSchema,
  McpUiSizeChangedNotificationSchema,
  type McpUiStyles,
} from "./deps.ts";
import { BrowserViewTransport, hostCspFor, hostPageHtml, serveHostPage } from "./mcp_apps_host.ts";
import { decodePng } from "./png.ts";

/** Host style variables (light-dark pairs, as the MCP Apps spec suggests hosts send them). */
const HOST_VARIABLES: Partial<McpUiStyles> = {
  "--color-background-primary": "light-dark(#fbfaf7, #15171a)",
  "--color-text-primary": "light-dark(#1f2328, #e6edf3)",
  "--font-sans": '"DejaVu Sans", sans-serif',
};
const LIGHT_BACKGROUND = "rgb(251, 250, 247)";
const DARK_BACKGROUND = "rgb(21, 23, 26)";
/** The first series' colour (--series-0) in each theme. */
const LIGHT_SERIES = "rgb(37, 99, 235)";
const DARK_SERIES = "rgb(96, 165, 250)";

/** What the test reads back from the drawn page. */
interface ViewState {
  title: string | null;
  period: string | null;
  cards: string[];
  figures: number;
  labelledSvgs: number;
  bars: number;
  lines: string[];
  dots: number;
  tables: { caption: string; headers: string[]; rows: number }[];
  markupElements: number;
  text: string;
  notes: string[];
  background: string;
  colorScheme: string;
  barFill: string;
  height: number;
}

const READ_VIEW = `(() => {
  const all = (selector) => [...document.querySelectorAll(selector)];
  const root = getComputedStyle(document.documentElement);
  const bar = document.querySelector("rect.bar.s0");
  return {
    title: document.querySelector("h1")?.textContent ?? null,
    period: document.querySelector(".period")?.textContent ?? null,
    cards: all(".summary .card").map((c) => c.querySelector("dt").textContent + " = " + c.querySelector("dd").textContent),
    figures: all("figure.chart").length,
    labelledSvgs: all("figure.chart svg").filter((s) => s.getAttribute("role") === "img" && s.querySelector("title")?.textContent && s.querySelector("desc")?.textContent).length,
    bars: all("svg rect.bar").length,
    lines: all("svg path.line").map((p) => p.getAttribute("d")),
    dots: all("svg circle.dot").length,
    tables: all("table").map((t) => ({
      caption: t.caption.textContent,
      headers: [...t.tHead.rows[0].cells].map((c) => c.textContent),
      rows: t.tBodies[0].rows.length,
    })),
    markupElements: all("main b").length,
    text: document.body.innerText,
    notes: all(".notes li").map((l) => l.textContent),
    background: root.backgroundColor,
    colorScheme: root.colorScheme,
    barFill: bar ? getComputedStyle(bar).fill : "",
    height: Math.ceil(document.documentElement.getBoundingClientRect().height),
  };
})()`;

Deno.test("the dashboard draws a report in Chromium, light and dark, with no errors and no network", async () => {
  const started = performance.now();
  const report = sampleReport();
  const toolArgs = { from: "2026-02-02", to: "2026-03-15", groupBy: "resource" };

  // An in-process MCP server with the dashboard and a report tool, read the way a host reads it.
  const server = new McpServer({ name: "dashboard-browser-test", version: "0" });
  registerDashboard(server);
  server.registerTool(
    "report_sample",
    {
      description: "A sample report",
      outputSchema: dashboardReportSchema,
      _meta: dashboardToolMeta(),
    },
    () => ({
      content: [{ type: "text", text: JSON.stringify(report) }],
      structuredContent: report,
    }),
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "dashboard-browser-test", version: "0" });
  await client.connect(clientSide);

  const { tools } = await client.listTools();
  const uri = getToolUiResourceUri(tools.find((t) => t.name === "report_sample")!);
  assert.equal(uri, DASHBOARD_URI);
  const [content] = (await client.readResource({ uri: uri! })).contents;
  assert.ok("text" in content, "the dashboard comes as text");
  const ui = McpUiResourceMetaSchema.parse(content._meta?.ui);
  const result = await client.callTool({ name: "report_sample", arguments: toolArgs });
  assert.deepEqual(result.structuredContent, report);

  // The host page, served on loopback; every request to this server is recorded.
  const http = serveHostPage(hostPageHtml(content.text, hostCspFor(ui.csp)));
  const { served, url: hostUrl } = http;

  const screens = await Deno.makeTempDir({ prefix: "autotask-dashboard-screens-" });
  const browser = await launchChromium();
  const tabs: BrowserPage[] = [];
  let bridge: AppBridge | undefined;
  try {
    const tab = await BrowserPage.open(browser.cdp);
    tabs.push(tab);
    // The OS prefers dark: the host's "light" must still win.
    await tab.emulateColorScheme("dark");
    const transport = new BrowserViewTransport(tab);
    await transport.attach();

    const hostContext = {
      theme: "light" as const,
      locale: "en-US",
      timeZone: "Europe/Berlin",
      displayMode: "inline" as const,
      platform: "web" as const,
      containerDimensions: { width: 860, maxHeight: 6000 },
      // A host sends any subset of the standard variables.
      styles: { variables: HOST_VARIABLES as McpUiStyles },
    };
    bridge = new AppBridge(null, { name: "autotask-test-host", version: "1.0.0" }, {}, {
      hostContext,
    });
    let markInitialized = () => {};
    const initialized = new Promise<void>((resolve) => markInitialized = resolve);
    bridge.oninitialized = () => markInitialized();
    bridge.onsizechange = ({ height }) => {
      if (height) tab.evaluate(null, `setFrameHeight(${height})`).catch(() => {});
    };
    await bridge.connect(transport);

    await tab.goto(hostUrl);
    await withTimeout(initialized, 10_000, "ui/notifications/initialized from the view");
    await bridge.sendToolInput({ arguments: toolArgs });
    await bridge.sendToolResult(result as Parameters<AppBridge["sendToolResult"]>[0]);

    const view = await tab.frame("about:srcdoc");
    const light = await settled(tab, view, (s) => s.bars >= SAMPLE_BAR_COUNT, "the charts");
    assert.equal(light.title, "Hours by resource");
    assert.equal(light.period, "Feb 2, 2026 – Mar 15, 2026 · Europe/Berlin");
    assert.deepEqual(light.cards, [
      "Hours logged = 149.25 h",
      "Billable share = 85.09%",
      "Tickets created = 1,234,567",
      "Busiest week = 2026-W10",
    ]);
    assert.equal(light.figures, 3);
    assert.equal(light.labelledSvgs, 3, "every chart is an img with a title and a description");
    assert.equal(light.bars, SAMPLE_BAR_COUNT);
    assert.equal(light.lines.length, 2);
    assert.ok(light.lines.every((d) => /^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+/.test(d)), "line paths");
    assert.equal(light.dots, 11, "one marker per number in the line chart");
    assert.deepEqual(light.tables, [
      {
        caption: "Hours by resource",
        headers: ["Resource", "Billable (h)", "Non-billable (h)"],
        rows: 5,
      },
      {
        caption: "Tickets created and completed per week",
        headers: ["Week", "Created", "Completed"],
        rows: 6,
      },
    ]);
    assert.equal(light.markupElements, 0, "report text is never parsed as markup");
    assert.ok(light.text.includes(MARKUP_NAME), "the name with markup shows as text");
    assert.ok(light.text.includes("36.75"), "numbers are in the table");
    assert.equal(light.notes.length, 2);
    assert.equal(light.colorScheme, "light");
    assert.equal(light.background, LIGHT_BACKGROUND, "the host's background variable applies");
    assert.equal(light.barFill, LIGHT_SERIES);
    // The host sized the iframe from ui/notifications/size-changed.
    await waitFor(async () => {
      const frame = await tab.evaluate<number>(
        null,
        "document.querySelector('iframe').getBoundingClientRect().height",
      );
      return Math.abs(frame - 2 - light.height) <= 1 ? true : undefined;
    }, "the host to size the iframe to the page");
    await screenshotShows(tab, view, `${screens}/light.png`, LIGHT_BACKGROUND, LIGHT_SERIES);

    bridge.setHostContext({ ...hostContext, theme: "dark" });
    await tab.evaluate(null, `setHostTheme("dark")`);
    const dark = await settled(
      tab,
      view,
      (s) => s.background === DARK_BACKGROUND,
      "the dark theme",
    );
    assert.equal(dark.colorScheme, "dark");
    assert.equal(dark.barFill, DARK_SERIES);
    assert.equal(dark.bars, SAMPLE_BAR_COUNT, "switching theme keeps the charts");
    await screenshotShows(tab, view, `${screens}/dark.png`, DARK_BACKGROUND, DARK_SERIES);

    // Later results replace the drawing: a failure shows its text, a cancelled call says so,
    // and a client that passes only the text block still gets the charts (the same JSON).
    await bridge.sendToolResult({
      content: [{ type: "text", text: "Autotask refused the query: narrow the date range" }],
      isError: true,
    });
    const failed = await settled(tab, view, (s) => s.bars === 0, "the error result");
    assert.ok(failed.text.includes("The report failed."), failed.text);
    assert.ok(failed.text.includes("narrow the date range"));
    await bridge.sendToolCancelled({ reason: "the user stopped it" });
    await settled(tab, view, (s) => s.text.includes("cancelled: the user stopped it"), "cancel");
    await bridge.sendToolResult({ content: [{ type: "text", text: JSON.stringify(report) }] });
    const fromText = await settled(
      tab,
      view,
      (s) => s.bars === SAMPLE_BAR_COUNT,
      "the text result",
    );
    assert.equal(fromText.tables.length, 2);

    await withTimeout(
      bridge.teardownResource({}),
      5_000,
      "the view to answer ui/resource-teardown",
    );

    // The view spoke the protocol as the official schemas define it, and nothing else.
    const [first, ...rest] = transport.fromView as { method?: string; params?: unknown }[];
    assert.equal(first.method, "ui/initialize");
    McpUiInitializeRequestSchema.parse({ method: first.method, params: first.params });
    const methods = new Set(rest.filter((m) => m.method).map((m) => m.method));
    assert.deepEqual(
      [...methods].sort(),
      ["ui/notifications/initialized", "ui/notifications/size-changed"],
    );
    for (const message of rest.filter((m) => m.method)) {
      const schema = message.method === "ui/notifications/initialized"
        ? McpUiInitializedNotificationSchema
        : McpUiSizeChangedNotificationSchema;
      schema.parse({ method: message.method, params: message.params });
    }

    // Without a host theme the page follows the OS setting.
    const bare = await BrowserPage.open(browser.cdp);
    tabs.push(bare);
    await bare.bind("__fromView", () => {});
    await bare.emulateColorScheme("dark");
    await bare.goto(`${hostUrl}?no-host`);
    const waiting = await bare.frame("about:srcdoc");
    const osDark = await settled(
      bare,
      waiting,
      (s) => s.text.includes("Waiting for the report"),
      "the waiting page",
    );
    assert.equal(osDark.background, "rgb(28, 28, 30)");
    await bare.emulateColorScheme("light");
    await settled(
      bare,
      waiting,
      (s) => s.background === "rgb(255, 255, 255)",
      "the OS light theme",
    );

    for (const t of tabs) {
      assert.deepEqual(t.errors, [], "the page threw or logged errors");
    }
    assert.deepEqual(tab.requests, [hostUrl], "the only request is the host page itself");
    assert.deepEqual(bare.requests, [`${hostUrl}?no-host`]);
    assert.deepEqual(served, ["/", "/"]);
    console.log(
      `screenshots: ${screens}/light.png, ${screens}/dark.png ` +
        `(${Math.round(performance.now() - started)} ms)`,
    );
  } catch (error) {
    const problems = tabs.flatMap((t) => t.errors);
    if (problems.length) console.error(`page errors:\n${problems.join("\n")}`);
    throw error;
  } finally {
    await bridge?.close().catch(() => {});
    for (const t of tabs) await t.close();
    await browser.close();
    await http.shutdown();
    await client.close();
    await server.close();
  }
});

/** Reads the view until `ready` holds (the page draws asynchronously). */
function settled(
  tab: BrowserPage,
  view: FrameContext,
  ready: (state: ViewState) => boolean,
  what: string,
): Promise<ViewState> {
  return waitFor(async () => {
    const state = await tab.evaluate<ViewState>(view, READ_VIEW);
    return ready(state) ? state : undefined;
  }, what);
}

/**
 * Takes the screenshot and checks its pixels: the view's background and the middle of its first
 * bar have the theme's colours. The DOM can say "dark" while the frame on screen is still the
 * old one (an out-of-process frame paints on its own schedule), so it retries for a while.
 */
async function screenshotShows(
  tab: BrowserPage,
  view: FrameContext,
  path: string,
  background: string,
  bar: string,
): Promise<void> {
  const frame = await tab.evaluate<{ x: number; y: number }>(
    null,
    `(() => { const f = document.querySelector("iframe"); const r = f.getBoundingClientRect();
      return { x: r.left + f.clientLeft, y: r.top + f.clientTop }; })()`,
  );
  const middle = await tab.evaluate<{ x: number; y: number }>(
    view,
    `(() => { const r = document.querySelector("rect.bar.s0").getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()`,
  );
  const near = (actual: number[], expected: string) => {
    const want = expected.match(/\d+/g)!.map(Number);
    return actual.every((v, i) => Math.abs(v - want[i]) <= 2);
  };
  let seen = "";
  await waitFor(
    async () => {
      await tab.evaluate(
        view,
        "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))",
      );
      await tab.screenshot(path);
      const png = await decodePng(await Deno.readFile(path));
      const corner = png.rgb(frame.x + 6, frame.y + 6);
      const inBar = png.rgb(frame.x + middle.x, frame.y + middle.y);
      seen = `background ${corner}, first bar ${inBar}`;
      return near(corner, background) && near(inBar, bar) ? true : undefined;
    },
    `${path} to show background ${background} and bars ${bar}`,
    5_000,
  )
    .catch((error) => {
      throw new Error(`${error.message}; last seen: ${seen}`);
    });
}
