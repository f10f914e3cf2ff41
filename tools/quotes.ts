/** quotes tools (being written). */

import type { ToolDef } from "../lib/mcp/tool.ts";

/** The quotes toolset. */
export const quoteTools: ToolDef[] = [];
