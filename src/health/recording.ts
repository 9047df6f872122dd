import type { ResolvedPipeline } from "../resolve/resolve.js";
import { flowHops } from "./hops.js";
import { eq, failedRatio, maxBy, rate, selector, sumBy } from "./promql.js";
import type { RecordingRule, RuleGroup } from "./prometheus-types.js";
import { HOP_LABEL, QUANTILE_LABEL, QUANTILES, RECORDED, WINDOW } from "./recorded.js";
import { CALLS, DURATION, LABEL, STATUS_ERROR, labelOf } from "./span-metrics.js";

/*
 * One group, so Prometheus evaluates the rules in order and every derived series reads base series
 * of the same evaluation.
 *
 * A flow's end-to-end duration is the slowest of its hops, quantile by quantile. Where a flow is
 * synchronous the first hop's span encloses every other, so the maximum is that span, and exact.
 * Where it passes through RabbitMQ no span covers the whole flow, and span metrics know nothing of
 * traces: the maximum is then the slowest single step, a lower bound of the flow's time. The flow
 * fails as often as its most failing hop, for the same reason (a lower bound of failed traces
 * where failures spread over several hops). Orders per second are the first hop's entries.
 */
export function recordingRules(pipeline: ResolvedPipeline): RuleGroup<RecordingRule> {
  const flow = labelOf(pipeline.system.flow_attribute);
  const hop = [flow, HOP_LABEL.service, HOP_LABEL.index];
  const perHop: RecordingRule[] = Object.keys(pipeline.flows).flatMap((name) =>
    flowHops(pipeline, name).flatMap((h) => {
      const spans = [eq(flow, name), ...h.matchers];
      // The flow label is also in the output; repeating it keeps each rule distinct for promtool's lint.
      const labels = { [flow]: name, [HOP_LABEL.service]: h.service, [HOP_LABEL.index]: String(h.index) };
      return [
        { record: RECORDED.hopSpans, expr: sumBy([flow, LABEL.status], rate(selector(CALLS, spans), WINDOW)), labels },
        {
          record: RECORDED.hopBuckets,
          expr: sumBy([flow, LABEL.bucket], rate(selector(`${DURATION}_bucket`, spans), WINDOW)),
          labels,
        },
        { record: RECORDED.hopSeconds, expr: sumBy([flow], rate(selector(`${DURATION}_sum`, spans), WINDOW)), labels },
      ];
    }),
  );
  const failedSpans = selector(RECORDED.hopSpans, [eq(LABEL.status, STATUS_ERROR)]);
  const derived: RecordingRule[] = [
    { record: RECORDED.hopFailedRatio, expr: failedRatio(hop, failedSpans, RECORDED.hopSpans) },
    ...QUANTILES.map((q) => ({
      record: RECORDED.hopQuantile,
      expr: `histogram_quantile(${q}, ${sumBy([...hop, LABEL.bucket], RECORDED.hopBuckets)})`,
      labels: { [QUANTILE_LABEL]: q },
    })),
    {
      // Each hop's part of all the time the flow's hops took; nested hops overlap, so a caller's
      // share includes the time it waits on the hops it calls.
      record: RECORDED.hopTimeShare,
      expr: `${RECORDED.hopSeconds} / on (${flow}) group_left () ${sumBy([flow], RECORDED.hopSeconds)}`,
    },
    { record: RECORDED.flowOrders, expr: sumBy([flow], selector(RECORDED.hopSpans, [eq(HOP_LABEL.index, "1")])) },
    { record: RECORDED.flowFailedRatio, expr: maxBy([flow], RECORDED.hopFailedRatio) },
    { record: RECORDED.flowQuantile, expr: maxBy([flow, QUANTILE_LABEL], RECORDED.hopQuantile) },
    // The system view counts every span a service emits, in a flow or not: its load.
    { record: RECORDED.serviceSpans, expr: sumBy([LABEL.service], rate(CALLS, WINDOW)) },
    {
      record: RECORDED.serviceFailedRatio,
      expr: failedRatio(
        [LABEL.service],
        rate(selector(CALLS, [eq(LABEL.status, STATUS_ERROR)]), WINDOW),
        rate(CALLS, WINDOW),
      ),
    },
  ];
  return { name: `${pipeline.system.name}-flows`, rules: [...perHop, ...derived] };
}
