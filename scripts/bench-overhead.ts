/*
 * npm run bench:overhead: what tracing costs the shop. The same services run with the kit on
 * (exporting through otelcol-shop to Jaeger) and with the SDK switched off (OTEL_SDK_DISABLED),
 * alternately, in one run against the same PostgreSQL, RabbitMQ, collector and Jaeger, and the
 * upload and costing paths are measured under the same closed-loop load each time.
 *
 *   npm run bench:overhead -- [--uploads 300] [--costings 300] [--concurrency 8] [--rounds 3]
 *
 * On a shared machine other work shifts the figures between rounds; each round's own on/off ratio is
 * printed next to the pooled one, so a noisy run shows itself.
 */
import { readUsage } from "../src/collector/runtime/process.js";
import { runLoad, type LoadResult } from "../shop/bench/load.js";
import { BENCH_FILE, costingProbe, uploadOnce } from "../shop/bench/paths.js";
import { overheadPercent, summarize, type RunStats } from "../shop/bench/stats.js";
import { startServices } from "../shop/infra/services.js";
import { startBackends, startTracingBackend } from "../shop/infra/stack.js";

const option = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const value = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`);
  return value;
};
const uploads = option("uploads", 300);
const costings = option("costings", 300);
const concurrency = option("concurrency", 8);
const rounds = option("rounds", 3);
const WARMUP = 30;

type Mode = "on" | "off";
type Path = "upload" | "costing";
const results: Record<Mode, Record<Path, LoadResult[]>> = {
  on: { upload: [], costing: [] },
  off: { upload: [], costing: [] },
};
/** CPU seconds the five services (and, separately, the collector and Jaeger) used per path and mode. */
const cpu: Record<Mode, Record<Path, { services: number; pipeline: number }>> = {
  on: { upload: { services: 0, pipeline: 0 }, costing: { services: 0, pipeline: 0 } },
  off: { upload: { services: 0, pipeline: 0 }, costing: { services: 0, pipeline: 0 } },
};
const cpuSeconds = async (pids: number[]): Promise<number> =>
  (await Promise.all(pids.map((pid) => readUsage(pid).then((u) => u.cpuSeconds)))).reduce((a, b) => a + b, 0);
const say = (line: string) => process.stdout.write(`${line}\n`);

const backends = await startBackends();
const tracing = await startTracingBackend();
try {
  for (let round = 1; round <= rounds; round++) {
    // Alternate which mode goes first, so drift over the run (caches, the collector's queue) falls on both.
    for (const mode of (round % 2 === 1 ? ["on", "off"] : ["off", "on"]) as Mode[]) {
      const services = await startServices(
        {
          amqpUrl: backends.rabbit.url,
          shopDbUrl: backends.shopDbUrl,
          mesDbUrl: backends.mesDbUrl,
          otlpGrpc: tracing.collector.otlpGrpc,
          otlpHttp: tracing.collector.otlpHttp,
        },
        { tracing: mode === "on" },
      );
      const probe = await costingProbe(services.urls.crmApi, backends.shopDbUrl);
      try {
        const upload = uploadOnce(services.urls.shopApi, BENCH_FILE);
        await runLoad(WARMUP, concurrency, upload);
        await runLoad(WARMUP, concurrency, probe.costOnce);
        const servicePids = Object.values(services.children).map((c) => c.pid);
        const pipelinePids = [tracing.collector.collector.pid, tracing.jaeger.child.pid];
        for (const [path, run] of [
          ["upload", () => runLoad(uploads, concurrency, upload)],
          ["costing", () => runLoad(costings, concurrency, probe.costOnce)],
        ] as const) {
          const before = [await cpuSeconds(servicePids), await cpuSeconds(pipelinePids)];
          results[mode][path].push(await run());
          cpu[mode][path].services += (await cpuSeconds(servicePids)) - before[0]!;
          cpu[mode][path].pipeline += (await cpuSeconds(pipelinePids)) - before[1]!;
        }
        say(`round ${round}, tracing ${mode}: done`);
      } finally {
        await probe.close();
        await services.stop();
      }
    }
  }
} finally {
  await tracing.stop();
  await backends.stop();
}

const merged = (runs: LoadResult[]): RunStats =>
  summarize(
    runs.flatMap((r) => r.latenciesMs),
    runs.reduce((ms, r) => ms + r.wallMs, 0),
  );
say(`\n${uploads} uploads and ${costings} costings per round, ${concurrency} concurrent, ${rounds} rounds per mode`);
say("path      tracing     p50 ms    p99 ms    ops/s");
const ratios: string[] = [];
for (const path of ["upload", "costing"] as Path[]) {
  const on = merged(results.on[path]);
  const off = merged(results.off[path]);
  for (const [mode, s] of [
    ["off", off],
    ["on", on],
  ] as const)
    say(
      `${path.padEnd(9)} ${mode.padEnd(7)} ${s.p50Ms.toFixed(1).padStart(9)} ${s.p99Ms.toFixed(1).padStart(9)} ${s.throughput.toFixed(1).padStart(8)}`,
    );
  ratios.push(
    `${path}: p50 ${signed(overheadPercent(on.p50Ms, off.p50Ms))}, p99 ${signed(overheadPercent(on.p99Ms, off.p99Ms))}, throughput ${signed(overheadPercent(on.throughput, off.throughput))}`,
  );
}
say("\noverhead of tracing (on vs off), all rounds pooled:");
for (const r of ratios) say(`  ${r}`);
say("CPU per operation (the five services; otelcol-shop and Jaeger apart), all rounds:");
for (const path of ["upload", "costing"] as Path[]) {
  const ops = (path === "upload" ? uploads : costings) * rounds;
  const ms = (seconds: number) => ((seconds * 1000) / ops).toFixed(2);
  const on = cpu.on[path];
  const off = cpu.off[path];
  say(
    `  ${path}: services ${ms(off.services)} ms off, ${ms(on.services)} ms on (${signed(overheadPercent(on.services, off.services))}); collector and Jaeger ${ms(on.pipeline)} ms`,
  );
}
say("per round (p50):");
for (let i = 0; i < rounds; i++) {
  const perPath = (["upload", "costing"] as Path[]).map((path) => {
    const on = merged([results.on[path][i]!]);
    const off = merged([results.off[path][i]!]);
    return `${path} ${signed(overheadPercent(on.p50Ms, off.p50Ms))}`;
  });
  say(`  round ${i + 1}: ${perPath.join(", ")}`);
}

function signed(percent: number): string {
  return `${percent >= 0 ? "+" : ""}${percent.toFixed(1)}%`;
}
