import type { Command } from "commander";
import { readFixtureFile } from "../fixtures/read.js";
import { synthModel } from "../fixtures/synth/model.js";
import { synthesize } from "../fixtures/synth/synth.js";
import { writeFixtureFile } from "../fixtures/write.js";
import { spanCount } from "../otlp/model.js";
import { formatProblem } from "../otlp/problem.js";
import { generateOrReport } from "./generate-or-report.js";
import { UsageError } from "./options.js";

interface SynthOptions {
  seed: string;
  traces: string;
  out: string;
  file?: string;
  env?: string[];
  rate: string;
}

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
the root ended. Removed and pseudonymized keys, redact_values matches and SQL/URL
literals are planted in resource, scope, span, event and link attributes, span
names, status messages, event names, arrays and maps, with non-string values too.

Example:
  $ tracegen fixtures synth --seed 7 --traces 2000 --out build/synth.jsonl`,
    )
    .action(async (o: SynthOptions) => {
      process.exitCode = await runSynth(o);
    });
  fixtures
    .command("check")
    .description("read fixture files and report every malformed one with its line or byte offset")
    .argument("<files...>", "OTLP/JSON lines or OTLP protobuf files")
    .action(async (files: string[]) => {
      process.exitCode = await runCheck(files);
    });
  fixtures
    .command("convert")
    .description("rewrite a fixture in the other encoding (by the output's extension: .jsonl or .pb)")
    .argument("<in>", "fixture to read")
    .argument("<out>", "fixture to write")
    .action(async (input: string, out: string) => {
      process.exitCode = await runConvert(input, out);
    });
}

function positiveInteger(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${option} must be a whole number; found \`${value}\``);
  return n;
}

async function runSynth(o: SynthOptions): Promise<number> {
  const seed = positiveInteger(o.seed, "--seed");
  const traces = positiveInteger(o.traces, "--traces");
  const rate = Number(o.rate);
  if (!(rate > 0)) throw new UsageError(`--rate must be a positive number; found \`${o.rate}\``);
  if (traces === 0) throw new UsageError("--traces must be at least 1");
  const generated = await generateOrReport(
    { ...(o.file ? { file: o.file } : {}), ...(o.env ? { env: o.env } : {}), format: "text" },
    "; nothing written",
  );
  if (!generated) return 1;
  const model = synthModel(generated.outputs.map((g) => g.env.pipeline));
  const result = synthesize(model, { seed, traces, rate });
  await writeFixtureFile(o.out, result.requests);
  const c = result.traces;
  process.stdout.write(
    `wrote ${o.out}: ${traces} traces, ${result.spans} spans (${c.ordinary} ordinary, ${c.error} with errors, ${c["over-sla"]} over SLA, ${c.late} with late consumer spans, ${c.unmatched} in no flow)\n`,
  );
  if (result.uncoveredRules.length > 0)
    process.stderr.write(
      `warning: no planted value matches redact_values ${result.uncoveredRules.map((r) => `\`${r}\``).join(", ")}; the fixture cannot prove ${result.uncoveredRules.length === 1 ? "that rule" : "those rules"}\n`,
    );
  return 0;
}

async function runCheck(files: string[]): Promise<number> {
  let bad = 0;
  for (const file of files) {
    const result = await readFixtureFile(file);
    if (result.ok) {
      const spans = spanCount(result.requests.map((r) => r.request));
      process.stdout.write(`${file}: ok (${result.format}, ${result.requests.length} requests, ${spans} spans)\n`);
    } else {
      bad++;
      for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
    }
  }
  return bad > 0 ? 1 : 0;
}

async function runConvert(input: string, out: string): Promise<number> {
  const result = await readFixtureFile(input);
  if (!result.ok) {
    for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
    return 1;
  }
  await writeFixtureFile(
    out,
    result.requests.map((r) => r.request),
  );
  process.stdout.write(`wrote ${out}\n`);
  return 0;
}
