import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "../src/collector/registry.js";
import { replay } from "../src/replay/replay.js";
import { repoPath, requireCollector } from "./helpers/repo.js";
import { replayCli, tracegen } from "./helpers/replay-cli.js";
import { keepEverything, synthFixtures } from "./helpers/tiers.js";

/*
 * The two-tier topology proven as the single collector is: the example's dev environment through
 * 2 agents and 3 samplers, real processes on loopback, judged by the same checks (every kept trace
 * whole, each flow's share within the binomial tolerance, flow metrics counting every span).
 */

const DESCRIPTION = repoPath("examples/two-tier.tracing.yaml");
let dir: string;
let corpus: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "topology-replay-"));
  corpus = join(dir, "synth.jsonl");
  const r = await tracegen([
    "fixtures",
    "synth",
    "--file",
    DESCRIPTION,
    "--seed",
    "5",
    "--traces",
    "400",
    "--rate",
    "100",
    "--out",
    corpus,
  ]);
  if (r.code !== 0) throw new Error(r.stderr);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("a replay through 2 agents and 3 samplers", () => {
  it("passes every check: kept traces whole, shares within tolerance, every span counted by the agents' flow metrics", async () => {
    const { code, summary, stderr } = await replayCli(DESCRIPTION, "dev", corpus, [
      "--topology",
      "two-tier",
      "--agents",
      "2",
      "--samplers",
      "3",
      "--decision-wait",
      "2s",
    ]);
    expect(summary.report.findings).toEqual([]);
    expect(code, stderr).toBe(0);
    expect(summary.report.counts.spansSent).toBeGreaterThan(2000);
    expect(summary.report.counts.tracesKept).toBeGreaterThan(0);
  }, 120_000);

  it("fails the checks when the agents route by service instead of trace id: routing is what keeps traces whole", async () => {
    const env = await keepEverything();
    const { report } = await replay({
      env,
      fixtures: synthFixtures(env, 150, 100),
      collector: requireCollector(),
      speed: 1,
      confidence: 0.999,
      decisionWait: "2s",
      tiers: { agents: 2, samplers: 3 },
      tamper: (config) => {
        const lb = config.exporters[ID.toSamplers] as { routing_key: string } | undefined;
        if (lb) lb.routing_key = "service";
      },
    });
    expect(report.ok).toBe(false);
    expect(report.families.sampling).toBe(false);
  }, 120_000);

  it("refuses --agents without --topology two-tier, and a topology the environment does not have", async () => {
    const usage = await tracegen(["replay", "--env", "dev", "--fixtures", corpus, "--agents", "2"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--agents and --samplers need --topology two-tier");
    const single = await tracegen(["replay", "--env", "dev", "--fixtures", corpus, "--topology", "two-tier"]);
    expect(single.code).toBe(1);
    expect(single.stderr).toContain("has a single-collector topology");
    const zero = await tracegen([
      "replay",
      "--file",
      DESCRIPTION,
      "--env",
      "dev",
      "--fixtures",
      corpus,
      "--topology",
      "two-tier",
      "--samplers",
      "0",
    ]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("--samplers must be a whole number from 1 to 16");
  }, 60_000);
});
