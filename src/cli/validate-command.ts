import { Option, type Command } from "commander";
import type { Format } from "./render-diagnostics.js";

interface ValidateOptions {
  junit?: string;
  file?: string;
  env?: string[];
  binary?: string;
  manifest?: string;
  format: Format;
}

export function registerValidateCommand(program: Command): void {
  program
    .command("validate")
    .description("check the description and every generated config without writing anything")
    .option("-f, --file <path>", "pipeline description (YAML, or tracegen.config.ts)")
    .option("-e, --env <name...>", "only these environments (default: all)")
    .option("--binary <path>", "also run `<path> validate --config` (the real collector) on each generated config")
    .option("--manifest <path>", "collector-builder.yaml that lists the distribution's components")
    .option("--junit <file>", "also write the outcome as JUnit XML, a test case per environment")
    .addOption(new Option("--format <format>", "diagnostics as text or json").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      `
With --binary, each config is handed to the collector with its \${env:VAR}
references set to placeholders of the right shape (unless set in your shell),
and the collector's own message is reported when it refuses one.

Example:
  $ tracegen validate --binary build/otelcol-shop`,
    )
    .action(async (options: ValidateOptions) => {
      process.exitCode = await runValidate(options);
    });
}

async function runValidate(options: ValidateOptions): Promise<number> {
  const { generateOrReport } = await import("./generate-or-report.js");
  const result = await generateOrReport(options);
  if (!result) return 1;
  const { validateWithBinary } = await import("../checks/binary/validate-binary.js");
  let failed = 0;
  for (const output of result.outputs) {
    for (const collector of output.collectors) {
      const label = collector.role === "collector" ? output.env.name : `${output.env.name} ${collector.role}`;
      if (!options.binary) {
        process.stdout.write(`${label}: ok\n`);
        continue;
      }
      const verdict = await validateWithBinary(options.binary, collector.content, collector.envVars);
      if (verdict.ok) process.stdout.write(`${label}: ok (accepted by ${options.binary})\n`);
      else {
        failed++;
        process.stderr.write(`${label}: refused by ${options.binary}:\n${verdict.message.replace(/^/gm, "  ")}\n`);
      }
    }
  }
  return failed > 0 ? 1 : 0;
}
