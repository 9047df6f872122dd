import { writeJunit, type JunitTestCase } from "../../junit/junit.js";
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
    const cases: JunitTestCase[] = [];
    for (const [code, rule] of Object.entries(RULES)) {
      if (rule.family !== family) continue;
      if (code === "flow-share") {
        for (const row of s.report.sampling.rows) {
          if (row.flow.startsWith("(")) continue;
          const findings = s.report.findings.filter((f) => f.code === code && f.message.startsWith(`${row.flow}:`));
          cases.push(testcase(family, `${row.flow} keeps its share of ordinary traces`, findings, s));
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
    return { name: `replay ${s.environment} ${family}`, cases };
  });
  return writeJunit("tracegen replay", suites);
}

function testcase(family: string, name: string, findings: Finding[], s: ReplaySummary): JunitTestCase {
  const classname = `tracegen.replay.${s.environment}.${family}`;
  const [first] = findings;
  if (!first) return { classname, name };
  const text = findings
    .map((f) => `${f.message}${f.where ? `\n  at ${location(f.where, s.receivedFile)}` : ""}`)
    .join("\n");
  return { classname, name, failure: { message: first.message, type: first.code, text } };
}
