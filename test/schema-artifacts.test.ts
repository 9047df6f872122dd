import { describe, expect, it } from "vitest";
import { publishedSchema, referencePage } from "../src/schema/reference.js";
import { readRepoFile } from "./helpers/repo.js";

describe("artifacts generated from the one schema definition", () => {
  it("the published JSON Schema is up to date (npm run schema:write)", async () => {
    expect(await readRepoFile("schema/tracegen.schema.json")).toBe(publishedSchema());
  });

  it("the reference page is up to date and documents every flow key", async () => {
    const page = await readRepoFile("docs/description-format.md");
    expect(page).toBe(referencePage());
    for (const key of [
      "flows.<name>.sla",
      "flows.<name>.sampling.keep",
      "sampling.decision_wait",
      "masking.pseudonymize_key",
      "tls",
    ]) {
      expect(page).toContain(`\`${key}\``);
    }
  });

  it("the shipped tracing.yaml points editors at the published schema", async () => {
    expect((await readRepoFile("tracing.yaml")).split("\n")[0]).toBe(
      "# yaml-language-server: $schema=./schema/tracegen.schema.json",
    );
  });
});
