import type { Finding } from "../checks/finding.js";
import { RULES } from "../checks/rules.js";
import type { ReplaySummary } from "./model.js";
import { location } from "./text.js";

/**
 * JUnit XML for CI: one test suite per check family, one test case per rule (and per
 * flow for the shares), failed with its findings, so a green build lists what was proven.
 */
export function renderJunit(s: ReplaySummary): string {
  const suites = (["leaks", "integrity", "sampling"] as const).map((family) => {
    const cases: string[] = [];
    for (const [code, rule] of Object.entries(RULES)) {
      if (rule.family !== family) continue;
      if (code === "flow-share") {
        for (const row of s.report.sampling.rows) {
          if (row.flow.startsWith("(")) continue;
          const findings = s.report.findings.filter((f) => f.code === code && f.message.startsWith(`${row.flow}:`));
          cases.push(testcase(`${family}`, `${row.flow} keeps its share of ordinary traces`, findings, s));
        }
        continue;
      }
      cases.push(
        testcase(
          family,
          rule.title,
          s.report.findings.filter((f) => f.code === code),
          s,
        ),
      );
    }
    const failures = cases.filter((c) => c.includes("<failure")).length;
    return `  <testsuite name="replay ${esc(s.environment)} ${family}" tests="${cases.length}" failures="${failures}" errors="0">\n${cases.join("")}  </testsuite>\n`;
  });
  const tests = suites.reduce((n, x) => n + Number(/tests="(\d+)"/.exec(x)![1]), 0);
  const failures = suites.reduce((n, x) => n + Number(/failures="(\d+)"/.exec(x)![1]), 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="tracegen replay" tests="${tests}" failures="${failures}" errors="0">\n${suites.join("")}</testsuites>\n`;
}

function testcase(family: string, name: string, findings: Finding[], s: ReplaySummary): string {
  const head = `    <testcase classname="tracegen.replay.${esc(s.environment)}.${family}" name="${esc(name)}"`;
  if (findings.length === 0) return `${head}/>\n`;
  const body = findings
    .map((f) => `${f.message}${f.where ? `\n  at ${location(f.where, s.receivedFile)}` : ""}`)
    .join("\n");
  return `${head}>\n      <failure message="${esc(findings[0]!.message)}" type="${esc(findings[0]!.code)}">${esc(body)}</failure>\n    </testcase>\n`;
}

const esc = (s: string): string =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    // XML 1.0 cannot carry most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "\uFFFD");
