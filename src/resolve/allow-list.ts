import type { ResolvedPipeline } from "./resolve.js";
import { canonicalKey } from "../masking/keys.js";
import { scrubRules } from "../masking/scrub-kinds.js";
import { SEMCONV_ALLOWED } from "../masking/semconv-allowlist.js";

export type AllowSource =
  | "masking.allow"
  | "masking.pseudonymize"
  | "masking.scrub_queries"
  | "system.flow_attribute"
  | "exporters.prometheus.dimensions"
  | "exporters.prometheus.resource_attributes"
  | "semantic conventions";

/**
 * The complete allow list of `mode: allow_list`, each key once (by its canonical form) with the first
 * reason it is allowed: what the description names, because its rules or its metrics depend on those
 * attributes arriving (a pseudonymized key must still arrive, pseudonymized; the flow attribute decides
 * sampling), then the semantic-conventions attributes that cannot hold free text. A removed key is
 * never allowed.
 */
export function allowList(pipeline: ResolvedPipeline): Array<{ key: string; source: AllowSource }> {
  const { masking, system, exporters } = pipeline;
  const removed = new Set(masking.remove.map(canonicalKey));
  const candidates: Array<[AllowSource, readonly string[]]> = [
    ["masking.allow", masking.allow],
    ["masking.pseudonymize", masking.pseudonymize],
    ["masking.scrub_queries", scrubRules(masking.scrub_queries).map((r) => r.key)],
    ["system.flow_attribute", [system.flow_attribute]],
    ["exporters.prometheus.dimensions", exporters.prometheus.dimensions],
    ["exporters.prometheus.resource_attributes", exporters.prometheus.resource_attributes],
    ["semantic conventions", SEMCONV_ALLOWED.map(([name]) => name)],
  ];
  const seen = new Set<string>();
  const list: Array<{ key: string; source: AllowSource }> = [];
  for (const [source, keys] of candidates) {
    for (const key of keys) {
      const canonical = canonicalKey(key);
      if (seen.has(canonical) || removed.has(canonical)) continue;
      seen.add(canonical);
      list.push({ key, source });
    }
  }
  return list;
}
