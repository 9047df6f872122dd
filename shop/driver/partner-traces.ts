import { setTimeout as delay } from "node:timers/promises";
import { context, trace, type Attributes } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { Jaeger } from "../infra/jaeger.js";

/*
 * Traces for trace access to tell apart: an order partner A placed through the Shop API, one of
 * partner B, and an internal one, each a Shop API (or MES) span and a CRM API child with an event,
 * carrying personal and internal attributes. Sent over OTLP/gRPC by the OpenTelemetry SDK.
 */

export interface SeededTrace {
  traceId: string;
  orderId: string;
}

export interface PartnerTraces {
  a: SeededTrace;
  b: SeededTrace;
  internal: SeededTrace;
}

/** Waits (20 s at most) until Jaeger returns both spans of a trace. */
async function stored(jaeger: Jaeger, traceId: string): Promise<void> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await delay(200)) {
    const res = await fetch(`${jaeger.queryUrl}/api/traces/${traceId}`).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as { data?: Array<{ spans: unknown[] }> } | undefined;
    if (body?.data?.[0]?.spans.length === 2) return;
  }
  throw new Error(`trace ${traceId} did not reach Jaeger within 20 s`);
}

/** Spans of three traces, through the official SDK's OTLP/gRPC exporter, as two services would send them. */
export async function seedPartnerTraces(jaeger: Jaeger): Promise<PartnerTraces> {
  const [a, b, internal] = await sendOrders(jaeger, [
    { orderId: "ord-a-1", partner: "A" },
    { orderId: "ord-b-1", partner: "B" },
    { orderId: "ord-i-1", partner: undefined },
  ]);
  return { a: a as SeededTrace, b: b as SeededTrace, internal: internal as SeededTrace };
}

/**
 * One trace per order, in the given order, and waits until Jaeger holds them all: a partner's order
 * through the Shop API (the span with the partner attribute), an internal one through the MES.
 */
export async function sendOrders(
  jaeger: Jaeger,
  orders: ReadonlyArray<{ orderId: string; partner: string | undefined }>,
): Promise<SeededTrace[]> {
  const providers = new Map<string, BasicTracerProvider>();
  const tracer = (service: string) => {
    let provider = providers.get(service);
    if (!provider) {
      provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ "service.name": service, "host.name": `${service}-host-7` }),
        spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://${jaeger.otlpGrpc}` }))],
      });
      providers.set(service, provider);
    }
    return provider.getTracer("access-test");
  };
  const order = (orderId: string, partner: string | undefined): SeededTrace => {
    const own: Attributes = partner ? { "partner.id": partner } : {};
    const root = tracer(partner ? "shop-api" : "mes").startSpan(partner ? "POST /api/orders" : "execute order", {
      attributes: {
        ...own,
        "order.id": orderId,
        "order.flow": partner ? "order-upload" : "order-execution",
        "user.id": "hmac:5f1c2a",
        "client.address": "203.0.113.9",
        "http.route": "/api/orders",
        "http.request.method": "POST",
        "internal.margin": "0.42",
      },
    });
    const child = tracer("crm-api").startSpan(
      "price order",
      { attributes: { "order.id": orderId, "db.statement": "SELECT price FROM parts WHERE id = ?" } },
      trace.setSpan(context.active(), root),
    );
    child.addEvent("priced", { "order.id": orderId, "internal.cost": 17.5 });
    child.end();
    root.end();
    return { traceId: root.spanContext().traceId, orderId };
  };
  const sent = orders.map(({ orderId, partner }) => order(orderId, partner));
  await Promise.all([...providers.values()].map((p) => p.shutdown()));
  for (const t of sent) await stored(jaeger, t.traceId);
  return sent;
}
