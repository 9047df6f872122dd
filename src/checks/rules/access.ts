import { suggest } from "../../diagnostics/suggest.js";
import type { LintContext } from "./context.js";

/**
 * The collector's exporter and Jaeger's receiver must agree on TLS: the exporter uses the
 * description's `tls`, the receiver `access.jaeger.tls`, and a mismatch loses every trace. A
 * partner's search starts from the services where partners call in, so those must be services of
 * the description; without them searches are filtered after Jaeger answers, which the user is told.
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
  const partners = access.partners;
  const names = Object.keys(env.pipeline.services);
  partners?.entry_services?.forEach((service, i) => {
    if (names.includes(service)) return;
    const close = suggest(service, names);
    report(
      ["access", "partners", "entry_services", i],
      "error",
      "unknown-entry-service",
      `partners call in at unknown service \`${service}\`; expected one of the services: ${names.join(", ")}`,
      close ? `did you mean \`${close}\`?` : "name the service whose span carries access.partners.attribute",
    );
  });
  if (partners && !partners.entry_services)
    report(
      ["access", "partners"],
      "warning",
      "partner-search-filtered",
      `in ${env.name}, partners' searches are filtered after Jaeger answers: a partner outnumbered by others' traces in the window may get few or none of theirs`,
      "set access.partners.entry_services to the services where partners call in (whose span carries access.partners.attribute)",
      "key",
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
