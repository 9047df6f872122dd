import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import getPort from "get-port";
import type { SpanMetricsConfig } from "../src/collector/components.js";
import { compileCollectorConfig } from "../src/compile/index.js";
import { ID } from "../src/collector/registry.js";
import { renderCollectorYaml } from "../src/emit/render.js";
import { dashboard } from "../src/health/dashboard.js";
import { dashboardQueries } from "./helpers/dashboard-queries.js";
import { compileFlowHealth } from "../src/health/index.js";
import { resolveEnvironment, type ResolvedEnvironment } from "../src/resolve/resolve.js";
import type { Description } from "../src/schema/description.js";
import { loadRepoDescription, requireCollector } from "./helpers/repo.js";
import { eventually } from "./helpers/eventually.js";
import { collectorArgs } from "../src/collector/run-args.js";

/*
 * The real otelcol-shop runs the shop's dev config (ports moved, the connector flushing every
 * second instead of 15 s so the test takes seconds); a real Prometheus runs the generated scrape
 * config and rules. Spans shaped like the instrumented services' go in over OTLP/HTTP; the
 * answers come from Prometheus's HTTP API.
 */

const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
type Kind = keyof typeof SPAN_KIND;

interface SentSpan {
  service: string;
  kind: Kind;
  name: string;
  seconds: number;
  failed?: boolean;
  attributes?: Record<string, string>;
}

/** One trace of a flow: every span its services emit, including calls that are no hop of their own. */
type TraceShape = (slow: boolean, failed: boolean) => SentSpan[];

const TRACES_PER_FLOW = 20;

/**
 * What is sent per flow: how many of the 20 traces are slow or fail, and the spans of a trace.
 * The slowest hop decides the flow's duration: its p50 and p95 must land in `p50`/`p95`, the
 * histogram buckets (lower, upper] that hold the 10th and 19th of its 20 durations.
 */
const FLOWS: Record<
  string,
  { slow: number; failed: number; shape: TraceShape; p50: [number, number]; p95: [number, number] }
> = {
  // Synchronous: the browser's request encloses everything. 4 of 20 take 3 s, over the 1 s SLA of the overlay.
  "order-upload": {
    slow: 4,
    failed: 0,
    p50: [0.25, 0.5],
    p95: [2.5, 5],
    shape: (slow) => {
      const d = slow ? 3 : 0.3;
      return [
        { service: "internet-shop", kind: "client", name: "POST /api/uploads", seconds: d },
        { service: "shop-api", kind: "server", name: "POST /api/uploads", seconds: d * 0.9 },
        { service: "shop-api", kind: "client", name: "PUT /files/{id}", seconds: d * 0.7 },
        { service: "3d-storage", kind: "server", name: "PUT /files/{id}", seconds: d * 0.6 },
      ];
    },
  },
  // Through RabbitMQ twice; the MES API's costing step dominates.
  "order-costing": {
    slow: 0,
    failed: 0,
    p50: [2.5, 5],
    p95: [2.5, 5],
    shape: (): SentSpan[] => [
      { service: "3d-storage", kind: "server", name: "POST /files/{id}/costing", seconds: 0.05 },
      { service: "3d-storage", kind: "client", name: "POST /costings", seconds: 0.04 },
      { service: "crm-api", kind: "server", name: "POST /costings", seconds: 0.2 },
      {
        service: "crm-api",
        kind: "producer",
        name: "cost-requests publish",
        seconds: 0.01,
        attributes: { "messaging.destination.name": "cost-requests" },
      },
      { service: "mes-api", kind: "consumer", name: "cost-requests process", seconds: 4 },
      {
        service: "mes-api",
        kind: "producer",
        name: "cost-results publish",
        seconds: 0.01,
        attributes: { "messaging.destination.name": "cost-results" },
      },
      { service: "crm-api", kind: "consumer", name: "cost-results process", seconds: 0.1 },
    ],
  },
  // 4 of 20 fail in the CRM's consumer: 20 %, over the default 5 % threshold.
  "order-confirmation": {
    slow: 0,
    failed: 4,
    p50: [0.25, 0.5],
    p95: [0.25, 0.5],
    shape: (_slow, failed): SentSpan[] => [
      { service: "mes-api", kind: "server", name: "POST /confirmations", seconds: 0.1 },
      {
        service: "mes-api",
        kind: "producer",
        name: "confirmations publish",
        seconds: 0.005,
        attributes: { "messaging.destination.name": "confirmations" },
      },
      { service: "crm-api", kind: "consumer", name: "confirmations process", seconds: 0.4, failed },
      {
        service: "crm-api",
        kind: "client",
        name: "UPDATE orders",
        seconds: 0.02,
        attributes: { "db.collection.name": "orders" },
      },
    ],
  },
  // The MES's own job (its root span) encloses its database writes and its call to the MES API.
  "order-execution": {
    slow: 0,
    failed: 0,
    p50: [30, 60],
    p95: [30, 60],
    shape: (): SentSpan[] => [
      { service: "mes", kind: "internal", name: "print order", seconds: 45 },
      {
        service: "mes",
        kind: "client",
        name: "INSERT jobs",
        seconds: 0.01,
        attributes: { "db.collection.name": "jobs" },
      },
      { service: "mes", kind: "client", name: "POST /executions", seconds: 0.2 },
      { service: "mes-api", kind: "server", name: "POST /executions", seconds: 0.15 },
      {
        service: "mes-api",
        kind: "producer",
        name: "executions publish",
        seconds: 0.005,
        attributes: { "messaging.destination.name": "executions" },
      },
      { service: "crm-api", kind: "consumer", name: "executions process", seconds: 0.1 },
      {
        service: "crm-api",
        kind: "client",
        name: "UPDATE orders",
        seconds: 0.02,
        attributes: { "db.collection.name": "orders" },
      },
    ],
  },
};

