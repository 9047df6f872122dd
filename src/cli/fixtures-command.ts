import type { SynthOptions } from "./fixtures-run.js";
import { Option, type Command } from "commander";
import type { DroppedOptions } from "./fixtures-dropped.js";

export function registerFixturesCommand(program: Command): void {
  const fixtures = program
    .command("fixtures")
    .description("make, check and convert OTLP trace fixtures for `tracegen replay`");
  fixtures
    .command("synth")
    .description(
      "write realistic traces of every flow of the description, with personal data planted everywhere masking must reach",
    )
    .requiredOption("--seed <n>", "seed: the same seed and description give the same file")
    .requiredOption("--traces <n>", "number of traces")
    .requiredOption("-o, --out <file>", "output: .jsonl for OTLP/JSON lines, .pb for length-prefixed protobuf")
    .option("-f, --file <path>", "pipeline description (YAML, or tracegen.config.ts)")
    .option("-e, --env <name...>", "plant the masking rules of these environments (default: all)")
    .option("--rate <traces-per-second>", "new traces per second of fixture time", "100")
    .addHelpText(
      "after",
      `
Every flow's path becomes spans the way instrumented services record them (HTTP
client/server pairs, RabbitMQ producer/consumer with parent and link, PostgreSQL
client spans) with semantic-convention attributes. Mixed in: error traces, traces
over their flow's SLA, traces in no flow, and consumer spans that run long after
the root ended. Personal data is planted in every field that can hold text:
resource, scope, span, event and link attributes and their keys, values five levels
deep, bytes, ints and doubles, span and link trace state, scope name and version,
schema URLs, span names (SQL and URLs too), status messages and event names; each
kind the description's detectors, keys, patterns and scrubbed keys promise to take
out, in hard forms too. What was planted where, and which rule must take it out, is
written next to the fixture as <out>.planted.json; \`tracegen replay\` reads it. Plant
for the environments you will replay (--env): each is held to every planted value.

Example:
  $ tracegen fixtures synth --seed 7 --traces 2000 --out build/synth.jsonl`,
    )
    .action(async (o: SynthOptions) => {
      process.exitCode = await (await import("./fixtures-run.js")).runSynth(o);
    });
  fixtures
    .command("check")
    .description("read fixture files and report every malformed one with its line or byte offset")
    .argument("<files...>", "OTLP/JSON lines or OTLP protobuf files")
    .action(async (files: string[]) => {
      process.exitCode = await (await import("./fixtures-run.js")).runCheck(files);
    });
  fixtures
    .command("dropped")
    .description("list the attribute keys of recorded traces that masking's allow-list mode would not let through")
    .argument("<fixtures...>", "OTLP/JSON lines or OTLP protobuf files, or quoted glob patterns")
    .option("-f, --file <path>", "pipeline description (YAML, or tracegen.config.ts)")
    .option(
      "-e, --env <name>",
      "only this environment; repeat for more (default: all)",
      (name: string, names: string[] = []) => [...names, name],
    )
    .addOption(new Option("--format <format>", "report as text or json").choices(["text", "json"]).default("text"))
    .addHelpText(
      "after",
      `
For each environment: every attribute key (resource, scope, span, event and link
attributes) that is neither on the allow list (masking.allow, the keys the
description names elsewhere, the semantic-conventions attributes without free
text) nor removed by masking.remove, with where it occurs and where it first
appears. Values are never printed. An environment still in masking.mode listed
gets the same list as a preview of switching it to allow_list.

Example:
  $ tracegen fixtures dropped --env prod test/fixtures/recorded/shop-scenario.jsonl`,
    )
    .action(async (files: string[], o: DroppedOptions) => {
      process.exitCode = await (await import("./fixtures-dropped.js")).runDropped(files, o);
    });
  fixtures
    .command("convert")
    .description("rewrite a fixture in the other encoding (by the output's extension: .jsonl or .pb)")
    .argument("<in>", "fixture to read")
    .argument("<out>", "fixture to write")
    .action(async (input: string, out: string) => {
      process.exitCode = await (await import("./fixtures-run.js")).runConvert(input, out);
    });
}
