import { createRequire, register } from "node:module";
import type { Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { AmqplibInstrumentation } from "@opentelemetry/instrumentation-amqplib";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

/*
 * The OpenTelemetry Node SDK set up by hand as its documentation shows, with the instrumentations the
 * kit uses and nothing of the kit: the baseline `npm run bench:overhead` measures the kit against.
 * The instrumentations get the same documented options (which requests and queries make spans), so
 * both variants make the same spans; the services' own spans (flows, routes, tables) go through
 * @opentelemetry/api and land here too. HTTP goes through @opentelemetry/instrumentation-http, which the
 * kit replaces with its own (same spans, same stable attributes). Missing is what the kit adds on top:
 * the flow attributes copied from baggage onto every span, the hooks that add messaging, table and
 * status details, the exporter's TLS and token settings.
 */
export function startBareSdk(
  serviceName: string,
  ignorePaths: readonly string[],
): { tracer: Tracer; shutdown(): Promise<void> } {
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName }),
    // The exporter and the batch processor read the standard OTEL_* variables, as the kit does.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => ignorePaths.includes((request.url ?? "").split("?")[0] ?? ""),
        requireParentforOutgoingSpans: true,
      }),
      new AmqplibInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
    ],
  });
  // As with the kit: node:http loaded through ESM imports only is patched by requiring it once.
  createRequire(import.meta.url)("node:http");
  return { tracer: provider.getTracer("bare-sdk"), shutdown: () => provider.shutdown() };
}
