/** lookups tools (being written). */

import type { ToolDef } from "../lib/mcp/tool.ts";

/** The lookups toolset. */
export const lookupTools: ToolDef[] = [];
