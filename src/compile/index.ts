import type { CollectorConfig, PipelineSpec } from "../collector/config.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { compileExporters } from "./exporters.js";
import { compileFlowMetrics } from "./flow-metrics.js";
import type { Fragment } from "./fragment.js";
import { compileLoadBalancing } from "./load-balancing.js";
import { compileMasking } from "./masking.js";
import { compileAgentPipelines, compilePipelines, compileSamplerPipelines } from "./pipelines.js";
import { compileQueueStorage } from "./queue.js";
import { compileReceivers, compileSamplerReceiver } from "./receivers.js";
import { compileSampling } from "./sampling.js";
import { compileTelemetry } from "./telemetry.js";
import { compareText } from "../text/collate.js";

/** What a collector of an environment does: everything, or one tier of a two-tier topology. */
export type CollectorRole = "collector" | "agent" | "sampler";

/** Description in, collector configs out (one per role the topology has): no I/O, same input, same objects. */
export function compileCollectorConfigs(
  env: ResolvedEnvironment,
): Array<{ role: CollectorRole; config: CollectorConfig }> {
  if (env.pipeline.topology.kind === "single") return [{ role: "collector", config: compileCollectorConfig(env) }];
  return [
    { role: "agent", config: compileAgentConfig(env) },
    { role: "sampler", config: compileSamplerConfig(env) },
  ];
}

export function compileCollectorConfig(env: ResolvedEnvironment): CollectorConfig {
  const { pipeline } = env;
  const { pipelines, fragment } = compilePipelines(pipeline);
  return assemble(env, pipelines, [
    compileReceivers(pipeline),
    compileMasking(env),
    compileFlowMetrics(pipeline),
    compileSampling(pipeline),
    compileExporters(pipeline),
    fragment,
  ]);
}

/** Receives, masks and counts every span, then routes each trace by id to its sampler. */
export function compileAgentConfig(env: ResolvedEnvironment): CollectorConfig {
  const { pipeline } = env;
  const { pipelines, fragment } = compileAgentPipelines(pipeline);
  return assemble(env, pipelines, [
    compileReceivers(pipeline),
    compileMasking(env),
    compileFlowMetrics(pipeline),
    compileLoadBalancing(pipeline),
    compileQueueStorage(pipeline),
    fragment,
  ]);
}

/** Holds each trace it is routed until the decision, then exports what it keeps to Jaeger. */
export function compileSamplerConfig(env: ResolvedEnvironment): CollectorConfig {
  const { pipeline } = env;
  const { pipelines, fragment } = compileSamplerPipelines(pipeline);
  return assemble(env, pipelines, [
    compileSamplerReceiver(pipeline),
    compileSampling(pipeline),
    compileExporters(pipeline, true),
    compileQueueStorage(pipeline),
    fragment,
  ]);
}

function assemble(
  env: ResolvedEnvironment,
  pipelines: Record<string, PipelineSpec>,
  concerns: Fragment[],
): CollectorConfig {
  const { telemetry, fragment: telemetryFragment } = compileTelemetry(env);
  // Every section is sorted by id, so the order of the concerns does not show in the output.
  const fragments = [...concerns, telemetryFragment];
  const section = (name: keyof Fragment) => sortKeys(Object.assign({}, ...fragments.map((f) => f[name] ?? {})));
  const extensions = section("extensions");
  return {
    extensions,
    receivers: section("receivers"),
    processors: section("processors"),
    connectors: section("connectors"),
    exporters: section("exporters"),
    service: { extensions: Object.keys(extensions), telemetry, pipelines },
  };
}

function sortKeys<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b))) as T;
}
