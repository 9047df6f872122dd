import * as grpc from "@grpc/grpc-js";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { BasicTracerProvider, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { createTraceExporter } from "../src/kit/exporter.js";
import { RetryingSpanExporter } from "../src/kit/retrying-exporter.js";
import { decodeProtoRequest, EMPTY_EXPORT_RESPONSE } from "../src/otlp/protobuf.js";
import { RAW_TRACE_SERVICE, startSink, type Sink } from "../src/replay/sink.js";

/*
 * The kit's exporter against real gRPC servers: a collector that is down for a while, one that pushes
 * back with UNAVAILABLE, one that refuses for good. The SDK's own OTLP/gRPC exporter, run the same way,
 * shows what is lost without the kit's retries.
 */

const spans = (names: string[]): ReadableSpan[] => {
  const ended: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({
    spanProcessors: [
      {
        onStart: () => undefined,
        onEnd: (span) => ended.push(span),
        forceFlush: () => Promise.resolve(),
        shutdown: () => Promise.resolve(),
      },
    ],
  });
  for (const name of names) provider.getTracer("retry-test").startSpan(name).end();
  return ended;
};

const exportOnce = (exporter: SpanExporter, batch: ReadableSpan[]) =>
  new Promise<ExportResult>((resolve) => exporter.export(batch, resolve));

const receivedNames = (sink: Sink): string[] =>
  sink.received.flatMap((r) =>
    r.request.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))),
  );

/** A real gRPC TraceService that answers each call as `answer` says, counting the calls. */
async function answeringServer(
  answer: (call: number) => grpc.status,
): Promise<{ url: string; calls: () => number; close(): void }> {
  let calls = 0;
  const server = new grpc.Server();
  server.addService(RAW_TRACE_SERVICE, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      decodeProtoRequest(new Uint8Array(call.request));
      const code = answer(++calls);
      if (code === grpc.status.OK) callback(null, Buffer.from(EMPTY_EXPORT_RESPONSE));
      else callback({ code, details: `answered ${grpc.status[code]}` });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { url: `http://127.0.0.1:${port}`, calls: () => calls, close: () => server.forceShutdown() };
}

const cleanup: Array<() => unknown> = [];

/** A sink that is down, and the SDK's exporter to it wrapped in the kit's retries under `policy`. */
async function exporterToDownSink(policy: ConstructorParameters<typeof RetryingSpanExporter>[1]) {
  const sink = await startSink("grpc", undefined);
  cleanup.push(() => sink.close());
  await sink.down();
  const otlp = new OTLPTraceExporter({
    url: `http://${sink.endpoint}`,
    credentials: grpc.credentials.createInsecure(),
  });
  return new RetryingSpanExporter(otlp, policy);
}
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe("the kit's span exporter", () => {
  it("delivers a batch exported while the collector was down, once it is back; the SDK's exporter alone loses it", async () => {
    const sink = await startSink("grpc", undefined);
    cleanup.push(() => sink.close());
    await sink.down();
    const kit = createTraceExporter({ url: `http://${sink.endpoint}` }, {});
    const bare = new OTLPTraceExporter({
      url: `http://${sink.endpoint}`,
      credentials: grpc.credentials.createInsecure(),
    });
    cleanup.push(
      () => kit.shutdown(),
      () => bare.shutdown(),
    );

    const kitResult = exportOnce(kit, spans(["kit-span"]));
    const bareResult = exportOnce(bare, spans(["bare-span"]));
    await new Promise((r) => setTimeout(r, 2_500));
    await sink.up();

    expect((await kitResult).code).toBe(ExportResultCode.SUCCESS);
    expect((await bareResult).code).toBe(ExportResultCode.FAILED);
    expect(receivedNames(sink)).toEqual(["kit-span"]);
  }, 30_000);

  it("sends again while the collector answers UNAVAILABLE, and stops at the first answer that takes the batch", async () => {
    const server = await answeringServer((call) => (call <= 2 ? grpc.status.UNAVAILABLE : grpc.status.OK));
    cleanup.push(() => server.close());
    const kit = createTraceExporter({ url: server.url }, {});
    cleanup.push(() => kit.shutdown());
    expect((await exportOnce(kit, spans(["a", "b"]))).code).toBe(ExportResultCode.SUCCESS);
    expect(server.calls()).toBe(3);
  }, 30_000);

  it("does not send again what the collector refused for good", async () => {
    const server = await answeringServer(() => grpc.status.UNAUTHENTICATED);
    cleanup.push(() => server.close());
    const kit = createTraceExporter({ url: server.url }, {});
    cleanup.push(() => kit.shutdown());
    const result = await exportOnce(kit, spans(["a"]));
    expect(result.code).toBe(ExportResultCode.FAILED);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(server.calls()).toBe(1);
  }, 30_000);

  it("gives up once its budget is spent when the collector stays down", async () => {
    const kit = await exporterToDownSink({ budgetMs: 2_000, initialBackoffMs: 200, maxBackoffMs: 400 });
    cleanup.push(() => kit.shutdown());
    const started = Date.now();
    expect((await exportOnce(kit, spans(["lost"]))).code).toBe(ExportResultCode.FAILED);
    const took = Date.now() - started;
    expect(took).toBeGreaterThan(1_000);
    expect(took).toBeLessThan(2_500);
  }, 30_000);

  it("gives up at once when it is shut down while waiting to send again", async () => {
    const kit = await exporterToDownSink({ budgetMs: 60_000, initialBackoffMs: 20_000, maxBackoffMs: 20_000 });
    const result = exportOnce(kit, spans(["lost"]));
    await new Promise((r) => setTimeout(r, 1_000));
    const stopping = Date.now();
    await kit.shutdown();
    expect((await result).code).toBe(ExportResultCode.FAILED);
    expect(Date.now() - stopping).toBeLessThan(1_000);
  }, 30_000);
});
