import type { CollectorConfig } from "../collector/components.js";
import { decisionCacheSize, tracesHeld } from "../compile/sampling-sizes.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { TLS_MIN_VERSION_DEFAULT } from "../schema/description.js";
import { percent } from "../schema/units.js";
import { KEPT_BY_ATTRIBUTE } from "../collector/run-args.js";
import { POLICY } from "../compile/sampling.js";
import { endpointsOf } from "../lint/endpoints.js";
import { allowList } from "../masking/allow-list.js";
import { scrubRules } from "../masking/scrub-kinds.js";
import { SEMCONV_VERSION } from "../masking/semconv-allowlist.js";
import { groupedCount } from "../text/count.js";

const MASKED_PLACES =
  "resource, scope, span, event and link attributes and their keys (nested values too), span names, status messages, event names, trace state, scope names and schema URLs";

/** A human account of one environment's generated config: how data moves, what is masked, what is kept. */
export function explain(env: ResolvedEnvironment, config: CollectorConfig): string {
  const { pipeline } = env;
  const lines: string[] = [];
  lines.push(`Environment ${env.name} (${env.tier}) of ${pipeline.system.name}`, "");
  lines.push("Pipelines");
  const width = Math.max(...Object.keys(config.service.pipelines).map((n) => n.length));
  for (const [name, p] of Object.entries(config.service.pipelines)) {
    const stages = [p.receivers.join(", "), ...p.processors, p.exporters.join(", ")];
    lines.push(`  ${name.padEnd(width)}  ${stages.join(" → ")}`);
  }
  lines.push("", "Endpoints");
  for (const e of endpointsOf(pipeline)) {
    lines.push(`  ${e.role === "listens" ? "listens on" : "sends to  "} ${e.endpoint}  (${e.path.join(".")})`);
  }
  const tls = pipeline.tls;
  lines.push(
    `  TLS: ${tls === "off" ? "off (loopback only)" : `on, min ${tls.min_version ?? TLS_MIN_VERSION_DEFAULT}${tls.client_auth === "required" ? ", client certificates required (mTLS)" : ""}`}`,
    `  Receiver auth: ${pipeline.receivers.otlp.auth}`,
  );
  const { masking } = pipeline;
  lines.push("", `Masking, once, in traces/ingest before anything fans out; covers ${MASKED_PLACES}`);
  const list = (items: readonly string[]) => (items.length ? items.join(", ") : "(none)");
  lines.push(`  removed:       ${list(masking.remove)}`);
  lines.push(
    `  pseudonymized: ${list(masking.pseudonymize)}  (HMAC-SHA256 keyed by ${masking.pseudonymize_key}${env.tier === "production" ? ", at least 32 bytes" : ""})`,
  );
  lines.push(`  detected:      ${list(masking.detect)}${masking.numbers ? "  (numbers too, in decimal form)" : ""}`);
  lines.push(`  redacted:      ${list(Object.entries(masking.redact_values).map(([n, p]) => `${n} /${p}/`))}`);
  lines.push(
    `  scrubbed:      ${list(scrubRules(masking.scrub_queries).map((r) => `${r.key} (${r.kind})`))}  (literal values become ?, in names too)`,
  );
  if (masking.mode === "allow_list") {
    const allowed = allowList(pipeline);
    const own = allowed.filter((a) => a.source !== "semantic conventions").map((a) => a.key);
    lines.push(
      `  allow list:    only ${list(own)} and ${allowed.length - own.length} semantic-conventions attributes (${SEMCONV_VERSION}) pass; every other attribute is ${masking.otherwise === "remove" ? "removed" : "pseudonymized"}`,
    );
  }
  lines.push(`  to metrics:    resource attributes ${list(pipeline.exporters.prometheus.resource_attributes)} only`);
  const { sampling } = pipeline;
  lines.push(
    "",
    `Sampling: decided ${sampling.decision_wait} after a trace's first span; up to ${groupedCount(tracesHeld(pipeline))} traces held, ` +
      `decisions remembered for ${groupedCount(decisionCacheSize(pipeline))} traces so late spans follow them`,
  );
  lines.push(`  Span metrics count every span before sampling.`);
  if (sampling.errors === "keep") lines.push("  Any trace with a span in error status is kept, whatever its flow.");
  for (const [name, flow] of Object.entries(pipeline.flows)) {
    const keep = percent(flow.sampling.keep);
    const share =
      keep >= 100
        ? "every trace is kept"
        : keep <= 0
          ? "no other trace is kept"
          : `${flow.sampling.keep} of the others are kept, chosen by a hash of the trace id`;
    const slow = sampling.slower_than_sla === "keep" ? `kept when longer than its SLA of ${flow.sla}; ` : "";
    lines.push(`  ${name} (${flow.title}): ${slow}${share}.`);
  }
  lines.push(`  Traces with no ${pipeline.system.flow_attribute} of a known flow: ${sampling.unmatched} kept.`);
  lines.push(
    `  Each kept span names the rule that kept its trace in the scope attribute ${KEPT_BY_ATTRIBUTE}: ` +
      `${POLICY.errors}, <flow>/over-sla, <flow>/share or ${POLICY.unmatched} (the first that applies, in this order).`,
  );
  return `${lines.join("\n")}\n`;
}

/** The pipelines as a Mermaid flowchart; connectors are shared nodes joining pipelines. */
export function explainMermaid(config: CollectorConfig): string {
  const connectors = new Set(Object.keys(config.connectors));
  const node = (pipeline: string, id: string) =>
    connectors.has(id) ? `c_${slug(id)}` : `${slug(pipeline)}_${slug(id)}`;
  const lines = ["flowchart LR"];
  for (const id of connectors) lines.push(`  ${node("", id)}{{"${id}"}}`);
  for (const [name, p] of Object.entries(config.service.pipelines)) {
    lines.push(`  subgraph ${slug(name)}["${name}"]`);
    for (const id of [...p.receivers, ...p.processors, ...p.exporters]) {
      if (!connectors.has(id)) lines.push(`    ${node(name, id)}["${id}"]`);
    }
    lines.push("  end");
    const chain = [p.receivers, ...p.processors.map((id) => [id]), p.exporters];
    for (let i = 0; i + 1 < chain.length; i++) {
      for (const from of chain[i] ?? [])
        for (const to of chain[i + 1] ?? []) lines.push(`  ${node(name, from)} --> ${node(name, to)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9]/g, "_");
