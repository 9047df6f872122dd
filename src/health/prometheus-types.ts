/** The slices of Prometheus's rule-file and config formats that tracegen writes. */

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup<R = RecordingRule | AlertingRule> {
  name: string;
  rules: R[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

export interface TlsConfig {
  ca_file: string;
  cert_file?: string;
  key_file?: string;
  min_version: "TLS12" | "TLS13";
}

export interface ScrapeConfig {
  job_name: string;
  scrape_interval: string;
  scheme: "http" | "https";
  tls_config?: TlsConfig;
  static_configs?: Array<{ targets: string[] }>;
  file_sd_configs?: Array<{ files: string[] }>;
}

export interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string };
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}
