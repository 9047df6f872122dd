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
];

describe("explain", () => {
  for (const c of CASES)
    it(`of ${c.description} ${c.env} matches its reviewed text`, async () => {
      const { outputs } = generate(await loadRepoDescription(c.description), { environments: [c.env] });
      const text = explain(outputs[0]!.env, outputs[0]!.config);
      if (process.env["UPDATE_GOLDEN"]) await writeFile(repoPath(c.golden), text);
      expect(text).toBe(await readRepoFile(c.golden));
    });

  it("--mermaid of tracing.yaml prod matches its reviewed flowchart", async () => {
    const { outputs } = generate(await loadRepoDescription("tracing.yaml"), { environments: ["prod"] });
    const chart = explainMermaid(outputs[0]!.config);
    const golden = "test/explain/tracing.prod.mmd";
    if (process.env["UPDATE_GOLDEN"]) await writeFile(repoPath(golden), chart);
    expect(chart).toBe(await readRepoFile(golden));
  });

  it("says when masking lets only an allow list through, and nothing about one otherwise", async () => {
    expect(await readRepoFile("test/explain/every-option.live.txt")).toMatch(/^ {2}allow list: {4}only /m);
    expect(await readRepoFile("test/explain/tracing.prod.txt")).not.toContain("allow list");
  });
});
