import { parse } from "yaml";
import type { ComponentKind } from "./components.js";

/** Component type ids by the last segment of their Go module path, at the pinned release. */
const TYPE_OF_MODULE: Record<string, string> = {
  otlpreceiver: "otlp",
  memorylimiterprocessor: "memory_limiter",
  batchprocessor: "batch",
  tailsamplingprocessor: "tail_sampling",
  maskingprocessor: "masking",
  transformprocessor: "transform",
  forwardconnector: "forward",
  spanmetricsconnector: "span_metrics",
  otlpexporter: "otlp_grpc",
  otlphttpexporter: "otlp_http",
  prometheusexporter: "prometheus",
  debugexporter: "debug",
  fileexporter: "file",
  healthcheckextension: "health_check",
  bearertokenauthextension: "bearertokenauth",
  oidcauthextension: "oidc",
};

export type Distribution = Record<ComponentKind, Set<string>>;

/** What an OCB manifest builds, by component kind and type id. */
export function parseManifest(text: string): Distribution {
  const manifest = (parse(text) ?? {}) as Partial<Record<ComponentKind, Array<{ gomod?: string }>>>;
  const typesOf = (kind: ComponentKind): Set<string> =>
    new Set(
      (manifest[kind] ?? []).flatMap((entry) => {
        const module = (entry.gomod ?? "").split(/\s+/)[0] ?? "";
        const type = TYPE_OF_MODULE[module.split("/").pop() ?? ""];
        return type ? [type] : [];
      }),
    );
  return {
    extensions: typesOf("extensions"),
    receivers: typesOf("receivers"),
    processors: typesOf("processors"),
    connectors: typesOf("connectors"),
    exporters: typesOf("exporters"),
  };
}
