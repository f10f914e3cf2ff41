/** Every tool module, in the order tools are listed. */

import type { ToolDef } from "../lib/mcp/tool.ts";
import { attachmentTools } from "./attachments.ts";
import { catalogTools } from "./catalog.ts";
import { companyTools } from "./companies.ts";
import { configurationItemTools } from "./configuration_items.ts";
import { contactTools } from "./contacts.ts";
import { contractTools } from "./contracts.ts";
import { financeTools } from "./finance.ts";
import { lookupTools } from "./lookups.ts";
import { metadataTools } from "./metadata.ts";
import { noteTools } from "./notes.ts";
import { opportunityTools } from "./opportunities.ts";
import { phaseTools } from "./phases.ts";
import { projectTools } from "./projects.ts";
import { queryTools } from "./query.ts";
import { quoteTools } from "./quotes.ts";
import { resourceTools } from "./resources.ts";
import { serviceCallTools } from "./service_calls.ts";
import { taskTools } from "./tasks.ts";
import { ticketTools } from "./tickets.ts";
import { timeEntryTools } from "./time_entries.ts";
import { updateTools } from "./updates.ts";

/** All tools the server can expose (the inventory picks which are listed). */
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
    ...noteTools,
    ...attachmentTools,
    ...updateTools,
    ...phaseTools,
    ...lookupTools,
    ...serviceCallTools,
    ...quoteTools,
    ...financeTools,
    ...catalogTools,
  ];
}
