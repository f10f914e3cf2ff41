/**
 * The dashboard draws REAL report results: the server, spawned with the production flags against
 * the simulated tenant, produces them through the official MCP client; headless Chromium loads
 * ui://autotask/dashboard (read from that server) in the test host page, and the official
 * ext-apps `AppBridge` sends each result the way an MCP Apps host does. Every chart and table of
 * each report must appear, in light and dark, with no page error and no request but the host
 * page. Screenshots go to a temp folder outside the repository.
 */

import assert from "node:assert/strict";
import { type DashboardReport, dashboardReportSchema } from "../lib/ui/mod.ts";
import {
  BrowserPage,
  type FrameContext,
  launchChromium,
  waitFor,
  withTimeout,
} from "./chromium.ts";
import { AppBridge, getToolUiResourceUri, McpUiResourceMetaSchema } from "./deps.ts";
import { callOk } from "./harness.ts";
import { BrowserViewTransport, hostCspFor, hostPageHtml, serveHostPage } from "./mcp_apps_host.ts";
import { decodePng, type Png } from "./png.ts";
import { withReports } from "./reports_oracle.ts";

const ZONE = "Europe/Berlin";

/** What the test reads back from the drawn page. */
interface Drawn {
  title: string | null;
  figures: { caption: string; bars: number; lines: number; status: string | null }[];
  tables: { caption: string; rows: number; headers: string[] }[];
  cards: number;
  failed: boolean;
  background: string;
}

const READ_VIEW = `(() => {
  const all = (root, selector) => [...root.querySelectorAll(selector)];
  return {
    title: document.querySelector("h1")?.textContent ?? null,
    figures: all(document, "figure.chart").map((f) => ({
      caption: f.querySelector("figcaption").textContent,
      bars: all(f, "rect.bar").length,
      lines: all(f, "path.line").length,
      status: f.querySelector(".status")?.textContent ?? null,
    })),
    tables: all(document, "table").map((t) => ({
      caption: t.caption.textContent,
      rows: t.tBodies[0].rows.length,
      headers: [...t.tHead.rows[0].cells].map((c) => c.textContent),
    })),
    cards: all(document, ".summary .card").length,
    failed: document.body.innerText.includes("The report failed."),
    background: getComputedStyle(document.documentElement).backgroundColor,
  };
})()`;

function read(tab: BrowserPage, view: FrameContext): Promise<Drawn> {
  return tab.evaluate<Drawn>(view, READ_VIEW);
}

/** The drawing matches the report: its title, a figure per chart with marks, a table per table. */
function matches(drawn: Drawn, report: DashboardReport): boolean {
  return drawn.title === report.title && drawn.figures.length === report.charts.length &&
    drawn.tables.length === report.tables.length;
}

/**
 * True when the screenshot shows the report under its title, not only the title: in the band
 * where summary cards and the first chart go, at least 1% of the pixels differ from the band's
 * most common colour (an unpainted frame is one flat colour there).
 */
function painted(png: Png): boolean {
  const counts = new Map<string, number>();
  let total = 0;
  for (let y = 110; y < Math.min(png.height, 500); y += 3) {
    for (let x = 30; x < Math.min(png.width, 870); x += 3) {
      const key = png.rgb(x, y).map((v) => v >> 4).join(",");
      counts.set(key, (counts.get(key) ?? 0) + 1);
      total++;
    }
  }
  const mode = Math.max(0, ...counts.values());
  return total > 0 && (total - mode) / total >= 0.01;
}

