/** Builds the MCP server: name, version, instructions, prompts, the registered tools and the views they name. */

import { type McpRequestContext, McpServer } from "@modelcontextprotocol/server";
import denoConfig from "../../deno.json" with { type: "json" };
import type { AutotaskClient } from "../autotask/client.ts";
import { DEFAULT_MAX_RESULT_CHARS } from "../settings.ts";
import { NameResolver } from "../autotask/names.ts";
import { Picklists } from "../autotask/picklists.ts";
import { instructionsFor } from "./instructions.ts";
import type { ToolKit } from "./kit.ts";
import { enabledPrompts, registerPrompts } from "./prompts.ts";
import { DASHBOARD_URI, registerDashboard } from "../ui/mod.ts";
import { enabledRecords, registerRecordResources } from "./records.ts";
import { registerTools, type ToolDef, type ToolDeps, type WebhookAccess } from "./tool.ts";

/** The server's name as MCP clients see it. */
export const SERVER_NAME = "autotask-mcp";
/** The one version of the product, from deno.json. */
export const VERSION: string = denoConfig.version;

/** What the factory needs. */
export interface ServerFactoryOptions {
  client: AutotaskClient;
  /** The tools to list (the inventory's selection). */
  tools: ToolDef[];
  kit: ToolKit;
  /** Running against the built-in simulated tenant. */
  sandbox?: boolean;
  /** Cap on one result's JSON text (default {@linkcode DEFAULT_MAX_RESULT_CHARS}). */
  maxResultChars?: number;
  /** Refuse every writing tool at dispatch too (the tool list should already exclude them). */
  readOnly?: boolean;
  redact(text: string): string;
  log(line: string): void;
  /** Clock for time-window rules such as the attachment allowance (default `Date.now`). */
  now?: () => number;
  /** The user's IANA time zone (AUTOTASK_TIME_ZONE; default UTC). */
  timeZone?: string;
  /** The webhook secret and, in HTTP mode, the received events. */
  webhooks?: WebhookAccess;
}

/**
 * True when a tool's `_meta` points MCP Apps hosts at the dashboard (`ui.resourceUri`, or the
 * early drafts' flat `ui/resourceUri`): the server then serves that page as a resource.
 */
export function showsDashboard(tool: Pick<ToolDef, "meta">): boolean {
  const meta = tool.meta;
  if (!meta) return false;
  const ui = meta.ui as { resourceUri?: unknown } | undefined;
  return ui?.resourceUri === DASHBOARD_URI || meta["ui/resourceUri"] === DASHBOARD_URI;
}

/**
 * A factory the transports call: one server instance per connection (stdio) or request era.
 * Record resources are served while their tools are enabled; subscribing to them is offered to
 * 2026-07-28 clients (`subscriptions/listen`) when callouts arrive here, i.e. in HTTP mode with
 * the webhook secret: 2025-era HTTP clients are served statelessly and have no stream to
 * receive an update on.
 */
export function createServerFactory(
  options: ServerFactoryOptions,
): (context?: McpRequestContext) => McpServer {
  const { kit, tools } = options;
  // Shared by every connection: picklists and names are per tenant, not per session.
  const picklists = new Picklists(options.client);
  const names = new NameResolver(options.client, { nameFields: kit.resources.nameFields });
  const instructions = instructionsFor(kit.instructions, { tools, sandbox: options.sandbox });
  const prompts = enabledPrompts(kit.prompts, tools);
  const records = enabledRecords(kit.records, tools);
  const feed = options.webhooks?.feed;
  const fieldLister = tools.some((t) => t.name === kit.fieldLister) ? kit.fieldLister : undefined;
  // Only a server listing a tool that points at the page offers it (and the resources capability).
  const dashboard = tools.some(showsDashboard);
  const deps: ToolDeps = {
    client: options.client,
    picklists,
    names,
    resources: kit.resources,
    fieldLister,
    maxResultChars: options.maxResultChars ?? DEFAULT_MAX_RESULT_CHARS,
    readOnly: options.readOnly,
    redact: options.redact,
    log: options.log,
    now: options.now,
    timeZone: options.timeZone,
    webhooks: options.webhooks,
  };
  return (context) => {
    const subscribe = feed !== undefined && context?.era === "modern";
    const server = new McpServer(
      { name: SERVER_NAME, version: VERSION },
      {
        capabilities: {
          tools: {},
          prompts: {},
          ...(records.length > 0 ? { resources: { subscribe, listChanged: false } } : {}),
        },
        instructions,
      },
    );
    registerPrompts(server, prompts);
    if (dashboard) registerDashboard(server);
    registerTools(server, tools, deps);
    if (records.length > 0) {
      registerRecordResources(server, records, {
        deps,
        recent: feed ? (limit) => feed.recentRecords(limit) : undefined,
      });
    }
    return server;
  };
}
