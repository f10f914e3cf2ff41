/** 8. Tool-definition weight: the size of the tools/list result an agent loads into its context. */

import type { ServedSandbox } from "../lib/sandbox/mod.ts";
import { type SectionResult, valueRow } from "./report.ts";
import { startServer } from "./server_process.ts";
import { bytes, fmt } from "./stats.ts";
import { serverEnv, serverFlags } from "./tenant.ts";

/** What one server lists. */
interface Listing {
  tools: number;
  bytes: number;
  instructionsBytes: number;
}

const encoder = new TextEncoder();

async function listing(tenant: ServedSandbox, toolsets: string): Promise<Listing> {
  const server = await startServer({
    flags: await serverFlags(),
    env: serverEnv(tenant, { AUTOTASK_TOOLSETS: toolsets }),
  });
  try {
    const { result } = await server.request("tools/list");
    return {
      tools: (result.tools as unknown[]).length,
      bytes: encoder.encode(JSON.stringify(result)).length,
      instructionsBytes: encoder.encode(server.instructions()).length,
    };
  } finally {
    await server.close();
  }
}

function tokens(size: number): string {
  return `≈${fmt(size / 4)} tokens`;
}

/** tools/list of the default toolsets and of `AUTOTASK_TOOLSETS=all`. */
export async function toolWeight(tenant: ServedSandbox): Promise<SectionResult> {
  const defaults = await listing(tenant, "");
  const all = await listing(tenant, "all");
  return {
    rows: [
      valueRow(8, `\`tools/list\` result, default toolsets (${defaults.tools} tools)`, {
        value: bytes(defaults.bytes),
        notes: `${tokens(defaults.bytes)} (bytes/4); server instructions add ${
          bytes(defaults.instructionsBytes)
        }`,
      }),
      valueRow(8, `\`tools/list\` result, \`AUTOTASK_TOOLSETS=all\` (${all.tools} tools)`, {
        value: bytes(all.bytes),
        notes: `${tokens(all.bytes)} (bytes/4); ${
          fmt(all.bytes / Math.max(1, all.tools))
        } B per tool`,
      }),
    ],
  };
}
