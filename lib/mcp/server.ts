/** Builds the MCP server: name, version, instructions, prompts, the registered tools and the views they name. */

import type { McpRequestContext, McpServer } from "@modelcontextprotocol/server";
import denoConfig from "../../deno.json" with { type: "json" };
import type { AutotaskClient } from "../autotask/client.ts";
import { DEFAULT_MAX_RESULT_CHARS } from "../settings.ts";
import { NameResolver } from "../autotask/names.ts";
import { Picklists } from "../autotask/picklists.ts";
import { ResourceDirectory } from "../autotask/resource_directory.ts";
import type { AuditLog } from "./audit.ts";
import { identityOf, narrowTools, policyKey } from "./caller.ts";
import { instructionsFor } from "./instructions.ts";
import type { ToolKit } from "./kit.ts";
import { enabledPrompts, registerPrompts } from "./prompts.ts";
import { DASHBOARD_URI, registerDashboard } from "../ui/mod.ts";
import { enabledRecords, registerRecordResources } from "./records.ts";
import { ServerTemplate } from "./shared_server.ts";
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
  /** One line per write and per-user counts (HTTP mode shows them to the operator). */
  audit?: AuditLog;
  /** The user key of calls without a signed-in identity (default "local"). */
  localUser?: string;
  /** The webhook secret and, in HTTP mode, the received events. */
  webhooks?: WebhookAccess;
}

/** What a policy sees of the server: its tools, and the text and records that name only those. */
interface Surface {
  tools: ToolDef[];
  instructions: string;
  prompts: ReturnType<typeof enabledPrompts>;
  records: ReturnType<typeof enabledRecords>;
  deps: ToolDeps;
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
 * Over HTTP the request's verified identity (`context.authInfo`) picks the tool list: one
 * surface per policy (read-only, toolsets), computed once and cached, never wider than `tools`.
 * Each call's handler reads the identity again from its own request, so the registration is done
 * once per policy (a {@linkcode ServerTemplate}): a request the SDK serves gets a new instance
 * that shares it, and 2025-era calls that need no session go to one long-lived instance per
 * policy (`longLived`). Per-request state lives in the instance or the call's context, never in
 * the shared tools. Record resources are served while their tools
 * are enabled, and not to users who act as themselves (a resource read would be the API user's,
 * not theirs); subscribing to them is offered to 2026-07-28 clients (`subscriptions/listen`)
 * when callouts arrive here, i.e. in HTTP mode with the webhook secret: 2025-era HTTP clients
 * are served statelessly and have no stream to receive an update on.
 */
export function createServerFactory(options: ServerFactoryOptions): ServerFactory {
  const { kit, tools } = options;
  // Shared by every connection: picklists and names are per tenant, not per session.
  const picklists = new Picklists(options.client);
  const names = new NameResolver(options.client, { nameFields: kit.resources.nameFields });
  const directory = new ResourceDirectory(options.client, { now: options.now });
  const feed = options.webhooks?.feed;
  const surfaces = new Map<string, Surface>();
  function surfaceFor(key: string, allowed: ToolDef[]): Surface {
    let surface = surfaces.get(key);
    if (surface === undefined) {
      surface = {
        tools: allowed,
        instructions: instructionsFor(kit.instructions, {
          tools: allowed,
          sandbox: options.sandbox,
        }),
        prompts: enabledPrompts(kit.prompts, allowed),
        records: enabledRecords(kit.records, allowed),
        deps: {
          client: options.client,
          picklists,
          names,
          resources: kit.resources,
          fieldLister: allowed.some((t) => t.name === kit.fieldLister)
            ? kit.fieldLister
            : undefined,
          maxResultChars: options.maxResultChars ?? DEFAULT_MAX_RESULT_CHARS,
          readOnly: options.readOnly,
          redact: options.redact,
          log: options.log,
          now: options.now,
          timeZone: options.timeZone,
          webhooks: options.webhooks,
          directory,
          audit: options.audit,
          localUser: options.localUser,
        },
      };
      surfaces.set(key, surface);
    }
    return surface;
  }
  // One registration per policy and variant, lent to a new instance per request or connection.
  const templates = new Map<string, ServerTemplate>();
  function templateFor(key: string, surface: Surface, variant: Variant): ServerTemplate {
    const records = variant.records ? surface.records : [];
    const template = new ServerTemplate({ name: SERVER_NAME, version: VERSION }, {
      capabilities: {
        tools: {},
        prompts: {},
        ...(records.length > 0
          ? { resources: { subscribe: variant.subscribe, listChanged: false } }
          : {}),
      },
      instructions: surface.instructions,
    }, (server) => {
      registerPrompts(server, surface.prompts);
      // Only a surface listing a tool that points at the page offers it.
      if (surface.tools.some(showsDashboard)) registerDashboard(server);
      registerTools(server, surface.tools, surface.deps);
      if (records.length > 0) {
        registerRecordResources(server, records, {
          deps: surface.deps,
          recent: feed ? (limit) => feed.recentRecords(limit) : undefined,
        });
      }
    });
    templates.set(key, template);
    return template;
  }
  function templateOf(context: McpRequestContext | undefined): ServerTemplate {
    const identity = identityOf(context?.authInfo);
    const key = policyKey(identity);
    const surface = surfaces.get(key) ?? surfaceFor(key, narrowTools(tools, identity));
    const records = !identity?.impersonate && surface.records.length > 0;
    const variant: Variant = {
      records,
      subscribe: records && feed !== undefined && context?.era === "modern",
    };
    const templateKey = `${key}#${variant.records ? "records" : ""}#${
      variant.subscribe ? "subscribe" : ""
    }`;
    return templates.get(templateKey) ?? templateFor(templateKey, surface, variant);
  }
  const factory = (context?: McpRequestContext): McpServer => {
    const template = templateOf(context);
    // A request of the HTTP handler (`requestInfo`) gets an instance for that request alone,
    // which never sees an initialize: what a tool reads of its server (the client's declared
    // capabilities) is as empty on the template. A connection (stdio, legacy SSE: no
    // `requestInfo`) initializes its own instance once, and tools must read that one.
    return context?.requestInfo !== undefined ? template.create() : template.registered();
  };
  const longLived = new Map<ServerTemplate, McpServer>();
  return Object.assign(factory, {
    longLived(context: McpRequestContext): McpServer {
      const template = templateOf(context);
      let server = longLived.get(template);
      if (server === undefined) {
        server = template.create();
        longLived.set(template, server);
      }
      return server;
    },
  });
}

/**
 * Makes servers for the transports. `longLived` is for HTTP calls that need no session (see
 * `lib/http/stateless_calls.ts`): one instance per policy, like a per-request one (lent the
 * policy's registration, never initialized), that many calls share.
 */
export interface ServerFactory {
  (context?: McpRequestContext): McpServer;
  longLived(context: McpRequestContext): McpServer;
}

/** What else than the policy shapes a server: record resources offered, subscriptions offered. */
interface Variant {
  records: boolean;
  subscribe: boolean;
}
