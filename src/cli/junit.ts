import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { writeJunit } from "../junit/junit.js";

/** A check as CI systems list it: passed, or failed with the diagnostics that explain why. */
export interface JunitCase {
  name: string;
  failures: readonly Diagnostic[];
}

/** JUnit XML for `tracegen build|validate --junit FILE`: one test case per environment (or for the file itself). */
export function renderJunit(suite: string, cases: readonly JunitCase[]): string {
  return writeJunit("tracegen", [
    {
      name: suite,
      cases: cases.map(({ name, failures: [first, ...rest] }) => ({
        classname: "tracegen",
        name,
        ...(first && {
          failure: {
            message: first.message,
            type: first.code,
            text: [first, ...rest]
              .map((d) => `${d.file}:${d.line}:${d.col}: ${d.code}: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`)
              .join("\n"),
          },
        }),
      })),
    },
  ]);
}
