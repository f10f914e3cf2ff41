/** The server's instructions, written from the lines tools/ gives and the tools actually enabled. */

import type { ToolDef, ToolKind } from "./tool.ts";

/** One line of the server instructions and what it needs to be true. */
export interface InstructionLine {
  text: string;
  /** Tools the line names: it is left out unless every one of them is enabled. */
  needs?: readonly string[];
  /** Kinds of tool the line is about: left out unless an enabled tool is of one of them. */
  kinds?: readonly ToolKind[];
}

/** The banner of a server running against the built-in simulated tenant. */
const SANDBOX_BANNER =
  "SANDBOX MODE: this server talks to a built-in simulated Autotask tenant with sample data, not a real PSA.";

/** Options of {@linkcode instructionsFor}. */
export interface InstructionOptions {
  /** The tools the server lists. */
  tools: readonly ToolDef[];
  /** Running against the simulated tenant: the banner comes first. */
  sandbox?: boolean;
}

/**
 * The instruction text: every line whose tools are all enabled and whose kinds some enabled
 * tool has, in order, so read-only mode and narrowed toolsets never advertise a missing tool.
 */
export function instructionsFor(
  lines: readonly InstructionLine[],
  options: InstructionOptions,
): string {
  const names = new Set(options.tools.map((t) => t.name));
  const kinds = new Set(options.tools.map((t) => t.kind));
  const kept = lines.filter((line) =>
    (line.needs ?? []).every((name) => names.has(name)) &&
    (line.kinds === undefined || line.kinds.some((kind) => kinds.has(kind)))
  ).map((line) => line.text);
  return (options.sandbox ? [SANDBOX_BANNER, ...kept] : kept).join("\n");
}
