/** updates tools (being written). */

import type { ToolDef } from "../lib/mcp/tool.ts";

/** The updates toolset. */
export const updateTools: ToolDef[] = [];
