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
