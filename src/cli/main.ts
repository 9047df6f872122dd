import { Command, CommanderError } from "commander";
import { VERSION } from "../version.js";
import { registerAuditCommand } from "./audit-command.js";
import { registerBuildCommand } from "./build-command.js";
import { registerExplainCommand } from "./explain-command.js";
import { registerFixturesCommand } from "./fixtures-command.js";
import { registerGatewayCommand } from "./gateway-command.js";
import { registerRecordCommand } from "./record-command.js";
import { registerReplayCommand } from "./replay-command.js";
import { UsageError } from "./options.js";
import { registerValidateCommand } from "./validate-command.js";

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

export function createProgram(): Command {
  const program = new Command("tracegen")
    .description("Turn one pipeline description into validated OpenTelemetry Collector configs, per environment.")
    .version(VERSION)
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText(
      "after",
      `
Exit codes: 0 ok, 1 invalid description or failed check, 2 usage error.

Start with:
  $ tracegen build              write configs/<env>/collector.yaml for every environment
  $ tracegen explain --env prod  what the prod collector does, in words
  $ tracegen help build         options of one command`,
    );
  registerBuildCommand(program);
  registerValidateCommand(program);
  registerExplainCommand(program);
  registerReplayCommand(program);
  registerRecordCommand(program);
  registerFixturesCommand(program);
  registerGatewayCommand(program);
  registerAuditCommand(program);
  program
    .command("schema")
    .description("print the JSON Schema of the description format (for editors and other tools)")
    .action(async () => {
      const { Description } = await import("../schema/description.js");
      process.stdout.write(`${JSON.stringify(Description, null, 2)}\n`);
    });
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`tracegen: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`tracegen: internal error: ${(error as Error).message}\n`);
    return EXIT.invalid;
  }
}
