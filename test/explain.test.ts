import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { generate } from "../src/orchestrate/generate.js";
import { explain, explainMermaid } from "../src/explain/explain.js";
import { loadRepoDescription, readRepoFile, repoPath } from "./helpers/repo.js";

/*
 * `tracegen explain` is rendered from templates/explain*.txt.hbs; test/explain/* are its
 * reviewed output for the shop's environments and for a description that uses every option
 * (the allow-list masking mode among them). After an intended change to the wording, regenerate
 * with `UPDATE_GOLDEN=1 npx vitest run test/explain.test.ts`.
 */
const CASES = [
  { description: "tracing.yaml", env: "prod", golden: "test/explain/tracing.prod.txt" },
  { description: "tracing.yaml", env: "dev", golden: "test/explain/tracing.dev.txt" },
  { description: "test/valid/every-option.tracing.yaml", env: "live", golden: "test/explain/every-option.live.txt" },
  { description: "examples/two-tier.tracing.yaml", env: "prod", golden: "test/explain/two-tier.prod.txt" },
];

describe("explain", () => {
  for (const c of CASES)
    it(`of ${c.description} ${c.env} matches its reviewed text`, async () => {
      const { outputs } = generate(await loadRepoDescription(c.description), { environments: [c.env] });
      const text = explain(outputs[0]!.env, outputs[0]!.collectors);
      if (process.env["UPDATE_GOLDEN"]) await writeFile(repoPath(c.golden), text);
      expect(text).toBe(await readRepoFile(c.golden));
    });

  for (const [description, golden] of [
    ["tracing.yaml", "test/explain/tracing.prod.mmd"],
    ["examples/two-tier.tracing.yaml", "test/explain/two-tier.prod.mmd"],
  ] as const)
    it(`--mermaid of ${description} prod matches its reviewed flowchart`, async () => {
      const { outputs } = generate(await loadRepoDescription(description), { environments: ["prod"] });
      const chart = explainMermaid(outputs[0]!.collectors);
      if (process.env["UPDATE_GOLDEN"]) await writeFile(repoPath(golden), chart);
      expect(chart).toBe(await readRepoFile(golden));
    });

  it("names both tiers of a two-tier environment, how traces find their sampler, and the link between them", async () => {
    const text = await readRepoFile("test/explain/two-tier.prod.txt");
    expect(text).toMatch(/^Two tiers: 2 agents .* one of 3 samplers .* found through DNS name /m);
    expect(text).toMatch(
      /^Pipelines of the agent tier \(agent\.yaml\)\n {2}traces\/ingest .*→ masking →.*load_balancing$/m,
    );
    expect(text).toMatch(/^Pipelines of the sampler tier \(sampler\.yaml\)\n {2}traces\/sampled .*→ tail_sampling →/m);
    expect(await readRepoFile("test/explain/two-tier.prod.mmd")).toMatch(
      /^ {2}agent_traces_ingest_load_balancing ==>\|by trace id\| sampler_traces_sampled_otlp$/m,
    );
    expect(await readRepoFile("test/explain/tracing.prod.txt")).not.toContain("Two tiers");
  });

  it("says when masking lets only an allow list through, and nothing about one otherwise", async () => {
    expect(await readRepoFile("test/explain/every-option.live.txt")).toMatch(/^ {2}allow list: {4}only /m);
    expect(await readRepoFile("test/explain/tracing.prod.txt")).not.toContain("allow list");
  });
});
