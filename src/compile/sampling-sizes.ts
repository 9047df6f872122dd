import type { ResolvedPipeline } from "../resolve/resolve.js";
import { durationMs } from "../schema/units.js";

/** Late spans keep arriving for as long as the slowest flow runs, unless the description says otherwise. */
export function lateSpanWindowMs(pipeline: ResolvedPipeline): number {
  if (pipeline.sampling.late_spans) return durationMs(pipeline.sampling.late_spans);
  return Math.max(
    ...Object.values(pipeline.flows).map((f) => durationMs(f.sla)),
    durationMs(pipeline.sampling.decision_wait),
  );
}

/** Every trace decided within the late-span window must still be remembered when its last span arrives. */
export const decisionCacheSize = (pipeline: ResolvedPipeline): number =>
  Math.ceil((pipeline.sampling.max_traces_per_second * lateSpanWindowMs(pipeline)) / 1000);

/** Traces held while waiting for a decision, with headroom for a burst of twice the expected rate. */
export const tracesHeld = (pipeline: ResolvedPipeline): number =>
  Math.ceil((pipeline.sampling.max_traces_per_second * durationMs(pipeline.sampling.decision_wait) * 2) / 1000);
