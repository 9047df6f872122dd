import { execa } from "execa";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { repoPath } from "./helpers/repo.js";

/*
 * CI reads the suite's counts from test/reporters/counts.ts. Run the real vitest on a
 * small tree where a beforeAll fails and a file fails to load: those tests must count as
 * failed, never as skipped, while a test marked skip stays skipped.
 */

it("counts tests stopped by a failing beforeAll, and files that fail to load, as failed", async () => {
  const root = await mkdtemp(join(tmpdir(), "tracegen-counts-"));
  await writeFile(
    join(root, "setup.test.ts"),
    [
      `import { beforeAll, describe, expect, it } from "vitest";`,
      `describe("needs a binary", () => {`,
      `  beforeAll(() => { throw new Error("binary missing"); });`,
      `  it("first", () => expect(1).toBe(1));`,
      `  it("second", () => expect(1).toBe(1));`,
      `});`,
      `it("independent", () => expect(1).toBe(1));`,
      `it.skip("not yet", () => {});`,
    ].join("\n"),
  );
  await writeFile(
    join(root, "broken.test.ts"),
    `import { it } from "vitest";\nthrow new Error("load");\nit("x", () => {});\n`,
  );
  const run = await execa(
    repoPath("node_modules/.bin/vitest"),
    ["run", "--root", root, "--reporter", repoPath("test/reporters/counts.ts")],
    { reject: false, cwd: root },
  );
  expect(run.exitCode).toBe(1);
  expect(JSON.parse(await readFile(join(root, "build/test-counts.json"), "utf8"))).toEqual({
    passed: 1,
    failed: 3,
    skipped: 1,
  });
});
