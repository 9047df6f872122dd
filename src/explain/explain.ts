import type { CollectorConfig } from "../collector/config.js";
import { decisionCacheSize, tracesHeld } from "../compile/sampling-sizes.js";
import type { ResolvedEnvironment } from "../resolve/resolve.js";
import { TLS_MIN_VERSION_DEFAULT } from "../schema/description.js";
import { percent } from "../schema/units.js";
import { KEPT_BY_ATTRIBUTE } from "../collector/run-args.js";
import { POLICY } from "../compile/sampling.js";
import { endpointsOf } from "../resolve/endpoints.js";
import { allowList } from "../resolve/allow-list.js";
import { scrubRules } from "../masking/scrub-kinds.js";
import { SEMCONV_VERSION } from "../masking/semconv-allowlist.js";
import { renderTemplate } from "../emit/templates.js";
import { groupedCount } from "../text/count.js";

const MASKED_PLACES =
  "resource, scope, span, event and link attributes and their keys (nested values too), span names, status messages, event names, trace state, scope names and schema URLs";

/** A human account of one environment's generated config: how data moves, what is masked, what is kept. */
export function explain(env: ResolvedEnvironment, config: CollectorConfig): string {
  return renderTemplate("explain.txt.hbs", explainView(env, config));
}

/** What `explain` says, as data; templates/explain.txt.hbs words and lays it out. */
function explainView(env: ResolvedEnvironment, config: CollectorConfig) {
  const { pipeline } = env;
  const width = Math.max(...Object.keys(config.service.pipelines).map((n) => n.length));
  const tls = pipeline.tls;
  const { masking, sampling } = pipeline;
  const list = (items: readonly string[]) => (items.length ? items.join(", ") : "(none)");
  const allowed = masking.mode === "allow_list" ? allowList(pipeline) : [];
  const own = allowed.filter((a) => a.source !== "semantic conventions").map((a) => a.key);
  return {
    name: env.name,
    tier: env.tier,
    system: pipeline.system.name,
    pipelines: Object.entries(config.service.pipelines).map(([name, p]) => ({
      name: name.padEnd(width),
      stages: [p.receivers.join(", "), ...p.processors, p.exporters.join(", ")],
    })),
    endpoints: endpointsOf(pipeline).map((e) => ({
      role: e.role === "listens" ? "listens on" : "sends to  ",
      endpoint: e.endpoint,
      path: e.path.join("."),
    })),
    tls:
      tls === "off"
        ? "off (loopback only)"
        : `on, min ${tls.min_version ?? TLS_MIN_VERSION_DEFAULT}${tls.client_auth === "required" ? ", client certificates required (mTLS)" : ""}`,
    auth: pipeline.receivers.otlp.auth,
    maskedPlaces: MASKED_PLACES,
    masking: {
      removed: list(masking.remove),
      pseudonymized: list(masking.pseudonymize),
      key: masking.pseudonymize_key,
      production: env.tier === "production",
      detected: list(masking.detect),
      numbers: masking.numbers,
      redacted: list(Object.entries(masking.redact_values).map(([n, p]) => `${n} /${p}/`)),
      scrubbed: list(scrubRules(masking.scrub_queries).map((r) => `${r.key} (${r.kind})`)),
      allowList:
        masking.mode === "allow_list"
          ? {
              own: list(own),
              semconv: allowed.length - own.length,
              semconvVersion: SEMCONV_VERSION,
              otherwise: masking.otherwise === "remove" ? "removed" : "pseudonymized",
            }
          : false,
      toMetrics: list(pipeline.exporters.prometheus.resource_attributes),
    },
    sampling: {
      decisionWait: sampling.decision_wait,
      held: groupedCount(tracesHeld(pipeline)),
      remembered: groupedCount(decisionCacheSize(pipeline)),
      errorsKept: sampling.errors === "keep",
      flows: Object.entries(pipeline.flows).map(([name, flow]) => {
        const keep = percent(flow.sampling.keep);
        return {
          name,
          title: flow.title,
          slow: sampling.slower_than_sla === "keep" ? `kept when longer than its SLA of ${flow.sla}; ` : "",
          share:
            keep >= 100
              ? "every trace is kept"
              : keep <= 0
                ? "no other trace is kept"
                : `${flow.sampling.keep} of the others are kept, chosen by a hash of the trace id`,
        };
      }),
      flowAttribute: pipeline.system.flow_attribute,
      unmatched: sampling.unmatched,
      keptBy: KEPT_BY_ATTRIBUTE,
      policies: { errors: POLICY.errors, unmatched: POLICY.unmatched },
    },
  };
}

/** The pipelines as a Mermaid flowchart; connectors are shared nodes joining pipelines. */
export function explainMermaid(config: CollectorConfig): string {
  const connectors = new Set(Object.keys(config.connectors));
  const node = (pipeline: string, id: string) =>
    connectors.has(id) ? `c_${slug(id)}` : `${slug(pipeline)}_${slug(id)}`;
  return renderTemplate("explain-mermaid.txt.hbs", {
    connectors: [...connectors].map((id) => ({ node: node("", id), id })),
    pipelines: Object.entries(config.service.pipelines).map(([name, p]) => {
      const chain = [p.receivers, ...p.processors.map((id) => [id]), p.exporters];
      return {
        slug: slug(name),
        name,
        nodes: [...p.receivers, ...p.processors, ...p.exporters]
          .filter((id) => !connectors.has(id))
          .map((id) => ({ node: node(name, id), id })),
        edges: chain
          .slice(1)
          .flatMap((to, i) =>
            chain[i]!.flatMap((from) => to.map((id) => ({ from: node(name, from), to: node(name, id) }))),
          ),
      };
    }),
  });
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9]/g, "_");
