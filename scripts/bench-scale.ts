/*
 * npm run bench:scale — the two-tier topology's throughput and cost with 1, 2 and 3 samplers behind
 * 2 agents, against the single collector, all on this machine and the same synthetic fixtures, each
 * sent as fast as the agents take them.
 *
 *   spans/s        spans sent ÷ wall time from the first request to the last answer (the agents answer
 *                  once a batch is in their persistent queue, so this is the agents' intake)
 *   CPU s/100k     user+system CPU of every collector process (agents and samplers, or the single
 *                  collector) from ready to drained, per 100k spans
 *
 * The environment is examples/two-tier.tracing.yaml's prod (TLS, bearer token, masking, span metrics,
 * persistent queues, tail sampling) with decision_wait 2s instead of 30s so a run ends sooner; the single
 * collector runs the same environment with topology.kind single. Each figure is the median of BENCH_RUNS
 * runs (default 3), the configurations taking turns; BENCH_SPANS sets the fixture size (default 50k).
 */
import { existsSync } from "node:fs";
import { loadDescriptionFile } from "../src/load/description.js";
import { synthModel } from "../src/traffic/synth/model.js";
import { replayAsFastAsTaken, syntheticFixtures } from "../src/bench/synthetic.js";
import { resolveEnvironment, type ResolvedEnvironment } from "../src/resolve/resolve.js";
import type { ReplayRecord } from "../src/replay/run.js";

const COLLECTOR = process.env["TRACEGEN_COLLECTOR"] ?? "build/otelcol-shop";
const TARGET_SPANS = Number(process.env["BENCH_SPANS"] ?? 50_000);
const RUNS = Number(process.env["BENCH_RUNS"] ?? 3);
const DECISION_WAIT = "2s";
const AGENTS = 2;
const SAMPLERS = [1, 2, 3];

if (!existsSync(COLLECTOR)) {
  process.stderr.write(`${COLLECTOR} is missing: run \`npm run collector:build\` first\n`);
  process.exit(1);
}
const loaded = await loadDescriptionFile("examples/two-tier.tracing.yaml");
if (!loaded.ok) throw new Error("examples/two-tier.tracing.yaml does not load");
const twoTier = resolveEnvironment(loaded.loaded.description, "prod");
const single: ResolvedEnvironment = {
  ...twoTier,
  pipeline: { ...twoTier.pipeline, topology: { ...twoTier.pipeline.topology, kind: "single" } },
};

const model = synthModel([twoTier]);
const synthetic = syntheticFixtures(model, TARGET_SPANS);
const { traces, synth } = synthetic;
process.stdout.write(
  `scale bench: ${traces} traces, ${synth.spans} spans (synthetic, seed 1), sent as fast as taken over OTLP/gRPC with TLS; median of ${RUNS} runs on ${(await import("node:os")).cpus().length} cores\n`,
);

interface Figures {
  spansPerSecond: number;
  cpuPer100k: number;
  ok: boolean;
}

function figures(record: ReplayRecord, ok: boolean): Figures {
  const { atReady, atEnd } = record.usage;
  return {
    spansPerSecond: record.plan.spans / (record.sendMs / 1000),
    cpuPer100k: (atEnd.cpuSeconds - atReady.cpuSeconds) * (100_000 / record.plan.spans),
    ok,
  };
}

const configs: Array<{ label: string; samplers?: number }> = [
  { label: "single collector" },
  ...SAMPLERS.map((n) => ({ label: `${AGENTS} agents + ${n} sampler${n === 1 ? "" : "s"}`, samplers: n })),
];
const runs = new Map<string, Figures[]>(configs.map((c) => [c.label, []]));
for (let run = 1; run <= RUNS; run++) {
  for (const config of configs) {
    process.stderr.write(`run ${run}/${RUNS}: ${config.label}...\n`);
    const { record, report } = await replayAsFastAsTaken(
      config.samplers ? twoTier : single,
      COLLECTOR,
      synthetic,
      DECISION_WAIT,
      config.samplers ? { tiers: { agents: AGENTS, samplers: config.samplers } } : {},
    );
    runs.get(config.label)!.push(figures(record, report.ok));
    for (const f of report.findings.slice(0, 3)) process.stderr.write(`  ${config.label}: ${f.code}: ${f.message}\n`);
  }
}

const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const base = median(runs.get("single collector")!.map((f) => f.spansPerSecond));
const baseCpu = median(runs.get("single collector")!.map((f) => f.cpuPer100k));
const rows = [
  ["", "spans/s", "vs single", "CPU s/100k spans", "vs single", "checks"],
  ...configs.map(({ label }) => {
    const all = runs.get(label)!;
    const rate = median(all.map((f) => f.spansPerSecond));
    const cpu = median(all.map((f) => f.cpuPer100k));
    return [
      label,
      Math.round(rate).toLocaleString("en-US"),
      `${(rate / base).toFixed(2)}x`,
      cpu.toFixed(2),
      `${(cpu / baseCpu).toFixed(2)}x`,
      all.every((f) => f.ok) ? "PASS" : "FAIL",
    ];
  }),
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows)
  process.stdout.write(
    `${r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("   ")}\n`,
  );
