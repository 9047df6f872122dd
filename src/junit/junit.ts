/**
 * The one JUnit XML writer: `tracegen build|validate --junit` and `tracegen replay --junit` each say
 * what their cases are, this says how CI reads them. Counts are derived from the cases, every text is
 * escaped here, and the characters XML 1.0 cannot carry even escaped become U+FFFD.
 */

export interface JunitFailure {
  /** One line for the CI summary. */
  message: string;
  type: string;
  /** The whole story: every finding, with where it is. */
  text: string;
}

export interface JunitTestCase {
  classname: string;
  name: string;
  /** Absent when the case passed. */
  failure?: JunitFailure;
}

export interface JunitSuite {
  name: string;
  cases: readonly JunitTestCase[];
}

export function writeJunit(name: string, suites: readonly JunitSuite[]): string {
  const failed = (cases: readonly JunitTestCase[]): number => cases.filter((c) => c.failure).length;
  const all = suites.flatMap((s) => s.cases);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites${attributes({ name, tests: all.length, failures: failed(all) })}>`,
    ...suites.flatMap((s) => [
      `  <testsuite${attributes({ name: s.name, tests: s.cases.length, failures: failed(s.cases), errors: 0 })}>`,
      ...s.cases.map(testcase),
      `  </testsuite>`,
    ]),
    `</testsuites>`,
    "",
  ].join("\n");
}

function testcase({ classname, name, failure }: JunitTestCase): string {
  const head = `    <testcase${attributes({ classname, name })}`;
  if (!failure) return `${head}/>`;
  const { message, type, text } = failure;
  return `${head}>\n      <failure${attributes({ message, type })}>${escapeXml(text)}</failure>\n    </testcase>`;
}

const attributes = (values: Record<string, string | number>): string =>
  Object.entries(values)
    .map(([key, value]) => ` ${key}="${escapeXml(String(value))}"`)
    .join("");

export const escapeXml = (s: string): string =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    // XML 1.0 cannot carry most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "\uFFFD");
