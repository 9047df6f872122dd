import { register } from "node:module";
import { trace, type Tracer } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { AmqplibInstrumentation } from "@opentelemetry/instrumentation-amqplib";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { randomUUID } from "node:crypto";
import { BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { pgConfig } from "./database.js";
import { KitContextManager } from "./context-manager.js";
import { createTraceExporter } from "./exporter.js";
import { FlowAttributesProcessor } from "./flow-context.js";
import { instrumentHttp } from "./http.js";
import { amqplibConfig } from "./messaging.js";
import { settingsFromEnv, type KitOverrides, type KitSettings } from "./settings.js";

export interface StartOptions extends KitOverrides {
  /** Request paths that are never traced (health probes, relayed telemetry). */
  ignorePaths?: readonly string[];
  /** Defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Replaces the OTLP exporter the settings describe (tests that read spans in-process). */
  exporter?: SpanExporter;
}

export interface Tracing {
  settings: KitSettings;
  tracer: Tracer;
  /** Exports every span still buffered, then stops; safe to call twice. */
  shutdown(): Promise<void>;
}

let started: Tracing | undefined;

/**
 * Sets up the OpenTelemetry Node SDK for one service. Call it before the service imports pg, amqplib
 * or http clients (typically: start tracing, then `await import()` the service), because the
 * instrumentations patch those modules as they load.
 */
export function startTracing(options: StartOptions = {}): Tracing {
  if (started) return started;
  const env = options.env ?? process.env;
  const settings = settingsFromEnv(env, options);
  const tracer = trace.getTracer("tracegen-kit");
  if (!settings.enabled) {
    started = { settings, tracer, shutdown: () => Promise.resolve() };
    return started;
  }
  // ESM imports of pg and amqplib bypass require(), so the instrumentations also need the
  // import-in-the-middle loader hook; it applies to modules imported after this call.
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      "service.name": settings.serviceName,
      "service.namespace": settings.serviceNamespace,
      "deployment.environment.name": settings.environment,
      // Span metrics are labelled per resource: two replicas of one service without distinct
      // instance ids would overwrite each other's series in Prometheus.
      "service.instance.id": randomUUID(),
    }),
    spanProcessors: [
      new FlowAttributesProcessor(),
      // Batching as the SDK's standard variables say (OTEL_BSP_*: every 5 s or 512 spans by default).
      new BatchSpanProcessor(options.exporter ?? createTraceExporter(settings.exporter, env)),
    ],
  });
  const contextManager = new KitContextManager();
  provider.register({
    contextManager,
    propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  });
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new AmqplibInstrumentation(amqplibConfig), new PgInstrumentation(pgConfig)],
  });
  const stopHttp = instrumentHttp({
    tracer: provider.getTracer("tracegen-kit/http"),
    contextManager,
    ignorePaths: options.ignorePaths ?? [],
  });
  let stopping: Promise<void> | undefined;
  started = {
    settings,
    tracer: provider.getTracer("tracegen-kit"),
    shutdown: () =>
      (stopping ??= (async () => {
        unregister();
        stopHttp();
        await provider.shutdown();
      })()),
  };
  return started;
}
