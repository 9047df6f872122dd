import { ID } from "../src/collector/registry.js";
import { compileCollectorConfig } from "../src/compile/index.js";
import {
  kv,
  newSpan,
  type KeyValue,
  type Resource,
  type Scope,
  type Span,
  type TraceRequest,
} from "../src/otlp/model.js";
import { encodeProtoRequest } from "../src/otlp/protobuf.js";
import type { ResolvedEnvironment } from "../src/resolve/resolve.js";
import type { Sample } from "../src/replay/prometheus.js";
import type { ReplayRecord, SentBatch } from "../src/replay/run.js";
import type { SpanRecord } from "../src/replay/schedule.js";

/** Hand-made replays for the checks: what was sent, when, and what arrived, without a collector. */

export const KEY = "test-hmac-key";
let counter = 0;
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

export function span(o: Partial<Span> = {}): Span {
  counter++;
  return newSpan({
    traceId: hex(counter, 32),
    spanId: hex(counter, 16),
    flags: 1,
    name: "GET /",
    kind: 2,
    startTimeUnixNano: 1_000_000_000n,
    endTimeUnixNano: 1_050_000_000n,
    ...o,
  });
}

export const resource = (attributes: KeyValue[] = [kv("service.name", "shop-api")]): Resource => ({
  attributes,
  droppedAttributesCount: 0,
});
export const scope = (attributes: KeyValue[] = []): Scope => ({
  name: "test",
  version: "1",
  attributes,
  droppedAttributesCount: 0,
});

export interface SentSpanSpec {
  span: Span;
  resource?: Resource;
  scope?: Scope;
  /** When it was sent, ms after the start. */
  at?: number;
  /** When the collector answered for it, ms after the start; by default when it was sent. */
  answered?: number;
}

export function request(spans: Array<{ span: Span; resource?: Resource; scope?: Scope }>): TraceRequest {
  return {
    resourceSpans: spans.map((s) => ({
      resource: s.resource ?? resource(),
      schemaUrl: "",
      scopeSpans: [{ scope: s.scope ?? scope(), schemaUrl: "", spans: [s.span] }],
    })),
  };
}

export function record(
  env: ResolvedEnvironment,
  sent: SentSpanSpec[],
  received: TraceRequest[],
  o: {
    metrics?: Sample[];
    metricsError?: string;
    log?: string[];
    decisionWait?: string;
    config?: ReplayRecord["config"];
  } = {},
): ReplayRecord {
  const batches: SentBatch[] = sent.map((s) => {
    const rec: SpanRecord = {
      span: s.span,
      resource: s.resource ?? resource(),
      scope: s.scope ?? scope(),
      resourceSchemaUrl: "",
      scopeSchemaUrl: "",
      source: { file: "hand-made.jsonl", line: 1 },
    };
    return {
      batch: { atMs: s.at ?? 0, request: request([s]), spans: [rec] },
      sentAtMs: s.at ?? 0,
      answeredAtMs: s.answered ?? s.at ?? 0,
      outcome: { ok: true, rejected: 0, retryable: false },
      attempts: 1,
    };
  });
  const config = o.config ?? compileCollectorConfig(env);
  return {
    environment: env.name,
    protocol: "grpc",
    sinkProtocol: "grpc",
    tls: false,
    auth: "none",
    decisionWait: { configured: env.pipeline.sampling.decision_wait, used: o.decisionWait ?? "2s" },
    pseudonymKey: KEY,
    config,
    plan: { batches: batches.map((b) => b.batch), spans: sent.length, shiftNs: 0n },
    sent: batches,
    startedAt: 0,
    sendMs: 1000,
    received: received.map((request) => ({
      atMs: 0,
      protocol: "grpc" as const,
      request,
      body: encodeProtoRequest(request),
      encoding: "protobuf" as const,
    })),
    garbage: [],
    metrics: {
      samples: o.metrics ?? [],
      text: exposition(o.metrics ?? []),
      ...(o.metricsError ? { error: o.metricsError } : {}),
    },
    usage: { atReady: { cpuSeconds: 0, peakRssBytes: 0 }, atEnd: { cpuSeconds: 0, peakRssBytes: 0 } },
    collectorLog: { lines: o.log ?? [], dropped: 0 },
  };
}

/** Samples as the Prometheus text format shows them. */
function exposition(samples: readonly Sample[]): string {
  return samples
    .map((s) => {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v.replace(/["\\]/g, "\\$&")}"`);
      return `${s.name}${labels.length ? `{${labels.join(",")}}` : ""} ${s.value}\n`;
    })
    .join("");
}

/** The flow metrics a correct collector shows for these spans: one duration count per flow. */
export function flowMetrics(env: ResolvedEnvironment, spans: readonly Span[]): Sample[] {
  const key = env.pipeline.system.flow_attribute;
  const counts = new Map<string, number>();
  for (const s of spans) {
    const flow = s.attributes.find((a) => a.key === key)?.value;
    const label = flow?.type === "string" ? flow.value : "";
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([flow, value]) => ({
    name: "traces_span_metrics_duration_seconds_count",
    labels: flow ? { [key.replace(/\./g, "_")]: flow } : {},
    value,
  }));
}

export const withoutFlowMetrics = (env: ResolvedEnvironment): ReplayRecord["config"] => {
  const config = compileCollectorConfig(env);
  delete config.connectors[ID.spanMetrics];
  return config;
};
