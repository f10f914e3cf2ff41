/** 1. Cold start over stdio until tools/list is answered, and the server's memory then. */

import type { ServedSandbox } from "../lib/sandbox/mod.ts";
import { type SectionResult, summaryRow } from "./report.ts";
import { ServerProcess } from "./server_process.ts";
import { MIB_FROM_KIB, MS, show, summarize } from "./stats.ts";
import { serverEnv, serverFlags } from "./tenant.ts";

/** Options of {@linkcode coldStart}. */
export interface ColdStartOptions {
  runs: number;
  progress(line: string): void;
}

/**
 * Spawns the server `runs` times (after one unmeasured start that fills Deno's
 * module cache) and times spawn -> initialize -> tools/list answered.
 */
export async function coldStart(
  tenant: ServedSandbox,
  options: ColdStartOptions,
): Promise<SectionResult> {
  const flags = await serverFlags();
  const env = serverEnv(tenant);
  const toList: number[] = [];
  const toInitialize: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run <= options.runs; run++) {
    const started = performance.now();
    const server = ServerProcess.spawn({ flags, env });
    try {
      await server.initialize();
      const initialized = performance.now() - started;
      await server.request("tools/list");
      const listed = performance.now() - started;
      const memory = await server.memory();
      if (run === 0) continue; // the warm-up start: transpiles and caches main.ts's graph
      toInitialize.push(initialized);
      toList.push(listed);
      rss.push(memory.rssKib);
      options.progress(`cold start ${run}/${options.runs}: ${show(listed, MS)}`);
    } finally {
      await server.close();
    }
  }
  const initialize = summarize(toInitialize);
  return {
    rows: [
      summaryRow(1, "Cold start: spawn → `tools/list` answered (stdio, production flags)", {
        summary: summarize(toList),
        unit: MS,
        notes: `\`initialize\` answered after ${
          show(initialize.median, MS)
        } (median); Deno's module cache warm`,
      }),
      summaryRow(1, "Server RSS when `tools/list` is answered", {
        summary: summarize(rss),
        unit: MIB_FROM_KIB,
        notes: "VmRSS of the `deno run` process",
      }),
    ],
  };
}
