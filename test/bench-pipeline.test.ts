import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { measure, parseVariant, type BenchSetup } from "../src/bench/pipeline.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import { loadRepoDescription, repoPath, requireCollector } from "./helpers/repo.js";

/*
 * bench:pipeline's core on a tiny load: telemetrygen (contrib's, not ours) sends to the real
 * collector, the sink counts what arrives, and a run whose spans never reach the sink is
 * reported, not measured as fast.
 */

const TELEMETRYGEN = repoPath("build/tools/telemetrygen");

async function tinySetup(): Promise<BenchSetup> {
  if (!existsSync(TELEMETRYGEN))
    throw new Error(`${TELEMETRYGEN} is missing: run \`bash scripts/build-telemetrygen.sh\` first`);
  const { description } = await loadRepoDescription("tracing.yaml");
  return {
    prod: resolveEnvironment(description, "prod"),
    dev: resolveEnvironment(description, "dev"),
    collectors: { shop: requireCollector(), stock: repoPath("build/otelcol-stock") },
    telemetrygen: TELEMETRYGEN,
    stockMasking: {},
    spans: 1000,
    spansPerSecond: 2000,
    decisionWait: "1s",
    drainLimitMs: 4000,
  };
}

describe("bench:pipeline", () => {
  it("measures the relay's CPU and memory with every span telemetrygen sent arriving at the sink", async () => {
    const m = await measure(parseVariant("relay"), await tinySetup());
    expect(m.problems).toEqual([]);
    expect(m.sent).toBe(1000);
    expect(m.received).toBe(1000);
    expect(m.cpuSeconds).toBeGreaterThan(0);
    expect(m.peakRssBytes).toBeGreaterThan(10 * 2 ** 20);
  }, 40_000);

  it("reports a run whose exporter reaches no sink instead of measuring it", async () => {
    const broken = parseVariant(
      "relay+otlp_grpc/jaeger.endpoint=127.0.0.1:9+otlp_grpc/jaeger.retry_on_failure.enabled=false",
    );
    const m = await measure(broken, await tinySetup());
    expect(m.received).toBe(0);
    expect(m.problems).toEqual(["the sink received 0 spans, 1000 were sent"]);
  }, 40_000);

  // A 1 s flush so the span metrics have counted everything a second after the load, not fifteen.
  const quickFlush = "+span_metrics.metrics_flush_interval=1s";

  it("measures the prod pipeline with every span counted by its span metrics and each flow's share at the sink", async () => {
    const m = await measure(parseVariant(`prod${quickFlush}`), await tinySetup());
    expect(m.problems).toEqual([]);
    expect(m.counted).toBe(1000);
    expect(m.received).toBeGreaterThan(0);
    expect(m.received).toBeLessThan(1000);
  }, 40_000);

  it("reports a sampled pipeline that keeps more than the flows' shares", async () => {
    const keepsAll = parseVariant(`prod${quickFlush}+tail_sampling.policies=[{name: all, type: always_sample}]`);
    const m = await measure(keepsAll, await tinySetup());
    expect(m.received).toBe(1000);
    expect(m.problems).toEqual([
      expect.stringMatching(/^the sink received 250 traces; the flows' shares allow \d+–\d+ at 99.9%$/),
    ]);
  }, 40_000);

  it("refuses a variant that is not a base or a component setting", () => {
    expect(() => parseVariant("fast")).toThrow(/starts with one of relay, prod, dev, stock/);
    expect(() => parseVariant("prod+exemplars")).toThrow(/is not component.key=value/);
  });
});
