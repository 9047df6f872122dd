import type { PlantedValue } from "../fixtures/planted.js";
import type { FixtureRequest } from "../fixtures/read.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { checkReplay, type CheckReport } from "./checks/index.js";
import { runReplay, type ReplayRecord, type ReplaySetup } from "./run.js";
import { flattenFixtures, planSends } from "./schedule.js";

export interface ReplayOptions extends Omit<ReplaySetup, "plan"> {
  env: ResolvedEnvironment;
  fixtures: readonly FixtureRequest[];
  /** Fixture time per wall-clock time; Infinity sends as fast as the collector takes it. */
  speed: number;
  /** Confidence of the binomial tolerance on each share, e.g. 0.999. */
  confidence: number;
  /** The personal values the fixtures' synthesizer planted (their `.planted.json` manifests). */
  planted?: readonly PlantedValue[];
}

/** The library entry point: fixtures through the real collector, judged against the environment's description. */
export async function replay(o: ReplayOptions): Promise<{ record: ReplayRecord; report: CheckReport }> {
  const plan = planSends(flattenFixtures(o.fixtures), { speed: o.speed, nowNs: BigInt(Date.now()) * 1_000_000n });
  const record = await runReplay({ ...o, plan });
  return { record, report: checkReplay(record, o.env, o.confidence, o.planted) };
}
