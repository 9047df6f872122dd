import type { PlantedValue } from "../traffic/planted.js";
import type { FixtureRequest } from "../traffic/read.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { checkReplay, leakOracle, type CheckReport } from "./checks/index.js";
import { runReplay, type ReplayRecord, type ReplaySetup } from "./run.js";
import { runTwoTierReplay, type TwoTierSetup } from "./tiers.js";
import { flattenFixtures, planSends } from "./schedule.js";
import { mebibytes } from "../schema/units.js";

export interface ReplayOptions extends Omit<ReplaySetup, "plan"> {
  env: ResolvedEnvironment;
  fixtures: readonly FixtureRequest[];
  /** Fixture time per wall-clock time; Infinity sends as fast as the collector takes it. */
  speed: number;
  /** Confidence of the binomial tolerance on each share, e.g. 0.999. */
  confidence: number;
  /** The personal values the fixtures' synthesizer planted (their `.planted.json` manifests). */
  planted?: readonly PlantedValue[];
  /** Run the environment's two tiers (it must be two-tier) instead of one collector. */
  tiers?: Pick<TwoTierSetup, "agents" | "samplers" | "during" | "settle">;
}

export interface ReplayOutcome {
  record: ReplayRecord;
  report: CheckReport;
  /** The leak oracle's verdict on a text: whether it holds a planted or removed value. Reports withhold such texts. */
  holdsPersonal: (text: string) => boolean;
}

/** The library entry point: fixtures through the real collector, judged against the environment's description. */
export async function replay(o: ReplayOptions): Promise<ReplayOutcome> {
  const plan = planSends(flattenFixtures(o.fixtures), {
    speed: o.speed,
    nowNs: BigInt(Date.now()) * 1_000_000n,
    maxRequestBytes: requestLimit(o.env),
  });
  const { tiers, ...setup } = o;
  const record = tiers ? await runTwoTierReplay({ ...setup, ...tiers, plan }) : await runReplay({ ...setup, plan });
  const leaks = leakOracle(record, o.env, o.planted);
  return {
    record,
    report: checkReplay(record, o.env, o.confidence, o.planted, leaks),
    holdsPersonal: (text) => leaks.oracle.holds(text),
  };
}

/** Half of what the environment's receiver accepts: the harness groups spans, and must not be refused for it. */
export function requestLimit(env: ResolvedEnvironment): number {
  const size = env.pipeline.receivers.otlp.max_request_size;
  return ((size ? mebibytes(size) : 1) * 1024 * 1024) / 2;
}
