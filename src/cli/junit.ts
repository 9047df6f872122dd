import type { Diagnostic } from "../diagnostics/diagnostic.js";

/** A check as CI systems list it: passed, or failed with the diagnostics that explain why. */
export interface JunitCase {
  name: string;
  failures: readonly Diagnostic[];
}

interface XmlElement {
  name: string;
  attributes: Record<string, string | number>;
  children: Array<XmlElement | string>;
}

/** JUnit XML for `tracegen build|validate --junit FILE`: one test case per environment (or for the file itself). */
export function renderJunit(suite: string, cases: readonly JunitCase[]): string {
  const failures = cases.filter((c) => c.failures.length > 0).length;
  const element = (
    name: string,
    attributes: XmlElement["attributes"],
    children: XmlElement["children"] = [],
  ): XmlElement => ({
    name,
    attributes,
    children,
  });
  const document = element("testsuites", { name: "tracegen", tests: cases.length, failures }, [
    element(
      "testsuite",
      { name: suite, tests: cases.length, failures, errors: 0 },
      cases.map((c) =>
        element(
          "testcase",
          { classname: "tracegen", name: c.name },
          c.failures.length === 0
            ? []
            : [
                element("failure", { message: c.failures[0]!.message, type: c.failures[0]!.code }, [
                  c.failures
                    .map(
                      (d) =>
                        `${d.file}:${d.line}:${d.col}: ${d.code}: ${d.message}${d.hint ? ` (hint: ${d.hint})` : ""}`,
                    )
                    .join("\n"),
                ]),
              ],
        ),
      ),
    ),
  ]);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${serialize(document, "")}`;
}

function serialize(e: XmlElement, indent: string): string {
  const attributes = Object.entries(e.attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join("");
  if (e.children.length === 0) return `${indent}<${e.name}${attributes}/>\n`;
  if (e.children.every((c) => typeof c === "string")) {
    return `${indent}<${e.name}${attributes}>${escapeXml(e.children.join(""))}</${e.name}>\n`;
  }
  const inner = e.children.map((c) => (typeof c === "string" ? escapeXml(c) : serialize(c, `${indent}  `))).join("");
  return `${indent}<${e.name}${attributes}>\n${inner}${indent}</${e.name}>\n`;
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
