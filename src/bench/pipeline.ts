import { parse } from "yaml";
import type { CollectorConfig } from "../collector/config.js";
import { ID } from "../collector/registry.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { durationMs, percent } from "../schema/units.js";
import { binomialTolerance } from "../replay/checks/binomial.js";
import { sleep } from "../process/child.js";
import { countedSpans, parsePrometheusText, scrape } from "../replay/prometheus.js";
import { withRunningCollector, type RunningCollector } from "../replay/run.js";
import { planLoad, sendLoad, SHOP_PROFILES, SPANS_PER_TRACE, type LoadPlan } from "./load.js";

/*
 * One measurement of `npm run bench:pipeline`: a collector config (a variant), the real
 * collector running it, telemetrygen's load, the replay sink counting what comes out, and the
 * collector's own CPU and peak memory from /proc. What arrived is checked against what was
 * sent, so a pipeline that drops or never forwards spans cannot pass for a fast one.
 */

/** relay: prod's receiver and exporter (same TLS, mTLS, bearer auth) with only batch between them. */
export const BASES = ["relay", "prod", "dev", "stock"] as const;
export type Base = (typeof BASES)[number];

export interface Setting {
  /** Component id, then keys into its config: tail_sampling.decision_wait. */
  path: string[];
  value: unknown;
}

export interface Variant {
  name: string;
  base: Base;
  settings: Setting[];
}

/** "prod", or "prod+tail_sampling.decision_wait=10s+span_metrics.exemplars.enabled=false" (values are YAML). */
export function parseVariant(text: string): Variant {
  const [base, ...rest] = text.split("+");
  if (!BASES.includes(base as Base))
    throw new Error(`variant ${JSON.stringify(text)}: starts with one of ${BASES.join(", ")}`);
  const settings = rest.map((s) => {
    const eq = s.indexOf("=");
    const path = s.slice(0, Math.max(0, eq)).split(".");
    if (eq < 1 || path.some((p) => p === ""))
      throw new Error(`variant ${JSON.stringify(text)}: ${JSON.stringify(s)} is not component.key=value`);
    return { path, value: parse(s.slice(eq + 1)) as unknown };
  });
  return { name: text, base: base as Base, settings };
}

export interface BenchSetup {
  prod: ResolvedEnvironment;
  dev: ResolvedEnvironment;
  /** otelcol-shop for every base but stock, which runs otelcol-stock. */
  collectors: { shop: string; stock: string };
  telemetrygen: string;
  /** What stands in for `masking` in the stock variant: processor id → config, in pipeline order. */
  stockMasking: Record<string, unknown>;
  spans: number;
  spansPerSecond: number;
  /** Replaces every variant's decision_wait before its settings apply (a setting may change it again). */
  decisionWait: string;
  /** How long to wait for the sink after the load and the decisions are done (default 30 s). */
  drainLimitMs?: number;
}

export interface Measurement {
  variant: string;
  sent: number;
  /** Spans the sink received. */
  received: number;
  /** Spans the span metrics counted, when the config has them. */
  counted: number | undefined;
  cpuSeconds: number;
  peakRssBytes: number;
  /** What arrived that should not have, or what did not arrive; empty when the run is sound. */
  problems: string[];
}

const CONFIDENCE = 0.999;
const DECISION_TICK_MS = 1000;
const MARGIN_MS = 1500;
const QUIET_MS = 700;

export async function measure(variant: Variant, setup: BenchSetup): Promise<Measurement> {
  const env = variant.base === "dev" ? setup.dev : setup.prod;
  const load = planLoad(setup.spans, setup.spansPerSecond);
  const collector = variant.base === "stock" ? setup.collectors.stock : setup.collectors.shop;
  const tamper = (config: CollectorConfig) => {
    if (variant.base === "relay") relayOnly(config);
    if (variant.base === "stock") replaceMasking(config, setup.stockMasking);
    for (const s of variant.settings) applySetting(config, s);
  };
  return withRunningCollector(
    { env, collector, decisionWait: setup.decisionWait, tamper, keepReceived: false },
    async (running) => {
      const atReady = await running.collector.usage();
      const { tls, token } = running;
      const target = {
        endpoint: running.addresses.grpc!,
        ...(tls ? { tls: { caFile: tls.caFile, certFile: tls.sender.certFile, keyFile: tls.sender.keyFile } } : {}),
        ...(token ? { token } : {}),
      };
      await Promise.race([sendLoad(setup.telemetrygen, load, target), running.collector.exited]);
      await Promise.race([drained(running, load.spans, setup.drainLimitMs ?? 30_000), running.collector.exited]);
      const atEnd = await running.collector.usage();
      const counted = await flowMetricsCount(running, load.spans);
      const received = running.sink.spans();
      return {
        variant: variant.name,
        sent: load.spans,
        received,
        counted,
        cpuSeconds: atEnd.cpuSeconds - atReady.cpuSeconds,
        peakRssBytes: atEnd.peakRssBytes,
        problems: problems(running, env, load, received, counted),
      };
    },
  );
}

