/** Builds one executable per target with the production permissions of `deno task start` baked in. */

const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** The permission flags of `deno task start`: the one definition of the production set. */
export async function productionFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile("deno.json"));
  const start: string = config.tasks.start;
  return start.split(/\s+/).filter((part) => part.startsWith("--allow-") || part === "--no-prompt");
}

if (import.meta.main) {
  const only = Deno.args.filter((a) => !a.startsWith("-"));
  const targets = only.length > 0 ? TARGETS.filter((t) => only.includes(t)) : TARGETS;
  const flags = await productionFlags();
  let failed = 0;
  for (const target of targets) {
    const output = `dist/autotask-mcp-${target}`;
    const args = [
      "compile",
      "--frozen",
      ...flags,
      "--target",
      target,
      "--output",
      output,
      "main.ts",
    ];
    console.error(`deno ${args.join(" ")}`);
    const { code } = await new Deno.Command("deno", { args, stdout: "inherit", stderr: "inherit" })
      .output();
    if (code !== 0) {
      failed++;
      console.error(`compile failed for ${target}`);
    }
  }
  Deno.exit(failed === 0 ? 0 : 1);
}
