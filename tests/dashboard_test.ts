/**
 * The dashboard page and its registration: the committed page is built from lib/ui/view/ and
 * self-contained, the chart arithmetic is right, and an MCP client reads the page as an MCP
 * Apps resource that a report tool points at.
 */

import assert from "node:assert/strict";
import { InMemoryTransport, McpServer } from "@modelcontextprotocol/server";
import {
  BUILD_COMMAND,
  buildDashboardHtml,
  compactCss,
  GENERATED_MODULE,
  moduleSource,
} from "../lib/ui/build.ts";
import {
  DASHBOARD_HTML,
  DASHBOARD_MIME_TYPE,
  DASHBOARD_URI,
  dashboardReportSchema,
  dashboardResourceMeta,
  dashboardToolMeta,
  LEGACY_RESOURCE_URI_KEY,
  MCP_APPS_EXTENSION_ID,
  registerDashboard,
} from "../lib/ui/mod.ts";
import { layoutChart, MAX_BAR_CATEGORIES, niceTicks, truncate } from "../lib/ui/view/chart.ts";
import { formatter, numberOf } from "../lib/ui/view/format.ts";
import {
  Client,
  getToolUiResourceUri,
  MCP_APPS_EXTENSION_ID as OFFICIAL_EXTENSION_ID,
  McpUiResourceMetaSchema,
  RESOURCE_MIME_TYPE,
  RESOURCE_URI_META_KEY,
} from "./deps.ts";
import { SAMPLE_BAR_COUNT, sampleReport } from "./dashboard_fixture.ts";

const en = formatter("en-US");

Deno.test("the committed dashboard module is what lib/ui/build.ts makes from lib/ui/view/", async () => {
  const built = await moduleSource(await buildDashboardHtml());
  const committed = await Deno.readTextFile(GENERATED_MODULE);
  assert.ok(
    built === committed,
    `lib/ui/dashboard_html.ts is stale: run \`${BUILD_COMMAND}\` and commit the result`,
  );
});

Deno.test("the page is one small HTML document that loads nothing and connects nowhere", () => {
  const bytes = new TextEncoder().encode(DASHBOARD_HTML).length;
  console.log(`dashboard page: ${bytes} bytes`);
  assert.ok(bytes < 40_000, `the page grew to ${bytes} bytes; keep it under 40 KB`);
  assert.match(DASHBOARD_HTML, /^<!DOCTYPE html><html lang="en">/);
  // Exactly one inline script and one inline style, nothing fetched by markup or CSS.
  assert.equal(DASHBOARD_HTML.match(/<script/g)?.length, 1);
  assert.equal(DASHBOARD_HTML.match(/<style/g)?.length, 1);
  assert.doesNotMatch(DASHBOARD_HTML, /<script[^>]*\bsrc=|<link\b|<img\b|<iframe\b|@import|url\(/i);
  assert.doesNotMatch(DASHBOARD_HTML, /\bfetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon/);
  assert.doesNotMatch(DASHBOARD_HTML, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);

  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(DASHBOARD_HTML);
  assert.ok(csp, "the page declares its own Content-Security-Policy");
  const directives = new Map(
    csp[1].split(";").map((d) => d.trim().split(/\s+/)).map(([name, ...v]) => [name, v]),
  );
  assert.deepEqual(directives.get("default-src"), ["'none'"]);
  assert.deepEqual(directives.get("img-src"), ["data:"]);
  assert.deepEqual(directives.get("base-uri"), ["'none'"]);
  for (const name of ["script-src", "style-src"]) {
    const sources = directives.get(name) ?? [];
    assert.equal(sources.length, 1, `${name} allows exactly one hashed inline block`);
    assert.match(sources[0], /^'sha256-[A-Za-z0-9+/]+=*'$/);
  }
  assert.ok(!directives.has("connect-src"), "connect-src falls back to default-src 'none'");
});

Deno.test("the page's CSP hashes match its inline script and style", async () => {
  const hash = async (text: string) =>
    btoa(String.fromCharCode(
      ...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))),
    ));
  const script = /<script>([\s\S]*)<\/script>/.exec(DASHBOARD_HTML)![1];
  const style = /<style>([\s\S]*)<\/style>/.exec(DASHBOARD_HTML)![1];
  assert.ok(DASHBOARD_HTML.includes(`script-src 'sha256-${await hash(script)}'`));
  assert.ok(DASHBOARD_HTML.includes(`style-src 'sha256-${await hash(style)}'`));
});

Deno.test("compactCss drops comments and spaces but keeps selectors and values", () => {
  assert.equal(
    compactCss("/* why */\n.a .b > c {\n  color: light-dark(#fff, #000);\n}\n"),
    ".a .b>c{color: light-dark(#fff,#000)}",
  );
});

