import type { ResolvedPipeline } from "../resolve/resolve.js";

/*
 * Links into Jaeger's web UI (exporters.jaeger.ui_url): `/trace/<id>` opens one trace, `/search`
 * takes the same parameters as Jaeger's query API (service, tags as JSON, minDuration, start and
 * end in microseconds). Without a ui_url there are no links.
 */

const SPANLESS = new Set(["rabbitmq", "postgresql"]);

/** Jaeger's search needs a service: the first on the flow's path that emits spans of its own. */
function searchService(pipeline: ResolvedPipeline, flowName: string): string | undefined {
  return pipeline.flows[flowName]?.path.find((s) => !SPANLESS.has(pipeline.services[s]?.kind ?? ""));
}

export interface FlowSearch {
  minDurationMs?: number;
  /** Span tags to match besides the flow's, as Jaeger names them (a failed span has error=true). */
  tags?: Record<string, string>;
  /** Extra raw query text, for placeholders that must stay unescaped (Grafana's time range). */
  suffix?: string;
}

export function flowSearchUrl(
  pipeline: ResolvedPipeline,
  flowName: string,
  search: FlowSearch = {},
): string | undefined {
  const ui = pipeline.exporters.jaeger.ui_url;
  const service = searchService(pipeline, flowName);
  if (!ui || !service) return undefined;
  const params = new URLSearchParams({
    service,
    tags: JSON.stringify({ [pipeline.system.flow_attribute]: flowName, ...search.tags }),
    ...(search.minDurationMs !== undefined ? { minDuration: `${search.minDurationMs / 1000}s` } : {}),
  });
  return `${ui.replace(/\/+$/, "")}/search?${params.toString()}${search.suffix ?? ""}`;
}

/** The page of one trace; `id` is inserted as is, so it may be a placeholder another tool fills. */
export function traceUrl(pipeline: ResolvedPipeline, id: string): string | undefined {
  const ui = pipeline.exporters.jaeger.ui_url;
  return ui ? `${ui.replace(/\/+$/, "")}/trace/${id}` : undefined;
}
