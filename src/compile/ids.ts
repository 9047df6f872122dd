/** Component ids shared by the compilers that define components and the one that wires pipelines. */
export const ID = {
  otlpReceiver: "otlp",
  healthCheck: "health_check",
  bearerAuth: "bearertokenauth",
  oidcAuth: "oidc",
  memoryLimiter: "memory_limiter",
  masking: "masking",
  tailSampling: "tail_sampling",
  batch: "batch",
  toSampling: "forward/sampling",
  spanMetrics: "span_metrics",
  metricsResource: "transform/metrics_resource",
  prometheus: "prometheus",
  debug: "debug",
  jaeger: (protocol: "grpc" | "http") => (protocol === "grpc" ? "otlp_grpc/jaeger" : "otlp_http/jaeger"),
} as const;

/** Part of a collector config: the components one concern defines, by section. */
export interface Fragment {
  extensions?: Record<string, unknown>;
  receivers?: Record<string, unknown>;
  processors?: Record<string, unknown>;
  connectors?: Record<string, unknown>;
  exporters?: Record<string, unknown>;
}