Deno.test("niceTicks covers the data with round steps and always includes zero", () => {
  assert.deepEqual(niceTicks(0, 36.75), [0, 10, 20, 30, 40]);
  assert.deepEqual(niceTicks(0, 0), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-12, 48), [-20, 0, 20, 40, 60]);
  assert.deepEqual(niceTicks(3, 7), [0, 2, 4, 6, 8]);
  assert.deepEqual(niceTicks(0, 1234567), [0, 250000, 500000, 750000, 1000000, 1250000]);
  for (const [lo, hi] of [[0, 0.3], [0, 9.99], [-5, -1], [0, 101]]) {
    const ticks = niceTicks(lo, hi);
    assert.ok(ticks[0] <= Math.min(0, lo) && ticks.at(-1)! >= Math.max(0, hi), `${lo}..${hi}`);
    assert.ok(ticks.includes(0), `${lo}..${hi} includes 0`);
    assert.ok(ticks.length >= 3 && ticks.length <= 7, `${lo}..${hi}: ${ticks}`);
  }
});

Deno.test("grouped bars: one bar per number, heights proportional to values from the zero line", () => {
  const report = sampleReport();
  const layout = layoutChart(report.charts[0], report.tables, { format: en });
  assert.ok(!("problem" in layout));
  assert.equal(layout.bars.length, SAMPLE_BAR_COUNT / 2, "nulls leave gaps");
  assert.ok(layout.horizontal, "long names put the categories on the vertical axis");
  const perUnit = (layout.plot.right - layout.plot.left) /
    (layout.ticks.at(-1)!.value - layout.ticks[0].value);
  for (const bar of layout.bars) {
    assert.ok(Math.abs(bar.width - bar.value * perUnit) < 1e-6, `bar ${bar.value}`);
    assert.ok(Math.abs(bar.x - layout.zero) < 1e-6, "bars start at zero");
  }
  // Bars of one category sit side by side inside its band, not on top of each other.
  const alice = layout.bars.filter((b) => b.category === 0);
  assert.equal(alice.length, 2);
  assert.ok(Math.abs(alice[1].y - (alice[0].y + alice[0].height)) < 1e-6);
  assert.equal(layout.unit, "h");
});

Deno.test("stacked bars: segments of a category follow each other and end at the sum", () => {
  const report = sampleReport();
  const layout = layoutChart(report.charts[1], report.tables, { format: en });
  assert.ok(!("problem" in layout));
  const bob = layout.bars.filter((b) => b.category === 1);
  assert.deepEqual(bob.map((b) => b.value), [28, 9.5]);
  assert.ok(
    Math.abs(bob[1].x - (bob[0].x + bob[0].width)) < 1e-6,
    "second segment starts where the first ends",
  );
  assert.equal(bob[0].y, bob[1].y, "segments share the row");
  const perUnit = (layout.plot.right - layout.plot.left) /
    (layout.ticks.at(-1)!.value - layout.ticks[0].value);
  assert.ok(Math.abs(bob[1].x + bob[1].width - (layout.zero + 37.5 * perUnit)) < 1e-6);
});

Deno.test("line chart: vertical, one path per series, a missing value splits the line", () => {
  const report = sampleReport();
  const layout = layoutChart(report.charts[2], report.tables, { format: en });
  assert.ok(!("problem" in layout));
  assert.equal(layout.horizontal, false);
  assert.equal(layout.lines.length, 2);
  assert.equal(layout.lines[0].points.length, 6);
  assert.equal(layout.lines[1].points.length, 5);
  assert.equal(layout.lines[0].path.match(/M/g)?.length, 1);
  assert.equal(
    layout.lines[1].path.match(/M/g)?.length,
    2,
    "the gap in week 8 starts a new segment",
  );
  // Higher values sit higher (smaller y) on the vertical value axis.
  const [w6, w7] = layout.lines[0].points;
  assert.ok(w7.value > w6.value && w7.y < w6.y);
  assert.ok(layout.markers);
});

Deno.test("layoutChart caps categories, cuts labels and reports what it cannot draw", () => {
  const rows = Array.from(
    { length: 75 },
    (_, i) => ({ name: `Company number ${i} with a long name`, n: i }),
  );
  const table = {
    title: "t",
    columns: [{ key: "name", label: "Name" }, { key: "n", label: "N" }],
    rows,
  };
  const chart = {
    kind: "bar" as const,
    title: "c",
    x: { key: "name", label: "Name" },
    series: [{ key: "n", label: "N" }],
    table: 0,
  };
  const layout = layoutChart(chart, [table], { format: en });
  assert.ok(!("problem" in layout));
  assert.equal(layout.shown, MAX_BAR_CATEGORIES);
  assert.equal(layout.total, 75);
  assert.ok(layout.categories.every((c) => c.short.length <= 30 && c.short.endsWith("…")));

  assert.match(
    (layoutChart({ ...chart, table: 3 }, [table], { format: en }) as { problem: string }).problem,
    /table 3/,
  );
  const empty = layoutChart({ ...chart, series: [{ key: "missing", label: "M" }] }, [table], {
    format: en,
  });
  assert.ok(!("problem" in empty) && empty.hasData === false);
  assert.equal(truncate("abcdef", 4), "abc…");
  assert.equal(truncate("abc", 4), "abc");
});