/** OTLP in, batch, OTLP out to the sink, over the environment's own receiver and exporter settings. */
function relayOnly(c: CollectorConfig): void {
  const [exporterId, exporter] = Object.entries(c.exporters).find(([id]) => id.startsWith("otlp_"))!;
  c.processors = { [ID.batch]: c.processors[ID.batch] };
  c.connectors = {};
  c.exporters = { [exporterId]: exporter };
  c.service.pipelines = {
    traces: { receivers: [ID.otlpReceiver], processors: [ID.batch], exporters: [exporterId] },
  };
}

function replaceMasking(c: CollectorConfig, stand: Record<string, unknown>): void {
  delete c.processors[ID.masking];
  Object.assign(c.processors, stand);
  for (const pipeline of Object.values(c.service.pipelines))
    pipeline.processors = pipeline.processors.flatMap((id) => (id === ID.masking ? Object.keys(stand) : [id]));
}

function applySetting(c: CollectorConfig, { path, value }: Setting): void {
  const [id, ...keys] = path;
  const sections = [c.receivers, c.processors, c.connectors, c.exporters] as Array<Record<string, unknown>>;
  const section = sections.find((s) => id! in s);
  if (!section) throw new Error(`setting ${path.join(".")}: the config has no component ${id}`);
  if (keys.length === 0) {
    section[id!] = value;
    return;
  }
  let node = (section[id!] ??= {}) as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

/**
 * Everything the collector will export has been exported: without sampling, once the sink
 * has every span; with it, once the last trace's decision is due and the sink has gone quiet.
 */
async function drained(running: RunningCollector, sent: number, limitMs: number): Promise<void> {
  const sampler = running.config.processors[ID.tailSampling];
  const giveUp = Date.now() + limitMs;
  if (!sampler) {
    while (running.sink.spans() < sent && Date.now() < giveUp) await sleep(100);
    return;
  }
  const waitMs = sampler.decision_wait ? durationMs(sampler.decision_wait) : 0;
  await sleep(waitMs + DECISION_TICK_MS + MARGIN_MS);
  while (running.sink.quietFor() < QUIET_MS && Date.now() < giveUp + waitMs) await sleep(100);
}

/** The span metrics' span count once it has them all, or at the flush interval's deadline. */
async function flowMetricsCount(running: RunningCollector, sent: number): Promise<number | undefined> {
  const connector = running.config.connectors[ID.spanMetrics];
  if (!connector) return undefined;
  const flushMs = connector.metrics_flush_interval ? durationMs(connector.metrics_flush_interval) : 60_000;
  const deadline = Date.now() + flushMs + 2 * MARGIN_MS;
  const { tls } = running;
  const scrapeTls = tls ? { ca: tls.ca, cert: tls.sender.cert, key: tls.sender.key } : undefined;
  let counted = 0;
  for (;;) {
    try {
      counted = countedSpans(parsePrometheusText(await scrape(running.addresses.prometheus, scrapeTls)));
    } catch {
      // not served yet: the deadline decides
    }
    if (counted >= sent || Date.now() >= deadline) return counted;
    await sleep(500);
  }
}

function problems(
  running: RunningCollector,
  env: ResolvedEnvironment,
  load: LoadPlan,
  received: number,
  counted: number | undefined,
): string[] {
  const found: string[] = [];
  if (running.sink.garbage.length > 0) found.push(`${running.sink.garbage.length} exports were not OTLP`);
  // Fewer is either spans lost in the pipeline or spans telemetrygen dropped from its full export
  // queue because the collector answered too slowly for --rate: either way the figure is not sound.
  if (counted !== undefined && counted !== load.spans)
    found.push(`the span metrics counted ${counted} spans, ${load.spans} were sent`);
  if (!running.config.processors[ID.tailSampling]) {
    if (received !== load.spans) found.push(`the sink received ${received} spans, ${load.spans} were sent`);
    return found;
  }
  // Every profile's traces are ordinary (no errors, far under every SLA): each flow keeps its share.
  const { flows, sampling } = env.pipeline;
  let low = 0;
  let high = 0;
  SHOP_PROFILES.forEach((profile, i) => {
    const keep = profile.flow && flows[profile.flow] ? flows[profile.flow]!.sampling.keep : sampling.unmatched;
    const t = binomialTolerance(load.traces[i]!, percent(keep) / 100, CONFIDENCE);
    low += t.low;
    high += t.high;
  });
  if (received % SPANS_PER_TRACE !== 0) found.push(`the sink received ${received} spans: some trace is incomplete`);
  const kept = Math.floor(received / SPANS_PER_TRACE);
  if (kept < low || kept > high)
    found.push(`the sink received ${kept} traces; the flows' shares allow ${low}–${high} at ${CONFIDENCE * 100}%`);
  return found;
}
