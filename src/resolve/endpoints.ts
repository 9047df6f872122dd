import type { ResolvedPipeline } from "./resolve.js";

export interface NamedEndpoint {
  path: readonly (string | number)[];
  endpoint: string;
  role: "listens" | "sends";
  /** Whether the description's TLS settings apply to it; the health check and own metrics stay plaintext. */
  encrypted: boolean;
}

/** Every address the collector listens on or sends to: what the TLS, loopback and port rules are about. */
export function endpointsOf(pipeline: ResolvedPipeline): NamedEndpoint[] {
  const { otlp } = pipeline.receivers;
  const listen = (path: string[], endpoint: string, encrypted = true): NamedEndpoint => ({
    path,
    endpoint,
    role: "listens",
    encrypted,
  });
  return [
    ...(otlp.grpc ? [listen(["receivers", "otlp", "grpc"], otlp.grpc)] : []),
    ...(otlp.http ? [listen(["receivers", "otlp", "http"], otlp.http)] : []),
    listen(["exporters", "prometheus", "endpoint"], pipeline.exporters.prometheus.endpoint),
    listen(["telemetry", "health_endpoint"], pipeline.telemetry.health_endpoint, false),
    listen(["telemetry", "metrics_endpoint"], pipeline.telemetry.metrics_endpoint, false),
    {
      path: ["exporters", "jaeger", "endpoint"],
      endpoint: pipeline.exporters.jaeger.endpoint,
      role: "sends",
      encrypted: true,
    },
  ];
}
