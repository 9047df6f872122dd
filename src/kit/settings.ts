/*
 * What the kit needs to know, read from the environment in one pure function so that a service's
 * tracing is configured the way every OpenTelemetry SDK is (the standard OTEL_* variables), plus the
 * one thing the standard leaves open: where the collector's bearer token comes from.
 */

import { isLoopbackHost } from "../endpoint/endpoint.js";

export interface KitSettings {
  serviceName: string;
  serviceNamespace: string;
  environment: string;
  /** false when OTEL_SDK_DISABLED=true: the service runs with no SDK and no instrumentation at all. */
  enabled: boolean;
  exporter: ExporterSettings;
}

export interface ExporterSettings {
  /** http://host:port (plaintext) or https://host:port (TLS), OTLP/gRPC. */
  url: string;
  tls?: {
    /** PEM file of the CA that signed the collector's certificate. */
    caFile?: string;
    /** Client certificate and key, for collectors that require mTLS. */
    certFile?: string;
    keyFile?: string;
  };
  /** Where the bearer token is read from; the value itself never passes through settings. */
  token?: { file: string } | { env: string };
}

export interface KitOverrides {
  serviceName?: string;
  serviceNamespace?: string;
  environment?: string;
}

export class KitSettingsError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_ENDPOINT = "http://localhost:4317";
export const TOKEN_FILE_VAR = "TRACEGEN_INGEST_TOKEN_FILE";
export const TOKEN_VAR = "TRACEGEN_INGEST_TOKEN";

export function settingsFromEnv(env: Env, overrides: KitOverrides = {}): KitSettings {
  const serviceName = overrides.serviceName ?? nonEmpty(env.OTEL_SERVICE_NAME);
  if (serviceName === undefined)
    throw new KitSettingsError("no service name: pass { serviceName } to startTracing or set OTEL_SERVICE_NAME");
  const url = normalizeUrl(
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) ?? DEFAULT_ENDPOINT,
  );
  const secure = url.startsWith("https://");
  const caFile = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_CERTIFICATE);
  const certFile =
    nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE);
  const keyFile = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_CLIENT_KEY);
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new KitSettingsError(
      "a client certificate needs its key and the key its certificate (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE, OTEL_EXPORTER_OTLP_CLIENT_KEY)",
    );
  if (!secure && (caFile ?? certFile) !== undefined)
    throw new KitSettingsError(`TLS files are set but the endpoint ${url} is plaintext: use https://`);
  const tokenFile = nonEmpty(env[TOKEN_FILE_VAR]);
  const tokenEnv = nonEmpty(env[TOKEN_VAR]) === undefined ? undefined : TOKEN_VAR;
  // A bearer token over plaintext would hand the credential to anyone on the path.
  if (!secure && (tokenFile ?? tokenEnv) !== undefined && !isLoopbackHost(new URL(url).hostname))
    throw new KitSettingsError(`a bearer token is set but ${url} is plaintext and not loopback: use https://`);
  return {
    serviceName,
    serviceNamespace: overrides.serviceNamespace ?? nonEmpty(env.OTEL_SERVICE_NAMESPACE) ?? "shop3d",
    environment: overrides.environment ?? nonEmpty(env.DEPLOYMENT_ENVIRONMENT) ?? "dev",
    enabled: env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== "true",
    exporter: {
      url,
      ...(secure
        ? { tls: { ...(caFile && { caFile }), ...(certFile && { certFile }), ...(keyFile && { keyFile }) } }
        : {}),
      ...(tokenFile !== undefined
        ? { token: { file: tokenFile } }
        : tokenEnv !== undefined
          ? { token: { env: tokenEnv } }
          : {}),
    },
  };
}

const nonEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

/** gRPC endpoints are often written host:port; the scheme is what says TLS or not, so one is required. */
function normalizeUrl(endpoint: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `http://${endpoint}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new KitSettingsError(`the OTLP endpoint ${endpoint} is not a URL like http://localhost:4317`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new KitSettingsError(`the OTLP endpoint ${endpoint} must use http:// or https://`);
  return `${parsed.protocol}//${parsed.host}`;
}
