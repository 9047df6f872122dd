import { suggest } from "../diagnostics/suggest.js";
import type { LintContext } from "./context.js";

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
