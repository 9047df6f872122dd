import type { LintContext } from "./context.js";

/**
 * Rules of a two-tier topology the schema cannot say: the agents need a way to find the samplers, and
 * production needs persistent queues on the two hops that can lose what was acknowledged to a client
 * (agents → samplers, samplers → Jaeger) when a process restarts or a backend is down.
 */
export function lintTopology({ env, report }: LintContext): void {
  const { topology } = env.pipeline;
  const twoTier = topology.kind === "two-tier";
  const tierOnly = (["resolver", "queue", "resources"] as const).filter((key) => topology[key] !== undefined);
  if (!twoTier) {
    for (const key of tierOnly)
      report(
        ["topology", key],
        "warning",
        "topology/unused",
        `topology.${key} has no effect under kind: single (environment ${env.name})`,
        "set topology.kind: two-tier, or remove it",
        "key",
      );
    return;
  }
  if (!topology.resolver)
    report(
      ["topology"],
      "error",
      "topology/no-resolver",
      `a two-tier topology needs a resolver so the agents find the samplers (environment ${env.name})`,
      "set topology.resolver to one of static: [host:port, ...], dns: { hostname }, k8s: { service }",
      "key",
    );
  const listed = topology.resolver?.static?.length;
  if (listed !== undefined && listed !== topology.samplers)
    report(
      ["topology", "resolver", "static"],
      "warning",
      "topology/static-count",
      `the static resolver lists ${listed} sampler${listed === 1 ? "" : "s"} but topology.samplers is ${topology.samplers}`,
      "list one address per sampler",
    );
  if (env.tier === "production" && !topology.queue)
    report(
      ["topology"],
      "error",
      "guardrail/persistent-queue",
      `production guardrail \`persistent-queue\` (environment ${env.name}): a two-tier topology without topology.queue keeps the agents' and samplers' sending queues in memory, so a restart or a Jaeger outage loses spans already acknowledged to the services`,
      "set topology.queue: { directory: /var/lib/otelcol/queue, size: 5000 }",
      "key",
    );
}
