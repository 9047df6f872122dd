import type { PrometheusExporterConfig } from "../collector/components.js";
import type { CollectorConfig } from "../collector/config.js";
import { ID } from "../collector/registry.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { formatHostPort, isEnvReference, isWildcardHost, parseHostPort } from "../endpoint/endpoint.js";
import { durationMs } from "../schema/units.js";
import type { PrometheusConfig, ScrapeConfig, TlsConfig } from "./prometheus-types.js";

export const RULES_FILE = "rules.yaml";

/**
 * A complete Prometheus config: the job that scrapes the collector's flow metrics, and the rules
 * file next to it. Read from the compiled collector config, so it scrapes what the collector serves.
 */
export function scrapeConfig(pipeline: ResolvedPipeline, config: CollectorConfig): PrometheusConfig {
  const connector = config.connectors[ID.spanMetrics];
  const exporter = config.exporters[ID.prometheus];
  if (!connector || !exporter)
    throw new Error(`the collector config has no ${ID.spanMetrics} connector or ${ID.prometheus} exporter to scrape`);
  const flushMs = durationMs(connector.metrics_flush_interval);
  // Exemplars stay on the endpoint for one flush only; scraping twice per flush sees every one.
  const interval = promDuration(flushMs / 2);
  const tls = tlsConfig(pipeline, exporter);
  const job: ScrapeConfig = {
    job_name: `${pipeline.system.name}-flow-metrics`,
    scrape_interval: interval,
    scheme: tls ? "https" : "http",
    ...(tls ? { tls_config: tls } : {}),
    ...targets(pipeline, exporter.endpoint),
  };
  return {
    // The metrics change once per flush: evaluating rules more often would only repeat results.
    global: { scrape_interval: interval, evaluation_interval: promDuration(flushMs) },
    rule_files: [RULES_FILE],
    scrape_configs: [job],
  };
}

function tlsConfig(pipeline: ResolvedPipeline, exporter: PrometheusExporterConfig): TlsConfig | undefined {
  if (!exporter.tls || pipeline.tls === "off") return undefined;
  const { tls } = pipeline;
  return {
    ca_file: tls.ca_file,
    // The description names one certificate for the whole tracing side; under mTLS Prometheus
    // presents it like the collector does to Jaeger.
    ...(exporter.tls.client_ca_file ? { cert_file: tls.cert_file, key_file: tls.key_file } : {}),
    min_version: tls.min_version === "1.2" ? "TLS12" : "TLS13",
  };
}

function targets(
  pipeline: ResolvedPipeline,
  endpoint: string,
): Pick<ScrapeConfig, "static_configs" | "file_sd_configs"> {
  const listed = pipeline.exporters.prometheus.scrape_targets;
  if (listed.length > 0) return { static_configs: [{ targets: [...listed] }] };
  // An ${env:…} endpoint is only known where the collector runs: its address goes in a file there.
  if (isEnvReference(endpoint))
    return { file_sd_configs: [{ files: [`${pipeline.system.name}-collector-targets.yaml`] }] };
  const { host, port } = parseHostPort(endpoint);
  return { static_configs: [{ targets: [formatHostPort({ host: isWildcardHost(host) ? "localhost" : host, port })] }] };
}

/** Prometheus durations take whole units: 7.5 s is written 7500ms. */
function promDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}
