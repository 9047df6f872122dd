import type { ResolvedAccess } from "../resolve/resolve.js";
import { serverTlsOf } from "../compile/tls.js";

/** Jaeger v2's storage backend name in its own config; any name works, one is enough. */
const STORE = "traces";

const loopback = (port: number) => `127.0.0.1:${port}`;

/**
 * Jaeger v2's config (an OpenTelemetry Collector config with Jaeger's extensions), key names as in
 * Jaeger's own cmd/jaeger/config*.yaml. Only OTLP ingestion may listen beyond loopback: the query
 * API, health check and metrics answer on 127.0.0.1 alone, so the gateway is the only way to read.
 */
export function compileJaegerConfig(jaeger: ResolvedAccess["jaeger"]): Record<string, unknown> {
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
      pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
      telemetry: {
        metrics: {
          level: "basic",
          readers: [{ pull: { exporter: { prometheus: { host: "127.0.0.1", port: jaeger.metrics_port } } } }],
        },
        logs: { level: "warn" },
      },
    },
    extensions: {
      jaeger_storage: { backends: { [STORE]: storageBackend(jaeger.storage) } },
      jaeger_query: {
        storage: { traces: STORE },
        // On by default: Jaeger would export spans of its own queries to localhost:4317, a collector's port.
        enable_tracing: false,
        http: { endpoint: loopback(jaeger.query_http_port) },
        grpc: { endpoint: loopback(jaeger.query_grpc_port) },
      },
      healthcheckv2: { use_v2: true, http: { endpoint: loopback(jaeger.health_port) } },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: jaeger.otlp_grpc, ...tlsOf(jaeger.tls) } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: STORE } },
  };
}

function tlsOf(tls: ResolvedAccess["jaeger"]["tls"]): { tls?: object } {
  const settings = tls === undefined ? undefined : serverTlsOf(tls);
  return settings ? { tls: settings } : {};
}

function storageBackend(storage: ResolvedAccess["jaeger"]["storage"]): Record<string, unknown> {
  if ("memory" in storage) return { memory: { max_traces: storage.memory.max_traces } };
  const { directory, ttl } = storage.badger;
  return {
    badger: {
      directories: { keys: `${directory}/keys`, values: `${directory}/values` },
      ephemeral: false,
      ttl: { spans: ttl },
    },
  };
}
