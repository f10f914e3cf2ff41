/** MCP prompts: registers the workflows tools/ defines, each only when every tool it names is enabled. */

import type { McpServer } from "@modelcontextprotocol/server";
import type * as z from "zod";

/** One prompt: a cross-tool workflow a user starts by name. */
export interface PromptDef<Args extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  argsSchema: Args;
  /** The tools its text names: the prompt is listed only when all of them are enabled. */
  needs: readonly string[];
  /** The user message the prompt sends. */
  text(args: z.infer<Args>): string;
}

/** Identity function that keeps `text`'s argument type tied to the prompt's schema. */
export function definePrompt<Args extends z.ZodObject>(def: PromptDef<Args>): PromptDef {
  return def;
}

/** The prompts whose tools are all among `tools` (by name). */
export function enabledPrompts(
  prompts: readonly PromptDef[],
  tools: readonly { name: string }[],
): PromptDef[] {
  const names = new Set(tools.map((t) => t.name));
  return prompts.filter((prompt) => prompt.needs.every((name) => names.has(name)));
}

/** Registers `prompts` on `server`, each answering with one user message. */
export function registerPrompts(server: McpServer, prompts: readonly PromptDef[]): void {
  for (const prompt of prompts) {
    server.registerPrompt(prompt.name, {
      title: prompt.title,
      description: prompt.description,
      argsSchema: prompt.argsSchema,
    }, (args) => ({
      messages: [{
        role: "user" as const,
        content: { type: "text" as const, text: prompt.text(args) },
      }],
    }));
  }
}
