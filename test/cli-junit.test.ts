import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderJunit } from "../src/cli/junit.js";
import { repoPath } from "./helpers/repo.js";

const tracegen = (args: string[]) =>
  new Promise<number>((resolve) =>
    execFile(process.execPath, [repoPath("bin/tracegen.js"), ...args], { cwd: repoPath() }, (error) =>
      resolve(error ? Number((error as { code?: number }).code ?? 1) : 0),
    ),
  );

describe("validate --junit", () => {
  it("reports a passing test case per environment", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "junit-")), "report.xml");
    expect(await tracegen(["validate", "--junit", out])).toBe(0);
    const xml = await readFile(out, "utf8");
    expect(xml).toContain('<testsuites name="tracegen" tests="3" failures="0">');
    for (const env of ["dev", "staging", "prod"])
      expect(xml).toContain(`<testcase classname="tracegen" name="environment ${env}: checks pass"/>`);
  });

  it("fails the environment that breaks a guardrail, with the diagnostic's location, and still exits 1", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "junit-")), "report.xml");
    expect(await tracegen(["validate", "--file", "test/bad-input/guardrail-debug-prod.yaml", "--junit", out])).toBe(1);
    const xml = await readFile(out, "utf8");
    expect(xml).toContain('tests="3" failures="1"');
    expect(xml).toMatch(
      /<testcase classname="tracegen" name="environment prod: checks pass">\n\s+<failure message="production guardrail `no-debug`[^"]*" type="guardrail\/no-debug">test\/bad-input\/guardrail-debug-prod.yaml:112:25: /,
    );
  });

  it("fails a single case when the description does not even load", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "junit-")), "report.xml");
    expect(await tracegen(["validate", "--file", "test/bad-input/malformed-yaml.yaml", "--junit", out])).toBe(1);
    expect(await readFile(out, "utf8")).toMatch(
      /<testcase classname="tracegen" name="the description loads">\n\s+<failure [^>]*type="yaml-syntax">/,
    );
  });
});

describe("the JUnit renderer", () => {
  it("escapes what XML cannot hold as text", () => {
    const xml = renderJunit("s<&>", [
      {
        name: `a "quoted" <name>`,
        failures: [{ file: "f", line: 1, col: 2, severity: "error", code: "c", message: "x < y & 'z'" }],
      },
    ]);
    expect(xml).toContain('<testsuite name="s&lt;&amp;&gt;"');
    expect(xml).toContain('name="a &quot;quoted&quot; &lt;name&gt;"');
    expect(xml).toContain("f:1:2: c: x &lt; y &amp; &apos;z&apos;");
  });

  it("replaces the control characters XML 1.0 cannot carry, even escaped", () => {
    const xml = renderJunit("s", [
      {
        name: "n\u0001",
        failures: [{ file: "f", line: 1, col: 1, severity: "error", code: "c", message: "a\u0000b" }],
      },
    ]);
    expect(xml).toContain('name="n\uFFFD"');
    expect(xml).toContain('message="a\uFFFDb"');
    expect(xml).not.toMatch(/[\u0000-\u0008]/);
  });
});
