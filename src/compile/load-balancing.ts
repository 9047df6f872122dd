import type { LoadBalancingExporterConfig } from "../collector/components.js";
import { parseHostPort } from "../endpoint/endpoint.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { ID } from "../collector/registry.js";
import type { Fragment } from "./fragment.js";
import { persistentQueue } from "./queue.js";
import { clientTls } from "./tls.js";

type Resolver = LoadBalancingExporterConfig["resolver"];

/**
 * The agents' way to the samplers. Routing by trace id is what keeps a trace whole: every agent hashes
 * the same id to the same sampler, whichever agent the span arrived at. The queue and retry live on the
 * loadbalancing exporter itself, not on the per-sampler exporters, so a batch is only dropped from the
 * (persistent) queue once a sampler accepted it, and a batch for a sampler that left is routed anew.
 */
export function compileLoadBalancing(pipeline: ResolvedPipeline): Fragment {
  const { topology, exporters } = pipeline;
  const config: LoadBalancingExporterConfig = {
    routing_key: "traceID",
    protocol: {
      otlp: {
        tls: clientTls(pipeline),
        timeout: "5s",
        sending_queue: { enabled: false },
        retry_on_failure: { enabled: false },
      },
    },
    resolver: resolver(pipeline),
    sending_queue: persistentQueue(topology.queue, exporters.jaeger.queue_size),
    retry_on_failure: { enabled: true, max_elapsed_time: exporters.jaeger.retry_max_elapsed },
  };
  return { exporters: { [ID.toSamplers]: config } };
}

function resolver({ topology }: ResolvedPipeline): Resolver {
  const port = parseHostPort(topology.sampler_listen).port;
  const { resolver } = topology;
  if (resolver?.static) return { static: { hostnames: resolver.static } };
  if (resolver?.dns) return { dns: { hostname: resolver.dns.hostname, port: String(resolver.dns.port ?? port) } };
  if (resolver?.k8s) return { k8s: { service: resolver.k8s.service, ports: [resolver.k8s.port ?? port] } };
  throw new Error("a two-tier topology without a resolver reached the compiler; lint refuses it");
}
