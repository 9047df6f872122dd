import type { ConfigSection } from "./registry.js";

/** A whole collector config: each component section typed from the registry, then the service. */
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
  resource: { attributes: Array<{ name: string; value: string }> };
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
