/*
 * Only the resource attributes the description lists reach the flow metrics: the real collector runs the
 * dev config, receives a span whose resource carries attributes masking does not know, and its Prometheus
 * endpoint shows the listed ones and none of the others.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import getPort from "get-port";
import { collectorArgs } from "../src/collector/run-args.js";
import { compileCollectorConfig } from "../src/compile/index.js";
import { renderCollectorYaml } from "../src/emit/render.js";
import { runtimePipeline } from "../src/collector/runtime/addresses.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import { eventually } from "./helpers/eventually.js";
import { loadRepoDescription, requireCollector } from "./helpers/repo.js";

const attribute = (key: string, value: string) => ({ key, value: { stringValue: value } });

describe("the flow metrics of the dev config on the real collector", () => {
  it("carry the listed resource attributes and drop every other one", async () => {
    const binary = requireCollector();
    const loaded = await loadRepoDescription("tracing.yaml");
    const [http, prom, metrics, health, jaeger] = (await Promise.all(Array.from({ length: 5 }, () => getPort()))) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const local = (port: number) => `localhost:${port}`;
    const resolved = resolveEnvironment(loaded.description, "dev");
    const runtime = runtimePipeline(
      { ...resolved.pipeline, receivers: { otlp: { ...resolved.pipeline.receivers.otlp, grpc: undefined } } },
      {
        http: local(http),
        prometheus: local(prom),
        ownMetrics: local(metrics),
        health: local(health),
        jaeger: local(jaeger),
        pseudonymKey: "metrics-resource-test-key-of-32-bytes",
      },
    );
    const yaml = renderCollectorYaml(compileCollectorConfig({ ...resolved, pipeline: runtime.pipeline }), {
      source: "tracing.yaml",
      sha256: loaded.sha256,
      version: "test",
      environment: "dev",
    });
    const dir = await mkdtemp(join(tmpdir(), "otelcol-metrics-resource-"));
    await writeFile(join(dir, "collector.yaml"), yaml);
    const child = spawn(binary, collectorArgs(join(dir, "collector.yaml")), {
      env: { ...process.env, ...runtime.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    try {
      await eventually("the health check answering", 15_000, () => fetch(`http://localhost:${health}/`));
      const now = BigInt(Date.now()) * 1_000_000n;
      const sent = await fetch(`http://localhost:${http}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          resourceSpans: [
            {
              resource: {
                attributes: [
                  attribute("service.name", "shop-api"),
                  attribute("service.namespace", "shop3d"),
                  attribute("service.instance.id", "instance-7"),
                  attribute("service.version", "4.2.0"),
                  // Neither is masked: only the resource filter keeps them out of the metrics.
                  attribute("host.name", "jane-doe-laptop"),
                  attribute("shop.customer.segment", "vip-jane"),
                ],
              },
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: "5b8efff798038103d269b633813fc60d",
                      spanId: "eee19b7ec3c1b175",
                      name: "POST /orders",
                      kind: 2,
                      startTimeUnixNano: String(now),
                      endTimeUnixNano: String(now + 1_000_000n),
                      attributes: [attribute("order.flow", "order-upload")],
                    },
                  ],
                },
              ],
            },
          ],
        }),
      });
      expect(sent.status, await sent.text()).toBe(200);
      // Span metrics flush every 15 s.
      const exposition = await eventually("the span's metrics on the Prometheus endpoint", 40_000, async () => {
        const text = await (await fetch(`http://localhost:${prom}/metrics`)).text();
        return text.includes("traces_span_metrics_") && text.includes("target_info") ? text : undefined;
      });
      expect(exposition, log).toMatch(/target_info\{[^}]*service_version="4\.2\.0"/);
      expect(exposition).toMatch(/traces_span_metrics_[a-z_]+\{[^}]*job="shop3d\/shop-api"/);
      expect(exposition).toMatch(/instance="instance-7"/);
      expect(exposition).not.toMatch(/jane|host_name|customer_segment/);
    } finally {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  }, 70_000);
});
