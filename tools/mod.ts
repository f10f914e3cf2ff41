/** THE list of resources: every tools/ module, and the kit and tool list built from it. */

import {
  assembleKit,
  type ToolDef,
  type ToolKit,
  type ToolModule,
  toolsOf,
} from "../lib/mcp/mod.ts";
import { attachments } from "./attachments.ts";
import { bulk } from "./bulk.ts";
import { catalog } from "./catalog.ts";
import { companies } from "./companies.ts";
import { configurationItems } from "./configuration_items.ts";
import { contacts } from "./contacts.ts";
import { contracts } from "./contracts.ts";
import { finance } from "./finance.ts";
import { CLOSING, OPENING } from "./instructions.ts";
import { lookups } from "./lookups.ts";
import { metadata } from "./metadata.ts";
import { notes } from "./notes.ts";
import { opportunities } from "./opportunities.ts";
import { phases } from "./phases.ts";
import { projects } from "./projects.ts";
import { PROMPTS } from "./prompts.ts";
import { query } from "./query.ts";
import { quotes } from "./quotes.ts";
import { references } from "./references.ts";
import { reports } from "./reports.ts";
import { resources } from "./resources.ts";
import { serviceCalls } from "./service_calls.ts";
import { tasks } from "./tasks.ts";
import { tickets } from "./tickets.ts";
import { ticketSecondaryResources } from "./ticket_secondary_resources.ts";
import { timeEntries } from "./time_entries.ts";
import { webhooks } from "./webhooks.ts";

/**
 * Every module, in the order its tools are listed. Adding a resource is its own file and one
 * line here.
 */
export const MODULES: readonly ToolModule[] = [
  tickets,
  companies,
  contacts,
  projects,
  tasks,
  timeEntries,
  configurationItems,
  contracts,
  opportunities,
  resources,
  metadata,
  query,
  notes,
  attachments,
  phases,
  lookups,
  serviceCalls,
  quotes,
  finance,
  catalog,
  ticketSecondaryResources,
  webhooks,
  references,
  bulk,
  reports,
];

/** Everything the server needs besides the tools: registry, instructions, prompts. */
export const kit: ToolKit = assembleKit(MODULES, {
  opening: OPENING,
  closing: CLOSING,
  prompts: PROMPTS,
  fieldLister: "describe_entity",
});

/** All tools the server can expose (the inventory picks which are listed). */
export function allTools(): ToolDef[] {
  return toolsOf(MODULES);
}
