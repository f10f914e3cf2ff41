/** attachments tools (being written). */

import type { ToolDef } from "../lib/mcp/tool.ts";

/** The attachments toolset. */
export const attachmentTools: ToolDef[] = [];
