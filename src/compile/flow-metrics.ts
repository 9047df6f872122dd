import type { PrometheusExporterConfig, SpanMetricsConfig, TransformConfig } from "../collector/components.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { durationMs } from "../schema/units.js";
import { ID } from "../collector/registry.js";
import type { Fragment } from "./fragment.js";
import { serverTls } from "./tls.js";

/** A ladder from a fast HTTP hop to a long MES job; each flow's SLA is added so "over SLA" is exact. */
const LADDER = [
  "5ms",
  "10ms",
  "25ms",
  "50ms",
  "100ms",
  "250ms",
  "500ms",
  "1s",
  "2.5s",
  "5s",
  "10s",
  "30s",
  "1m",
  "2m",
  "5m",
  "15m",
  "30m",
  "1h",
];

export function histogramBuckets(pipeline: ResolvedPipeline): string[] {
  const byMs = new Map<number, string>();
  for (const bucket of [...LADDER, ...Object.values(pipeline.flows).map((f) => f.sla)]) {
    const ms = durationMs(bucket);
    if (!byMs.has(ms)) byMs.set(ms, bucket);
  }
  return [...byMs.entries()].sort(([a], [b]) => a - b).map(([, label]) => label);
}

/** Span metrics see every span, masked, before sampling drops any: otherwise rates and quantiles lie. */
export function compileFlowMetrics(pipeline: ResolvedPipeline): Fragment {
  const { prometheus } = pipeline.exporters;
  const dimensions = [...new Set([pipeline.system.flow_attribute, ...prometheus.dimensions])];
  const spanmetrics: SpanMetricsConfig = {
    histogram: { unit: "s", explicit: { buckets: histogramBuckets(pipeline) } },
    dimensions: dimensions.map((name) => ({ name })),
    exemplars: { enabled: true },
    metrics_flush_interval: "15s",
    aggregation_cardinality_limit: prometheus.max_series,
  };
  const tls = serverTls(pipeline);
  const exporter: PrometheusExporterConfig = {
    endpoint: prometheus.endpoint,
    ...(tls ? { tls } : {}),
    // Exemplars (the trace id behind a slow bucket) are only exposed in the OpenMetrics format.
    enable_open_metrics: true,
  };
  return {
    connectors: { [ID.spanMetrics]: spanmetrics },
    processors: { [ID.metricsResource]: metricsResource(prometheus.resource_attributes) },
    exporters: { [ID.prometheus]: exporter },
  };
}

/**
 * Span metrics carry their spans' resource, and the Prometheus exporter makes every resource attribute
 * a `target_info` label: a value masking missed on the resource would become a label. Only the listed
 * attributes stay. On a failing statement the batch is dropped rather than passed unfiltered.
 */
function metricsResource(keep: readonly string[]): TransformConfig {
  return {
    error_mode: "propagate",
    metric_statements: [
      {
        context: "resource",
        statements: [`keep_keys(attributes, [${keep.map((k) => JSON.stringify(k)).join(", ")}])`],
      },
    ],
  };
}
