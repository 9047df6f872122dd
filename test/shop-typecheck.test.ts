import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoPath } from "./helpers/repo.js";

/* The shop, its scripts and their tests run through tsx, which strips types unchecked: check them here. */
describe("the reference shop's TypeScript", () => {
  it("type-checks under the project's strict settings (shop/tsconfig.json)", async () => {
    const run = await promisify(execFile)(
      process.execPath,
      [repoPath("node_modules/typescript/bin/tsc"), "-p", repoPath("shop/tsconfig.json")],
      {
        cwd: repoPath(),
        timeout: 120_000,
      },
    ).then(
      () => ({ ok: true, output: "" }),
      (error: { stdout?: string; message: string }) => ({ ok: false, output: error.stdout || error.message }),
    );
    expect(run.output).toBe("");
    expect(run.ok).toBe(true);
  }, 120_000);
});
