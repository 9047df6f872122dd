/*
 * The bad-input corpus (test/bad-input/cases.yaml), run through the real CLI process:
 * every bad description must fail with the right exit code and a diagnostic at the
 * right file:line:col, never with a stack trace, and `build` must then write nothing.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileTree } from "./helpers/tree.js";
import type { Diagnostic } from "../src/diagnostics/diagnostic.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const BIN = join(ROOT, "bin", "tracegen.js");
const CORPUS = join(ROOT, "test", "bad-input");
/** Processes at once; the machine is shared, and each process is mostly CPU. */
const CONCURRENCY = 4;

interface ExpectedDiagnostic {
  code: string;
  line: number;
  col: number;
  message: string;
  hint?: string;
}

interface Case {
  name: string;
  file: string;
  args?: string[];
  exit: number;
  expect?: ExpectedDiagnostic;
  stderr?: string;
  generate?: { kind: "huge"; bytes: number };
  build?: boolean;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], cwd = ROOT): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, timeout: 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** With `--format json`, stderr is exactly one JSON array of diagnostics: no summary line, no colour. */
function diagnosticsOf(stderr: string): Diagnostic[] {
  let parsed: unknown;
  expect(() => (parsed = JSON.parse(stderr)), `stderr is not JSON:\n${stderr}`).not.toThrow();
  expect(Array.isArray(parsed)).toBe(true);
  return parsed as Diagnostic[];
}

const STACK_LINE = /^\s{4}at /m;

const cases = parse(await readFile(join(CORPUS, "cases.yaml"), "utf8")) as Case[];

let scratch: string;
const fileOf = new Map<Case, string>();
const validateRuns = new Map<Case, Run>();
const buildRuns = new Map<Case, { run: Run; before: Map<string, Buffer>; after: Map<string, Buffer> }>();

beforeAll(async () => {
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error("dist/ is missing: run `npx tsc -p .` first");
  scratch = await mkdtemp(join(tmpdir(), "tracegen-bad-input-"));
  for (const c of cases) {
    if (c.generate?.kind === "huge") {
      const path = join(scratch, c.file);
      await writeFile(path, hugeDescription(c.generate.bytes));
      fileOf.set(c, path);
    } else {
      fileOf.set(c, relative(ROOT, join(CORPUS, c.file)));
    }
  }
  const validations = cases.map((c) => async () => {
    validateRuns.set(
      c,
      await run(["validate", "--file", fileOf.get(c) as string, "--format", "json", ...(c.args ?? [])]),
    );
  });
  // `build` of the chosen invalid descriptions (every stage that can fail: reading, parsing, schema, lint,
  // one environment of several), into an output directory that already holds files.
  const builds = cases
    .filter((c) => c.build)
    .map((c, i) => async () => {
      const out = join(scratch, `out-${i}`);
      await mkdir(join(out, "prod"), { recursive: true });
      await mkdir(join(out, "dev"), { recursive: true });
      await writeFile(join(out, "prod", "collector.yaml"), "# previous prod config\n");
      await writeFile(join(out, "dev", "collector.yaml"), "# previous dev config\n");
      await writeFile(join(out, "unrelated.txt"), "not ours\n");
      const before = await fileTree(out);
      const r = await run(["build", "--file", fileOf.get(c) as string, "--out", out, ...(c.args ?? [])]);
      buildRuns.set(c, { run: r, before, after: await fileTree(out) });
    });
  await pool([...validations, ...builds], CONCURRENCY);
}, 180_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** A description that starts well and then goes on for `bytes` bytes: refused before it is parsed. */
function hugeDescription(bytes: number): string {
  const head = "tracegen: 1\nservices:\n";
  const line = "  # padding padding padding padding padding padding padding padding padding\n";
  const body = line.repeat(Math.ceil((bytes - head.length) / line.length));
  return (head + body).slice(0, bytes);
}

describe("the bad-input corpus", () => {
  it("has at least 35 cases, each naming a file that exists (or is generated)", () => {
    expect(cases.length).toBeGreaterThanOrEqual(35);
    for (const c of cases) {
      if (c.generate || c.name === "missing file") continue;
      expect(existsSync(join(CORPUS, c.file)), c.file).toBe(true);
    }
    expect(existsSync(join(CORPUS, "does-not-exist.yaml"))).toBe(false);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(cases.filter((c) => c.build).every((c) => c.exit === 1)).toBe(true);
    expect(cases.filter((c) => c.build).length).toBeGreaterThanOrEqual(10);
  });

  it("covers every description in test/bad-input/", async () => {
    const listed = new Set(cases.map((c) => c.file));
    const files = (await readdir(CORPUS)).filter((f) => f.endsWith(".yaml") && f !== "cases.yaml");
    expect(files.filter((f) => !listed.has(f))).toEqual([]);
  });

  it("generates a 50 MB file for the size limit", async () => {
    const huge = cases.find((c) => c.generate);
    expect(huge).toBeDefined();
    expect((await stat(fileOf.get(huge as Case) as string)).size).toBe(50 * 1024 * 1024);
  });
});

describe.each(cases)("validate: $name", (c) => {
  it(`exits ${c.exit} without a stack trace`, () => {
    const r = validateRuns.get(c) as Run;
    expect(r.code, r.stderr).toBe(c.exit);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stdout).not.toMatch(STACK_LINE);
    expect(r.stderr).not.toContain("internal error");
    expect(r.stdout).toBe("");
  });

  if (c.expect) {
    const want = c.expect;
    it(`reports ${want.code} at ${want.line}:${want.col}`, () => {
      const r = validateRuns.get(c) as Run;
      const diagnostics = diagnosticsOf(r.stderr);
      for (const d of diagnostics) {
        expect(d.file).toBe(fileOf.get(c));
        expect(d.line).toBeGreaterThanOrEqual(1);
        expect(d.col).toBeGreaterThanOrEqual(1);
        expect(d.message).not.toMatch(/undefined|\[object Object\]|NaN/);
      }
      const found = diagnostics.find((d) => d.code === want.code && d.line === want.line && d.col === want.col);
      expect(
        found,
        `no ${want.code} at ${want.line}:${want.col}; got:\n${diagnostics.map((d) => `  ${d.code} ${d.line}:${d.col} ${d.message}`).join("\n")}`,
      ).toBeDefined();
      const d = found as Diagnostic;
      expect(d.severity).toBe("error");
      expect(d.message).toContain(want.message);
      if (want.hint !== undefined) expect(d.hint ?? "").toContain(want.hint);
    });
  } else {
    it("explains the usage error on stderr", () => {
      const r = validateRuns.get(c) as Run;
      expect(c.stderr).toBeTruthy();
      expect(r.stderr).toContain(c.stderr);
    });
  }

  if (c.build) {
    it("build writes nothing (output directory untouched)", () => {
      const b = buildRuns.get(c);
      expect(b).toBeDefined();
      const { run: r, before, after } = b as NonNullable<typeof b>;
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.stdout).not.toContain("wrote");
      expect(after).toEqual(before);
    });
  }
});
