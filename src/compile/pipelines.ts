import type { BatchConfig, MemoryLimiterConfig } from "../collector/components.js";
import type { PipelineSpec } from "../collector/config.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { percent } from "../schema/units.js";
import { ID } from "../collector/registry.js";
import type { Fragment } from "./fragment.js";
import { hasMasking } from "./masking.js";

type Pipelines = { fragment: Fragment; pipelines: Record<string, PipelineSpec> };

/**
 * The shape every single-collector config shares:
 *   traces/ingest   otlp → memory_limiter → masking → (spanmetrics, forward/sampling)
 *   traces/sampled  forward/sampling → memory_limiter → tail_sampling → batch → jaeger
 *   metrics/flows   spanmetrics → memory_limiter → transform/metrics_resource → batch → prometheus
 * Masking happens once, before the first fan-out, so neither metrics labels nor any
 * exporter can see a raw value; span metrics branch off before sampling drops anything.
 * The metrics keep only the resource attributes the description lets through.
 */
export function compilePipelines(pipeline: ResolvedPipeline): Pipelines {
  return {
    fragment: { processors: processors(pipeline), connectors: { [ID.toSampling]: {} } },
    pipelines: {
      "traces/ingest": ingest(pipeline, ID.toSampling),
      "traces/sampled": sampled(pipeline, ID.toSampling),
      "metrics/flows": FLOWS,
    },
  };
}

/**
 * The agent tier of a two-tier topology: the single collector's ingest and flow metrics, with the
 * sampling half replaced by the load_balancing exporter, which sends every span of a trace to one sampler.
 */
export function compileAgentPipelines(pipeline: ResolvedPipeline): Pipelines {
  return {
    fragment: { processors: processors(pipeline) },
    pipelines: { "traces/ingest": ingest(pipeline, ID.toSamplers), "metrics/flows": FLOWS },
  };
}

/** The sampler tier: what the agents route to it is sampled and exported as the single collector does. */
export function compileSamplerPipelines(pipeline: ResolvedPipeline): Pipelines {
  return {
    fragment: { processors: processors(pipeline) },
    pipelines: { "traces/sampled": sampled(pipeline, ID.otlpReceiver) },
  };
}

function processors(pipeline: ResolvedPipeline): Fragment["processors"] {
  const limit = percent(pipeline.telemetry.memory_limit);
  const memoryLimiter: MemoryLimiterConfig = {
    check_interval: "1s",
    limit_percentage: Math.round(limit),
    spike_limit_percentage: Math.max(1, Math.round(limit / 4)),
  };
  const batch: BatchConfig = { timeout: "200ms", send_batch_size: 8192, send_batch_max_size: 16384 };
  return { [ID.memoryLimiter]: memoryLimiter, [ID.batch]: batch };
}

const ingest = (pipeline: ResolvedPipeline, toSampling: string): PipelineSpec => ({
  receivers: [ID.otlpReceiver],
  processors: [ID.memoryLimiter, ...(hasMasking(pipeline) ? [ID.masking] : [])],
  exporters: [ID.spanMetrics, toSampling],
});

const sampled = (pipeline: ResolvedPipeline, from: string): PipelineSpec => ({
  receivers: [from],
  processors: [ID.memoryLimiter, ID.tailSampling, ID.batch],
  exporters: [ID.jaeger(pipeline.exporters.jaeger.protocol), ...(pipeline.exporters.debug ? [ID.debug] : [])],
});

const FLOWS: PipelineSpec = {
  receivers: [ID.spanMetrics],
  processors: [ID.memoryLimiter, ID.metricsResource, ID.batch],
  exporters: [ID.prometheus],
};
