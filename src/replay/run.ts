import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CollectorConfig } from "../collector/config.js";
import { ID } from "../collector/registry.js";
import type { ResolvedEnvironment, ResolvedPipeline } from "../resolve/resolve.js";
import { durationMs } from "../schema/units.js";
import { launchCollector } from "../collector/runtime/launch.js";
import {
  CollectorFailure,
  type CollectorLog,
  type CollectorProcess,
  type ProcessUsage,
} from "../collector/runtime/process.js";
import { sleep } from "../process/child.js";
import { countedSpans, parsePrometheusText, scrape, type Sample } from "./prometheus.js";
import { freeAddresses, type RuntimeAddresses } from "../collector/runtime/addresses.js";
import type { Batch, SendPlan } from "./schedule.js";
import { createSender, sendWithRetry, type SendOutcome, type Sender } from "./sender.js";
import { startSink, type Garbage, type Received, type Sink } from "./sink.js";
import { collectorFiles, makeTlsMaterial, sinkTls, type TlsMaterial } from "./tls-material.js";

/*
 * One replay, end to end: the environment's config with run-time addresses and secrets,
 * the real collector, the sink where Jaeger would be, the fixtures sent on their schedule,
 * the wait for sampling decisions, and a scrape of the flow metrics. It records what
 * happened; judging it is the checks' job.
 */

export type Protocol = "grpc" | "http";

export interface ReplaySetup {
  env: ResolvedEnvironment;
  plan: SendPlan;
  collector: string;
  protocol?: Protocol;
  /** Replaces the config's decision_wait; the report states both values. */
  decisionWait?: string;
  /** Tests break the generated config on purpose through this; the CLI never sets it. */
  tamper?: (config: CollectorConfig) => void;
  onProgress?: (progress: Progress) => void;
  provenance?: { source: string; sha256: string; version: string };
}

export type Progress =
  | { phase: "starting" }
  | { phase: "running"; pid: number }
  | { phase: "sending"; spans: number; total: number }
  | { phase: "waiting"; remainingMs: number; totalMs: number }
  | { phase: "metrics" }
  | { phase: "stopping" };

export interface SentBatch {
  batch: Batch;
  /** Milliseconds after the replay started at which the request went out. */
  sentAtMs: number;
  /**
   * When the collector's answer came back, on the same clock: the batch reached the collector between
   * the two. A harness short of CPU sends late and hears late, so only the pair bounds the arrival.
   */
  answeredAtMs: number;
  outcome: SendOutcome;
  /** 1 unless the collector pushed back (memory limiter, busy) and the request was sent again. */
  attempts: number;
}

export interface ReplayRecord {
  environment: string;
  protocol: Protocol;
  sinkProtocol: Protocol;
  tls: boolean;
  auth: string;
  decisionWait: { configured: string; used: string };
  /** The HMAC key the collector was given, so pseudonyms can be checked. */
  pseudonymKey: string;
  config: CollectorConfig;
  plan: SendPlan;
  sent: SentBatch[];
  /** Wall-clock ms (Date.now()) at which sending started; sentAtMs and arrival times relate to it. */
  startedAt: number;
  sendMs: number;
  received: Received[];
  garbage: Garbage[];
  metrics: FlowMetrics;
  usage: { atReady: ProcessUsage; atEnd: ProcessUsage };
  /** Everything the collector logged, from start to stop. */
  collectorLog: CollectorLog;
}

export interface FlowMetrics {
  samples: Sample[];
  /** The last scrape as served, for the leak oracle: names, labels and exemplars as text. */
  text: string;
  error?: string;
}

export class ReplayFailure extends Error {}

export async function runReplay(setup: ReplaySetup): Promise<ReplayRecord> {
  return withRunningCollector(setup, async (running) => {
    const { collector, config, addresses, decisionWait, protocol, sink, tls, token, pseudonymKey } = running;
    let driven: Driven;
    try {
      driven = await Promise.race([
        drive(setup, protocol, collector, config, addresses, sink, tls, token),
        collector.exited,
      ]);
    } finally {
      setup.onProgress?.({ phase: "stopping" });
      await collector.stop();
    }
    const { pipeline } = setup.env;
    // Taken after the stop: what it logs and exports while shutting down is output too.
    return {
      ...driven,
      environment: setup.env.name,
      protocol,
      sinkProtocol: pipeline.exporters.jaeger.protocol,
      tls: tls !== undefined,
      auth: pipeline.receivers.otlp.auth,
      decisionWait,
      pseudonymKey,
      config,
      plan: setup.plan,
      received: sink.received,
      garbage: sink.garbage,
      collectorLog: collector.log(),
    };
  });
}

