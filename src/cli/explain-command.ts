import type { Command } from "commander";
import { loadDescriptionFile } from "../build/load.js";
import { generate } from "../build/generate.js";
import { explain, explainMermaid } from "../explain/explain.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { renderDiagnostics } from "./render-diagnostics.js";
import { defaultDescriptionFile, pickEnvironments, UsageError } from "./options.js";

export function registerExplainCommand(program: Command): void {
  program
    .command("explain")
    .description("describe one environment's pipelines, masking and sampling in words")
    .requiredOption("-e, --env <name>", "the environment to explain")
    .option("-f, --file <path>", "pipeline description (YAML, or tracegen.config.ts)")
    .option("--mermaid", "print the pipelines as a Mermaid flowchart instead")
    .action(async (options: { env: string; file?: string; mermaid?: boolean }) => {
      const file = options.file ?? defaultDescriptionFile();
      const loaded = await loadDescriptionFile(file);
      if (!loaded.ok) {
        process.stderr.write(renderDiagnostics(loaded.diagnostics, "text", process.stderr.isTTY ?? false));
        process.exitCode = 1;
        return;
      }
      const [env] = pickEnvironments([options.env], Object.keys(loaded.loaded.description.environments));
      if (!env) throw new UsageError("no environment given");
      const result = generate(loaded.loaded, { environments: [env] });
      const output = result.outputs[0];
      if (hasErrors(result.diagnostics) || !output) {
        process.stderr.write(renderDiagnostics(result.diagnostics, "text", process.stderr.isTTY ?? false));
        process.exitCode = 1;
        return;
      }
      process.stdout.write(options.mermaid ? explainMermaid(output.config) : explain(output.env, output.config));
    });
}
