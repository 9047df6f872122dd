import type { LintContext } from "./context.js";

/**
 * The collector's exporter and Jaeger's receiver must agree on TLS: the exporter uses the
 * description's `tls`, the receiver `access.jaeger.tls`, and a mismatch loses every trace.
 */
export function lintAccess({ env, report }: LintContext): void {
  const access = env.pipeline.access;
  if (!access) return;
  const collectorTls = env.pipeline.tls !== "off";
  const jaegerTls = access.jaeger.tls !== undefined && access.jaeger.tls !== "off";
  if (collectorTls && !jaegerTls)
    report(
      ["access", "jaeger"],
      "error",
      "jaeger-tls-missing",
      `in ${env.name}, the collector exports to Jaeger over TLS, but Jaeger's OTLP receiver has no certificate`,
      "set access.jaeger.tls with Jaeger's cert_file and key_file (and client_auth: required for the collector's certificate)",
    );
  if (!collectorTls && jaegerTls)
    report(
      ["access", "jaeger", "tls"],
      "error",
      "jaeger-tls-unused",
      `in ${env.name}, the collector sends to Jaeger in plaintext (tls: off), but Jaeger's OTLP receiver requires TLS`,
      "set access.jaeger.tls: off in this environment",
    );
}
