import { Value } from "@sinclair/typebox/value";
import {
  DEFAULT_JAEGER_STORAGE,
  Pipeline,
  Topology as TopologySchema,
  type Access,
  type DebugExporter,
  type Description,
  type Environment,
  type Flow,
  type JaegerExporter,
  type Masking,
  type OtlpReceiver,
  type Pipeline as PipelineModel,
  type PrometheusExporter,
  type Sampling,
  type Service,
  type Telemetry,
  type TierName,
  type Topology,
} from "../schema/description.js";
import { overlay } from "./overlay.js";

type WithDefaults<T, Optional extends keyof T = never> = Required<Omit<T, Optional>> & Pick<T, Optional>;

/** One environment's pipeline after the overlay and the schema's defaults: what every compiler reads. */
export type ResolvedPipeline = Omit<
  PipelineModel,
  "services" | "flows" | "sampling" | "masking" | "telemetry" | "exporters" | "receivers" | "access" | "topology"
> & {
  services: Record<string, Service & { title: string }>;
  flows: Record<string, Flow & { title: string }>;
  sampling: WithDefaults<Sampling, "late_spans">;
  masking: Required<Masking>;
  telemetry: Required<Telemetry>;
  topology: WithDefaults<Topology, "resolver" | "queue" | "resources">;
  exporters: {
    jaeger: WithDefaults<JaegerExporter, "ui_url">;
    prometheus: Required<PrometheusExporter>;
    debug?: Required<DebugExporter>;
  };
  receivers: { otlp: WithDefaults<OtlpReceiver, "grpc" | "http" | "token_file" | "oidc" | "cors_origins"> };
  access?: ResolvedAccess;
};

type Staff = Access["staff"];
type Partners = NonNullable<Access["partners"]>;

/** The access section after the schema's defaults; sections a production guardrail demands stay optional. */
export type ResolvedAccess = WithDefaults<Access, "partners" | "limits" | "tls" | "audit"> & {
  staff: WithDefaults<Staff, "mfa"> & {
    mfa?: WithDefaults<NonNullable<Staff["mfa"]>, "min_acr">;
    remove_attributes: Required<NonNullable<Staff["remove_attributes"]>>;
  };
  /** `entry_services` has no default: without it, partners' searches are filtered after Jaeger answers. */
  partners?: Required<Omit<Partners, "entry_services">> & Pick<Partners, "entry_services">;
  limits?: Required<NonNullable<Access["limits"]>>;
  jaeger: WithDefaults<NonNullable<Access["jaeger"]>, "tls">;
};

export interface ResolvedEnvironment {
  name: string;
  tier: TierName;
  pipeline: ResolvedPipeline;
}

export function tierOf(name: string, environment: Environment): TierName {
  if (environment.tier) return environment.tier;
  if (/^(prod|production)$/.test(name)) return "production";
  if (/^(dev|development|local)$/.test(name)) return "development";
  return "staging";
}

export function mergeEnvironment(description: Description, name: string): PipelineModel {
  const { tracegen: _version, $schema: _schema, environments, ...base } = description;
  const { tier: _tier, ...environment } = environments[name] ?? {};
  return overlay(base as PipelineModel, environment);
}

/** An environment's topology with the schema's defaults, without resolving the rest of its pipeline. */
export function resolveTopology(description: Description, name: string): ResolvedPipeline["topology"] {
  return Value.Default(
    TopologySchema,
    structuredClone(mergeEnvironment(description, name).topology ?? {}),
  ) as ResolvedPipeline["topology"];
}

/** Defaults come from the schema, the one place that declares them. */
export function resolveEnvironment(description: Description, name: string): ResolvedEnvironment {
  const merged = structuredClone(mergeEnvironment(description, name));
  const pipeline = Value.Default(Pipeline, merged) as ResolvedPipeline;
  // A title defaults to the name it is declared under, which a static schema default cannot say.
  for (const named of [pipeline.services, pipeline.flows] as Array<Record<string, { title?: string }>>) {
    for (const [name, entry] of Object.entries(named)) entry.title ??= name;
  }
  if (pipeline.access) pipeline.access.jaeger.storage ??= DEFAULT_JAEGER_STORAGE;
  return { name, tier: tierOf(name, description.environments[name] ?? {}), pipeline };
}
