import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { repoPath } from "./helpers/repo.js";

/** The in-house Go modules are part of the distribution; their own tests run with the rest of the suite. */
const run = (dir: string) =>
  new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      "go",
      ["test", "-count=1", "./..."],
      { cwd: repoPath(dir), env: { ...process.env, GOTOOLCHAIN: "local" }, timeout: 600_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, output: `${stdout}${stderr}` }),
    );
  });

describe("in-house collector modules", () => {
  for (const dir of ["collector/maskingprocessor", "collector/healthprobe"]) {
    it(`${dir}: go test passes`, { timeout: 600_000 }, async () => {
      const { code, output } = await run(dir);
      expect(code, output).toBe(0);
      expect(output).toMatch(/^ok\s/m);
    });
  }
});
