import { Type, type Static } from "@sinclair/typebox";
import { DETECTOR_NAMES } from "../masking/detectors.js";
import { SCRUB_KINDS } from "../masking/scrub-kinds.js";
import type { ConfigSection } from "./registry.js";

/*
 * The keys tracegen writes for each collector component, as schemas. Compilers return
 * these types, and the generated config is checked against them before it is written,
 * so a misspelt key fails here rather than at the collector's start-up. Key names were
 * read from the components at the pinned release (see collector-builder.yaml).
 */

const closed = { additionalProperties: false } as const;
const GoDuration = Type.String({ pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$" });
const ComponentId = Type.String({ pattern: "^[a-z_]+(/[A-Za-z0-9_.-]+)?$" });

export const ServerTls = Type.Object(
  {
    cert_file: Type.String(),
    key_file: Type.String(),
    min_version: Type.Optional(Type.String()),
    client_ca_file: Type.Optional(Type.String()),
  },
  closed,
);

export const ClientTls = Type.Object(
  {
    insecure: Type.Optional(Type.Boolean()),
    ca_file: Type.Optional(Type.String()),
    cert_file: Type.Optional(Type.String()),
    key_file: Type.Optional(Type.String()),
    min_version: Type.Optional(Type.String()),
  },
  closed,
);

const Auth = Type.Object({ authenticator: ComponentId }, closed);

const OtlpServer = {
  endpoint: Type.String(),
  tls: Type.Optional(ServerTls),
  auth: Type.Optional(Auth),
};

export const OtlpReceiverConfig = Type.Object(
  {
    protocols: Type.Object(
      {
        // Request limits are required: the collector's defaults admit requests that can crash it.
        grpc: Type.Optional(
          Type.Object({ ...OtlpServer, max_recv_msg_size_mib: Type.Integer({ minimum: 1 }) }, closed),
        ),
        http: Type.Optional(
          Type.Object(
            {
              ...OtlpServer,
              max_request_body_size: Type.Integer({ minimum: 1 }),
              cors: Type.Optional(Type.Object({ allowed_origins: Type.Array(Type.String()) }, closed)),
            },
            closed,
          ),
        ),
      },
      closed,
    ),
  },
  closed,
);

export const HealthCheckConfig = Type.Object({ endpoint: Type.String() }, closed);
export const BearerTokenAuthConfig = Type.Object({ filename: Type.String() }, closed);
export const OidcAuthConfig = Type.Object(
  {
    providers: Type.Array(Type.Object({ issuer_url: Type.String(), audience: Type.String() }, closed), { minItems: 1 }),
  },
  closed,
);

export const MemoryLimiterConfig = Type.Object(
  {
    check_interval: GoDuration,
    limit_percentage: Type.Integer({ minimum: 1, maximum: 100 }),
    spike_limit_percentage: Type.Integer({ minimum: 0, maximum: 99 }),
  },
  closed,
);

export const BatchConfig = Type.Object(
  {
    timeout: GoDuration,
    send_batch_size: Type.Integer({ minimum: 1 }),
    send_batch_max_size: Type.Integer({ minimum: 0 }),
  },
  closed,
);

/** The in-house processor's keys (collector/maskingprocessor, its Config's mapstructure tags). */
export const MaskingConfig = Type.Object(
  {
    remove: Type.Array(Type.String()),
    pseudonymize: Type.Object(
      {
        keys: Type.Array(Type.String()),
        key: Type.String(),
        min_key_bytes: Type.Optional(Type.Integer({ minimum: 0 })),
      },
      closed,
    ),
    detectors: Type.Array(Type.Union(DETECTOR_NAMES.map((name) => Type.Literal(name)))),
    redact_values: Type.Array(Type.Object({ name: Type.String(), pattern: Type.String() }, closed)),
    scrub_queries: Type.Array(
      Type.Object({ key: Type.String(), kind: Type.Union(SCRUB_KINDS.map((kind) => Type.Literal(kind))) }, closed),
    ),
    scrub_names: Type.Boolean(),
    numbers: Type.Boolean(),
    allow: Type.Optional(
      Type.Object(
        {
          keys: Type.Array(Type.String()),
          otherwise: Type.Union([Type.Literal("remove"), Type.Literal("pseudonymize")]),
        },
        closed,
      ),
    ),
  },
  closed,
);

/** The contrib transform processor, as tracegen uses it: OTTL statements on the metrics' resource. */
export const TransformConfig = Type.Object(
  {
    error_mode: Type.Union([Type.Literal("ignore"), Type.Literal("silent"), Type.Literal("propagate")]),
    metric_statements: Type.Array(
      Type.Object(
        { context: Type.Literal("resource"), statements: Type.Array(Type.String(), { minItems: 1 }) },
        closed,
      ),
    ),
  },
  closed,
);

const LeafPolicies = {
  status_code: Type.Optional(
    Type.Object(
      { status_codes: Type.Array(Type.Union([Type.Literal("ERROR"), Type.Literal("OK"), Type.Literal("UNSET")])) },
      closed,
    ),
  ),
  string_attribute: Type.Optional(
    Type.Object(
      {
        key: Type.String(),
        values: Type.Array(Type.String(), { minItems: 1 }),
        invert_match: Type.Optional(Type.Boolean()),
      },
      closed,
    ),
  ),
  probabilistic: Type.Optional(
    Type.Object(
      { hash_salt: Type.String(), sampling_percentage: Type.Number({ exclusiveMinimum: 0, maximum: 100 }) },
      closed,
    ),
  ),
  latency: Type.Optional(Type.Object({ threshold_ms: Type.Integer({ minimum: 1 }) }, closed)),
  rate_limiting: Type.Optional(Type.Object({ spans_per_second: Type.Integer({ minimum: 1 }) }, closed)),
};
const LeafType = Type.Union(
  ["status_code", "string_attribute", "probabilistic", "latency", "rate_limiting"].map((t) => Type.Literal(t)),
);

export const SubPolicy = Type.Object({ name: Type.String(), type: LeafType, ...LeafPolicies }, closed);
export const Policy = Type.Object(
  {
    name: Type.String(),
    type: Type.Union([LeafType, Type.Literal("and")]),
    ...LeafPolicies,
    and: Type.Optional(Type.Object({ and_sub_policy: Type.Array(SubPolicy, { minItems: 2 }) }, closed)),
  },
  closed,
);

export const TailSamplingConfig = Type.Object(
  {
    decision_wait: GoDuration,
    num_traces: Type.Integer({ minimum: 1 }),
    expected_new_traces_per_sec: Type.Integer({ minimum: 0 }),
    decision_cache: Type.Object(
      { sampled_cache_size: Type.Integer({ minimum: 0 }), non_sampled_cache_size: Type.Integer({ minimum: 0 }) },
      closed,
    ),
    policies: Type.Array(Policy, { minItems: 1 }),
  },
  closed,
);

export const ForwardConfig = Type.Object({}, closed);

export const SpanMetricsConfig = Type.Object(
  {
    histogram: Type.Object(
      { unit: Type.Literal("s"), explicit: Type.Object({ buckets: Type.Array(GoDuration, { minItems: 1 }) }, closed) },
      closed,
    ),
    dimensions: Type.Array(Type.Object({ name: Type.String() }, closed)),
    exemplars: Type.Object({ enabled: Type.Boolean() }, closed),
    metrics_flush_interval: GoDuration,
    aggregation_cardinality_limit: Type.Integer({ minimum: 1 }),
  },
  closed,
);

/** `storage` names a storage extension: the queue is then kept on disk and survives a restart. */
const Queue = Type.Object(
  { enabled: Type.Boolean(), queue_size: Type.Integer({ minimum: 1 }), storage: Type.Optional(ComponentId) },
  closed,
);
const Retry = Type.Object({ enabled: Type.Boolean(), max_elapsed_time: GoDuration }, closed);

export const OtlpExporterConfig = Type.Object(
  { endpoint: Type.String(), tls: ClientTls, sending_queue: Queue, retry_on_failure: Retry },
  closed,
);

export const PrometheusExporterConfig = Type.Object(
  { endpoint: Type.String(), tls: Type.Optional(ServerTls), enable_open_metrics: Type.Boolean() },
  closed,
);

/**
 * The contrib load_balancing exporter, as tracegen uses it: one OTLP exporter per resolved sampler, each
 * trace routed by its id. The per-sampler exporters keep no queue of their own (a persistent queue is not
 * supported there), so a batch leaves the exporter-level queue only once every sampler it went to has
 * accepted its part; they retry by themselves, because a retry of the whole batch from the exporter-level
 * queue would send again the parts the other samplers already took.
 */
export const LoadBalancingExporterConfig = Type.Object(
  {
    routing_key: Type.Literal("traceID"),
    protocol: Type.Object(
      {
        otlp: Type.Object(
          {
            tls: ClientTls,
            timeout: GoDuration,
            sending_queue: Type.Object({ enabled: Type.Literal(false) }, closed),
            retry_on_failure: Retry,
          },
          closed,
        ),
      },
      closed,
    ),
    resolver: Type.Object(
      {
        static: Type.Optional(Type.Object({ hostnames: Type.Array(Type.String(), { minItems: 1 }) }, closed)),
        dns: Type.Optional(Type.Object({ hostname: Type.String(), port: Type.String() }, closed)),
        k8s: Type.Optional(
          Type.Object({ service: Type.String(), ports: Type.Array(Type.Integer(), { minItems: 1 }) }, closed),
        ),
      },
      { ...closed, minProperties: 1, maxProperties: 1 },
    ),
    sending_queue: Queue,
    retry_on_failure: Retry,
  },
  closed,
);

/** The contrib file_storage extension: the on-disk home of persistent sending queues. */
export const FileStorageConfig = Type.Object(
  { directory: Type.String({ minLength: 1 }), create_directory: Type.Boolean() },
  closed,
);

export const DebugExporterConfig = Type.Object({ verbosity: Type.String() }, closed);

/** The sections of a collector config that hold components, in the order they are checked. */
export const COMPONENT_KINDS = ["extensions", "receivers", "processors", "connectors", "exporters"] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export type PipelineSpec = { receivers: string[]; processors: string[]; exporters: string[] };

export interface CollectorConfig {
  extensions: ConfigSection<"extensions">;
  receivers: ConfigSection<"receivers">;
  processors: ConfigSection<"processors">;
  connectors: ConfigSection<"connectors">;
  exporters: ConfigSection<"exporters">;
  service: {
    extensions: string[];
    telemetry: Telemetry;
    pipelines: Record<string, PipelineSpec>;
  };
}

export interface Telemetry {
  resource: Record<string, string>;
  logs: {
    level: string;
    encoding: "json" | "console";
    sampling?: { enabled: boolean; tick: string; initial: number; thereafter: number };
  };
  metrics: {
    level: "basic" | "normal" | "detailed";
    readers: Array<{ pull: { exporter: { prometheus: { host: string; port: number } } } }>;
  };
}

export type OtlpReceiverConfig = Static<typeof OtlpReceiverConfig>;
export type ServerTls = Static<typeof ServerTls>;
export type ClientTls = Static<typeof ClientTls>;
export type MaskingConfig = Static<typeof MaskingConfig>;
export type TransformConfig = Static<typeof TransformConfig>;
export type TailSamplingConfig = Static<typeof TailSamplingConfig>;
export type Policy = Static<typeof Policy>;
export type SubPolicy = Static<typeof SubPolicy>;
export type SpanMetricsConfig = Static<typeof SpanMetricsConfig>;
export type OtlpExporterConfig = Static<typeof OtlpExporterConfig>;
export type LoadBalancingExporterConfig = Static<typeof LoadBalancingExporterConfig>;
export type FileStorageConfig = Static<typeof FileStorageConfig>;
export type PrometheusExporterConfig = Static<typeof PrometheusExporterConfig>;
export type MemoryLimiterConfig = Static<typeof MemoryLimiterConfig>;
export type BatchConfig = Static<typeof BatchConfig>;
