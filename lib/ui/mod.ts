/**
 * The report dashboard as an MCP Apps view: the `ui://autotask/dashboard` resource, the `_meta`
 * a report tool carries to point at it, and the report data contract the page draws.
 *
 * Hosts with MCP Apps (extension `io.modelcontextprotocol/ui`) render the page next to a report
 * tool's result; every other client reads the same numbers from the result's text. Nothing
 * depends on the page.
 */

import type { McpServer, RegisteredResource } from "@modelcontextprotocol/server";
import { z } from "zod";
import { DASHBOARD_HTML } from "./dashboard_html.ts";
import type { DashboardReport } from "./report.ts";

export type {
  DashboardChart,
  DashboardChartKind,
  DashboardColumn,
  DashboardPeriod,
  DashboardReport,
  DashboardSummaryItem,
  DashboardTable,
} from "./report.ts";
export { DASHBOARD_HTML };

/** The dashboard resource's URI. */
export const DASHBOARD_URI = "ui://autotask/dashboard";
/** MIME type of an MCP Apps HTML view (SEP-1865). */
export const DASHBOARD_MIME_TYPE = "text/html;profile=mcp-app";
/** Extension id a client advertises under `capabilities.extensions` when it renders views. */
export const MCP_APPS_EXTENSION_ID = "io.modelcontextprotocol/ui";
/** The flat `_meta` key of the first MCP Apps drafts, still read by some hosts. */
export const LEGACY_RESOURCE_URI_KEY = "ui/resourceUri";

/** Origins a view may reach, by CSP directive (MCP Apps `McpUiResourceCsp`). */
export interface UiResourceCsp {
  connectDomains: string[];
  resourceDomains: string[];
  frameDomains: string[];
  baseUriDomains: string[];
}

/** `_meta` of the dashboard resource (its listing and its contents). */
export interface DashboardResourceMeta {
  [key: string]: unknown;
  ui: { csp: UiResourceCsp; prefersBorder: boolean };
}

/** `_meta` a report tool declares so MCP Apps hosts show its results in the dashboard. */
export interface DashboardToolMeta {
  [key: string]: unknown;
  ui: { resourceUri: string };
  "ui/resourceUri": string;
}

/**
 * The resource's `_meta.ui`: every CSP list empty (the page connects nowhere and loads nothing;
 * its script and style are inline), and a host border around it.
 */
export function dashboardResourceMeta(): DashboardResourceMeta {
  return {
    ui: {
      csp: { connectDomains: [], resourceDomains: [], frameDomains: [], baseUriDomains: [] },
      prefersBorder: true,
    },
  };
}

/**
 * The `_meta` for a report tool's definition: `ui.resourceUri`, plus the deprecated flat
 * `ui/resourceUri` key that hosts built on the early drafts still look for.
 */
export function dashboardToolMeta(): DashboardToolMeta {
  return { ui: { resourceUri: DASHBOARD_URI }, [LEGACY_RESOURCE_URI_KEY]: DASHBOARD_URI };
}

/**
 * Registers `ui://autotask/dashboard` on `server`: the page as text with the MCP Apps MIME type
 * and its CSP metadata. Call it in the server factory, before the server connects.
 */
export function registerDashboard(server: McpServer): RegisteredResource {
  return server.registerResource(
    "autotask_dashboard",
    DASHBOARD_URI,
    {
      title: "Report dashboard",
      description: "Charts and tables for the report tools' results (an MCP Apps view).",
      mimeType: DASHBOARD_MIME_TYPE,
      _meta: dashboardResourceMeta(),
    },
    (uri) => ({
      contents: [{
        uri: uri.href,
        mimeType: DASHBOARD_MIME_TYPE,
        text: DASHBOARD_HTML,
        _meta: dashboardResourceMeta(),
      }],
    }),
  );
}

const cell = z.union([z.string(), z.number(), z.null()]);

/**
 * {@linkcode DashboardReport} as a zod schema, for a report tool's `outputSchema` (extend it
 * with the tool's own keys) and for tests. Loose: other keys pass through.
 */
export const dashboardReportSchema = z.looseObject({
  report: z.string(),
  title: z.string(),
  period: z.object({ from: z.string(), to: z.string(), timeZone: z.string().optional() })
    .optional(),
  summary: z.array(z.object({
    label: z.string(),
    value: z.union([z.number(), z.string()]),
    unit: z.string().optional(),
  })).optional(),
  tables: z.array(z.object({
    title: z.string(),
    columns: z.array(z.object({ key: z.string(), label: z.string(), unit: z.string().optional() })),
    rows: z.array(z.record(z.string(), cell)),
  })),
  charts: z.array(z.object({
    kind: z.enum(["bar", "line", "stacked-bar"]),
    title: z.string(),
    x: z.object({ key: z.string(), label: z.string() }),
    series: z.array(z.object({ key: z.string(), label: z.string() })),
    table: z.number().int().min(0),
  })),
  notes: z.array(z.string()).optional(),
});

/** True when each type is assignable to the other. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The schema and the interface describe one contract: this fails to compile when they drift.
const _sameContract: Same<z.infer<typeof dashboardReportSchema>, DashboardReport> = true;
