import type { KeyValue, TraceRequest } from "../otlp/model.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { allowList } from "../resolve/allow-list.js";
import { canonicalKey } from "../masking/keys.js";

export type Place = "resource" | "scope" | "span" | "event" | "link";
const PLACES: readonly Place[] = ["resource", "scope", "span", "event", "link"];

/** An attribute key the allow list would not let through, never its values. */
export interface DroppedKey {
  key: string;
  /** How many attribute lists carry it, by place. */
  count: Partial<Record<Place, number>>;
  /** Where it first appears, e.g. `shop.jsonl:3`. */
  first: string;
}

export interface RequestAt {
  request: TraceRequest;
  /** Where the request is, as people read it (`file:line` or `file (byte N)`). */
  at: string;
}

/**
 * The attribute keys of recorded traffic that `mode: allow_list` would remove or pseudonymize in this
 * environment: keys at the top of every attribute list, compared as the processor compares them. Keys
 * that `masking.remove` names are left out: they go whatever the mode.
 */
export function keysOutsideAllowList(pipeline: ResolvedPipeline, requests: readonly RequestAt[]): DroppedKey[] {
  const allowed = new Set(allowList(pipeline).map((a) => canonicalKey(a.key)));
  const removed = new Set(pipeline.masking.remove.map(canonicalKey));
  const found = new Map<string, DroppedKey>();
  const visit = (attributes: readonly KeyValue[], place: Place, at: string) => {
    for (const { key } of attributes) {
      const canonical = canonicalKey(key);
      if (allowed.has(canonical) || removed.has(canonical)) continue;
      const entry = found.get(key) ?? { key, count: {}, first: at };
      entry.count[place] = (entry.count[place] ?? 0) + 1;
      found.set(key, entry);
    }
  };
  for (const { request, at } of requests) {
    for (const resourceSpans of request.resourceSpans) {
      visit(resourceSpans.resource.attributes, "resource", at);
      for (const scopeSpans of resourceSpans.scopeSpans) {
        visit(scopeSpans.scope.attributes, "scope", at);
        for (const span of scopeSpans.spans) {
          visit(span.attributes, "span", at);
          for (const event of span.events) visit(event.attributes, "event", at);
          for (const link of span.links) visit(link.attributes, "link", at);
        }
      }
    }
  }
  return [...found.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** "span ×12, event ×3", in the order of the OTLP model. */
export const describeCount = (count: DroppedKey["count"]): string =>
  PLACES.filter((p) => count[p])
    .map((p) => `${p} ×${count[p]}`)
    .join(", ");
