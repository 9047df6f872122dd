import type { Policy, SubPolicy, TailSamplingConfig } from "../collector/components.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import { durationMs, percent } from "../schema/units.js";
import { ID } from "../collector/registry.js";
import type { Fragment } from "./fragment.js";
import { decisionCacheSize, tracesHeld } from "./sampling-sizes.js";

/**
 * Policy names, in the order the processor evaluates them. The first that keeps a trace is the one
 * recorded on it (see collector/run-args.ts), so a name must say why the trace was kept.
 */
export const POLICY = {
  errors: "errors",
  overSla: (flow: string) => `${flow}/over-sla`,
  share: (flow: string) => `${flow}/share`,
  unmatched: "unmatched",
} as const;

/**
 * Tail sampling per flow. The processor keeps a trace when any policy says so, which is
 * exactly "errors, or over SLA, or within the flow's share". Shares hash the trace id with
 * a salt fixed by the system's name, so every collector replica decides alike.
 */
export function compileSampling(pipeline: ResolvedPipeline): Fragment {
  const { sampling, flows, system } = pipeline;
  const key = system.flow_attribute;
  const salt = system.name;
  const inFlow = (flow: string): SubPolicy => ({
    name: "in-flow",
    type: "string_attribute",
    string_attribute: { key, values: [flow] },
  });
  const share = (p: number): SubPolicy => ({
    name: "share",
    type: "probabilistic",
    probabilistic: { hash_salt: salt, sampling_percentage: p },
  });
  const policies: Policy[] = [];
  if (sampling.errors === "keep")
    policies.push({ name: POLICY.errors, type: "status_code", status_code: { status_codes: ["ERROR"] } });
  for (const [name, flow] of Object.entries(flows)) {
    if (sampling.slower_than_sla === "keep") {
      policies.push({
        name: POLICY.overSla(name),
        type: "and",
        and: {
          and_sub_policy: [
            inFlow(name),
            { name: "slow", type: "latency", latency: { threshold_ms: durationMs(flow.sla) } },
          ],
        },
      });
    }
    const keep = percent(flow.sampling.keep);
    const cap = flow.sampling.max_spans_per_second;
    const subPolicies: SubPolicy[] = [
      inFlow(name),
      ...(keep < 100 ? [share(keep)] : []),
      // Last, so the budget is only spent on traces the share already chose.
      ...(cap ? [{ name: "budget", type: "rate_limiting" as const, rate_limiting: { spans_per_second: cap } }] : []),
    ];
    const [only] = subPolicies;
    if (keep > 0 && only) {
      policies.push(
        subPolicies.length === 1
          ? { ...only, name: POLICY.share(name) }
          : { name: POLICY.share(name), type: "and", and: { and_sub_policy: subPolicies } },
      );
    }
  }
  const unmatched = percent(sampling.unmatched);
  const flowNames = Object.keys(flows);
  const outsideFlows: SubPolicy = {
    name: "in-no-flow",
    type: "string_attribute",
    string_attribute: { key, values: flowNames, invert_match: true },
  };
  // Wrapped in an `and` even at 100%: a bare inverted match has vetoed every other policy in
  // earlier releases of the processor, while inside `and` it has always meant plain "not sampled".
  if (unmatched > 0) {
    policies.push({ name: POLICY.unmatched, type: "and", and: { and_sub_policy: [outsideFlows, share(unmatched)] } });
  }
  const cache = decisionCacheSize(pipeline);
  const config: TailSamplingConfig = {
    decision_wait: sampling.decision_wait,
    num_traces: tracesHeld(pipeline),
    expected_new_traces_per_sec: sampling.max_traces_per_second,
    decision_cache: { sampled_cache_size: cache, non_sampled_cache_size: cache },
    policies,
  };
  return { processors: { [ID.tailSampling]: config } };
}
