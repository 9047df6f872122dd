import type { CheckFamily } from "./finding.js";

/**
 * Every rule a replay checks, by the code its findings carry: what the report and the JUnit
 * file call it. A rule with no finding passed; listing them all is what makes a green report
 * say what was proven.
 */
export const RULES: Record<string, { family: CheckFamily; title: string }> = {
  "planted-value": {
    family: "leaks",
    title: "no planted personal value comes out: not in the export, the metrics or the collector's log",
  },
  "removed-key": { family: "leaks", title: "no removed key arrives, metric labels included" },
  "raw-pseudonymized": { family: "leaks", title: "every value of a pseudonymized key arrives as its pseudonym" },
  "redact-pattern": { family: "leaks", title: "no text matching a redact_values rule arrives, metric labels included" },
  "unscrubbed-literal": { family: "leaks", title: "no literal is left in a scrubbed attribute" },
  "rejected-spans": {
    family: "integrity",
    title: "the collector takes every span sent, none rejected by a partial success",
  },
  "not-otlp": { family: "integrity", title: "the collector exports valid OTLP" },
  "unknown-span": { family: "integrity", title: "nothing arrives that was not sent" },
  altered: { family: "integrity", title: "spans arrive whole, and their text as sent or masked, nothing else" },
  "wrong-pseudonym": {
    family: "integrity",
    title: "a pseudonymized value is the keyed HMAC of the value sent, whatever the client sent",
  },
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
