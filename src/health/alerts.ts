import type { ResolvedPipeline } from "../resolve/resolve.js";
import { ALERT_DEFAULTS } from "../schema/description.js";
import { durationMs, percent } from "../schema/units.js";
import { flowSearchUrl } from "./jaeger-links.js";
import { eq, seconds, selector } from "./promql.js";
import type { AlertingRule, RuleGroup } from "./prometheus-types.js";
import { HOP_LABEL, QUANTILE_LABEL, RECORDED, WINDOW } from "./recorded.js";
import { labelOf } from "./span-metrics.js";

/** The baseline a hop's share is compared with: the hour before the current window. */
const BASELINE = "1h";

export function alertingRules(pipeline: ResolvedPipeline): RuleGroup<AlertingRule> {
  const flowLabel = labelOf(pipeline.system.flow_attribute);
  const rules = Object.entries(pipeline.flows).flatMap(([name, flow]): AlertingRule[] => {
    const alerts = { ...ALERT_DEFAULTS, ...flow.alerts };
    const ofFlow = eq(flowLabel, name);
    const labels = (severity: "critical" | "warning") => ({
      severity,
      system: pipeline.system.name,
      [flowLabel]: name,
    });
    const slowTraces = flowSearchUrl(pipeline, name, { minDurationMs: durationMs(flow.sla) });
    const failedTraces = flowSearchUrl(pipeline, name, { tags: { error: "true" } });
    const share = selector(RECORDED.hopTimeShare, [ofFlow]);
    return [
      {
        alert: "FlowOverSla",
        expr: `${selector(RECORDED.flowQuantile, [ofFlow, eq(QUANTILE_LABEL, "0.95")])} > ${seconds(durationMs(flow.sla))}`,
        for: alerts.for,
        labels: labels("critical"),
        annotations: {
          summary: `${flow.title}: 95% of orders take up to {{ $value | humanizeDuration }}, over the ${flow.sla} SLA`,
          description: `The slowest hop of ${name} has a p95 above ${flow.sla} over the last ${WINDOW}. The dashboard's hop shares show where the time goes.`,
          ...(slowTraces ? { traces: slowTraces } : {}),
        },
      },
      {
        alert: "FlowErrorRatioHigh",
        expr: `${selector(RECORDED.flowFailedRatio, [ofFlow])} > ${percent(alerts.error_ratio) / 100}`,
        for: alerts.for,
        labels: labels("critical"),
        annotations: {
          summary: `${flow.title}: {{ $value | humanizePercentage }} of orders fail, over ${alerts.error_ratio}`,
          description: `The most failing hop of ${name} fails more than ${alerts.error_ratio} of its spans over the last ${WINDOW}.`,
          ...(failedTraces ? { traces: failedTraces } : {}),
        },
      },
      {
        alert: "FlowHopTimeShareJump",
        expr: `${share} - avg_over_time(${share}[${BASELINE}] offset ${WINDOW}) > ${percent(alerts.hop_share_jump) / 100}`,
        for: alerts.for,
        labels: labels("warning"),
        annotations: {
          summary: `${flow.title}: hop {{ $labels.${HOP_LABEL.index} }} ({{ $labels.${HOP_LABEL.service} }}) takes +{{ $value | humanizePercentage }} of the flow's time against its average of the hour before`,
          description: `A hop's share of the time spent in ${name} rose by more than ${percent(alerts.hop_share_jump)} percentage points: a new bottleneck.`,
        },
      },
    ];
  });
  return { name: `${pipeline.system.name}-flow-alerts`, rules };
}
