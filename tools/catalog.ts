/** catalog tools (being written). */

import type { ToolDef } from "../lib/mcp/tool.ts";

/** The catalog toolset. */
export const catalogTools: ToolDef[] = [];
