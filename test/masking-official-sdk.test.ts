import { context, ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import type { CollectorConfig } from "../src/collector/config.js";
import { ID } from "../src/collector/registry.js";
import { walkWire } from "../src/otlp/wire-walk.js";
import { eventually } from "./helpers/eventually.js";
import { startGeneratedCollector } from "./helpers/generated-collector.js";

/*
 * Personal data sent by the official OpenTelemetry JS SDK (its own OTLP encoder, not ours)
 * into the real collector running the dev config of tracing.yaml. What reaches the trace
 * store is searched as raw bytes, and the collector's log as text, for every planted value,
 * lower-cased: the search knows nothing of OTLP fields or of where masking looks. The same
 * traffic through the config with its masking processor taken out must show the values, so
 * the search is seen to fail when it should.
 */

const PLANTED = {
  resourceEmail: "ruth.sdk.5821@example.com",
  scopePhone: "+49 170 5821443",
  scopeVersionEmail: "kofi.sdk.5822@example.com",
  schemaPhone: "0170 5821444",
  nameEmail: "omar.sdk.5823@example.com",
  traceStateCard: "4111111111111111",
  keyEmail: "lena.sdk.5824@example.com",
  numberCard: 5555555555554444,
  userId: "usr-sdk-5825-7f3a",
  eventIban: "DE89370400440532013000",
  linkPhone: "+44 20 7946 0958",
  statusEmail: "ines.sdk.5826@example.com",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI1ODI3In0.c2lnbmF0dXJlNTgyNw",
} as const;

async function sendWithSdk(grpcEndpoint: string): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      "service.name": "shop-api",
      "app.owner": `owner ${PLANTED.resourceEmail}`,
    }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://${grpcEndpoint}` }))],
  });
  const tracer = provider.getTracer(`notify ${PLANTED.scopePhone}`, `1.0.0+${PLANTED.scopeVersionEmail}`, {
    schemaUrl: `https://schemas.example.com/contacts/${PLANTED.schemaPhone}`,
  });
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "5821aa00000000000000000000005821",
    spanId: "5821aa0000005821",
    traceFlags: TraceFlags.SAMPLED,
    traceState: new TraceState(`shop=card-${PLANTED.traceStateCard}`),
    isRemote: true,
  });
  const linked = tracer.startSpan("linked", {}, parent);
  linked.end();
  const span = tracer.startSpan(
    `SELECT name FROM customers WHERE email = '${PLANTED.nameEmail}'`,
    {
      attributes: {
        "order.flow": "order-upload",
        [`http.request.header.x-${PLANTED.keyEmail}`]: "1",
        "app.form.card": PLANTED.numberCard,
        "USER.ID": PLANTED.userId,
        "app.session": `Bearer ${PLANTED.jwt}`,
      },
      links: [{ context: linked.spanContext(), attributes: { "app.reason": `call ${PLANTED.linkPhone}` } }],
    },
    parent,
  );
  context.with(trace.setSpan(parent, span), () => {
    span.addEvent(`refund to ${PLANTED.eventIban}`);
    span.setStatus({ code: SpanStatusCode.ERROR, message: `declined for ${PLANTED.statusEmail}` });
    span.end();
  });
  await provider.forceFlush();
  await provider.shutdown();
}

/** The planted values found in what reached the store and in the collector's log. */
async function leaked(tamper: (config: CollectorConfig) => void): Promise<string[]> {
  const running = await startGeneratedCollector("dev", () => undefined, tamper);
  try {
    await sendWithSdk(running.addresses.grpc!);
    await eventually("the SDK's spans reach the store and the collector falls quiet", 30_000, async () =>
      running.sink.received.length > 0 && running.sink.quietFor() > 1500 ? true : undefined,
    );
    // Numbers travel as varints: the schema-free wire walk adds every number's decimal readings.
    const numbers: string[] = [];
    for (const r of running.sink.received)
      walkWire(r.body, { number: (n) => numbers.push(...n.texts), text: () => undefined });
    const out = [...running.sink.received.map((r) => Buffer.from(r.body).toString("latin1")), ...numbers]
      .join("\n")
      .toLowerCase();
    const log = running.log().join("\n").toLowerCase();
    return Object.entries(PLANTED)
      .filter(([, value]) => {
        const needle = String(value).toLowerCase();
        return out.includes(needle) || log.includes(needle);
      })
      .map(([name]) => name);
  } finally {
    await running.stop();
  }
}

describe.concurrent("masking of what the official OpenTelemetry JS SDK sends", () => {
  it("lets no planted value reach the trace store or the collector's log", async () => {
    expect(await leaked(() => undefined)).toEqual([]);
  }, 90_000);

  it("finds every planted value when the masking processor is taken out of the pipeline", async () => {
    const found = await leaked((config) => {
      for (const pipeline of Object.values(config.service.pipelines))
        pipeline.processors = pipeline.processors.filter((p) => p !== ID.masking);
      delete config.processors[ID.masking];
    });
    // The pinned tail sampler drops schema URLs when it regroups kept spans, masked or not.
    expect(found.sort()).toEqual(
      Object.keys(PLANTED)
        .filter((name) => name !== "schemaPhone")
        .sort(),
    );
  }, 90_000);
});
