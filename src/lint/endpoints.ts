import { isLoopback } from "../schema/units.js";
import type { ResolvedPipeline } from "../resolve/resolve.js";
import type { LintContext } from "./context.js";

export interface NamedEndpoint {
  path: readonly (string | number)[];
  endpoint: string;
  role: "listens" | "sends";
}

/** Every address the collector listens on or sends to: what TLS and loopback rules are about. */
export function endpointsOf(pipeline: ResolvedPipeline): NamedEndpoint[] {
  const { otlp } = pipeline.receivers;
  const list: NamedEndpoint[] = [];
  if (otlp.grpc) list.push({ path: ["receivers", "otlp", "grpc"], endpoint: otlp.grpc, role: "listens" });
  if (otlp.http) list.push({ path: ["receivers", "otlp", "http"], endpoint: otlp.http, role: "listens" });
  list.push({
    path: ["exporters", "prometheus", "endpoint"],
    endpoint: pipeline.exporters.prometheus.endpoint,
    role: "listens",
  });
  list.push({ path: ["exporters", "jaeger", "endpoint"], endpoint: pipeline.exporters.jaeger.endpoint, role: "sends" });
  return list;
}

export function lintEndpoints({ env, report }: LintContext): void {
  const { pipeline } = env;
  const { otlp } = pipeline.receivers;
  if (!otlp.grpc && !otlp.http) {
    report(
      ["receivers", "otlp"],
      "error",
      "no-receiver",
      "receivers.otlp has neither `grpc` nor `http`; the collector would receive nothing",
      "add grpc: localhost:4317 or http: localhost:4318",
    );
  }
  if (pipeline.tls === "off") {
    for (const e of endpointsOf(pipeline).filter((e) => !isLoopback(e.endpoint))) {
      report(
        e.path,
        "error",
        "plaintext-off-loopback",
        `\`tls: off\` in ${env.name}, but ${e.path.join(".")} ${e.role === "listens" ? "listens on" : "sends to"} \`${e.endpoint}\`, which is not loopback`,
        "turn TLS on, or bind to localhost / 127.0.0.1",
      );
    }
  }
  if (otlp.auth === "bearer_token" && !otlp.token_file) {
    report(
      ["receivers", "otlp", "auth"],
      "error",
      "auth-incomplete",
      `receivers.otlp.auth is bearer_token in ${env.name} but no token_file is set`,
      "add token_file: /path/to/token",
    );
  }
  if (otlp.auth === "oidc" && !otlp.oidc) {
    report(
      ["receivers", "otlp", "auth"],
      "error",
      "auth-incomplete",
      `receivers.otlp.auth is oidc in ${env.name} but no oidc: {issuer_url, audience} is set`,
    );
  }
  if (otlp.auth !== "oidc" && otlp.oidc) {
    report(
      ["receivers", "otlp", "oidc"],
      "warning",
      "auth-unused",
      `receivers.otlp.oidc is set in ${env.name} but auth is ${otlp.auth}; it has no effect`,
    );
  }
}