Deno.test("formatter: locale numbers with units, date-only values without a zone shift", () => {
  assert.equal(en.value(1234567.891), "1,234,567.89");
  assert.equal(en.value(85.09, "%"), "85.09%");
  assert.equal(en.value(31.5, "h"), "31.5 h");
  assert.equal(formatter("de-DE").value(1234.5, "h"), "1.234,5 h");
  assert.equal(formatter("not a locale!").locale, "en-US");
  assert.equal(formatter(undefined).locale, "en-US");
  assert.equal(en.tick(1_500_000, true), "1.5M");
  // A date-only value is a local day: it must read the same in every zone.
  assert.equal(en.date("2026-03-01"), "Mar 1, 2026");
  assert.equal(en.date("2026-03-01T23:30:00Z", "Europe/Berlin"), "Mar 2, 2026, 12:30 AM");
  assert.equal(en.date("2026-03-01T23:30:00Z", "Not/AZone"), "2026-03-01T23:30:00Z");
  assert.equal(en.date("last week"), "last week");
  assert.equal(numberOf("12.5"), 12.5);
  assert.equal(numberOf(""), null);
  assert.equal(numberOf("n/a"), null);
  assert.equal(numberOf(Number.NaN), null);
  assert.equal(numberOf(null), null);
});

Deno.test("dashboardReportSchema accepts the sample and its extra keys, and refuses a bad chart", () => {
  const parsed = dashboardReportSchema.parse(sampleReport());
  assert.deepEqual(parsed.requests, { made: 14, budgetShare: 0.0014 });
  const bad = { ...sampleReport(), charts: [{ ...sampleReport().charts[0], kind: "pie" }] };
  assert.throws(
    () => dashboardReportSchema.parse(bad),
    /"kind"[\s\S]*Invalid option/,
  );
});

Deno.test("the MCP Apps names match the official ext-apps package", () => {
  assert.equal(DASHBOARD_MIME_TYPE, RESOURCE_MIME_TYPE);
  assert.equal(LEGACY_RESOURCE_URI_KEY, RESOURCE_URI_META_KEY);
  assert.equal(MCP_APPS_EXTENSION_ID, OFFICIAL_EXTENSION_ID);
  McpUiResourceMetaSchema.parse(dashboardResourceMeta().ui);
});

Deno.test("an MCP client lists and reads ui://autotask/dashboard, and finds it from a tool's _meta", async () => {
  const server = new McpServer({ name: "dashboard-test", version: "0" });
  registerDashboard(server);
  server.registerTool(
    "report_sample",
    { description: "A sample report", _meta: dashboardToolMeta() },
    () => ({ content: [{ type: "text", text: JSON.stringify(sampleReport()) }] }),
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "dashboard-test", version: "0" });
  await client.connect(clientSide);
  try {
    const { resources } = await client.listResources();
    const listed = resources.find((r) => r.uri === DASHBOARD_URI);
    assert.ok(listed, "resources/list includes the dashboard");
    assert.equal(listed.mimeType, "text/html;profile=mcp-app");
    assert.deepEqual(listed._meta, dashboardResourceMeta());

    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === "report_sample")!;
    assert.equal(
      getToolUiResourceUri(tool),
      DASHBOARD_URI,
      "the official host helper finds the page",
    );
    assert.equal(tool._meta?.[RESOURCE_URI_META_KEY], DASHBOARD_URI, "the legacy key too");

    const read = await client.readResource({ uri: getToolUiResourceUri(tool)! });
    assert.equal(read.contents.length, 1);
    const [content] = read.contents;
    assert.equal(content.uri, DASHBOARD_URI);
    assert.equal(content.mimeType, "text/html;profile=mcp-app");
    assert.ok("text" in content && content.text === DASHBOARD_HTML);
    const ui = McpUiResourceMetaSchema.parse(content._meta?.ui);
    assert.deepEqual(ui.csp, {
      connectDomains: [],
      resourceDomains: [],
      frameDomains: [],
      baseUriDomains: [],
    });
  } finally {
    await client.close();
    await server.close();
  }
});
