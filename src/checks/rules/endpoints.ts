import { hostOf, isEnvReference, isLoopback, isWildcardHost, portOf } from "../../endpoint/endpoint.js";
import { endpointsOf } from "../../resolve/endpoints.js";
import type { LintContext } from "./context.js";

const takesEveryInterface = (endpoint: string): boolean => isWildcardHost(hostOf(endpoint) ?? "");
/** Two listeners collide on one port when either takes every interface, or both name the same one. */
const overlaps = (a: string, b: string): boolean =>
  takesEveryInterface(a) || takesEveryInterface(b) || hostOf(a) === hostOf(b) || (isLoopback(a) && isLoopback(b));

function lintPorts({ env, report }: LintContext): void {
  const listeners = endpointsOf(env.pipeline).filter((e) => e.role === "listens" && !isEnvReference(e.endpoint));
  listeners.forEach((e, i) => {
    const earlier = listeners
      .slice(0, i)
      .find((o) => portOf(o.endpoint) === portOf(e.endpoint) && overlaps(o.endpoint, e.endpoint));
    if (earlier) {
      report(
        e.path,
        "error",
        "port-conflict",
        `${e.path.join(".")} (\`${e.endpoint}\`) takes the port of ${earlier.path.join(".")} (\`${earlier.endpoint}\`) in ${env.name}; the collector would fail to start`,
        "give each listener its own port",
      );
    }
  });
}

function lintPlaintextListeners({ env, report }: LintContext): void {
  if (env.pipeline.tls === "off") return;
  for (const e of endpointsOf(env.pipeline).filter((e) => !e.encrypted && !isLoopback(e.endpoint))) {
    const message = `${e.path.join(".")} listens without TLS on \`${e.endpoint}\`, which is not loopback`;
    const hint = "bind it to localhost and probe or scrape from inside the host (the image's health probe does)";
    if (env.tier === "production")
      report(
        e.path,
        "error",
        "guardrail/tls",
        `production guardrail \`tls\` (environment ${env.name}): ${message}`,
        hint,
      );
    else report(e.path, "warning", "plaintext-listener", message, hint);
  }
}

export function lintEndpoints(context: LintContext): void {
  lintReachability(context);
  lintPorts(context);
  lintPlaintextListeners(context);
}

function lintReachability({ env, report }: LintContext): void {
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
