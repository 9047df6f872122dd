import { beforeAll, describe, expect, it } from "vitest";
import { compileCollectorConfig } from "../src/compile/index.js";
import { kv } from "../src/otlp/model.js";
import { resolveEnvironment, type ResolvedEnvironment } from "../src/resolve/resolve.js";
import { parsePrometheusText } from "../src/replay/prometheus.js";
import { runtimePipeline } from "../src/collector/runtime/addresses.js";
import { flattenFixtures, planSends } from "../src/replay/schedule.js";
import { encodeProtoRequest } from "../src/otlp/protobuf.js";
import { resource, scope, span } from "./replay-helpers.js";
import { loadRepoDescription } from "./helpers/repo.js";

const MS = 1_000_000n;

describe("the send plan", () => {
  const res = resource();
  const spans = [
    span({ startTimeUnixNano: 0n, endTimeUnixNano: 100n * MS }),
    span({ startTimeUnixNano: 50n * MS, endTimeUnixNano: 110n * MS }),
    span({
      startTimeUnixNano: 20n * MS,
      endTimeUnixNano: 4100n * MS,
      events: [{ timeUnixNano: 4000n * MS, name: "e", attributes: [], droppedAttributesCount: 0 }],
    }),
  ];
  const fixtures = [
    {
      file: "f.jsonl",
      line: 3,
      request: {
        resourceSpans: [
          {
            resource: res,
            schemaUrl: "",
            scopeSpans: [
              { scope: { name: "s", version: "", attributes: [], droppedAttributesCount: 0 }, schemaUrl: "", spans },
            ],
          },
        ],
      },
    },
  ];
  const now = 1_800_000_000_000n * MS;

  it("sends each span when it ended, moving every timestamp by one shift so durations and gaps stay and the first ends now", () => {
    const plan = planSends(flattenFixtures(fixtures), { speed: 1, nowNs: now });
    expect(plan.batches.map((b) => [b.atMs, b.spans.length])).toEqual([
      [0, 2],
      [4000, 1],
    ]);
    const sent = plan.batches.flatMap((b) => b.spans.map((s) => s.span));
    expect(sent.map((s) => s.endTimeUnixNano - s.startTimeUnixNano)).toEqual([100n * MS, 60n * MS, 4080n * MS]);
    expect(sent[0]!.endTimeUnixNano).toBe(now);
    expect(sent[2]!.events[0]!.timeUnixNano - sent[2]!.startTimeUnixNano).toBe(3980n * MS);
    expect(plan.batches[0]!.spans[0]!.source).toEqual({ file: "f.jsonl", line: 3 });
  });

  it("divides the schedule by --speed without touching durations, and sends everything at once at max speed", () => {
    const fast = planSends(flattenFixtures(fixtures), { speed: 10, nowNs: now });
    expect(fast.batches.map((b) => b.atMs)).toEqual([0, 400]);
    expect(fast.batches[1]!.spans[0]!.span.endTimeUnixNano - fast.batches[1]!.spans[0]!.span.startTimeUnixNano).toBe(
      4080n * MS,
    );
    const max = planSends(flattenFixtures(fixtures), { speed: Infinity, nowNs: now, maxSpansPerRequest: 2 });
    expect(max.batches.map((b) => [b.atMs, b.spans.length])).toEqual([
      [0, 2],
      [0, 1],
    ]);
  });

  it("keeps each request under a size, however many spans are due together", () => {
    const big = Array.from({ length: 40 }, (_, i) =>
      span({ startTimeUnixNano: 0n, endTimeUnixNano: MS, attributes: [kv("app.blob", "x".repeat(10_000 + i))] }),
    );
    const plan = planSends(
      flattenFixtures([
        {
          file: "big.jsonl",
          line: 1,
          request: {
            resourceSpans: [
              { resource: res, schemaUrl: "", scopeSpans: [{ scope: scope(), schemaUrl: "", spans: big }] },
            ],
          },
        },
      ]),
      { speed: Infinity, nowNs: now, maxRequestBytes: 64 * 1024 },
    );
    expect(plan.batches.length).toBeGreaterThan(6);
    for (const b of plan.batches) expect(encodeProtoRequest(b.request).length).toBeLessThanOrEqual(64 * 1024);
    expect(plan.batches.reduce((n, b) => n + b.spans.length, 0)).toBe(40);
  });

  it("puts spans due together into one request, under one resource and scope", () => {
    const plan = planSends(flattenFixtures(fixtures), { speed: 1, nowNs: now });
    const request = plan.batches[0]!.request;
    expect(request.resourceSpans).toHaveLength(1);
    expect(request.resourceSpans[0]!.resource).toBe(res);
    expect(request.resourceSpans[0]!.scopeSpans[0]!.spans).toHaveLength(2);
  });
});

