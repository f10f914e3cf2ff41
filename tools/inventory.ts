/** Which tools a server exposes: toolsets, exclusions and read-only mode, decided in one place. */

import { isWriteTool, type ToolDef, type ToolModule } from "../lib/mcp/mod.ts";
import { MODULES } from "./mod.ts";

/** The toolsets of the resources that share them, with what each covers. */
const SHARED_TOOLSETS: Record<string, string> = {
  core: "list_field_values and describe_entity (always on)",
  tickets: "tickets and ticket notes",
  crm: "companies, contacts, resources",
  projects: "projects and tasks",
  time: "time entries",
  assets: "configuration items",
  contracts: "contracts",
  sales: "opportunities",
  query: "any entity, read-only: query_entities, count_entities, get_entity",
  reports:
    "ticket_summary and the dashboard reports: time, utilization, ticket aging, created vs completed, SLA, block-hour and retainer contracts",
  notes: "ticket notes by id, company notes and project notes",
  attachments: "ticket attachments: list, metadata, content, attach a file",
  updates:
    "updates of companies, contacts, projects, tasks, configuration items, opportunities, contracts and time entries; delete time entries",
  phases: "project phases",
  lookups: "resource roles and ticket queues",
  service_calls: "service calls, the tickets and project tasks they work, the resources sent",
  quotes: "quotes and quote items",
  finance: "invoices and ticket charges",
  catalog: "products, services and contract services",
};

/** The shared toolsets plus those modules bring; a name declared twice is a mistake. */
function toolsetsOf(modules: readonly ToolModule[]): Record<string, string> {
  const all: Record<string, string> = { ...SHARED_TOOLSETS };
  for (const [name, about] of modules.flatMap((m) => Object.entries(m.toolsets ?? {}))) {
    if (name in all) throw new Error(`Toolset ${name} is declared twice`);
    all[name] = about;
  }
  return all;
}

/** Every toolset, with what it covers (shown by --help and the README). */
export const TOOLSETS: Record<string, string> = toolsetsOf(MODULES);

/** The seed's domains plus the any-entity tools: small enough for an agent to choose well. */
export const DEFAULT_TOOLSETS: readonly string[] = [
  "core",
  "tickets",
  "crm",
  "projects",
  "time",
  "assets",
  "contracts",
  "sales",
  "query",
];

/** How the operator narrowed the tool list. */
export interface InventoryOptions {
  /** Toolset names; "all" enables every toolset, "default" the default ones. */
  toolsets?: string[];
  /** Tool names removed from the list. */
  exclude?: string[];
  /** Removes every tool that writes; nothing re-enables them. */
  readOnly?: boolean;
}

/** A configuration mistake in the tool selection (unknown toolset or tool name). */
export class InventoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InventoryError";
  }
}

/**
 * The tools to register. Read-only mode is applied last, so no toolset or
 * tool name can bring a writing tool back.
 */
export function selectTools(all: ToolDef[], options: InventoryOptions = {}): ToolDef[] {
  const requested = options.toolsets && options.toolsets.length > 0
    ? options.toolsets
    : ["default"];
  const enabled = new Set<string>(["core"]);
  for (const name of requested.map((n) => n.trim().toLowerCase()).filter(Boolean)) {
    if (name === "all") Object.keys(TOOLSETS).forEach((t) => enabled.add(t));
    else if (name === "default") DEFAULT_TOOLSETS.forEach((t) => enabled.add(t));
    else if (name in TOOLSETS) enabled.add(name);
    else {
      throw new InventoryError(
        `Unknown toolset "${name}": use all, default or any of ${Object.keys(TOOLSETS).join(", ")}`,
      );
    }
  }
  const names = new Set(all.map((t) => t.name));
  const exclude = new Set((options.exclude ?? []).map((n) => n.trim()).filter(Boolean));
  for (const name of exclude) {
    if (!names.has(name)) {
      throw new InventoryError(`Cannot exclude unknown tool "${name}": check the tool name`);
    }
  }
  return all.filter((tool) =>
    enabled.has(tool.toolset) && !exclude.has(tool.name) &&
    !(options.readOnly && isWriteTool(tool))
  );
}
