/*
 * `tracegen build` runs from the bundle and loads a package only when the command needs it: a valid
 * description never loads ajv (TypeBox's interpreter checks it; ajv only explains a failure), re2 only
 * when it has custom masking patterns to check, and no build loads the replay's gRPC. The CommonJS modules a process loaded are listed by a preload that
 * prints require.cache when the process exits; the invalid description shows the listing sees ajv.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoPath } from "./helpers/repo.js";

const LIST_LOADED = `import { createRequire } from "node:module";
const cache = createRequire(import.meta.url).cache;
process.on("exit", () => process.stderr.write("loaded: " + JSON.stringify(Object.keys(cache)) + "\\n"));`;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "tracegen-loads-"));
  await writeFile(join(scratch, "list-loaded.mjs"), LIST_LOADED);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

function loadedBy(args: string[]): Promise<{ code: number; loaded: string[] }> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      ["--import", join(scratch, "list-loaded.mjs"), repoPath("bin/tracegen.js"), ...args],
      { cwd: repoPath(), timeout: 60_000 },
      (error, _stdout, stderr) => {
        const line = stderr.split("\n").find((l) => l.startsWith("loaded: "));
        done({
          code: error ? Number(error.code ?? -1) : 0,
          loaded: line ? (JSON.parse(line.slice("loaded: ".length)) as string[]) : [],
        });
      },
    ),
  );
}

const packageLoaded = (loaded: string[], name: string) => loaded.some((p) => p.includes(`/node_modules/${name}/`));

describe("what tracegen loads", () => {
  it("builds a valid description without loading ajv, the replay's gRPC, the audit log's PostgreSQL client or re2", async () => {
    const { code, loaded } = await loadedBy(["build", "--out", join(scratch, "configs")]);
    expect(code).toBe(0);
    expect(loaded.length).toBeGreaterThan(0);
    expect(packageLoaded(loaded, "ajv")).toBe(false);
    expect(packageLoaded(loaded, "@grpc/grpc-js")).toBe(false);
    expect(packageLoaded(loaded, "pg")).toBe(false);
    // The shipped description has no custom masking patterns for re2 to check.
    expect(packageLoaded(loaded, "re2")).toBe(false);
  });

  it("loads re2 to check a description's custom masking patterns", async () => {
    const { code, loaded } = await loadedBy(["validate", "--file", "test/bad-input/regex-lookahead.yaml"]);
    expect(code).toBe(1);
    expect(packageLoaded(loaded, "re2")).toBe(true);
  });

  it("loads ajv to explain an invalid description", async () => {
    const { code, loaded } = await loadedBy(["validate", "--file", "test/bad-input/unknown-key-top.yaml"]);
    expect(code).toBe(1);
    expect(packageLoaded(loaded, "ajv")).toBe(true);
  });
});
