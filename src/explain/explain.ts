import type { CollectorConfig } from "../collector/config.js";
import type { CollectorRole } from "../compile/index.js";
import { ID } from "../collector/registry.js";
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

/** One collector config of an environment: the only one, or the agent's and the sampler's. */
export interface ExplainedCollector {
  role: CollectorRole;
  config: CollectorConfig;
}

/** A human account of one environment's generated configs: how data moves, what is masked, what is kept. */
export function explain(env: ResolvedEnvironment, collectors: readonly ExplainedCollector[]): string {
  return renderTemplate("explain.txt.hbs", explainView(env, collectors));
}

function pipelinesOf(config: CollectorConfig, width: number) {
  return Object.entries(config.service.pipelines).map(([name, p]) => ({
    name: name.padEnd(width),
    stages: [p.receivers.join(", "), ...p.processors, p.exporters.join(", ")],
  }));
}

/** The tiers of a two-tier environment: who does what, and how traces find their sampler. */
function topologyView({ topology }: ResolvedEnvironment["pipeline"]) {
  if (topology.kind !== "two-tier") return false;
  const { resolver, queue } = topology;
  const port = topology.sampler_listen.slice(topology.sampler_listen.lastIndexOf(":") + 1);
  const found = resolver?.static
    ? `the static list ${resolver.static.join(", ")}`
    : resolver?.dns
      ? `DNS name ${resolver.dns.hostname}, port ${resolver.dns.port ?? port}`
      : `the endpoints of Kubernetes service ${resolver?.k8s?.service}, port ${resolver?.k8s?.port ?? port}`;
  return {
    agents: topology.agents,
    samplers: topology.samplers,
    found,
    samplerListen: topology.sampler_listen,
    queue: queue
      ? `persistent, at most ${groupedCount(queue.size)} batches per exporter, in ${queue.directory}`
      : false,
  };
}

/** What `explain` says, as data; templates/explain.txt.hbs words and lays it out. */
function explainView(env: ResolvedEnvironment, collectors: readonly ExplainedCollector[]) {
  const { pipeline } = env;
  const width = Math.max(
    ...collectors.flatMap(({ config }) => Object.keys(config.service.pipelines).map((n) => n.length)),
  );
  const tls = pipeline.tls;
  const { masking, sampling } = pipeline;
  const list = (items: readonly string[]) => (items.length ? items.join(", ") : "(none)");
  const allowed = masking.mode === "allow_list" ? allowList(pipeline) : [];
  const own = allowed.filter((a) => a.source !== "semantic conventions").map((a) => a.key);
  return {
    name: env.name,
    tier: env.tier,
    system: pipeline.system.name,
    topology: topologyView(pipeline),
    collectors: collectors.map(({ role, config }) => ({
      heading: role === "collector" ? "Pipelines" : `Pipelines of the ${role} tier (${role}.yaml)`,
      pipelines: pipelinesOf(config, width),
    })),
    endpoints: [
      ...endpointsOf(pipeline).map((e) => ({
        role: e.role === "listens" ? "listens on" : "sends to  ",
        endpoint: e.endpoint,
        path: e.path.join("."),
      })),
      ...(pipeline.topology.kind === "two-tier"
        ? [
            {
              role: "listens on",
              endpoint: pipeline.topology.sampler_listen,
              path: "topology.sampler_listen, samplers",
            },
          ]
        : []),
    ],
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

/**
 * The pipelines as a Mermaid flowchart; connectors are shared nodes joining pipelines. Two tiers draw
 * both collectors, prefixed by their role, and the agents' load-balancing exporter feeding the
 * samplers' receiver.
 */
export function explainMermaid(collectors: readonly ExplainedCollector[]): string {
  const tiered = collectors.length > 1;
  const prefix = (role: CollectorRole) => (tiered ? `${role}_` : "");
  const views = collectors.map(({ role, config }) => {
    const connectors = new Set(Object.keys(config.connectors));
    const node = (pipeline: string, id: string) =>
      connectors.has(id) ? `c_${prefix(role)}${slug(id)}` : `${prefix(role)}${slug(pipeline)}_${slug(id)}`;
    return {
      role,
      config,
      node,
      connectors: [...connectors].map((id) => ({ node: node("", id), id })),
      pipelines: Object.entries(config.service.pipelines).map(([name, p]) => {
        const chain = [p.receivers, ...p.processors.map((id) => [id]), p.exporters];
        return {
          slug: `${prefix(role)}${slug(name)}`,
          name: tiered ? `${role}: ${name}` : name,
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
    };
  });
  return renderTemplate("explain-mermaid.txt.hbs", {
    connectors: views.flatMap((v) => v.connectors),
    pipelines: views.flatMap((v) => v.pipelines),
    tiers: tiered ? tierEdges(views) : [],
  });
}

/** Agent pipelines ending in the load-balancing exporter, to the sampler pipelines starting at OTLP. */
function tierEdges(
  views: ReadonlyArray<{ role: CollectorRole; config: CollectorConfig; node: (p: string, id: string) => string }>,
) {
  const agent = views.find((v) => v.role === "agent");
  const sampler = views.find((v) => v.role === "sampler");
  if (!agent || !sampler) return [];
  const from = Object.entries(agent.config.service.pipelines).flatMap(([name, p]) =>
    p.exporters.filter((id) => id === ID.toSamplers).map((id) => agent.node(name, id)),
  );
  const to = Object.entries(sampler.config.service.pipelines).flatMap(([name, p]) =>
    p.receivers.filter((id) => id === ID.otlpReceiver).map((id) => sampler.node(name, id)),
  );
  return from.flatMap((f) => to.map((t) => ({ from: f, to: t })));
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9]/g, "_");
