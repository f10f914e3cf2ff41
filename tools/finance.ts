/** finance tools (being written). */

import type { ToolDef } from "../lib/mcp/tool.ts";

/** The finance toolset. */
export const financeTools: ToolDef[] = [];
