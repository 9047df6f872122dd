import type { Static, TSchema } from "@sinclair/typebox";
import {
  BatchConfig,
  BearerTokenAuthConfig,
  DebugExporterConfig,
  FileStorageConfig,
  ForwardConfig,
  HealthCheckConfig,
  LoadBalancingExporterConfig,
  MaskingConfig,
  MemoryLimiterConfig,
  OidcAuthConfig,
  OtlpExporterConfig,
  OtlpReceiverConfig,
  PrometheusExporterConfig,
  SpanMetricsConfig,
  TailSamplingConfig,
  TransformConfig,
  type ComponentKind,
} from "./components.js";

/*
 * The one place that knows tracegen's collector components. Each entry says:
 * - id: the component id the compilers give it in a generated config (its type is the part before `/`);
 * - kind: the config section (and builder manifest section) it belongs to;
 * - gomod: the Go module that provides it, as listed (with a version) in collector-builder.yaml;
 * - schema: the keys tracegen writes for it (src/collector/components.ts), checked before a config is written;
 *   none for a component kept in the distribution that tracegen never generates;
 * - origin: where a problem in it points in the description (a path of keys; [] is the file's start).
 * Everything else is derived from here: ID for the compilers, the builder manifest reading, the schema
 * lookup of src/checks/generated/components.ts and the origin lookup of src/orchestrate/generate.ts.
 */
interface ComponentEntry {
  readonly id: string;
  readonly kind: ComponentKind;
  readonly gomod: string;
  readonly schema?: TSchema;
  readonly origin: readonly string[];
}

const CORE = "go.opentelemetry.io/collector";
const CONTRIB = "github.com/open-telemetry/opentelemetry-collector-contrib";

export const COMPONENTS = {
  healthCheck: {
    id: "health_check",
    kind: "extensions",
    gomod: `${CONTRIB}/extension/healthcheckextension`,
    schema: HealthCheckConfig,
    origin: ["telemetry"],
  },
  bearerAuth: {
    id: "bearertokenauth",
    kind: "extensions",
    gomod: `${CONTRIB}/extension/bearertokenauthextension`,
    schema: BearerTokenAuthConfig,
    origin: ["receivers", "otlp", "auth"],
  },
  oidcAuth: {
    id: "oidc",
    kind: "extensions",
    gomod: `${CONTRIB}/extension/oidcauthextension`,
    schema: OidcAuthConfig,
    origin: ["receivers", "otlp", "auth"],
  },
  queueStorage: {
    id: "file_storage/queue",
    kind: "extensions",
    gomod: `${CONTRIB}/extension/storage/filestorage`,
    schema: FileStorageConfig,
    origin: ["topology", "queue"],
  },
  otlpReceiver: {
    id: "otlp",
    kind: "receivers",
    gomod: `${CORE}/receiver/otlpreceiver`,
    schema: OtlpReceiverConfig,
    origin: ["receivers", "otlp"],
  },
  memoryLimiter: {
    id: "memory_limiter",
    kind: "processors",
    gomod: `${CORE}/processor/memorylimiterprocessor`,
    schema: MemoryLimiterConfig,
    origin: [],
  },
  batch: {
    id: "batch",
    kind: "processors",
    gomod: `${CORE}/processor/batchprocessor`,
    schema: BatchConfig,
    origin: [],
  },
  masking: {
    id: "masking",
    kind: "processors",
    gomod: "github.com/shop3d/tracegen/collector/maskingprocessor",
    schema: MaskingConfig,
    origin: ["masking"],
  },
  tailSampling: {
    id: "tail_sampling",
    kind: "processors",
    gomod: `${CONTRIB}/processor/tailsamplingprocessor`,
    schema: TailSamplingConfig,
    origin: ["sampling"],
  },
  metricsResource: {
    id: "transform/metrics_resource",
    kind: "processors",
    gomod: `${CONTRIB}/processor/transformprocessor`,
    schema: TransformConfig,
    origin: ["exporters", "prometheus", "resource_attributes"],
  },
  toSampling: {
    id: "forward/sampling",
    kind: "connectors",
    gomod: `${CORE}/connector/forwardconnector`,
    schema: ForwardConfig,
    origin: [],
  },
  spanMetrics: {
    id: "span_metrics",
    kind: "connectors",
    gomod: `${CONTRIB}/connector/spanmetricsconnector`,
    schema: SpanMetricsConfig,
    // Its dimensions and series cap come from the Prometheus exporter's settings.
    origin: ["exporters", "prometheus"],
  },
  jaegerGrpc: {
    id: "otlp_grpc/jaeger",
    kind: "exporters",
    gomod: `${CORE}/exporter/otlpexporter`,
    schema: OtlpExporterConfig,
    origin: ["exporters", "jaeger"],
  },
  jaegerHttp: {
    id: "otlp_http/jaeger",
    kind: "exporters",
    gomod: `${CORE}/exporter/otlphttpexporter`,
    schema: OtlpExporterConfig,
    origin: ["exporters", "jaeger"],
  },
  toSamplers: {
    id: "load_balancing",
    kind: "exporters",
    gomod: `${CONTRIB}/exporter/loadbalancingexporter`,
    schema: LoadBalancingExporterConfig,
    origin: ["topology"],
  },
  prometheus: {
    id: "prometheus",
    kind: "exporters",
    gomod: `${CONTRIB}/exporter/prometheusexporter`,
    schema: PrometheusExporterConfig,
    origin: ["exporters", "prometheus"],
  },
  debug: {
    id: "debug",
    kind: "exporters",
    gomod: `${CORE}/exporter/debugexporter`,
    schema: DebugExporterConfig,
    origin: ["exporters", "debug"],
  },
  /** In the distribution for replay inspection only; tracegen never generates it. */
  file: {
    id: "file",
    kind: "exporters",
    gomod: `${CONTRIB}/exporter/fileexporter`,
    origin: ["exporters", "jaeger"],
  },
} as const satisfies Record<string, ComponentEntry>;

