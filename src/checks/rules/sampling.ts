import { durationMs, percent } from "../../schema/units.js";
import { decisionCacheSize, lateSpanWindowMs } from "../../compile/sampling-sizes.js";
import type { LintContext } from "./context.js";
import { groupedCount } from "../../text/count.js";

/** Below a second the processor cannot split the wait into batches (collector-contrib #26354). */
const MIN_DECISION_WAIT_MS = 1000;

export function lintSampling({ env, report }: LintContext): void {
  const { sampling, flows } = env.pipeline;
  const shares: Array<[readonly (string | number)[], string]> = [
    [["sampling", "unmatched"], sampling.unmatched],
    ...Object.entries(flows).map(([name, flow]): [readonly (string | number)[], string] => [
      ["flows", name, "sampling", "keep"],
      flow.sampling.keep,
    ]),
    ...Object.entries(flows).flatMap(([name, flow]): Array<[readonly (string | number)[], string]> =>
      flow.alerts?.error_ratio ? [[["flows", name, "alerts", "error_ratio"], flow.alerts.error_ratio]] : [],
    ),
  ];
  for (const [path, share] of shares) {
    if (percent(share) > 100)
      report(path, "error", "percentage-range", `${path.join(".")} is ${share}; a share must be between 0% and 100%`);
  }
  const waitMs = durationMs(sampling.decision_wait);
  if (waitMs < MIN_DECISION_WAIT_MS) {
    report(
      ["sampling", "decision_wait"],
      "error",
      "duration-range",
      `sampling.decision_wait is ${sampling.decision_wait}; it must be at least 1s`,
    );
  }
  for (const [name, flow] of Object.entries(flows)) {
    if (durationMs(flow.sla) === 0)
      report(
        ["flows", name, "sla"],
        "error",
        "duration-range",
        `flow \`${name}\` has an SLA of ${flow.sla}; it must be longer than zero`,
      );
  }
  const outliving = Object.entries(flows).filter(([, flow]) => durationMs(flow.sla) > waitMs);
  if (outliving.length > 0 && waitMs >= MIN_DECISION_WAIT_MS) {
    const list = outliving.map(([name, flow]) => `${name} (${flow.sla})`).join(", ");
    report(
      ["sampling", "decision_wait"],
      "warning",
      "sla-outlives-decision-wait",
      `in ${env.name}, flows ${list} can run longer than decision_wait ${sampling.decision_wait}: spans arriving after the decision follow the decision cache ` +
        `(${groupedCount(decisionCacheSize(env.pipeline))} traces = max_traces_per_second ${sampling.max_traces_per_second} × ${lateSpanWindowMs(env.pipeline) / 1000}s of late spans), ` +
        `and their over-SLA rule only sees what arrived within decision_wait`,
      "raise decision_wait if over-SLA traces of these flows must be kept with certainty",
    );
  }
}
