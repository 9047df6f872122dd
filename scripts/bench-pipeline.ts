/*
 * npm run bench:pipeline — what the collector spends on each pipeline under the same outside
 * load: contrib's telemetrygen sending the shop's kind of spans (src/bench/load.ts) over OTLP/gRPC.
 *
 *   relay   prod's receiver and exporter (TLS, mTLS, bearer token) with only batch between them
 *   prod    the generated prod pipeline (masking, span metrics, tail sampling)
 *   dev     the generated dev pipeline (plaintext on loopback)
 *   stock   the prod pipeline on build/otelcol-stock (bench/collector-stock.yaml) with `masking`
 *           replaced by the stock processors of bench/stock-masking.yaml
 *
 *   CPU s/100k   the collector's user+system CPU from ready to drained, per 100k spans sent
 *   peak RSS     the collector's VmHWM at the end of the run
 *
 * Variants run interleaved, BENCH runs times; each figure is the median. Every run checks what
 * the sink received (all spans for the relay, each flow's share for sampled pipelines) and what
 * the span metrics counted (every span): a run that fails them fails the bench. A collector that
 * cannot keep up with --rate shows as spans missing (telemetrygen drops what its queue cannot hold).
 *
 *   npm run bench:pipeline -- [--runs 3] [--spans 145000] [--rate 6000] [--decision-wait 2s] [--stock-masking FILE]
 *                             [--variant prod+span_metrics.exemplars.enabled=false ...]
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { parse } from "yaml";
import { formatTable, median, ratio } from "../src/bench/figures.js";
import { measure, parseVariant, type BenchSetup, type Measurement } from "../src/bench/pipeline.js";
import { referenceEnvironments, requireBinaries } from "../src/bench/reference.js";

const options = new Command()
  .option("--runs <n>", "runs of each variant", "3")
  .option("--spans <n>", "spans per run", "145000")
  .option("--rate <n>", "spans per second, all telemetrygen processes together", "6000")
  .option("--stock-masking <file>", "what stands in for masking in the stock variant", "bench/stock-masking.yaml")
  .option("--decision-wait <duration>", "decision_wait of every sampled variant, unless a setting changes it", "2s")
  .option("--variant <variant...>", "relay, prod, dev, stock, each optionally +component.key=value...", [
    "relay",
    "prod",
    "dev",
    "stock",
  ])
  .parse()
  .opts<{
    runs: string;
    spans: string;
    rate: string;
    stockMasking: string;
    decisionWait: string;
    variant: string[];
  }>();

const binaries = {
  shop: process.env["TRACEGEN_COLLECTOR"] ?? "build/otelcol-shop",
  stock: process.env["TRACEGEN_STOCK_COLLECTOR"] ?? "build/otelcol-stock",
  telemetrygen: "build/tools/telemetrygen",
};
const variants = options.variant.map(parseVariant);
requireBinaries(
  [binaries.telemetrygen, binaries.shop, ...(variants.some((v) => v.base === "stock") ? [binaries.stock] : [])],
  "npm run bench:tools",
);
const setup: BenchSetup = {
  ...(await referenceEnvironments()),
  collectors: { shop: binaries.shop, stock: binaries.stock },
  telemetrygen: binaries.telemetrygen,
  stockMasking: (parse(readFileSync(options.stockMasking, "utf8")) as { processors: Record<string, unknown> })
    .processors,
  spans: Number(options.spans),
  spansPerSecond: Number(options.rate),
  decisionWait: options.decisionWait,
};
const runs = Number(options.runs);
process.stdout.write(
  `pipeline bench: telemetrygen, ~${setup.spans} spans per run in 4-span traces at ~${setup.spansPerSecond} spans/s, ` +
    `decision_wait ${setup.decisionWait}; median of ${runs} interleaved runs\n`,
);

const all = new Map<string, Measurement[]>(variants.map((v) => [v.name, []]));
for (let run = 1; run <= runs; run++)
  for (const variant of variants) {
    process.stderr.write(`run ${run}/${runs}: ${variant.name}...\n`);
    const m = await measure(variant, setup);
    process.stderr.write(
      `  ${(m.cpuSeconds * (100_000 / m.sent)).toFixed(2)} CPU s/100k, ${(m.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ` +
        `${m.received} received${m.problems.length ? `; ${m.problems.join("; ")}` : ""}\n`,
    );
    all.get(variant.name)!.push(m);
  }

interface Row {
  cpuPer100k: number;
  peakMiB: number;
  sent: number;
  received: number;
  counted: number | undefined;
  problems: string[];
}
const rows = new Map<string, Row>(
  [...all].map(([name, ms]) => [
    name,
    {
      cpuPer100k: median(ms.map((m) => m.cpuSeconds * (100_000 / m.sent))),
      peakMiB: median(ms.map((m) => m.peakRssBytes / 2 ** 20)),
      sent: median(ms.map((m) => m.sent)),
      received: median(ms.map((m) => m.received)),
      counted: ms[0]!.counted === undefined ? undefined : median(ms.map((m) => m.counted!)),
      problems: ms.flatMap((m) => m.problems),
    },
  ]),
);
const relay = rows.get("relay")?.cpuPer100k ?? NaN;
process.stdout.write(
  formatTable([
    ["variant", "CPU s/100k spans", "x relay", "peak RSS", "sent", "received", "span metrics counted", "checks"],
    ...[...rows].map(([name, r]) => [
      name,
      r.cpuPer100k.toFixed(2),
      ratio(r.cpuPer100k, relay),
      `${r.peakMiB.toFixed(0)} MiB`,
      String(r.sent),
      String(r.received),
      r.counted === undefined ? "-" : String(r.counted),
      r.problems.length === 0 ? "PASS" : "FAIL",
    ]),
  ]),
);
for (const [name, r] of rows) for (const p of new Set(r.problems)) process.stdout.write(`${name}: ${p}\n`);
const cpu = (name: string) => rows.get(name)?.cpuPer100k ?? NaN;
if (rows.has("relay") && rows.has("prod") && rows.has("stock"))
  process.stdout.write(
    `prod/relay ${ratio(cpu("prod"), cpu("relay"))}  stock/relay ${ratio(cpu("stock"), cpu("relay"))}  prod/stock ${ratio(cpu("prod"), cpu("stock"))}\n`,
  );
process.exitCode = [...rows.values()].some((r) => r.problems.length > 0) ? 1 : 0;
