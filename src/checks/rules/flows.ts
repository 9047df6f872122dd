import { suggest } from "../../diagnostics/suggest.js";
import type { LintContext } from "./context.js";

/** Brokers and databases are seen through their callers' spans, told apart by this attribute. */
const HOP_ATTRIBUTE: Record<string, string> = {
  rabbitmq: "messaging.destination.name",
  postgresql: "db.collection.name",
};

export function lintFlows({ env, report }: LintContext): void {
  const { services, flows } = env.pipeline;
  const names = Object.keys(services);
  const used = new Set<string>();
  for (const [flowName, flow] of Object.entries(flows)) {
    flow.path.forEach((hop, i) => {
      used.add(hop);
      if (!(hop in services)) {
        const close = suggest(hop, names);
        report(
          ["flows", flowName, "path", i],
          "error",
          "unknown-service",
          `flow \`${flowName}\` crosses unknown service \`${hop}\`; expected one of the services: ${names.join(", ")}`,
          close ? `did you mean \`${close}\`?` : "declare it under `services`",
        );
      }
    });
  }
  const dimensions = new Set(env.pipeline.exporters.prometheus.dimensions);
  const unmeasurable = [...new Set(Object.values(flows).flatMap((f) => f.path))].filter((hop) => {
    const attribute = HOP_ATTRIBUTE[services[hop]?.kind ?? ""];
    return attribute !== undefined && !dimensions.has(attribute);
  });
  for (const hop of unmeasurable) {
    const attribute = HOP_ATTRIBUTE[services[hop]?.kind ?? ""] as string;
    report(
      ["exporters", "prometheus", "dimensions"],
      "warning",
      "hop-not-measured",
      `${hop} emits no spans of its own and is measured through \`${attribute}\`, which is not a metrics dimension; its hop is left out of the flow-health rules and dashboard`,
      `add ${attribute} to exporters.prometheus.dimensions`,
    );
  }
  for (const name of names) {
    if (!used.has(name)) {
      report(
        ["services", name],
        "warning",
        "unused-service",
        `service \`${name}\` is in no flow's path`,
        "add it to a flow, or remove it",
        "key",
      );
    }
  }
}
