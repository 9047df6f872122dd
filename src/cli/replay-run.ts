import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { writeAtomically } from "../emit/write-atomically.js";
import { expandGlob } from "../traffic/glob.js";
import { PLANTED_SUFFIX, readPlanted, type PlantedValue } from "../traffic/planted.js";
import { readFixtureFile, type FixtureRequest } from "../traffic/read.js";
import { toJsonLines } from "../traffic/write.js";
import { formatProblem } from "../otlp/problem.js";
import { durationMs } from "../schema/units.js";
import { CollectorFailure } from "../collector/runtime/process.js";
import { terminalProgress } from "../replay/progress.js";
import { replay } from "../replay/replay.js";
import { summarize } from "../replay/report/model.js";
import { renderJunit } from "../replay/report/junit.js";
import { renderReportPage } from "../replay/report/page.js";
import { renderText } from "../replay/report/text.js";
import { ReplayFailure } from "../replay/run.js";
import { generateOrReport } from "./generate-or-report.js";
import { UsageError } from "./options.js";

export interface ReplayCliOptions {
  env: string;
  fixtures: string[];
  file?: string;
  collector: string;
  received?: string;
  json?: boolean;
  junit?: string;
  html?: string;
  speed: string;
  decisionWait?: string;
  protocol?: string;
  confidence: string;
  topology?: string;
  agents?: string;
  samplers?: string;
}

export async function runReplayCommand(o: ReplayCliOptions): Promise<number> {
  const speed = o.speed === "max" ? Infinity : Number(o.speed);
  if (!(speed > 0)) throw new UsageError(`--speed must be a positive number or \`max\`; found \`${o.speed}\``);
  const confidence = Number(o.confidence);
  if (!(confidence > 0 && confidence < 1))
    throw new UsageError(`--confidence must be between 0 and 1, e.g. 0.999; found \`${o.confidence}\``);
  if (o.decisionWait !== undefined && !/^[0-9]+(\.[0-9]+)?(ms|s|m|h)$/.test(o.decisionWait))
    throw new UsageError(`--decision-wait must be a duration like 2s; found \`${o.decisionWait}\``);
  // The sampler decides on a one-second tick; below a second it refuses to start.
  if (o.decisionWait !== undefined && durationMs(o.decisionWait) < 1000)
    throw new UsageError(`--decision-wait must be at least 1s; found \`${o.decisionWait}\``);
  if (o.protocol !== undefined && o.protocol !== "grpc" && o.protocol !== "http")
    throw new UsageError(`--protocol must be grpc or http; found \`${o.protocol}\``);
  if (o.topology !== undefined && o.topology !== "single" && o.topology !== "two-tier")
    throw new UsageError(`--topology must be single or two-tier; found \`${o.topology}\``);
  const agents = processCount("--agents", o.agents);
  const samplers = processCount("--samplers", o.samplers);
  if ((agents !== undefined || samplers !== undefined) && o.topology !== "two-tier")
    throw new UsageError("--agents and --samplers need --topology two-tier");

  const matches = await Promise.all(o.fixtures.map((g) => expandGlob(g)));
  // A glob over a directory of synthesized fixtures also matches their manifests, which are not fixtures.
  const files = [...new Set(matches.flat())].filter((f) => !f.endsWith(PLANTED_SUFFIX));
  const unmatched = o.fixtures.filter((_, i) => matches[i]!.length === 0);
  if (unmatched.length > 0)
    throw new UsageError(`no fixture file matches ${unmatched.map((g) => `\`${g}\``).join(", ")}`);
  const fixtures: FixtureRequest[] = [];
  // A synthesized fixture's manifest says what was planted in it: the leak oracle searches for each value.
  const planted: PlantedValue[] = [];
  let bad = 0;
  for (const file of files) {
    const result = await readFixtureFile(file);
    if (result.ok) fixtures.push(...result.requests);
    else {
      bad++;
      for (const p of result.problems) process.stderr.write(`${formatProblem(p)}\n`);
    }
    try {
      planted.push(...((await readPlanted(file)) ?? []));
    } catch (error) {
      bad++;
      process.stderr.write(`${(error as Error).message}\n`);
    }
  }
  if (bad > 0) {
    process.stderr.write(`${bad} fixture file${bad === 1 ? " is" : "s are"} malformed; nothing was sent\n`);
    return 1;
  }

  if (!existsSync(o.collector))
    throw new UsageError(
      `collector binary not found: ${o.collector} (run \`npm run collector:build\` or pass --collector)`,
    );

  const generated = await generateOrReport(
    { ...(o.file ? { file: o.file } : {}), env: [o.env], format: "text", errorsOnly: true },
    "; nothing was sent",
  );
  const output = generated?.outputs[0];
  if (!output) return 1;
  const { topology } = output.env.pipeline;
  const twoTier = (o.topology ?? topology.kind) === "two-tier";
  if (twoTier && topology.kind !== "two-tier") {
    process.stderr.write(
      `tracegen replay: environment ${o.env} has a single-collector topology; set topology.kind: two-tier to replay it as two tiers\n`,
    );
    return 1;
  }

  const tty = !o.json && process.stderr.isTTY === true;
  const progress = tty ? terminalProgress(process.stderr) : undefined;
  let outcome;
  try {
    outcome = await replay({
      env: output.env,
      fixtures,
      collector: o.collector,
      speed,
      confidence,
      planted,
      ...(o.decisionWait ? { decisionWait: o.decisionWait } : {}),
      ...(o.protocol ? { protocol: o.protocol as "grpc" | "http" } : {}),
      ...(progress ? { onProgress: progress.onProgress } : {}),
      ...(twoTier ? { tiers: { agents: agents ?? topology.agents, samplers: samplers ?? topology.samplers } } : {}),
    });
  } catch (error) {
    if (error instanceof ReplayFailure || error instanceof CollectorFailure) {
      progress?.done();
      process.stderr.write(`tracegen replay: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    progress?.done();
  }
  const { record, report, holdsPersonal } = outcome;
  if (o.received) await writeFile(o.received, toJsonLines(record.received.map((r) => r.request)));
  const summary = summarize(record, report, {
    fixtures: files,
    speed,
    ...(o.received ? { receivedFile: o.received } : {}),
  });
  if (o.junit) await writeFile(o.junit, renderJunit(summary));
  if (o.html)
    await writeAtomically(dirname(o.html), [
      { path: basename(o.html), content: renderReportPage(summary, record, output.env, holdsPersonal) },
    ]);
  process.stdout.write(
    o.json ? `${JSON.stringify(summary, null, 2)}\n` : renderText(summary, process.stdout.isTTY === true),
  );
  return report.ok ? 0 : 1;
}

/** A process count on the command line: a whole number from 1 to 16, loopback being one machine. */
function processCount(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 16)
    throw new UsageError(`${option} must be a whole number from 1 to 16; found \`${value}\``);
  return n;
}
