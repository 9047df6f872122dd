/*
 * The CLI bundle runs with the V8 code cache made when it was bundled (src/cli/code-cache.ts). A cache
 * that does not belong to the bundle or to this Node.js, or whose bytes changed, must be ignored and
 * the build must come out the same; V8 alone would take some of them (it checks only the source's
 * length, and not its payload), which the tests show too. Each run is its own process: V8 keeps a
 * compiled script for the life of the isolate.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoPath } from "./helpers/repo.js";

const BUNDLE = repoPath("dist/cli-bundle/tracegen.cjs");
const CACHE = `${BUNDLE}.cache`;
const LOADER = repoPath("dist/cli/code-cache.js");

interface Run {
  code: number;
  cached: boolean | undefined;
  stderr: string;
}

function node(script: string, args: string[]): Promise<Run> {
  return new Promise((done) =>
    execFile(
      process.execPath,
      ["--input-type=module", "-e", script, "--", ...args],
      { cwd: repoPath(), timeout: 60_000 },
      (error, stdout, stderr) => {
        const line = stdout.split("\n").find((l) => l.startsWith("cached: "));
        done({
          code: error ? Number(error.code ?? -1) : 0,
          cached: line ? line === "cached: true" : undefined,
          stderr,
        });
      },
    ),
  );
}

/** Builds the shipped description with the bundle and the cache file given, saying whether V8 took the cache. */
const build = (out: string, cacheFile: string, bundle = BUNDLE): Promise<Run> =>
  node(
    `import { loadBundle } from ${JSON.stringify(LOADER)};
const { exports: cli, cached } = loadBundle(${JSON.stringify(bundle)}, ${JSON.stringify(cacheFile)});
console.log("cached: " + cached);
process.exitCode = await cli.main(["build", "--out", ${JSON.stringify(out)}]);`,
    [],
  );

/** Whether V8 itself, given the payload without tracegen's header check, takes it (cached: true). */
const v8Alone = (bundle: string, payloadFile: string): Promise<Run> =>
  node(
    `import { readFileSync } from "node:fs";
import { Script } from "node:vm";
const source = readFileSync(${JSON.stringify(bundle)}, "utf8");
const bytes = readFileSync(${JSON.stringify(payloadFile)});
const script = new Script("(function (exports, require, module, __filename, __dirname, __importEsm) {" + source + "\\n})", { filename: ${JSON.stringify(bundle)}, cachedData: bytes.subarray(bytes.indexOf(10) + 1) });
console.log("cached: " + !script.cachedDataRejected);`,
    [],
  );

async function filesUnder(root: string): Promise<Map<string, string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = new Map<string, string>();
  for (const e of entries.filter((e) => e.isFile())) {
    const path = join(e.parentPath, e.name);
    files.set(relative(root, path), await readFile(path, "utf8"));
  }
  return files;
}

let scratch: string;
let golden: Map<string, string>;
/** A copy of the bundle inside the package (its templates and package.json are found from where it sits). */
let copyDir: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "tracegen-code-cache-"));
  copyDir = await mkdtemp(repoPath("dist/code-cache-test-"));
  golden = await filesUnder(repoPath("configs"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  await rm(copyDir, { recursive: true, force: true });
});

async function expectGoldenBuild(run: Run, out: string): Promise<void> {
  expect(run.stderr).not.toMatch(/internal error|Error:|at .*\(.*:\d+:\d+\)/);
  expect(run.code, run.stderr).toBe(0);
  expect(await filesUnder(out)).toEqual(golden);
}

describe("the CLI bundle's code cache", () => {
  it("is taken as shipped, and the build writes the golden files", async () => {
    const out = join(scratch, "shipped");
    const run = await build(out, CACHE);
    expect(run.cached).toBe(true);
    await expectGoldenBuild(run, out);
  });

  it("is ignored when bytes of its payload changed, which V8 alone does not refuse", async () => {
    const corrupt = join(scratch, "corrupt.cache");
    const bytes = await readFile(CACHE);
    for (let i = 0; i < 64; i++) bytes[Math.floor(bytes.length / 2) + i]! ^= 0xff;
    await writeFile(corrupt, bytes);
    // Given these bytes, V8 takes them or aborts the process while reading them; it never refuses them.
    const alone = await v8Alone(BUNDLE, corrupt);
    expect(alone.cached === true || (alone.cached === undefined && alone.code !== 0), alone.stderr).toBe(true);
    const out = join(scratch, "corrupt");
    const run = await build(out, corrupt);
    expect(run.cached).toBe(false);
    await expectGoldenBuild(run, out);
  });

  it("is ignored for another bundle of the same length, which V8 alone would take", async () => {
    const source = await readFile(BUNDLE, "utf8");
    const changed = source.replace("// dist/version.js", "// dist/versiom.js");
    expect(changed).not.toBe(source);
    expect(changed.length).toBe(source.length);
    const bundle = join(copyDir, "tracegen.cjs");
    await writeFile(bundle, changed);
    await copyFile(CACHE, `${bundle}.cache`);
    expect((await v8Alone(bundle, `${bundle}.cache`)).cached).toBe(true);
    const out = join(scratch, "other-bundle");
    const run = await build(out, `${bundle}.cache`, bundle);
    expect(run.cached).toBe(false);
    await expectGoldenBuild(run, out);
  });

  it("is ignored when made by another Node.js, cut short, empty or missing", async () => {
    const bytes = await readFile(CACHE);
    const end = bytes.indexOf(0x0a);
    const header = bytes.subarray(0, end).toString("latin1");
    expect(header).toContain(`node ${process.version} `);
    const variants: Record<string, Buffer | undefined> = {
      "other-node": Buffer.concat([
        Buffer.from(header.replace(`node ${process.version} `, "node v0.0.0 "), "latin1"),
        bytes.subarray(end),
      ]),
      "cut-short": bytes.subarray(0, Math.floor(bytes.length / 3)),
      empty: Buffer.alloc(0),
      missing: undefined,
    };
    for (const [name, content] of Object.entries(variants)) {
      const file = join(scratch, `${name}.cache`);
      if (content) await writeFile(file, content);
      const out = join(scratch, name);
      const run = await build(out, file);
      expect(run.cached, name).toBe(false);
      await expectGoldenBuild(run, out);
    }
  });

  it("is written for the bundle beside it, and taken from then on", async () => {
    const bundle = join(copyDir, "tracegen.cjs");
    await copyFile(BUNDLE, bundle);
    await rm(`${bundle}.cache`, { force: true });
    const warmUp = join(scratch, "warm-up");
    const written = await node(
      `import { writeCodeCache } from ${JSON.stringify(LOADER)};
await writeCodeCache(${JSON.stringify(bundle)}, [["build", "--out", ${JSON.stringify(warmUp)}]]);`,
      [],
    );
    expect(written.code, written.stderr).toBe(0);
    const out = join(scratch, "rewritten");
    const run = await build(out, `${bundle}.cache`, bundle);
    expect(run.cached).toBe(true);
    await expectGoldenBuild(run, out);
  });
});
