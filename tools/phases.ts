/** phases tools (being written). */

import type { ToolDef } from "../lib/mcp/tool.ts";

/** The phases toolset. */
export const phaseTools: ToolDef[] = [];
