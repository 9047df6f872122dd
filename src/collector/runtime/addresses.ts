import getPort from "get-port";
import type { ResolvedPipeline } from "../../resolve/resolve.js";
import { envVariable } from "../../endpoint/endpoint.js";

/*
 * A replay, the reference shop and the tests run an environment's own config with only addresses
 * and secrets swapped. The swap happens on the resolved pipeline, before compiling, so what runs is
 * exactly what `tracegen build` would generate for that environment at other addresses.
 */

export interface ServerFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface RuntimeAddresses {
  /** A free 127.0.0.1 port for each receiver protocol the environment offers. */
  grpc?: string;
  http?: string;
  prometheus: string;
  health: string;
  ownMetrics: string;
  /** The sink standing where Jaeger would. */
  jaeger: string;
  tls?: ServerFiles;
  tokenFile?: string;
  pseudonymKey: string;
}

/** Free 127.0.0.1 ports for every listener the environment has, and the run's secrets. */
export async function freeAddresses(
  pipeline: ResolvedPipeline,
  run: {
    /** Where traces go: Jaeger, or a sink standing where Jaeger would. */
    sinkEndpoint: string;
    /** The collector's own certificate and the CA it trusts. */
    tls?: ServerFiles | undefined;
    tokenFile?: string | undefined;
    pseudonymKey: string;
  },
): Promise<RuntimeAddresses> {
  const port = async () => `127.0.0.1:${await getPort({ host: "127.0.0.1" })}`;
  const { otlp } = pipeline.receivers;
  const { tls } = run;
  return {
    ...(otlp.grpc !== undefined ? { grpc: await port() } : {}),
    ...(otlp.http !== undefined ? { http: await port() } : {}),
    prometheus: await port(),
    health: await port(),
    ownMetrics: await port(),
    jaeger: run.sinkEndpoint,
    ...(tls ? { tls } : {}),
    ...(run.tokenFile ? { tokenFile: run.tokenFile } : {}),
    pseudonymKey: run.pseudonymKey,
  };
}

export interface RuntimePipeline {
  pipeline: ResolvedPipeline;
  /** What the collector's environment must hold for the ${env:VAR} references to resolve. */
  env: Record<string, string>;
}

export function runtimePipeline(original: ResolvedPipeline, a: RuntimeAddresses): RuntimePipeline {
  const p = structuredClone(original);
  const env: Record<string, string> = {};
  const { otlp } = p.receivers;
  if (otlp.grpc !== undefined) otlp.grpc = required(a.grpc, "grpc");
  if (otlp.http !== undefined) otlp.http = required(a.http, "http");
  if (otlp.auth === "bearer_token") otlp.token_file = required(a.tokenFile, "token file");
  p.exporters.prometheus.endpoint = a.prometheus;
  p.telemetry.health_endpoint = a.health;
  p.telemetry.metrics_endpoint = a.ownMetrics;
  // An endpoint the config reads from the environment stays a reference: the variable points at the sink.
  const jaegerVariable = envVariable(p.exporters.jaeger.endpoint);
  if (jaegerVariable !== undefined) env[jaegerVariable] = a.jaeger;
  else p.exporters.jaeger.endpoint = a.jaeger;
  if (p.tls !== "off") {
    const tls = required(a.tls, "TLS material");
    p.tls = { ...p.tls, ca_file: tls.caFile, cert_file: tls.certFile, key_file: tls.keyFile };
  }
  const keyVariable = envVariable(p.masking.pseudonymize_key);
  if (keyVariable === undefined) throw new Error("replay runtime: masking.pseudonymize_key is not an ${env:VAR}");
  env[keyVariable] = a.pseudonymKey;
  return { pipeline: p, env };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`replay runtime: no ${what} was prepared`);
  return value;
}
