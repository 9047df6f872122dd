/*
 * npm run bench:replay — throughput and cost of the generated production pipeline against a
 * plain OTLP-in/OTLP-out config, on the same otelcol-shop binary and the same synthetic
 * fixtures (about 100k spans), each sent as fast as the collector takes them.
 *
 *   spans/s          spans sent ÷ wall time from the first request to the last answer,
 *                    through harness and collector (the harness encodes and sends; the
 *                    collector receives, processes and exports to the sink)
 *   CPU s/100k       the collector's user+system CPU from ready to drained, per 100k spans
 *   peak RSS         the collector's VmHWM at the end of the run
 *   RSS growth/100k  peak RSS minus RSS when ready, per 100k spans
 *
 * The production run uses the prod environment exactly as generated (TLS, bearer token,
 * masking, span metrics, tail sampling) except decision_wait, 2s instead of 30s so the run
 * ends sooner; the plain run uses the dev environment's plaintext receiver and sink with
 * every processor and connector taken out. Each figure is the median of BENCH_RUNS runs
 * (default 3), alternating the two configs; BENCH_SPANS sets the fixture size.
 */
import type { CollectorConfig } from "../src/collector/config.js";
import { synthModel } from "../src/traffic/synth/model.js";
import { replayAsFastAsTaken, syntheticFixtures } from "../src/bench/synthetic.js";
import { requestLimit } from "../src/replay/replay.js";
import { runReplay } from "../src/replay/run.js";
import { flattenFixtures, planSends } from "../src/replay/schedule.js";
import { formatTable, medianOf, ratio } from "../src/bench/figures.js";
import { referenceEnvironments, requireBinaries } from "../src/bench/reference.js";

const COLLECTOR = process.env["TRACEGEN_COLLECTOR"] ?? "build/otelcol-shop";
const TARGET_SPANS = Number(process.env["BENCH_SPANS"] ?? 100_000);
const DECISION_WAIT = "2s";
const RUNS = Number(process.env["BENCH_RUNS"] ?? 3);

requireBinaries([COLLECTOR], "npm run collector:build");
const { prod, dev } = await referenceEnvironments();

const model = synthModel([prod]);
const synthetic = syntheticFixtures(model, TARGET_SPANS);
const { traces, synth, fixtures } = synthetic;
process.stdout.write(
  `replay bench: ${traces} traces, ${synth.spans} spans (synthetic, seed 1), each run sending as fast as the collector takes them over OTLP/gRPC; median of ${RUNS} runs\n`,
);

/** Every processor and connector out: OTLP in, OTLP out to the same sink. */
function plain(c: CollectorConfig): void {
  const [exporterId, exporter] = Object.entries(c.exporters).find(([id]) => id.startsWith("otlp_"))!;
  c.processors = {};
  c.connectors = {};
  c.exporters = { [exporterId]: exporter };
  c.extensions = { health_check: c.extensions["health_check"] };
  c.service.extensions = ["health_check"];
  c.service.pipelines = { traces: { receivers: ["otlp"], processors: [], exporters: [exporterId] } };
}

interface Figures {
  retries: number;
  spansPerSecond: number;
  cpuPer100k: number;
  peakMiB: number;
  growthPer100k: number;
}

function figures(record: Awaited<ReturnType<typeof runReplay>>): Figures {
  const spans = record.plan.spans;
  const per100k = 100_000 / spans;
  const { atReady, atEnd } = record.usage;
  return {
    retries: record.sent.reduce((n, b) => n + b.attempts - 1, 0),
    spansPerSecond: spans / (record.sendMs / 1000),
    cpuPer100k: (atEnd.cpuSeconds - atReady.cpuSeconds) * per100k,
    peakMiB: atEnd.peakRssBytes / 2 ** 20,
    growthPer100k: ((atEnd.peakRssBytes - atReady.peakRssBytes) / 2 ** 20) * per100k,
  };
}

/** Each figure's median over the runs; retries are summed. */
function median(all: readonly Figures[]): Figures {
  return { ...medianOf(all), retries: all.reduce((n, f) => n + f.retries, 0) };
}

// The plain config masks and samples nothing, so it is measured, not judged; the prod run is both.
// Runs alternate, so a slow stretch of the machine does not fall on one side only.
const plainRuns: Figures[] = [];
const prodRuns: Figures[] = [];
let prodOk = true;
for (let run = 1; run <= RUNS; run++) {
  process.stderr.write(`run ${run}/${RUNS}: plain OTLP in/out...\n`);
  const plan = planSends(flattenFixtures(fixtures), {
    speed: Infinity,
    nowNs: BigInt(Date.now()) * 1_000_000n,
    maxRequestBytes: requestLimit(dev),
  });
  plainRuns.push(figures(await runReplay({ env: dev, plan, collector: COLLECTOR, tamper: plain })));
  process.stderr.write(`run ${run}/${RUNS}: prod pipeline...\n`);
  const prodRun = await replayAsFastAsTaken(prod, COLLECTOR, synthetic, DECISION_WAIT);
  prodRuns.push(figures(prodRun.record));
  prodOk &&= prodRun.report.ok;
}
const plainFigures = median(plainRuns);
const prodFigures = { ...median(prodRuns), ok: prodOk };

const rows: Array<[string, string, string, string, string]> = [
  ["", "spans/s", "CPU s/100k spans", "peak RSS", "RSS growth/100k spans"],
  row("plain OTLP in -> OTLP out", plainFigures),
  row(`prod pipeline (decision_wait ${DECISION_WAIT})`, prodFigures),
  [
    "ratio prod / plain",
    ratio(prodFigures.spansPerSecond, plainFigures.spansPerSecond),
    ratio(prodFigures.cpuPer100k, plainFigures.cpuPer100k),
    ratio(prodFigures.peakMiB, plainFigures.peakMiB),
    ratio(prodFigures.growthPer100k, plainFigures.growthPer100k),
  ],
];
process.stdout.write(formatTable(rows));
process.stdout.write(
  `requests sent again after the collector pushed back: plain ${plainFigures.retries}, prod ${prodFigures.retries}\n` +
    `checks on the prod run: ${prodFigures.ok ? "PASS" : "FAIL"}\n`,
);

function row(label: string, f: Figures): [string, string, string, string, string] {
  return [
    label,
    Math.round(f.spansPerSecond).toLocaleString("en-US"),
    f.cpuPer100k.toFixed(2),
    `${f.peakMiB.toFixed(0)} MiB`,
    `${f.growthPer100k.toFixed(0)} MiB`,
  ];
}
