import type { SynthModel } from "../traffic/synth/model.js";
import { synthesize } from "../traffic/synth/synth.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { replay, type ReplayOptions } from "../replay/replay.js";

/** What the benchmarks share: fixtures of a given size, and a checked replay sent as fast as it is taken. */

/** Synthetic fixtures of about `spans` spans (seed 1): the traces' size is measured first. */
export function syntheticFixtures(model: SynthModel, spans: number) {
  const probe = synthesize(model, { seed: 1, traces: 1000, rate: 1000 });
  const traces = Math.round((spans * 1000) / probe.spans);
  const synth = synthesize(model, { seed: 1, traces, rate: 1000 });
  return { traces, synth, fixtures: synth.requests.map((request) => ({ request, file: "synthetic", line: 1 })) };
}

export function replayAsFastAsTaken(
  env: ResolvedEnvironment,
  collector: string,
  fixtures: ReturnType<typeof syntheticFixtures>,
  decisionWait: string,
  more: Pick<ReplayOptions, "tiers"> = {},
) {
  return replay({
    env,
    fixtures: fixtures.fixtures,
    collector,
    speed: Infinity,
    confidence: 0.999,
    decisionWait,
    planted: fixtures.synth.planted,
    ...more,
  });
}
