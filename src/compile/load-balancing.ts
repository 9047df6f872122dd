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
 * the same id to the same sampler, whichever agent the span arrived at. The (persistent) queue lives on
 * the load_balancing exporter itself, so a batch leaves it only once every sampler it was split over
 * accepted its part. Each per-sampler exporter retries its own part: retried from the queue, the whole
 * batch would go again to the samplers that already took theirs, and those would export it twice
 * (measured: test/topology-faults.test.ts). The price: while a sampler is unreachable, batches with a
 * part for it wait, and the queue fills; a dns or k8s resolver drops the sampler from the ring instead.
 */
export function compileLoadBalancing(pipeline: ResolvedPipeline): Fragment {
  const { topology, exporters } = pipeline;
  const config: LoadBalancingExporterConfig = {
    routing_key: "traceID",
    protocol: {
      otlp: {
        tls: clientTls(pipeline),
        timeout: topology.sampler_timeout,
        sending_queue: { enabled: false },
        retry_on_failure: { enabled: true, max_elapsed_time: exporters.jaeger.retry_max_elapsed },
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