/** What starting the environment's collector takes: everything of a replay but what it sends. */
export type CollectorSetup = Pick<
  ReplaySetup,
  "env" | "collector" | "protocol" | "decisionWait" | "tamper" | "onProgress" | "provenance"
> & {
  /** false: the sink counts spans without keeping what arrived (long benchmark runs). */
  keepReceived?: boolean;
};

/** The environment's collector, healthy, with its sink and the secrets a sender needs to reach it. */
export interface RunningCollector extends Started {
  protocol: Protocol;
  sink: Sink;
  tls: TlsMaterial | undefined;
  token: string | undefined;
  pseudonymKey: string;
}

/**
 * Starts the sink and the environment's collector at run-time addresses with throwaway TLS
 * material and secrets, hands them to `use`, and stops and removes everything afterwards.
 */
export async function withRunningCollector<T>(
  setup: CollectorSetup,
  use: (running: RunningCollector) => Promise<T>,
): Promise<T> {
  const { pipeline } = setup.env;
  if (pipeline.receivers.otlp.auth === "oidc")
    throw new ReplayFailure(
      `environment ${setup.env.name} authenticates senders with OIDC; a replay can stand in for bearer-token auth only`,
    );
  const offered: Protocol[] = [
    ...(pipeline.receivers.otlp.grpc !== undefined ? (["grpc"] as const) : []),
    ...(pipeline.receivers.otlp.http !== undefined ? (["http"] as const) : []),
  ];
  const protocol = setup.protocol ?? offered[0];
  if (!protocol || !offered.includes(protocol))
    throw new ReplayFailure(
      `environment ${setup.env.name}'s receiver offers ${offered.join(" and ") || "no protocol"}, not ${setup.protocol}`,
    );
  const dir = await mkdtemp(join(tmpdir(), "tracegen-replay-"));
  try {
    const secrets = await makeRunSecrets(pipeline, dir);
    const { tls, token, pseudonymKey } = secrets;
    const sink = await startJaegerSink(pipeline, tls, { keep: setup.keepReceived ?? true });
    try {
      setup.onProgress?.({ phase: "starting" });
      const started = await start(setup, dir, runSettings(secrets, sink));
      setup.onProgress?.({ phase: "running", pid: started.collector.pid });
      try {
        return await use({ ...started, protocol, sink, tls, token, pseudonymKey });
      } finally {
        await started.collector.stop();
      }
    } finally {
      await sink.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface RunSecrets {
  tls: TlsMaterial | undefined;
  token: string | undefined;
  /** The file holding the token, when there is one. */
  tokenFile: string | undefined;
  pseudonymKey: string;
}

/** A replay's throwaway secrets, in `dir`: a CA and certificates under TLS, a bearer token if asked for, the HMAC key. */
export async function makeRunSecrets(pipeline: ResolvedPipeline, dir: string): Promise<RunSecrets> {
  const tls = pipeline.tls === "off" ? undefined : await makeTlsMaterial(dir);
  const token = pipeline.receivers.otlp.auth === "bearer_token" ? randomBytes(24).toString("hex") : undefined;
  const tokenFile = token ? join(dir, "ingest-token") : undefined;
  if (token && tokenFile) await writeFile(tokenFile, token, { mode: 0o600 });
  return { tls, token, tokenFile, pseudonymKey: randomBytes(32).toString("hex") };
}

export type RunSettings = Parameters<typeof freeAddresses>[1];

/** What a collector of this run is given besides free ports: the sink's address and the run's secrets. */
export function runSettings({ tls, tokenFile, pseudonymKey }: RunSecrets, sink: Sink): RunSettings {
  return { sinkEndpoint: sink.endpoint, tls: tls && collectorFiles(tls), tokenFile, pseudonymKey };
}

/** The sink standing where Jaeger would, speaking the protocol and TLS the environment gives Jaeger. */
export function startJaegerSink(
  pipeline: ResolvedPipeline,
  tls: TlsMaterial | undefined,
  options?: Parameters<typeof startSink>[2],
): Promise<Sink> {
  return startSink(
    pipeline.exporters.jaeger.protocol,
    tls && pipeline.tls !== "off" ? sinkTls(tls, pipeline.tls) : undefined,
    options,
  );
}

interface Started {
  collector: CollectorProcess;
  config: CollectorConfig;
  addresses: RuntimeAddresses;
  decisionWait: { configured: string; used: string };
}

/*
 * How long the collector waits for the sink's answer to an export. The sink answers in the harness's
 * own process, which a machine short of CPU can leave unscheduled for seconds: under upstream's 5 s the
 * collector gave up on exports the sink had already taken and sent them again, and the spans in them
 * arrived twice. That is OTLP's at-least-once delivery, not anything the pipeline under test does, so
 * the replay gives the sink time enough that only a second sending in the pipeline makes a span arrive
 * twice.
 */
const SINK_TIMEOUT = "60s";

/** Gives the exporter that reaches the sink SINK_TIMEOUT to wait for its answer. */
export function waitLongerForSink(config: CollectorConfig, pipeline: ResolvedPipeline): void {
  const toSink = config.exporters[ID.jaeger(pipeline.exporters.jaeger.protocol)];
  if (toSink) toSink.timeout = SINK_TIMEOUT;
}

async function start(setup: CollectorSetup, dir: string, run: RunSettings): Promise<Started> {
  let configured = setup.env.pipeline.sampling.decision_wait;
  const launched = await launchCollector({
    binary: setup.collector,
    env: setup.env,
    dir,
    addresses: (pipeline) => freeAddresses(pipeline, run),
    adjust: (config) => {
      const sampler = config.processors[ID.tailSampling];
      configured = sampler?.decision_wait ?? configured;
      if (sampler && setup.decisionWait) sampler.decision_wait = setup.decisionWait;
      waitLongerForSink(config, setup.env.pipeline);
      setup.tamper?.(config);
    },
    provenance: setup.provenance ?? { source: "replay", sha256: "0".repeat(64), version: "replay" },
  });
  const used = launched.config.processors[ID.tailSampling]?.decision_wait ?? configured;
  return { ...launched, decisionWait: { configured, used } };
}

export type Driven = Pick<ReplayRecord, "sent" | "startedAt" | "sendMs" | "metrics" | "usage">;

async function drive(
  setup: ReplaySetup,
  protocol: Protocol,
  collector: CollectorProcess,
  config: CollectorConfig,
  addresses: RuntimeAddresses,
  sink: Sink,
  tls: TlsMaterial | undefined,
  token: string | undefined,
): Promise<Driven> {
  const atReady = await collector.usage();
  const endpoint = protocol === "grpc" ? addresses.grpc! : addresses.http!;
  const sender = createSender({
    protocol,
    endpoint,
    ...(tls ? { tls: { ca: tls.ca, cert: tls.sender.cert, key: tls.sender.key } } : {}),
    ...(token ? { token } : {}),
  });
  const startedAt = Date.now();
  let sent: SentBatch[];
  try {
    sent = await sendPlan(setup, sender, startedAt, () => collector.logTail());
  } finally {
    sender.close();
  }
  const sendMs = Date.now() - startedAt;
  await waitForDecisions(setup, config, sent, startedAt, sink);
  setup.onProgress?.({ phase: "metrics" });
  const metrics = await collectFlowMetrics(config, [addresses.prometheus], tls, setup.plan.spans, startedAt + sendMs);
  const atEnd = await collector.usage();
  return { sent, startedAt, sendMs, metrics, usage: { atReady, atEnd } };
}

const IN_FLIGHT = 4;

export async function sendPlan(
  setup: ReplaySetup,
  sender: Sender,
  startedAt: number,
  logTail: () => string[],
): Promise<SentBatch[]> {
  const sent: SentBatch[] = [];
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  let fatal: Error | undefined;
  for (const batch of setup.plan.batches) {
    if (fatal) break;
    const wait = startedAt + batch.atMs - Date.now();
    if (wait > 0) await sleep(wait);
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    const sentAtMs = Date.now() - startedAt;
    const p = sendWithRetry(sender, batch.request, batch.spans.length).then(({ outcome, attempts }) => {
      sent.push({ batch, sentAtMs, answeredAtMs: Date.now() - startedAt, outcome, attempts });
      done += batch.spans.length;
      setup.onProgress?.({ phase: "sending", spans: done, total: setup.plan.spans });
      if (!outcome.ok && !fatal)
        fatal = new CollectorFailure(`the collector refused spans: ${outcome.error}`, logTail());
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }
  await Promise.all(inFlight);
  if (fatal) throw fatal;
  return sent.sort((a, b) => a.sentAtMs - b.sentAtMs);
}

/** Decisions are taken on a one-second tick once a trace has waited decision_wait since its first span arrived. */
const DECISION_TICK_MS = 1000;
const MARGIN_MS = 1500;
const QUIET_MS = 700;

export async function waitForDecisions(
  setup: ReplaySetup,
  config: CollectorConfig,
  sent: SentBatch[],
  startedAt: number,
  sink: Sink,
): Promise<void> {
  const sampler = config.processors[ID.tailSampling];
  const waitMs = sampler?.decision_wait ? durationMs(sampler.decision_wait) : 0;
  // By the answers: each trace's first span reached the collector no later than its earliest answer.
  const firstSeen = new Map<string, number>();
  let lastAnswered = 0;
  for (const s of sent) {
    lastAnswered = Math.max(lastAnswered, s.answeredAtMs);
    for (const r of s.batch.spans)
      firstSeen.set(r.span.traceId, Math.min(firstSeen.get(r.span.traceId) ?? Infinity, s.answeredAtMs));
  }
  const lastDecision = Math.max(0, ...firstSeen.values()) + waitMs + DECISION_TICK_MS;
  const deadline = startedAt + Math.max(lastDecision, lastAnswered) + MARGIN_MS;
  const total = Math.max(1, deadline - Date.now());
  while (Date.now() < deadline) {
    setup.onProgress?.({ phase: "waiting", remainingMs: deadline - Date.now(), totalMs: total });
    await sleep(Math.min(250, deadline - Date.now()));
  }
  // Then until the sink has been quiet for a moment: the last batch may still be on its way.
  const giveUp = Date.now() + 10_000;
  while (sink.quietFor() < QUIET_MS && Date.now() < giveUp) await sleep(100);
}

const SCRAPES_PAST_DEADLINE = 3;

/** Every agent counts the spans it received: the flow metrics are their sum. */
export async function collectFlowMetrics(
  config: CollectorConfig,
  endpoints: readonly string[],
  tls: TlsMaterial | undefined,
  expectedSpans: number,
  sendEndedAt: number,
): Promise<FlowMetrics> {
  const connector = config.connectors[ID.spanMetrics];
  // Without the connector there is nothing to wait for; the endpoint is still asked, so a replay
  // whose config lost its flow metrics says so instead of judging nothing.
  const flushMs = connector?.metrics_flush_interval ? durationMs(connector.metrics_flush_interval) : 60_000;
  const deadline = connector ? sendEndedAt + flushMs + 2 * MARGIN_MS : 0;
  const scrapeTls = tls ? { ca: tls.ca, cert: tls.sender.cert, key: tls.sender.key } : undefined;
  let samples: Sample[] = [];
  let text = "";
  let error: string | undefined;
  // Past the deadline a failed scrape is tried again a few times: a collector short of CPU can miss the
  // scrape's 5 s once without having lost its metrics.
  let failuresPastDeadline = 0;
  for (;;) {
    try {
      const texts = await Promise.all(endpoints.map((endpoint) => scrape(endpoint, scrapeTls)));
      text = texts.join("\n");
      samples = texts.flatMap(parsePrometheusText);
      error = undefined;
    } catch (e) {
      error = `scraping ${endpoints.join(", ")}: ${(e as Error).message}`;
    }
    // Counters only grow: once every sent span is counted, later flushes change nothing.
    if (countedSpans(samples) >= expectedSpans) break;
    if (Date.now() >= deadline && (error === undefined || ++failuresPastDeadline >= SCRAPES_PAST_DEADLINE)) break;
    await sleep(500);
  }
  return { samples, text, ...(error ? { error } : {}) };
}
