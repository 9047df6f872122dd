import type { BatchConfig, MemoryLimiterConfig } from "../collector/components.js";
import type { PipelineSpec } from "../collector/config.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { percent } from "../schema/units.js";
import { ID } from "../collector/registry.js";
import type { Fragment } from "./fragment.js";
import { hasMasking } from "./masking.js";

/**
 * The shape every generated config shares:
 *   traces/ingest   otlp → memory_limiter → masking → (spanmetrics, forward/sampling)
 *   traces/sampled  forward/sampling → memory_limiter → tail_sampling → batch → jaeger
 *   metrics/flows   spanmetrics → memory_limiter → transform/metrics_resource → batch → prometheus
 * Masking happens once, before the first fan-out, so neither metrics labels nor any
 * exporter can see a raw value; span metrics branch off before sampling drops anything.
 * The metrics keep only the resource attributes the description lets through.
 */
export function compilePipelines(pipeline: ResolvedPipeline): {
  fragment: Fragment;
  pipelines: Record<string, PipelineSpec>;
} {
  const limit = percent(pipeline.telemetry.memory_limit);
  const memoryLimiter: MemoryLimiterConfig = {
    check_interval: "1s",
    limit_percentage: Math.round(limit),
    spike_limit_percentage: Math.max(1, Math.round(limit / 4)),
  };
  const batch: BatchConfig = { timeout: "200ms", send_batch_size: 8192, send_batch_max_size: 16384 };
  const kept = [ID.jaeger(pipeline.exporters.jaeger.protocol), ...(pipeline.exporters.debug ? [ID.debug] : [])];
  return {
    fragment: {
      processors: { [ID.memoryLimiter]: memoryLimiter, [ID.batch]: batch },
      connectors: { [ID.toSampling]: {} },
    },
    pipelines: {
      "traces/ingest": {
        receivers: [ID.otlpReceiver],
        processors: [ID.memoryLimiter, ...(hasMasking(pipeline) ? [ID.masking] : [])],
        exporters: [ID.spanMetrics, ID.toSampling],
      },
      "traces/sampled": {
        receivers: [ID.toSampling],
        processors: [ID.memoryLimiter, ID.tailSampling, ID.batch],
        exporters: kept,
      },
      "metrics/flows": {
        receivers: [ID.spanMetrics],
        processors: [ID.memoryLimiter, ID.metricsResource, ID.batch],
        exporters: [ID.prometheus],
      },
    },
  };
}
