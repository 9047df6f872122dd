import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import getPort from "get-port";
import { compileCollectorConfig } from "../src/compile/index.js";
import { renderCollectorYaml } from "../src/emit/render.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import { runtimePipeline } from "../src/collector/runtime/addresses.js";
import { loadRepoDescription, requireCollector } from "./helpers/repo.js";
import { eventually } from "./helpers/eventually.js";
import { collectorArgs } from "../src/collector/run-args.js";

describe("otelcol-shop running the dev config", () => {
  it("starts, answers health and metrics, accepts OTLP, and stops cleanly on SIGTERM within 5 s", async () => {
    const binary = requireCollector();
    const loaded = await loadRepoDescription("tracing.yaml");
    // Only addresses and the key move (as in a replay), so the test cannot collide with anything else here.
    const [grpc, http, prom, metrics, health, jaeger] = (await Promise.all(
      Array.from({ length: 6 }, () => getPort()),
    )) as [number, number, number, number, number, number];
    const local = (port: number) => `localhost:${port}`;
    const runtime = runtimePipeline(resolveEnvironment(loaded.description, "dev").pipeline, {
      grpc: local(grpc),
      http: local(http),
      prometheus: local(prom),
      ownMetrics: local(metrics),
      health: local(health),
      jaeger: local(jaeger),
      pseudonymKey: "start-test-key",
    });
    const env = { ...resolveEnvironment(loaded.description, "dev"), pipeline: runtime.pipeline };
    const yaml = renderCollectorYaml(compileCollectorConfig(env), {
      source: "tracing.yaml",
      sha256: loaded.sha256,
      version: "test",
      environment: "dev",
    });
    const dir = await mkdtemp(join(tmpdir(), "otelcol-start-"));
    const configPath = join(dir, "collector.yaml");
    await writeFile(configPath, yaml);
    const child = spawn(binary, collectorArgs(configPath), {
      env: { ...process.env, ...runtime.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    try {
      // 503 while the pipelines start, 200 once they all run.
      const healthResponse = await eventually("the health check answering 200", 15_000, async () => {
        const response = await fetch(`http://localhost:${health}/`);
        if (response.status !== 200) throw new Error(`health check answered ${response.status}`);
        return response;
      });
      expect(healthResponse.status, log).toBe(200);
      const metricsResponse = await eventually("the metrics endpoint answering", 5_000, () =>
        fetch(`http://localhost:${metrics}/metrics`),
      );
      const ownMetrics = await metricsResponse.text();
      expect(ownMetrics).toContain("otelcol_");
      // The collector's own telemetry names it as the description's system and environment.
      expect(ownMetrics).toMatch(
        /target_info\{(?=[^}]*service_name="otelcol-shop")(?=[^}]*service_namespace="shop3d")(?=[^}]*deployment_environment_name="dev")/,
      );
      const otlp = await fetch(`http://localhost:${http}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [{ key: "service.name", value: { stringValue: "shop-api" } }] },
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: "5b8efff798038103d269b633813fc60c",
                      spanId: "eee19b7ec3c1b174",
                      name: "POST /orders",
                      kind: 2,
                      startTimeUnixNano: String(Date.now() * 1e6),
                      endTimeUnixNano: String(Date.now() * 1e6 + 1e6),
                    },
                  ],
                },
              ],
            },
          ],
        }),
      });
      expect(otlp.status, await otlp.text()).toBe(200);
      const stoppedAt = Date.now();
      child.kill("SIGTERM");
      const exit = await Promise.race([exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 5_000))]);
      expect(exit, log).not.toBe("timeout");
      expect(exit).toEqual({ code: 0, signal: null });
      // A config the collector warns about (a deprecated form, an unsafe default) is a generator bug; the
      // gRPC client's own lines only say that no Jaeger listens here.
      expect(log.split("\n").filter((line) => /\twarn\t/.test(line) && !line.includes('"grpc_log": true'))).toEqual([]);
      expect(Date.now() - stoppedAt).toBeLessThan(5_000);
    } finally {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
