/** Ticket secondary resources: who works a ticket besides its primary resource, and in which role. */

import { idSchema, type ResourceDescriptor, searchTool, type ToolModule } from "../lib/mcp/mod.ts";

/** A resource working a ticket as a secondary resource, in one of its roles. */
export const TICKET_SECONDARY_RESOURCES = {
  entity: "TicketSecondaryResources",
  label: "Ticket secondary resource",
  toolset: "secondary_resources",
  openWorld: false,
  searchView: ["id", "ticketID", "resourceID", "roleID"],
  lister: "search_ticket_secondary_resources",
} satisfies ResourceDescriptor;

/** The secondary resources of tickets, read-only. */
export const ticketSecondaryResources: ToolModule = {
  resources: [TICKET_SECONDARY_RESOURCES],
  toolsets: { secondary_resources: "who works a ticket besides its primary resource (read-only)" },
  tools: [
    searchTool(TICKET_SECONDARY_RESOURCES, {
      name: "search_ticket_secondary_resources",
      title: "Search ticket secondary resources",
      description: "Who works a ticket besides its primary resource, and in which role; or " +
        "the tickets a resource helps on.",
      textFields: [],
      filters: {
        ticketID: { field: "ticketID", schema: idSchema },
        resourceID: { field: "resourceID", schema: idSchema },
        roleID: { field: "roleID", schema: idSchema },
      },
    }),
  ],
};
