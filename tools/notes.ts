/** notes tools (being written). */

import type { ToolDef } from "../lib/mcp/tool.ts";

/** The notes toolset. */
export const noteTools: ToolDef[] = [];