Deno.test({
  name: "the dashboard draws real report results from the server in Chromium, light and dark",
  async fn() {
    await withReports(ZONE, async ({ session: { client } }) => {
      const { tools } = await client.listTools();
      const uri = getToolUiResourceUri(tools.find((t) => t.name === "report_time")!)!;
      const [content] = (await client.readResource({ uri })).contents;
      assert.ok("text" in content);
      const ui = McpUiResourceMetaSchema.parse(content._meta?.ui);
      const calls: [string, Record<string, unknown>][] = [
        ["report_time", { groupBy: "resource", from: "yesterday" }],
        ["report_ticket_flow", {}],
        ["report_ticket_aging", { by: "priority" }],
        ["report_sla", {}],
        ["report_contracts", {}],
        ["report_utilization", {}],
      ];
      const results: { name: string; args: Record<string, unknown>; report: DashboardReport }[] =
        [];
      for (const [name, args] of calls) {
        const report = dashboardReportSchema.parse(await callOk(client, name, args));
        assert.ok(report.charts.length > 0 && report.tables.every((t) => t.rows.length > 0), name);
        results.push({ name, args, report });
      }

      const http = serveHostPage(hostPageHtml(content.text, hostCspFor(ui.csp)));
      const { served, url: hostUrl } = http;
      const screens = await Deno.makeTempDir({ prefix: "autotask-report-screens-" });
      const browser = await launchChromium();
      let tab: BrowserPage | undefined;
      let bridge: AppBridge | undefined;
      try {
        tab = await BrowserPage.open(browser.cdp);
        const transport = new BrowserViewTransport(tab);
        await transport.attach();
        const hostContext = {
          theme: "light" as const,
          locale: "en-US",
          timeZone: ZONE,
          displayMode: "inline" as const,
          platform: "web" as const,
          containerDimensions: { width: 860, maxHeight: 8000 },
        };
        bridge = new AppBridge(null, { name: "report-test-host", version: "1.0.0" }, {}, {
          hostContext,
        });
        let ready = () => {};
        const initialized = new Promise<void>((resolve) => ready = resolve);
        bridge.oninitialized = () => ready();
        bridge.onsizechange = ({ height }) => {
          if (height) tab!.evaluate(null, `setFrameHeight(${height})`).catch(() => {});
        };
        await bridge.connect(transport);
        await tab.goto(hostUrl);
        await withTimeout(initialized, 10_000, "ui/notifications/initialized from the view");
        const view = await tab.frame("about:srcdoc");

        for (const [k, { name, args, report }] of results.entries()) {
          const theme = k % 2 === 0 ? "light" : "dark";
          bridge.setHostContext({ ...hostContext, theme });
          await tab.evaluate(null, `setHostTheme("${theme}")`);
          await bridge.sendToolInput({ arguments: args });
          await bridge.sendToolResult({
            content: [{ type: "text", text: JSON.stringify(report) }],
            structuredContent: report,
          });
          const drawn = await waitFor(async () => {
            const state = await read(tab!, view);
            return matches(state, report) ? state : undefined;
          }, `${name} drawn`);
          assert.equal(drawn.failed, false, name);
          assert.equal(drawn.cards, report.summary?.length ?? 0, `${name} cards`);
          for (const [i, chart] of report.charts.entries()) {
            const figure = drawn.figures[i];
            assert.equal(figure.caption, chart.title);
            assert.equal(figure.status, null, `${name} ${chart.title}: ${figure.status}`);
            if (chart.kind === "line") {
              assert.ok(figure.lines >= chart.series.length, `${name} ${chart.title} lines`);
            } else {
              assert.ok(figure.bars > 0, `${name} ${chart.title} bars`);
            }
          }
          for (const [i, t] of report.tables.entries()) {
            assert.equal(drawn.tables[i].caption, t.title);
            assert.equal(drawn.tables[i].rows, t.rows.length, `${name} ${t.title} rows`);
            assert.deepEqual(
              drawn.tables[i].headers,
              t.columns.map((c) => c.unit ? `${c.label} (${c.unit})` : c.label),
            );
          }
          // The pixels show it: the theme's background in the frame's corner.
          const path = `${screens}/${k + 1}-${name}-${theme}.png`;
          await waitFor(async () => {
            await tab!.evaluate(
              view,
              "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))",
            );
            await tab!.screenshot(path);
            const png = await decodePng(await Deno.readFile(path));
            const corner = png.rgb(28, 28);
            const dark = corner.every((v) => v < 80);
            return (theme === "dark") === dark && painted(png) ? true : undefined;
          }, `${path} in the ${theme} theme`);
        }
        assert.deepEqual(tab.errors, [], "the page threw or logged errors");
        assert.deepEqual(tab.requests, [hostUrl], "the only request is the host page itself");
        assert.deepEqual(served, ["/"]);
        console.log(`screenshots: ${screens}`);
      } finally {
        await bridge?.close().catch(() => {});
        await tab?.close();
        await browser.close();
        await http.shutdown();
      }
    });
  },
});
