/** Every tool module, in the order tools are listed. */

import type { ToolDef } from "../lib/mcp/tool.ts";
import { companyTools } from "./companies.ts";
import { configurationItemTools } from "./configuration_items.ts";
import { contactTools } from "./contacts.ts";
import { contractTools } from "./contracts.ts";
import { metadataTools } from "./metadata.ts";
import { opportunityTools } from "./opportunities.ts";
import { projectTools } from "./projects.ts";
import { queryTools } from "./query.ts";
import { resourceTools } from "./resources.ts";
import { taskTools } from "./tasks.ts";
import { ticketTools } from "./tickets.ts";
import { timeEntryTools } from "./time_entries.ts";

/** All tools the server can expose. */
export function allTools(): ToolDef[] {
  return [
    ...ticketTools,
    ...companyTools,
    ...contactTools,
    ...projectTools,
    ...taskTools,
    ...timeEntryTools,
    ...configurationItemTools,
    ...contractTools,
    ...opportunityTools,
    ...resourceTools,
    ...metadataTools,
    ...queryTools,
  ];
}