const OVER_SLA = "order-upload";
const OVER_ERROR_RATIO = "order-confirmation";

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

function otlpBody(flowAttribute: string, traces: Array<{ flow: string; traceId: string; spans: SentSpan[] }>) {
  const now = Date.now() * 1e6;
  const byService = new Map<string, unknown[]>();
  for (const { flow, traceId, spans } of traces) {
    for (const s of spans) {
      const list = byService.get(s.service) ?? [];
      list.push({
        traceId,
        spanId: hex(8),
        name: s.name,
        kind: SPAN_KIND[s.kind],
        startTimeUnixNano: String(now - Math.round(s.seconds * 1e9)),
        endTimeUnixNano: String(now),
        attributes: Object.entries({ [flowAttribute]: flow, ...s.attributes }).map(([key, value]) => ({
          key,
          value: { stringValue: value },
        })),
        ...(s.failed ? { status: { code: 2, message: "could not confirm the order" } } : {}),
      });
      byService.set(s.service, list);
    }
  }
  return {
    resourceSpans: [...byService].map(([service, spans]) => ({
      resource: {
        attributes: [
          { key: "service.name", value: { stringValue: service } },
          { key: "service.namespace", value: { stringValue: "shop3d" } },
        ],
      },
      scopeSpans: [{ spans }],
    })),
  };
}

