/*
 * npm run bench:overhead: what tracing costs the shop. The same services run four ways in turn, in
 * one run against the same PostgreSQL, RabbitMQ, collector and Jaeger: with the kit (exporting
 * through otelcol-shop to Jaeger), with the OpenTelemetry SDK set up by hand without the kit
 * (shop/bench/bare-sdk.ts), with only the kit's context propagation and no SDK
 * (shop/bench/context-only.ts), and with the SDK switched off (OTEL_SDK_DISABLED). The upload and
 * costing paths are measured under the same closed-loop load each time, so the kit's own share shows
 * apart from the SDK's, and the SDK's apart from what carrying a context through async code costs.
 *
 *   npm run bench:overhead -- [--uploads 300] [--costings 300] [--concurrency 8] [--rounds 3] [--work-ms 0]
 *                             [--cpu-prof DIR]
 *
 * --work-ms N makes every service spend N ms of CPU on each HTTP request it handles, to show what the same
 * tracing costs against services that do real work. --cpu-prof DIR has every service write a V8 CPU profile
 * (node --cpu-prof) into DIR/<tracing>/ when it stops, to see where the services' time goes in each mode.
 *
 * On a shared machine other work shifts the figures between rounds; each round's own on/off ratio is
 * printed next to the pooled one, so a noisy run shows itself.
 */
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { readUsage } from "../src/collector/runtime/process.js";
import { runLoad, type LoadResult } from "../shop/bench/load.js";
import { BENCH_FILE, costingProbe, uploadOnce } from "../shop/bench/paths.js";
import { overheadPercent, summarize, type RunStats } from "../shop/bench/stats.js";
import { SPAN_EXPORT_DELAY_MS, startServices } from "../shop/infra/services.js";
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
const workMs = process.argv.includes("--work-ms") ? option("work-ms", 0) : 0;
const profileIndex = process.argv.indexOf("--cpu-prof");
const cpuProfileRoot = profileIndex < 0 ? undefined : process.argv[profileIndex + 1];
if (profileIndex >= 0 && (cpuProfileRoot === undefined || cpuProfileRoot.startsWith("--")))
  throw new Error("--cpu-prof needs a directory");
const WARMUP = 30;

const MODES = ["off", "context-only", "bare-sdk", "kit"] as const;
type Mode = (typeof MODES)[number];
type Path = "upload" | "costing";
const PATHS: readonly Path[] = ["upload", "costing"];
const perMode = <T>(make: () => T): Record<Mode, T> =>
  Object.fromEntries(MODES.map((mode) => [mode, make()])) as Record<Mode, T>;
const results = perMode((): Record<Path, LoadResult[]> => ({ upload: [], costing: [] }));
/** CPU seconds the five services (and, separately, the collector and Jaeger) used per path and mode. */
const cpu = perMode((): Record<Path, { services: number; pipeline: number }> => ({
  upload: { services: 0, pipeline: 0 },
  costing: { services: 0, pipeline: 0 },
}));
const cpuSeconds = async (pids: number[]): Promise<number> =>
  (await Promise.all(pids.map((pid) => readUsage(pid).then((u) => u.cpuSeconds)))).reduce((a, b) => a + b, 0);
const say = (line: string) => process.stdout.write(`${line}\n`);

const loadAtStart = loadavg()[0]!;
const backends = await startBackends();
const tracing = await startTracingBackend();
try {
  for (let round = 1; round <= rounds; round++) {
    // Rotate which mode goes first, so drift over the run (caches, the collector's queue) falls on each.
    for (const mode of MODES.map((_, i) => MODES[(i + round - 1) % MODES.length]!)) {
      const services = await startServices(
        {
          amqpUrl: backends.rabbit.url,
          shopDbUrl: backends.shopDbUrl,
          mesDbUrl: backends.mesDbUrl,
          otlpGrpc: tracing.collector.otlpGrpc,
          otlpHttp: tracing.collector.otlpHttp,
        },
        {
          tracing: mode,
          simulatedWorkMs: workMs,
          ...(cpuProfileRoot && { cpuProfileDir: resolve(cpuProfileRoot, mode) }),
        },
      );
      const probe = await costingProbe(services.urls.crmApi, backends.shopDbUrl);
      try {
        const upload = uploadOnce(services.urls.shopApi, BENCH_FILE);
        await runLoad(WARMUP, concurrency, upload);
        await runLoad(WARMUP, concurrency, probe.costOnce);
        // A service's first export loads and connects the OTLP exporter's gRPC client, once per process:
        // start-up work that must not land in the measured operations.
        await delay(2 * SPAN_EXPORT_DELAY_MS);
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
const stats = perMode(() => ({}) as Record<Path, RunStats>);
for (const mode of MODES) for (const path of PATHS) stats[mode][path] = merged(results[mode][path]);
say(
  `\n${uploads} uploads and ${costings} costings per round, ${concurrency} concurrent, ${rounds} rounds per mode, load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0]!.toFixed(1)} at the end${workMs > 0 ? `, ${workMs} ms of simulated work per request in every service` : ""}`,
);
say("path      tracing          p50 ms    p99 ms    ops/s   services CPU ms/op");
for (const path of PATHS) {
  const ops = (path === "upload" ? uploads : costings) * rounds;
  for (const mode of MODES) {
    const s = stats[mode][path];
    say(
      `${path.padEnd(9)} ${mode.padEnd(12)} ${s.p50Ms.toFixed(1).padStart(9)} ${s.p99Ms.toFixed(1).padStart(9)} ${s.throughput.toFixed(1).padStart(8)} ${((cpu[mode][path].services * 1000) / ops).toFixed(2).padStart(12)}`,
    );
  }
}
const compare = (label: string, mode: Mode, base: Mode) => {
  say(`\n${label}, all rounds pooled:`);
  for (const path of PATHS) {
    const [a, b] = [stats[mode][path], stats[base][path]];
    say(
      `  ${path}: p50 ${signed(overheadPercent(a.p50Ms, b.p50Ms))}, p99 ${signed(overheadPercent(a.p99Ms, b.p99Ms))}, throughput ${signed(overheadPercent(a.throughput, b.throughput))}, services CPU ${signed(overheadPercent(cpu[mode][path].services, cpu[base][path].services))}`,
    );
  }
};
compare("overhead of tracing with the kit (kit vs off)", "kit", "off");
compare("overhead of the bare SDK (bare-sdk vs off)", "bare-sdk", "off");
compare("overhead of context propagation alone, no SDK (context-only vs off)", "context-only", "off");
compare("the kit's own share (kit vs bare-sdk)", "kit", "bare-sdk");
say("\ncollector and Jaeger CPU per operation with the kit:");
for (const path of PATHS) {
  const ops = (path === "upload" ? uploads : costings) * rounds;
  say(`  ${path}: ${((cpu.kit[path].pipeline * 1000) / ops).toFixed(2)} ms`);
}
say("per round (p50, kit vs off and kit vs bare-sdk):");
for (let i = 0; i < rounds; i++) {
  const perPath = PATHS.map((path) => {
    const [kit, bare, off] = (["kit", "bare-sdk", "off"] as const).map((m) => merged([results[m][path][i]!]));
    return `${path} ${signed(overheadPercent(kit!.p50Ms, off!.p50Ms))} / ${signed(overheadPercent(kit!.p50Ms, bare!.p50Ms))}`;
  });
  say(`  round ${i + 1}: ${perPath.join(", ")}`);
}

function signed(percent: number): string {
  return `${percent >= 0 ? "+" : ""}${percent.toFixed(1)}%`;
}
