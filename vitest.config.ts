import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The collector tests start real processes on two cores: running every file at once starves them.
    maxWorkers: 2,
    // counts.ts writes the pass/fail counts CI prints, with tests stopped by a failed set-up counted as failed.
    reporters: ["default", "json", "./test/reporters/counts.ts"],
    outputFile: { json: "build/vitest-report.json" },
  },
});
