import { hasMasking } from "../../compile/masking.js";
import { mebibytes } from "../../schema/units.js";
import type { LintContext } from "./context.js";

/**
 * The largest OTLP request whose worst case the collector survives within its memory limiter's
 * headroom. Measured on otelcol-shop (npm run measure:hostile, README "Hostile input"): one request
 * of deeply nested attributes holds about 130 MiB of memory per MiB admitted, out of sight of the
 * memory limiter, and about 11 MiB of it overflows the decoder's stack and kills the process.
 */
export const SAFE_REQUEST_MIB = 2;

/** Attributes whose values are unbounded by nature: as metric labels they explode the series count. */
const UNBOUNDED =
  /(^|[._])(id|uuid|guid)$|^(url\.full|url\.query|url\.path|db\.statement|db\.query\.text|http\.target|http\.url|exception\.message|exception\.stacktrace)$/i;

export function lintGuardrails({ env, report }: LintContext): void {
  const production = env.tier === "production";
  const { pipeline } = env;
  const guard = (path: readonly (string | number)[], rule: string, message: string, hint: string): void =>
    report(
      path,
      "error",
      `guardrail/${rule}`,
      `production guardrail \`${rule}\` (environment ${env.name}): ${message}`,
      hint,
    );

  pipeline.exporters.prometheus.dimensions.forEach((dimension, i) => {
    if (!UNBOUNDED.test(dimension)) return;
    const path = ["exporters", "prometheus", "dimensions", i];
    if (production)
      guard(
        path,
        "bounded-dimensions",
        `metric dimension \`${dimension}\` is unbounded (an id, a URL or a statement)`,
        "use a bounded attribute such as http.route or db.collection.name",
      );
    else
      report(
        path,
        "warning",
        "unbounded-dimension",
        `metric dimension \`${dimension}\` is unbounded (an id, a URL or a statement); production refuses it`,
      );
  });
  const requestSize = pipeline.receivers.otlp.max_request_size;
  if (mebibytes(requestSize) > SAFE_REQUEST_MIB) {
    const path = ["receivers", "otlp", "max_request_size"];
    const risk = `max_request_size ${requestSize} is above ${SAFE_REQUEST_MIB}MiB: one request of deeply nested attributes that size can hold about ${mebibytes(requestSize) * 130} MiB of collector memory, and from about 11MiB crashes it`;
    if (production)
      guard(
        path,
        "request-size",
        risk,
        `set max_request_size: ${SAFE_REQUEST_MIB}MiB or less and let senders batch fewer spans per request`,
      );
    else report(path, "warning", "large-request-size", `${risk}; production refuses it`);
  }
  if (!production) return;
  if (pipeline.tls === "off") guard(["tls"], "tls", "TLS is off", "set tls with ca_file, cert_file and key_file");
  if (pipeline.receivers.otlp.auth === "none")
    guard(
      ["receivers", "otlp", "auth"],
      "receiver-auth",
      "the OTLP receiver accepts spans without authentication",
      "set auth: bearer_token with token_file, or auth: oidc",
    );
  if (!hasMasking(pipeline)) {
    guard(
      ["masking"],
      "masking",
      "masking is empty, so personal data would reach the tracing store",
      "turn on detectors (masking.detect) and list what to remove, pseudonymize, redact or scrub",
    );
  }
  if (pipeline.sampling.errors !== "keep")
    guard(
      ["sampling", "errors"],
      "errors-kept",
      `sampling.errors is ${pipeline.sampling.errors}; error traces must all be kept`,
      "set errors: keep",
    );
  const { access } = pipeline;
  if (access) {
    if (!access.staff.mfa)
      guard(
        ["access", "staff"],
        "access-mfa",
        "staff tokens are accepted without a second factor",
        "set access.staff.mfa (amr values such as otp, or min_acr)",
      );
    if (!access.tls || access.tls === "off")
      guard(["access"], "access-tls", "the trace gateway has no TLS", "set access.tls with cert_file and key_file");
    if (!access.audit)
      guard(
        ["access"],
        "access-audit",
        "requests to the trace gateway are not recorded",
        "set access.audit.database_url_env to the variable holding the audit PostgreSQL URL",
      );
    const { storage } = access.jaeger;
    if ("badger" in storage && !storage.badger.encryption_at_rest)
      guard(
        ["access", "jaeger", "storage", "badger"],
        "encryption-at-rest",
        "Jaeger's Badger files hold span attributes in plaintext, and Jaeger cannot turn on Badger's own encryption",
        "put the directory on encrypted storage and declare it: encryption_at_rest: { provided_by: luks, key_management: ... }",
      );
    if (!access.limits)
      guard(
        ["access"],
        "access-limits",
        "the trace gateway has no rate limit",
        "set access.limits with rate and burst per client",
      );
  }
  if (pipeline.exporters.debug)
    guard(
      ["exporters", "debug"],
      "no-debug",
      "the debug exporter prints spans to the collector's log",
      "remove exporters.debug from this environment",
    );
}
