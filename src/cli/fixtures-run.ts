import { plantedPath, writePlanted } from "../traffic/planted.js";
import { readFixtureFile } from "../traffic/read.js";
import { synthModel } from "../traffic/synth/model.js";
import { synthesize } from "../traffic/synth/synth.js";
import { writeFixtureFile } from "../traffic/write.js";
import { spanCount } from "../otlp/model.js";
import { formatProblem } from "../otlp/problem.js";
import { generateOrReport } from "./generate-or-report.js";
import { UsageError } from "./options.js";

export interface SynthOptions {
  seed: string;
  traces: string;
  out: string;
  file?: string;
  env?: string[];
  rate: string;
}

function positiveInteger(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${option} must be a whole number; found \`${value}\``);
  return n;
}

export async function runSynth(o: SynthOptions): Promise<number> {
  const seed = positiveInteger(o.seed, "--seed");
  const traces = positiveInteger(o.traces, "--traces");
  const rate = Number(o.rate);
  if (!(rate > 0)) throw new UsageError(`--rate must be a positive number; found \`${o.rate}\``);
  if (traces === 0) throw new UsageError("--traces must be at least 1");
  const generated = await generateOrReport(
    { ...(o.file ? { file: o.file } : {}), ...(o.env ? { env: o.env } : {}), format: "text", errorsOnly: true },
    "; nothing written",
  );
  if (!generated) return 1;
  const model = synthModel(generated.outputs.map((g) => g.env));
  const result = synthesize(model, { seed, traces, rate });
  await writeFixtureFile(o.out, result.requests);
  await writePlanted(o.out, result.planted);
  const c = result.traces;
  process.stdout.write(
    `wrote ${o.out}: ${traces} traces, ${result.spans} spans (${c.ordinary} ordinary, ${c.error} with errors, ${c["over-sla"]} over SLA, ${c.late + c["late-error"]} with late consumer spans (${c["late-error"]} of them failed early), ${c.unmatched} in no flow)\n` +
      `wrote ${plantedPath(o.out)}: ${result.planted.length} personal values planted, each with its place and the rules that must take it out\n`,
  );
  if (result.uncoveredRules.length > 0)
    process.stderr.write(
      `warning: no planted value matches redact_values ${result.uncoveredRules.map((r) => `\`${r}\``).join(", ")}; the fixture cannot prove ${result.uncoveredRules.length === 1 ? "that rule" : "those rules"}\n`,
    );
  return 0;
}

export async function runCheck(files: string[]): Promise<number> {
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

export async function runConvert(input: string, out: string): Promise<number> {
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
