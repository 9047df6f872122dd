import type { OtlpExporterConfig } from "../collector/components.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { ID } from "../collector/registry.js";
import type { Fragment } from "./fragment.js";
import { persistentQueue } from "./queue.js";
import { clientTls } from "./tls.js";

/** `durable`: the Jaeger exporter's queue is the topology's persistent queue (the sampler tier's). */
export function compileExporters(pipeline: ResolvedPipeline, durable = false): Fragment {
  const { jaeger, debug } = pipeline.exporters;
  const tls = clientTls(pipeline);
  const config: OtlpExporterConfig = {
    endpoint: jaeger.protocol === "http" ? `${tls.insecure ? "http" : "https"}://${jaeger.endpoint}` : jaeger.endpoint,
    tls,
    sending_queue: persistentQueue(durable ? pipeline.topology.queue : undefined, jaeger.queue_size),
    retry_on_failure: { enabled: true, max_elapsed_time: jaeger.retry_max_elapsed },
  };
  return {
    exporters: {
      [ID.jaeger(jaeger.protocol)]: config,
      ...(debug ? { [ID.debug]: { verbosity: debug.verbosity } } : {}),
    },
  };
}
