import type { CollectorConfig } from "../collector/config.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { compileExporters } from "./exporters.js";
import { compileFlowMetrics } from "./flow-metrics.js";
import type { Fragment } from "./fragment.js";
import { compileMasking } from "./masking.js";
import { compilePipelines } from "./pipelines.js";
import { compileReceivers } from "./receivers.js";
import { compileSampling } from "./sampling.js";
import { compileTelemetry } from "./telemetry.js";

/** Description in, collector config out: no I/O, same input, same object. */
export function compileCollectorConfig(env: ResolvedEnvironment): CollectorConfig {
  const { pipeline } = env;
  const { telemetry, fragment: telemetryFragment } = compileTelemetry(env);
  const { pipelines, fragment: plumbing } = compilePipelines(pipeline);
  const fragments: Fragment[] = [
    compileReceivers(pipeline),
    compileMasking(env),
    compileFlowMetrics(pipeline),
    compileSampling(pipeline),
    compileExporters(pipeline),
    telemetryFragment,
    plumbing,
  ];
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
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b))) as T;
}
