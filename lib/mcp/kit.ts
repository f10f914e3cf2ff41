/** The tool kit a product assembles from its tools/ modules: tools, resource registry, instructions, prompts. */

import { type ResourceDescriptor, ResourceRegistry } from "./descriptor.ts";
import type { InstructionLine } from "./instructions.ts";
import type { PromptDef } from "./prompts.ts";
import type { RecordResource } from "./records.ts";
import type { ToolDef } from "./tool.ts";

/** One tools/ module: the resources it describes, the tools built from them, its instruction lines. */
export interface ToolModule {
  resources: readonly ResourceDescriptor[];
  tools: readonly ToolDef[];
  /** Lines of the server instructions about its tools (each kept only when its tools are enabled). */
  instructions?: readonly InstructionLine[];
  /**
   * Toolsets the module brings (name: what it covers, for --help and the README), so a new
   * resource with a toolset of its own needs no other file. Never a default toolset.
   */
  toolsets?: Readonly<Record<string, string>>;
  /** Records it serves as MCP resources (`autotask://tickets/{id}`), each while its tools are enabled. */
  records?: readonly RecordResource[];
}

/**
 * What tools/ hands the server besides the tools: the resource registry, the instruction
 * lines and prompts (each kept only when the tools it names are enabled), and the tool
 * messages may point to. lib/ itself names no tool and no resource.
 */
export interface ToolKit {
  resources: ResourceRegistry;
  instructions: readonly InstructionLine[];
  prompts: readonly PromptDef[];
  /** The tool that lists an entity's fields, named in messages when it is enabled. */
  fieldLister?: string;
  /** Every module's record resources. */
  records: readonly RecordResource[];
}

/** Options of {@linkcode assembleKit}. */
export interface KitOptions {
  /** Instruction lines before every module's own (ids, picklists, paging, ...). */
  opening: readonly InstructionLine[];
  /** Instruction lines after every module's own (untrusted text, errors, ...). */
  closing: readonly InstructionLine[];
  prompts: readonly PromptDef[];
  fieldLister?: string;
}

/** Every tool of `modules`, in module order. */
export function toolsOf(modules: readonly ToolModule[]): ToolDef[] {
  return modules.flatMap((module) => module.tools);
}

/** The kit of `modules`: one registry of all their descriptors, their instruction lines between the general ones. */
export function assembleKit(modules: readonly ToolModule[], options: KitOptions): ToolKit {
  return {
    resources: new ResourceRegistry(modules.flatMap((module) => module.resources)),
    instructions: [
      ...options.opening,
      ...modules.flatMap((module) => module.instructions ?? []),
      ...options.closing,
    ],
    prompts: options.prompts,
    fieldLister: options.fieldLister,
    records: modules.flatMap((module) => module.records ?? []),
  };
}
