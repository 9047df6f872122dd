import type { Command } from "commander";

export function registerExplainCommand(program: Command): void {
  program
    .command("explain")
    .description("describe one environment's pipelines, masking and sampling in words")
    .requiredOption("-e, --env <name>", "the environment to explain")
    .option("-f, --file <path>", "pipeline description (YAML, or tracegen.config.ts)")
    .option("--mermaid", "print the pipelines as a Mermaid flowchart instead")
    .addHelpText(
      "after",
      `
Examples:
  $ tracegen explain --env prod             pipelines, endpoints, masking and each flow's sampling rule
  $ tracegen explain --env dev --mermaid    the pipelines as a chart for docs or a pull request`,
    )
    .action(async (options: { env: string; file?: string; mermaid?: boolean }) => {
      const [{ generateOrReport }, { explain, explainMermaid }] = await Promise.all([
        import("./generate-or-report.js"),
        import("../explain/explain.js"),
      ]);
      const result = await generateOrReport({
        ...(options.file ? { file: options.file } : {}),
        env: [options.env],
        format: "text",
      });
      const output = result?.outputs[0];
      if (!output) {
        process.exitCode = 1;
        return;
      }
      process.stdout.write(
        options.mermaid ? explainMermaid(output.collectors) : explain(output.env, output.collectors),
      );
    });
}
