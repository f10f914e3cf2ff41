/** service_calls tools (being written). */

import type { ToolDef } from "../lib/mcp/tool.ts";

/** The service_calls toolset. */
export const serviceCallTools: ToolDef[] = [];
