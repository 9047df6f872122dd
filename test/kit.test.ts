import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attribute, SPAN_KIND_NAMES, SpanKind, stringAttribute, type KeyValue, type Span } from "../src/otlp/model.js";
import { startSink, type Sink } from "../src/replay/sink.js";
import { startPostgres, type Postgres } from "../shop/infra/postgres.js";
import { startRabbitMq, type RabbitMq } from "../shop/infra/rabbitmq.js";
import { repoPath } from "./helpers/repo.js";

/*
 * The kit in a real process against a real RabbitMQ and PostgreSQL, exporting OTLP/gRPC to a sink
 * that decodes what arrives. The probe publishes a message, consumes it and queries PostgreSQL with a
 * personal value as the parameter.
 */

interface Exported {
  span: Span;
  resource: KeyValue[];
}

const EMAIL = "ada.lovelace@example.com";

let postgres: Postgres;
let rabbit: RabbitMq;
let sink: Sink;
let report: { orderId: string; headers: Record<string, string> };
let spans: Exported[];

beforeAll(async () => {
  [postgres, rabbit, sink] = await Promise.all([startPostgres(), startRabbitMq(), startSink("grpc", undefined)]);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", repoPath("shop/probes/kit-probe.ts")],
    {
      cwd: repoPath(),
      timeout: 60_000,
      env: {
        PATH: process.env.PATH,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://${sink.endpoint}`,
        PROBE_POSTGRES_URL: postgres.url("postgres"),
        PROBE_AMQP_URL: rabbit.url,
        PROBE_EMAIL: EMAIL,
      },
    },
  );
  report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}");
  spans = sink.received.flatMap((r) =>
    r.request.resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, resource: rs.resource.attributes }))),
    ),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([postgres?.stop(), rabbit?.stop(), sink?.close()]);
});

const byKind = (kind: number) => spans.filter((s) => s.span.kind === kind).map((s) => s.span);

describe("the instrumentation kit", () => {
  it("puts the W3C trace context and baggage of the publish span into the RabbitMQ message headers", () => {
    const [publish] = byKind(SpanKind.PRODUCER);
    expect(publish).toBeDefined();
    expect(report.headers.traceparent).toBe(`00-${publish!.traceId}-${publish!.spanId}-01`);
    expect(decodeURIComponent(report.headers.baggage ?? "")).toContain(`order.id=${report.orderId}`);
  });

  it("makes the consumer span a child of the publish span, in the same trace", () => {
    const [publish] = byKind(SpanKind.PRODUCER);
    const [consume] = byKind(SpanKind.CONSUMER);
    expect(consume?.traceId).toBe(publish?.traceId);
    expect(consume?.parentSpanId).toBe(publish?.spanId);
    expect(attribute(consume!.attributes, "messaging.operation.type")).toEqual({ type: "string", value: "process" });
    expect(stringAttribute(consume!.attributes, "messaging.system")).toBe("rabbitmq");
  });

  it("traces the query made while consuming as a child of the consumer span, with its table and operation", () => {
    const [consume] = byKind(SpanKind.CONSUMER);
    const query = spans
      .map((s) => s.span)
      .find((s) => stringAttribute(s.attributes, "db.system.name") === "postgresql");
    expect(query?.parentSpanId).toBe(consume?.spanId);
    expect(stringAttribute(query!.attributes, "db.collection.name")).toBe("customers");
    expect(stringAttribute(query!.attributes, "db.operation.name")).toBe("SELECT");
    expect(stringAttribute(query!.attributes, "db.query.text")).toBe("SELECT id FROM customers WHERE email = $1");
  });

  it("never records the query parameters: the personal value is nowhere in what was exported", () => {
    expect(spans.length).toBeGreaterThanOrEqual(4);
    const everything = JSON.stringify(sink.received, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
    expect(everything).not.toContain(EMAIL);
    for (const { span } of spans) expect(span.attributes.map((a) => a.key)).not.toContain("db.query.parameter.0");
  });

  it("copies order.id, order.flow and user.id from baggage onto every span of every hop", () => {
    for (const { span } of spans) {
      expect(stringAttribute(span.attributes, "order.id"), span.name).toBe(report.orderId);
      expect(stringAttribute(span.attributes, "order.flow"), span.name).toBe("order-costing");
      expect(stringAttribute(span.attributes, "user.id"), span.name).toBe("customer-42");
    }
  });

  it("describes the service in the resource: name, namespace, deployment environment and a unique instance id", () => {
    for (const { resource } of spans) {
      expect(stringAttribute(resource, "service.name")).toBe("kit-probe");
      expect(stringAttribute(resource, "service.namespace")).toBe("shop3d");
      expect(stringAttribute(resource, "deployment.environment.name")).toBe("dev");
      expect(stringAttribute(resource, "service.instance.id")).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("flushes on shutdown: the trace's four spans had all arrived when the process exited", () => {
    expect(spans.map((s) => SPAN_KIND_NAMES[s.span.kind]).sort()).toEqual([
      "CLIENT",
      "CONSUMER",
      "INTERNAL",
      "PRODUCER",
    ]);
  });
});