/** Where a problem in a component of a type tracegen does not know points, by section. */
const UNKNOWN_TYPE_ORIGIN: Record<ComponentKind, readonly string[]> = {
  extensions: ["telemetry"],
  receivers: ["receivers", "otlp"],
  processors: [],
  connectors: [],
  exporters: ["exporters", "jaeger"],
};

/** A component's type: the part of its id before `/`. */
export const componentType = (id: string): string => id.split("/")[0] ?? id;

const ENTRIES: readonly ComponentEntry[] = Object.values(COMPONENTS);
const entryOf = (kind: string, type: string): ComponentEntry | undefined =>
  ENTRIES.find((c) => c.kind === kind && componentType(c.id) === type);

type Components = typeof COMPONENTS;

/** The config tracegen writes for a registered component, typed by its schema (unknown where it has none). */
export type ConfigOf<N extends keyof Components> = Components[N] extends { schema: infer S extends TSchema }
  ? Static<S>
  : unknown;

/**
 * A section of a collector config: the registered components of that kind under their ids, typed by
 * their schemas; other ids (a hand-written config's) stay unknown.
 */
export type ConfigSection<K extends ComponentKind> = {
  -readonly [N in keyof Components as Components[N]["kind"] extends K ? Components[N]["id"] : never]?: ConfigOf<N>;
} & Record<string, unknown>;

type Ids = { readonly [K in keyof typeof COMPONENTS]: (typeof COMPONENTS)[K]["id"] };

/** Component ids shared by the compilers that define components and the one that wires pipelines. */
export const ID = {
  ...(Object.fromEntries(Object.entries(COMPONENTS).map(([name, c]) => [name, c.id])) as Ids),
  jaeger: (protocol: "grpc" | "http") => (protocol === "grpc" ? COMPONENTS.jaegerGrpc.id : COMPONENTS.jaegerHttp.id),
};

/** The schema of a component type's config, if tracegen generates that type. */
export const schemaOf = (kind: ComponentKind, type: string): TSchema | undefined => entryOf(kind, type)?.schema;

/** The component type a builder module provides (module path without version), if tracegen knows it. */
export const typeOfModule = (gomod: string): string | undefined => {
  const entry = ENTRIES.find((c) => c.gomod === gomod);
  return entry ? componentType(entry.id) : undefined;
};

/** Where a problem at a dotted path of a generated config (`kind.id...`) comes from in the description. */
export function originOf(at: string): readonly string[] {
  const [kind, id] = at.split(".");
  if (kind === undefined || id === undefined || !(kind in UNKNOWN_TYPE_ORIGIN)) return [];
  const section = kind as ComponentKind;
  return entryOf(section, componentType(id))?.origin ?? UNKNOWN_TYPE_ORIGIN[section];
}