describe("the run-time pipeline", () => {
  let prod: ResolvedEnvironment;
  beforeAll(async () => {
    const { description } = await loadRepoDescription("tracing.yaml");
    prod = resolveEnvironment(description, "prod");
  });

  it("swaps only addresses and secrets: every listener on 127.0.0.1, TLS files and token file from the run, env references kept", () => {
    const { pipeline, env } = runtimePipeline(prod.pipeline, {
      grpc: "127.0.0.1:1001",
      http: "127.0.0.1:1002",
      prometheus: "127.0.0.1:1003",
      health: "127.0.0.1:1004",
      ownMetrics: "127.0.0.1:1005",
      jaeger: "127.0.0.1:1006",
      tls: { caFile: "/run/ca.pem", certFile: "/run/c.pem", keyFile: "/run/k.pem" },
      tokenFile: "/run/token",
      pseudonymKey: "k",
    });
    expect(env).toEqual({ JAEGER_OTLP_ENDPOINT: "127.0.0.1:1006", TRACEGEN_PSEUDONYM_KEY: "k" });
    const expected = structuredClone(prod.pipeline);
    expected.receivers.otlp = {
      ...expected.receivers.otlp,
      grpc: "127.0.0.1:1001",
      http: "127.0.0.1:1002",
      token_file: "/run/token",
    };
    expected.exporters.prometheus.endpoint = "127.0.0.1:1003";
    expected.telemetry = {
      ...expected.telemetry,
      health_endpoint: "127.0.0.1:1004",
      metrics_endpoint: "127.0.0.1:1005",
    };
    expected.tls = {
      ...(expected.tls as object),
      ca_file: "/run/ca.pem",
      cert_file: "/run/c.pem",
      key_file: "/run/k.pem",
    } as typeof expected.tls;
    expect(pipeline).toEqual(expected);
    const config = JSON.stringify(compileCollectorConfig({ ...prod, pipeline }));
    expect(config).not.toMatch(/0\.0\.0\.0|localhost|\/etc\/tracegen/);
    expect(config).toContain("${env:JAEGER_OTLP_ENDPOINT}");
  });
});

describe("the Prometheus text parser", () => {
  it("reads samples with escaped and UTF-8 quoted names, skipping comments and exemplars", () => {
    const text = [
      "# HELP traces_span_metrics_duration_seconds histogram",
      'traces_span_metrics_duration_seconds_count{order_flow="order-upload",span_name="POST /a/{id}",note="say \\"hi\\"\\n"} 42',
      '{"span.metrics.calls", "order.flow"="x"} 7 # {trace_id="abc"} 1 1.7e9',
      "up 1",
    ].join("\n");
    expect(parsePrometheusText(text)).toEqual([
      {
        name: "traces_span_metrics_duration_seconds_count",
        labels: { order_flow: "order-upload", span_name: "POST /a/{id}", note: 'say "hi"\n' },
        value: 42,
      },
      { name: "span.metrics.calls", labels: { "order.flow": "x" }, value: 7 },
      { name: "up", labels: {}, value: 1 },
    ]);
    expect(kv("a", "b").value).toEqual({ type: "string", value: "b" });
  });
});
