import { describe, expect, it } from "vitest";
import { writeFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { generate } from "../src/orchestrate/generate.js";
import { loadRepoDescription, readRepoFile, repoPath } from "./helpers/repo.js";

/*
 * configs/<env>/collector.yaml are the golden files: committed, reviewed like code.
 * After an intended change, regenerate with `UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts`.
 */
describe("the shipped description's generated configs", async () => {
  const loaded = await loadRepoDescription("tracing.yaml");
  const result = generate(loaded);

  it("build without errors for every environment", () => {
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.outputs.map((o) => o.env.name)).toEqual(["dev", "staging", "prod"]);
  });

  for (const output of result.outputs) {
    it(`match the reviewed golden file for ${output.env.name}`, async () => {
      const golden = `configs/${output.path}`;
      if (process.env["UPDATE_GOLDEN"]) {
        await mkdir(dirname(repoPath(golden)), { recursive: true });
        await writeFile(repoPath(golden), output.content);
      }
      expect(output.content).toBe(await readRepoFile(golden));
    });
  }

  it("is byte-identical when generated twice", () => {
    const again = generate(loaded);
    expect(again.outputs.map((o) => o.content)).toEqual(result.outputs.map((o) => o.content));
  });
});

/*
 * examples/two-tier/<env>/ holds the two-tier example's output: agent and sampler configs, the
 * Kubernetes manifests and the flow-health files. Regenerate the same way (UPDATE_GOLDEN=1).
 */
describe("the two-tier example's generated files", async () => {
  const result = generate(await loadRepoDescription("examples/two-tier.tracing.yaml"));

  it("are an agent and a sampler config per environment, and no single collector", () => {
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.outputs.flatMap((o) => o.collectors.map((c) => c.path))).toEqual([
      "dev/agent.yaml",
      "dev/sampler.yaml",
      "prod/agent.yaml",
      "prod/sampler.yaml",
    ]);
  });

  for (const file of result.outputs.flatMap((o) => o.files)) {
    it(`match the reviewed golden file ${file.path}`, async () => {
      const golden = `examples/two-tier/${file.path}`;
      if (process.env["UPDATE_GOLDEN"]) {
        await mkdir(dirname(repoPath(golden)), { recursive: true });
        await writeFile(repoPath(golden), file.content);
      }
      expect(file.content).toBe(await readRepoFile(golden));
    });
  }
});
