/*
 * The store page's tracing: the upload of an order file starts its trace here, in the browser, so
 * the Shop API's and 3D Storage's spans hang under the customer's click. Spans go to the Shop API,
 * which relays them to the collector (same origin: no CORS, no collector exposed to browsers).
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, WebTracerProvider } from "@opentelemetry/sdk-trace-web";

const page = document.body.dataset;
const provider = new WebTracerProvider({
  resource: resourceFromAttributes({
    "service.name": "internet-shop",
    "service.namespace": page.namespace ?? "shop3d",
    "deployment.environment.name": page.environment ?? "dev",
  }),
  spanProcessors: [
    new BatchSpanProcessor(new OTLPTraceExporter({ url: `${location.origin}/otlp/v1/traces` }), {
      scheduledDelayMillis: 500,
    }),
  ],
});
provider.register({
  propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
});
const tracer = trace.getTracer("internet-shop");

const form = document.querySelector<HTMLFormElement>("#upload")!;
const input = document.querySelector<HTMLInputElement>("#file")!;
const result = document.querySelector<HTMLElement>("#result")!;

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const file = input.files?.[0];
  if (!file) return;
  void upload(file);
});

async function upload(file: File): Promise<void> {
  const baggage = propagation.createBaggage({
    "order.flow": { value: "order-upload" },
    ...(page.customer ? { "user.id": { value: page.customer } } : {}),
  });
  const span = tracer.startSpan("upload order file", {
    kind: SpanKind.CLIENT,
    attributes: {
      "order.flow": "order-upload",
      ...(page.customer ? { "user.id": page.customer } : {}),
      "http.request.method": "POST",
      "url.path": "/api/orders",
    },
  });
  const ctx = propagation.setBaggage(trace.setSpan(context.active(), span), baggage);
  const headers: Record<string, string> = { "content-type": file.type || "application/octet-stream" };
  propagation.inject(ctx, headers);
  result.textContent = "Uploading…";
  try {
    const response = await fetch(`/api/orders?file=${encodeURIComponent(file.name)}`, {
      method: "POST",
      body: file,
      headers,
    });
    const body = (await response.json()) as { orderId?: string; error?: string };
    span.setAttribute("http.response.status_code", response.status);
    if (!response.ok || !body.orderId) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: body.error ?? `HTTP ${response.status}` });
      result.textContent = `Not accepted: ${body.error ?? response.status}`;
      return;
    }
    span.setAttribute("order.id", body.orderId);
    result.textContent = `Order ${body.orderId} received; we are calculating its price.`;
    result.dataset.orderId = body.orderId;
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    result.textContent = `Upload failed: ${(error as Error).message}`;
  } finally {
    span.end();
    result.dataset.traceId = span.spanContext().traceId;
    await provider.forceFlush();
    result.dataset.flushed = "true";
  }
}