function requirePrometheus(): string {
  const found = spawnSync("prometheus", ["--version"], { stdio: "ignore" });
  if (found.error) throw new Error("prometheus is missing: install Debian's prometheus package");
  return "prometheus";
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

describe("flow health against a real Prometheus scraping a real otelcol-shop", () => {
  let env: ResolvedEnvironment;
  let promUrl: string;
  const sentTraceIds = new Map<string, Set<string>>();
  const children: ChildProcess[] = [];
  const logs = { collector: "", prometheus: "" };
  let dir: string;

  const query = async (expr: string): Promise<Sample[]> => {
    const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; error?: string; data: { result: Sample[] } };
    if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
    return body.data.result;
  };
  const valueOf = async (expr: string): Promise<number | undefined> => {
    const [first] = await query(expr);
    const value = first ? Number(first.value[1]) : NaN;
    return Number.isNaN(value) ? undefined : value;
  };

  beforeAll(async () => {
    const collector = requireCollector();
    const prometheus = requirePrometheus();
    const loaded = await loadRepoDescription("tracing.yaml");
    // Short SLA for the upload flow and alerts that fire at once, so the test takes seconds.
    const flows = Object.fromEntries(
      Object.keys(FLOWS).map((name) => [
        name,
        { sampling: { keep: "100%" }, alerts: { for: "0s" }, ...(name === OVER_SLA ? { sla: "1s" } : {}) },
      ]),
    );
    const description: Description = {
      ...structuredClone(loaded.description),
      environments: {
        e2e: {
          ...loaded.description.environments["dev"],
          tier: "development",
          flows,
        } as Description["environments"][string],
      },
    };
    env = resolveEnvironment(description, "e2e");
    const [grpc, http, prom, metrics, health, jaeger, web] = await Promise.all(
      Array.from({ length: 7 }, () => getPort()),
    );
    const p = env.pipeline;
    p.receivers.otlp.grpc = `localhost:${grpc}`;
    p.receivers.otlp.http = `localhost:${http}`;
    p.exporters.prometheus.endpoint = `localhost:${prom}`;
    p.exporters.jaeger.endpoint = `localhost:${jaeger}`;
    p.telemetry.metrics_endpoint = `localhost:${metrics}`;
    p.telemetry.health_endpoint = `localhost:${health}`;
    const config = compileCollectorConfig(env);
    (config.connectors[ID.spanMetrics] as SpanMetricsConfig).metrics_flush_interval = "1s";

    dir = await mkdtemp(join(tmpdir(), "health-e2e-"));
    const collectorConfig = join(dir, "collector.yaml");
    await writeFile(
      collectorConfig,
      renderCollectorYaml(config, {
        source: "tracing.yaml",
        sha256: loaded.sha256,
        version: "test",
        environment: "e2e",
      }),
    );
    // The generated Prometheus files, as `tracegen build` writes them for this environment.
    for (const file of compileFlowHealth(env, config)) {
      await mkdir(dirname(join(dir, file.path)), { recursive: true });
      await writeFile(join(dir, file.path), file.content);
    }

    const start = (binary: string, args: string[], log: keyof typeof logs, extraEnv: Record<string, string> = {}) => {
      const child = spawn(binary, args, { env: { ...process.env, ...extraEnv }, stdio: ["ignore", "ignore", "pipe"] });
      child.stderr?.on("data", (chunk: Buffer) => (logs[log] += chunk.toString()));
      children.push(child);
    };
    start(collector, collectorArgs(collectorConfig), "collector", { TRACEGEN_PSEUDONYM_KEY: "health-e2e-key" });
    start(
      prometheus,
      [
        `--config.file=${join(dir, "prometheus/scrape.yaml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${web}`,
        "--enable-feature=exemplar-storage",
      ],
      "prometheus",
    );
    promUrl = `http://127.0.0.1:${web}`;
    await eventually("the collector's health check", 15_000, async () =>
      (await fetch(`http://localhost:${health}/`)).ok ? true : undefined,
    );
    await eventually("Prometheus ready", 15_000, async () =>
      (await fetch(`${promUrl}/-/ready`)).ok ? true : undefined,
    );

    const send = async (traces: Array<{ flow: string; traceId: string; spans: SentSpan[] }>) => {
      const response = await fetch(`http://localhost:${http}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(otlpBody(p.system.flow_attribute, traces)),
      });
      expect(response.status, await response.text()).toBe(200);
    };
    const traceOf = (flow: string, slow: boolean, failed: boolean) => {
      const traceId = hex(16);
      sentTraceIds.set(flow, (sentTraceIds.get(flow) ?? new Set()).add(traceId));
      return { flow, traceId, spans: FLOWS[flow]!.shape(slow, failed) };
    };

    // A counter's first sample is its baseline, not an increase: one trace of every kind first makes
    // every series exist, and only what follows is measured.
    const warmUp = Object.entries(FLOWS).flatMap(([flow, f]) => [
      traceOf(flow, false, false),
      ...(f.failed > 0 ? [traceOf(flow, false, true)] : []),
    ]);
    await send(warmUp);
    const seriesCount = new Set(
      warmUp.flatMap((t) => t.spans.map((s) => JSON.stringify([t.flow, s.service, s.kind, s.name, !!s.failed]))),
    ).size;
    await eventually("Prometheus scraping every warm-up series", 20_000, async () => {
      const count = await valueOf("count(traces_span_metrics_calls_total)");
      return count === seriesCount ? true : undefined;
    });
    await send(
      Object.entries(FLOWS).flatMap(([flow, f]) =>
        Array.from({ length: TRACES_PER_FLOW }, (_, i) => traceOf(flow, i < f.slow, i >= TRACES_PER_FLOW - f.failed)),
      ),
    );
    await eventually("Prometheus scraping the measured traces", 20_000, async () =>
      (await measuredCountsComplete()) ? true : undefined,
    );
    // The rules run every second: two more evaluations see the scrape that completed the counts.
    await new Promise((r) => setTimeout(r, 2_500));
  }, 120_000);

  /** Every flow's first hop has counted the warm-up and all 20 measured traces. */
  async function measuredCountsComplete(): Promise<boolean> {
    for (const [flow, f] of Object.entries(FLOWS)) {
      const first = f.shape(false, false)[0]!;
      const expected = TRACES_PER_FLOW + 1 + (f.failed > 0 ? 1 : 0);
      const counted = await valueOf(
        `sum(traces_span_metrics_calls_total{order_flow="${flow}",service_name="${first.service}",span_name="${first.name}"})`,
      );
      if (counted !== expected) return false;
    }
    return true;
  }

  afterAll(async () => {
    for (const child of children) child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    for (const child of children) child.kill("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const [flow, expected] of Object.entries(FLOWS)) {
    it(`records ${flow}'s p50 and p95 inside the histogram buckets that hold the sent durations`, async () => {
      for (const [quantile, [lower, upper]] of [
        ["0.5", expected.p50],
        ["0.95", expected.p95],
      ] as const) {
        const value = await eventually(`${flow} p${quantile}`, 10_000, () =>
          valueOf(`flow:duration_seconds:quantile_rate5m{order_flow="${flow}",quantile="${quantile}"}`),
        );
        expect(value, `${flow} quantile ${quantile}`).toBeGreaterThan(lower);
        expect(value, `${flow} quantile ${quantile}`).toBeLessThanOrEqual(upper);
      }
    });

    it(`records ${flow}'s success ratio as sent`, async () => {
      const failed = await eventually(`${flow} failed ratio`, 10_000, () =>
        valueOf(`flow:orders_failed:ratio_rate5m{order_flow="${flow}"}`),
      );
      // rate() extrapolates a series that began seconds ago a little differently per series (it stops
      // where the counter would reach zero), so the ratio of two such rates is off by well under 1 %.
      expect(Math.abs(1 - failed - (1 - expected.failed / TRACES_PER_FLOW))).toBeLessThan(0.01);
    });
  }

  it("fires FlowOverSla for the flow pushed over its SLA and FlowErrorRatioHigh for the flow over its error threshold, and nothing else", async () => {
    type Alert = { labels: Record<string, string>; state: string };
    const firing = await eventually("both alerts firing", 20_000, async () => {
      const response = await fetch(`${promUrl}/api/v1/alerts`);
      const alerts = ((await response.json()) as { data: { alerts: Alert[] } }).data.alerts.filter(
        (a) => a.state === "firing",
      );
      const names = alerts.map((a) => `${a.labels["alertname"]}/${a.labels["order_flow"]}`).sort();
      return names.includes(`FlowOverSla/${OVER_SLA}`) && names.includes(`FlowErrorRatioHigh/${OVER_ERROR_RATIO}`)
        ? names
        : undefined;
    });
    expect(firing, `${logs.prometheus.slice(-2000)}`).toEqual([
      `FlowErrorRatioHigh/${OVER_ERROR_RATIO}`,
      `FlowOverSla/${OVER_SLA}`,
    ]);
  });

  it("answers every query of the dashboard with data", async () => {
    const board = dashboard(env);
    const queries = dashboardQueries(board.panels);
    expect(queries.length).toBeGreaterThan(Object.keys(FLOWS).length * 6);
    for (const q of queries) {
      const result = await query(q.expr);
      expect(result.length, q.expr).toBeGreaterThan(0);
      for (const sample of result) expect(Number.isNaN(Number(sample.value[1])), `${q.expr} gave NaN`).toBe(false);
    }
  });

  it("keeps exemplars behind the dashboard's exemplar queries whose trace ids are sent traces of that flow", async () => {
    const board = dashboard(env);
    const exemplarQueries = dashboardQueries(board.panels).filter((q) => q.exemplar);
    expect(exemplarQueries).toHaveLength(Object.keys(FLOWS).length);
    for (const q of exemplarQueries) {
      const flow = /order_flow="([^"]+)"/.exec(q.expr)?.[1] ?? "";
      const end = Date.now() / 1000;
      const response = await fetch(
        `${promUrl}/api/v1/query_exemplars?query=${encodeURIComponent(q.expr)}&start=${end - 600}&end=${end}`,
      );
      const body = (await response.json()) as { data: Array<{ exemplars: Array<{ labels: Record<string, string> }> }> };
      const traceIds = body.data.flatMap((series) => series.exemplars.map((e) => e.labels["trace_id"]));
      expect(traceIds.length, q.expr).toBeGreaterThan(0);
      for (const id of traceIds) expect(sentTraceIds.get(flow)?.has(id ?? ""), `${id} in ${flow}`).toBe(true);
    }
  });
});
