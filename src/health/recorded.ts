/*
 * Names of the recorded series, shared by the recording rules that write them and the alerts and
 * dashboard that read them. They follow Prometheus's level:metric:operations convention; every
 * rate is over one window, long enough to hold several of the connector's 15 s flushes.
 */

export const WINDOW = "5m";

export const RECORDED = {
  /** Spans per second per flow hop and status. */
  hopSpans: "flow_hop:spans:rate5m",
  hopBuckets: "flow_hop:span_duration_seconds_bucket:rate5m",
  /** Seconds spent in a hop per second: the numerator of its share of the flow's time. */
  hopSeconds: "flow_hop:span_duration_seconds_sum:rate5m",
  hopFailedRatio: "flow_hop:spans_failed:ratio_rate5m",
  /** Carries a `quantile` label: 0.5, 0.95 or 0.99. */
  hopQuantile: "flow_hop:span_duration_seconds:quantile_rate5m",
  hopTimeShare: "flow_hop:time_share:ratio_rate5m",
  flowOrders: "flow:orders:rate5m",
  flowFailedRatio: "flow:orders_failed:ratio_rate5m",
  /** Carries a `quantile` label: 0.5, 0.95 or 0.99. */
  flowQuantile: "flow:duration_seconds:quantile_rate5m",
  serviceSpans: "service:spans:rate5m",
  serviceFailedRatio: "service:spans_failed:ratio_rate5m",
} as const;

/** Labels the recording rules add to tell a flow's hops apart. */
export const HOP_LABEL = { service: "hop", index: "hop_index" } as const;

export const QUANTILE_LABEL = "quantile";
export const QUANTILES = ["0.5", "0.95", "0.99"] as const;
