import type { CheckFamily } from "./finding.js";

/**
 * Every rule a replay checks, by the code its findings carry: what the report and the JUnit
 * file call it. A rule with no finding passed; listing them all is what makes a green report
 * say what was proven.
 */
export const RULES: Record<string, { family: CheckFamily; title: string }> = {
  "removed-key": { family: "leaks", title: "no removed key arrives, metric labels included" },
  "raw-pseudonymized": { family: "leaks", title: "every value of a pseudonymized key arrives as its pseudonym" },
  "raw-value": { family: "leaks", title: "no raw value of a removed or pseudonymized key arrives anywhere" },
  "redact-pattern": { family: "leaks", title: "no text matching a redact_values rule arrives, metric labels included" },
  "unscrubbed-literal": { family: "leaks", title: "no literal is left in a scrubbed attribute" },
  "not-otlp": { family: "integrity", title: "the collector exports valid OTLP" },
  "unknown-span": { family: "integrity", title: "nothing arrives that was not sent" },
  "parent-link": { family: "integrity", title: "parent links arrive unchanged" },
  timestamps: { family: "integrity", title: "timestamps arrive unchanged" },
  "status-code": { family: "integrity", title: "status codes arrive unchanged" },
  "span-kind": { family: "integrity", title: "span kinds arrive unchanged" },
  "trace-state": { family: "integrity", title: "trace state arrives unchanged" },
  links: { family: "integrity", title: "span links arrive unchanged" },
  events: { family: "integrity", title: "every event arrives" },
  "span-name": { family: "integrity", title: "span names arrive masked, otherwise unchanged" },
  "event-name": { family: "integrity", title: "event names arrive masked, otherwise unchanged" },
  "error-details": { family: "integrity", title: "error details arrive with only their sensitive parts masked" },
  "span-attributes": { family: "integrity", title: "span attributes arrive masked, otherwise unchanged" },
  "event-attributes": { family: "integrity", title: "event attributes arrive masked, otherwise unchanged" },
  "link-attributes": { family: "integrity", title: "link attributes arrive masked, otherwise unchanged" },
  "resource-attributes": { family: "integrity", title: "resource attributes arrive masked, otherwise unchanged" },
  scope: { family: "integrity", title: "instrumentation scopes arrive unchanged" },
  "scope-attributes": { family: "integrity", title: "scope attributes arrive masked, otherwise unchanged" },
  "error-trace-dropped": { family: "sampling", title: "every error trace is kept" },
  "slow-trace-dropped": { family: "sampling", title: "every trace over its flow's SLA is kept" },
  "flow-share": { family: "sampling", title: "each flow keeps its share of ordinary traces" },
  "unmatched-share": { family: "sampling", title: "traces in no flow are kept at `unmatched`" },
  "incomplete-trace": { family: "sampling", title: "every kept trace is complete, late spans included" },
  "kept-twice": { family: "sampling", title: "nothing is kept twice" },
  "kept-by": { family: "sampling", title: "each kept trace names the policy its class says kept it" },
  "flow-metrics-count": { family: "sampling", title: "flow metrics count every span, before sampling" },
  "flow-metrics-missing": { family: "sampling", title: "flow metrics can be scraped" },
};
