import { readFileSync } from "node:fs";
import { credentials, Metadata } from "@grpc/grpc-js";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { RetryingSpanExporter } from "./retrying-exporter.js";
import type { ExporterSettings } from "./settings.js";

/**
 * OTLP/gRPC to the collector, each batch sent again while the collector is unreachable or pushes back
 * (src/kit/retrying-exporter.ts). TLS material and the token are read once, at start: a service that
 * cannot read them should fail to start, not drop its spans later.
 */
export function createTraceExporter(
  settings: ExporterSettings,
  env: Readonly<Record<string, string | undefined>>,
): SpanExporter {
  const metadata = new Metadata();
  const token = readToken(settings, env);
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  const tls = settings.tls;
  const otlp = new OTLPTraceExporter({
    url: settings.url,
    metadata,
    credentials:
      tls === undefined
        ? credentials.createInsecure()
        : credentials.createSsl(
            tls.caFile === undefined ? null : readFileSync(tls.caFile),
            tls.keyFile === undefined ? null : readFileSync(tls.keyFile),
            tls.certFile === undefined ? null : readFileSync(tls.certFile),
          ),
  });
  return new RetryingSpanExporter(otlp);
}

function readToken(settings: ExporterSettings, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const source = settings.token;
  if (source === undefined) return undefined;
  const token = ("file" in source ? readFileSync(source.file, "utf8") : (env[source.env] ?? "")).trim();
  if (token === "")
    throw new Error(`the bearer token ${"file" in source ? `file ${source.file}` : `variable ${source.env}`} is empty`);
  return token;
}
