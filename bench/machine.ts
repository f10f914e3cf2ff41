/** A one-line description of the machine the numbers were measured on. */

import { commandOutput } from "./server_process.ts";
import { fmt } from "./stats.ts";

async function cpuModel(): Promise<string> {
  // /proc needs --allow-all in Deno, so it is read through `cat`; macOS has sysctl instead.
  const cpuinfo = await commandOutput("cat", ["/proc/cpuinfo"]);
  const model = cpuinfo?.match(/^(?:model name|Hardware|Processor)\s*:\s*(.+)$/m)?.[1];
  if (model) return model.trim();
  const brand = await commandOutput("sysctl", ["-n", "machdep.cpu.brand_string"]);
  return brand?.trim() || "unknown CPU";
}

async function osName(): Promise<string> {
  let release = "";
  try {
    release = Deno.osRelease();
  } catch {
    // Windows without --allow-sys for it, or an unknown platform: the OS name alone.
  }
  let pretty: string | undefined;
  try {
    const text = await Deno.readTextFile("/etc/os-release");
    pretty = text.match(/^PRETTY_NAME="?([^"\n]+)"?$/m)?.[1];
  } catch {
    // Not Linux, or no os-release.
  }
  const kernel = `${Deno.build.os} ${release} ${Deno.build.arch}`.replace(/\s+/g, " ");
  return pretty ? `${pretty} (${kernel})` : kernel;
}

function memoryTotal(): string {
  try {
    return `${fmt(Deno.systemMemoryInfo().total / 1024 ** 3, 1)} GiB memory`;
  } catch {
    return "memory unknown";
  }
}

/** CPU model, cores, memory, OS and Deno version. */
export async function describeMachine(): Promise<string> {
  return [
    await cpuModel(),
    `${navigator.hardwareConcurrency} cores`,
    memoryTotal(),
    await osName(),
    `Deno ${Deno.version.deno} (V8 ${Deno.version.v8}, TypeScript ${Deno.version.typescript})`,
  ].join(", ");
}
