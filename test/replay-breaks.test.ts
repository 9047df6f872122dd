import { beforeAll, describe, expect, it } from "vitest";
import type { CollectorConfig, MaskingConfig, TailSamplingConfig } from "../src/collector/components.js";
import { ID } from "../src/compile/ids.js";
import { synthModel } from "../src/fixtures/synth/model.js";
import { synthesize } from "../src/fixtures/synth/synth.js";
import type { FixtureRequest } from "../src/fixtures/read.js";
import { resolveEnvironment, type ResolvedEnvironment } from "../src/resolve/resolve.js";
import { replay } from "../src/replay/replay.js";
import { loadRepoDescription, requireCollector } from "./helpers/repo.js";

/*
 * A check that cannot fail is a defect. Each test breaks the generated prod config on
 * purpose, the way a careless edit would, runs the real collector with it, and asserts
 * that the replay fails with the finding that names the break, and only that family.
 * The expectations come from the unbroken description.
 */

let prod: ResolvedEnvironment;
let fixtures: FixtureRequest[];

beforeAll(async () => {
  const { description } = await loadRepoDescription("tracing.yaml");
  prod = resolveEnvironment(description, "prod");
  const model = synthModel([prod.pipeline]);
  fixtures = synthesize(model, { seed: 5, traces: 500, rate: 150 }).requests.map((request) => ({
    request,
    file: "synth",
    line: 1,
  }));
});

async function replayBroken(tamper: (config: CollectorConfig) => void) {
  const { report } = await replay({
    env: prod,
    fixtures,
    collector: requireCollector(),
    speed: 1,
    confidence: 0.999,
    decisionWait: "2s",
    tamper,
  });
  return report;
}

const sampler = (c: CollectorConfig) => c.processors[ID.tailSampling] as TailSamplingConfig;

describe.concurrent("replay catches a config broken on purpose", () => {
  it("fails with a leak when a masking rule is removed", async () => {
    const report = await replayBroken((c) => {
      const masking = c.processors[ID.masking] as MaskingConfig;
      masking.remove = masking.remove.filter((k) => k !== "user.email");
    });
    expect(report.families).toEqual({ leaks: false, integrity: true, sampling: true });
    expect(
      report.findings.some((f) => f.code === "removed-key" && f.message === "removed key `user.email` arrived"),
    ).toBe(true);
    expect(report.findings.every((f) => f.message.includes("user.email") || f.message.startsWith("…"))).toBe(true);
  }, 120_000);

  it("fails the flow's share when its keep share is changed", async () => {
    const report = await replayBroken((c) => {
      const policy = sampler(c).policies.find((p) => p.name === "order-execution/share")!;
      policy.and!.and_sub_policy.find((p) => p.type === "probabilistic")!.probabilistic!.sampling_percentage = 10;
    });
    expect(report.families).toEqual({ leaks: true, integrity: true, sampling: false });
    expect(report.findings.map((f) => f.code)).toEqual(["flow-share"]);
    expect(report.findings[0]!.message).toMatch(
      /^order-execution: kept \d+ of \d+ ordinary traces .*its keep of 50% allows \d+–\d+ at 99\.9% confidence$/,
    );
  }, 120_000);

  it("fails with dropped error traces when error keeping is turned off", async () => {
    const report = await replayBroken((c) => {
      sampler(c).policies = sampler(c).policies.filter((p) => p.name !== "errors");
    });
    expect(report.families).toEqual({ leaks: true, integrity: true, sampling: false });
    // Error traces the flows' shares still keep now name the share as their reason: caught as well.
    expect(new Set(report.findings.map((f) => f.code))).toEqual(new Set(["error-trace-dropped", "kept-by"]));
    const dropped = report.findings.find((f) => f.code === "error-trace-dropped");
    expect(dropped!.message).toMatch(/^trace with an error span in order-[a-z]+ was not kept$/);
    const keptBy = report.findings.find((f) => f.code === "kept-by");
    expect(keptBy!.message).toMatch(/^trace was kept by `order-[a-z]+\/(share|over-sla)`; its class says `errors`$/);
  }, 120_000);

  it("fails the flow metrics count when span metrics are moved after sampling", async () => {
    const report = await replayBroken((c) => {
      const { pipelines } = c.service;
      pipelines["traces/ingest"]!.exporters = pipelines["traces/ingest"]!.exporters.filter((e) => e !== ID.spanMetrics);
      pipelines["traces/sampled"]!.exporters.push(ID.spanMetrics);
    });
    expect(report.families).toEqual({ leaks: true, integrity: true, sampling: false });
    expect(report.findings.map((f) => f.code)).toEqual(Array(4).fill("flow-metrics-count"));
    expect(report.findings[0]!.message).toMatch(
      /^span metrics counted \d+ of the \d+ spans sent in order-upload; flow metrics must be computed on every span, before sampling$/,
    );
  }, 120_000);
});
