/*
 * What the collector really exposes, read off otelcol-shop (contrib v0.161.0) running the dev config:
 * the span_metrics connector's default namespace `traces.span.metrics`, turned by the prometheus
 * exporter into these names, with every dotted attribute key escaped to underscores (order.flow →
 * order_flow). The resource's service.namespace/service.name also become `job`, which Prometheus
 * renames `exported_job` on scrape, and each collector adds its own `collector_instance_id`; the
 * rules sum over both, so a rename or several collectors change nothing.
 */

/** Spans counted per label set: a counter. */
export const CALLS = "traces_span_metrics_calls_total";
/** Span durations in seconds: a histogram with the connector's explicit buckets. */
export const DURATION = "traces_span_metrics_duration_seconds";

/** Labels the connector puts on every series, whatever the description's dimensions. */
export const LABEL = {
  service: "service_name",
  spanKind: "span_kind",
  status: "status_code",
  bucket: "le",
} as const;

/** The values of `span_kind`: the OTLP enum names, not the short names Jaeger shows. */
export const SPAN_KIND = {
  internal: "SPAN_KIND_INTERNAL",
  server: "SPAN_KIND_SERVER",
  client: "SPAN_KIND_CLIENT",
  producer: "SPAN_KIND_PRODUCER",
  consumer: "SPAN_KIND_CONSUMER",
} as const;

/** A failed span; the other values are STATUS_CODE_OK and STATUS_CODE_UNSET. */
export const STATUS_ERROR = "STATUS_CODE_ERROR";

/** The exemplar label that carries the trace id of a span behind a bucket. */
export const EXEMPLAR_TRACE_ID = "trace_id";

/** The label a span attribute becomes: every character outside [A-Za-z0-9_] turns into `_`. */
export const labelOf = (attribute: string): string => attribute.replace(/[^A-Za-z0-9_]/g, "_");
