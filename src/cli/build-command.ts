import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Option, type Command } from "commander";
import { writeAtomically } from "../emit/write-atomically.js";
import type { Format } from "./render-diagnostics.js";

interface BuildOptions {
  junit?: string;
  file?: string;
  env?: string[];
  out: string;
  check?: boolean;
  manifest?: string;
  format: Format;
}

export function registerBuildCommand(program: Command): void {
  program
    .command("build")
    .description("generate <out>/<env>/collector.yaml (two-tier: agent.yaml, sampler.yaml, k8s/) for each environment")
    .option("-f, --file <path>", "pipeline description (YAML, or tracegen.config.ts)", undefined)
    .option("-e, --env <name...>", "only these environments (default: all)")
    .option("-o, --out <dir>", "output directory", "configs")
    .option("--check", "write nothing; exit 1 if the files on disk differ from what would be generated")
    .option("--manifest <path>", "collector-builder.yaml that lists the distribution's components", undefined)
    .option("--junit <file>", "also write the outcome as JUnit XML, a test case per environment")
    .addOption(new Option("--format <format>", "diagnostics as text or json").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      `
Everything is checked before anything is written: the description's schema, its
semantic rules and production guardrails, each generated component's keys, the
pipeline graph, and that the distribution builds every component used. If any
environment fails, no file is written; files are replaced atomically.

Examples:
  $ tracegen build                       all environments of tracing.yaml into configs/
  $ tracegen build --env prod --out out  one environment elsewhere
  $ tracegen build --check               in CI: fail when configs/ is stale`,
    )
    .action(async (options: BuildOptions) => {
      process.exitCode = await runBuild(options);
    });
}

async function runBuild(options: BuildOptions): Promise<number> {
  const { generateOrReport } = await import("./generate-or-report.js");
  const result = await generateOrReport(options, "; nothing written");
  if (!result) return 1;
  const files = result.outputs.flatMap((o) => o.files);
  if (options.check) {
    const stale: string[] = [];
    for (const f of files) {
      const onDisk = await readFile(join(options.out, f.path), "utf8").catch(() => undefined);
      if (onDisk !== f.content) stale.push(join(options.out, f.path));
    }
    if (stale.length > 0) {
      process.stderr.write(`out of date (run \`tracegen build\`):\n${stale.map((s) => `  ${s}\n`).join("")}`);
      return 1;
    }
    process.stdout.write(`${files.length} file${files.length === 1 ? "" : "s"} up to date\n`);
    return 0;
  }
  await writeAtomically(options.out, files);
  for (const f of files) process.stdout.write(`wrote ${join(options.out, f.path)}\n`);
  return 0;
}
