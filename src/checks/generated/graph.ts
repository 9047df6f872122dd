import type { CollectorConfig } from "../../collector/config.js";
import type { ConfigProblem } from "./components.js";

/** A connector in a pipeline's receivers is the receiving side of it; in its exporters, the exporting side. */
const CONNECTOR_SIDE: Record<"receivers" | "processors" | "exporters", "asReceiver" | "asExporter" | undefined> = {
  receivers: "asReceiver",
  processors: undefined,
  exporters: "asExporter",
};

/**
 * The pipeline graph the collector builds at start-up: every referenced component is
 * defined, every defined one is used, connectors sit on both sides, no cycle.
 */
export function checkPipelineGraph(config: CollectorConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (at: string, code: string, message: string) => problems.push({ at, code, message });
  const { pipelines } = config.service;
  const connectors = new Set(Object.keys(config.connectors));
  const used = {
    receivers: new Set<string>(),
    processors: new Set<string>(),
    exporters: new Set<string>(),
    extensions: new Set<string>(),
  };
  const connectorSides = new Map<string, { asExporter: string[]; asReceiver: string[] }>();
  const side = (id: string) =>
    connectorSides.get(id) ??
    (connectorSides.set(id, { asExporter: [], asReceiver: [] }).get(id) as {
      asExporter: string[];
      asReceiver: string[];
    });

  if (Object.keys(pipelines).length === 0)
    problem("service.pipelines", "graph/no-pipeline", "the service has no pipeline");
  for (const [name, p] of Object.entries(pipelines)) {
    if (p.receivers.length === 0)
      problem(`service.pipelines.${name}`, "graph/empty", `pipeline ${name} has no receiver`);
    if (p.exporters.length === 0)
      problem(`service.pipelines.${name}`, "graph/empty", `pipeline ${name} has no exporter`);
    for (const kind of ["receivers", "processors", "exporters"] as const) {
      const connectorSide = CONNECTOR_SIDE[kind];
      for (const id of p[kind]) {
        if (connectorSide && connectors.has(id)) side(id)[connectorSide].push(name);
        else if (id in config[kind]) used[kind].add(id);
        else
          problem(
            `service.pipelines.${name}.${kind}`,
            "graph/undefined",
            `pipeline ${name} uses ${kind.slice(0, -1)} \`${id}\`, which is not defined`,
          );
      }
    }
  }
  for (const id of config.service.extensions) {
    if (id in config.extensions) used.extensions.add(id);
    else
      problem("service.extensions", "graph/undefined", `the service enables extension \`${id}\`, which is not defined`);
  }
  for (const authenticator of authenticatorsOf(config)) {
    if (!config.service.extensions.includes(authenticator)) {
      problem(
        "receivers",
        "graph/auth-extension",
        `an authenticator refers to extension \`${authenticator}\`, which the service does not enable`,
      );
    }
  }
  for (const kind of ["receivers", "processors", "exporters", "extensions"] as const) {
    for (const id of Object.keys(config[kind])) {
      if (!used[kind].has(id))
        problem(`${kind}.${id}`, "graph/unused", `${kind.slice(0, -1)} \`${id}\` is defined but no pipeline uses it`);
    }
  }
  for (const id of connectors) {
    const s = side(id);
    if (s.asExporter.length === 0 || s.asReceiver.length === 0) {
      problem(
        `connectors.${id}`,
        "graph/connector-side",
        `connector \`${id}\` must be an exporter of one pipeline and a receiver of another (exporter in: ${s.asExporter.join(", ") || "none"}; receiver in: ${s.asReceiver.join(", ") || "none"})`,
      );
    }
  }
  const cycle = findCycle(pipelines, connectors);
  if (cycle)
    problem("service.pipelines", "graph/cycle", `pipelines form a cycle through connectors: ${cycle.join(" → ")}`);
  return problems;
}

function authenticatorsOf(config: CollectorConfig): string[] {
  const found: string[] = [];
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== "object") return;
    const auth = (v as { auth?: { authenticator?: unknown } }).auth;
    if (auth && typeof auth.authenticator === "string") found.push(auth.authenticator);
    for (const child of Object.values(v)) visit(child);
  };
  visit(config.receivers);
  visit(config.exporters);
  return found;
}

function findCycle(pipelines: CollectorConfig["service"]["pipelines"], connectors: Set<string>): string[] | undefined {
  const next = (name: string): string[] =>
    (pipelines[name]?.exporters ?? [])
      .filter((id) => connectors.has(id))
      .flatMap((id) =>
        Object.entries(pipelines)
          .filter(([, p]) => p.receivers.includes(id))
          .map(([n]) => n),
      );
  const state = new Map<string, "visiting" | "done">();
  const walk = (name: string, trail: string[]): string[] | undefined => {
    if (state.get(name) === "visiting") return [...trail, name];
    if (state.get(name) === "done") return undefined;
    state.set(name, "visiting");
    for (const n of next(name)) {
      const found = walk(n, [...trail, name]);
      if (found) return found;
    }
    state.set(name, "done");
    return undefined;
  };
  for (const name of Object.keys(pipelines)) {
    const found = walk(name, []);
    if (found) return found;
  }
  return undefined;
}
