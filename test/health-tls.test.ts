import { describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import getPort from "get-port";
import { compileCollectorConfig } from "../src/compile/index.js";
import { renderCollectorYaml } from "../src/emit/render.js";
import { compileFlowHealth } from "../src/health/index.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import { loadRepoDescription, requireCollector } from "./helpers/repo.js";
import { eventually } from "./helpers/eventually.js";
import { collectorArgs } from "../src/collector/run-args.js";
import { makeTlsMaterial } from "../src/replay/tls-material.js";

/*
 * Staging serves its flow metrics over TLS and asks for client certificates. The generated scrape
 * config must get through: a real Prometheus scrapes a real otelcol-shop running the staging
 * config, both with certificates of a throwaway CA at the paths the description names (moved here).
 */

describe("the staging scrape config against the staging collector", () => {
  it("scrapes the flow metrics over TLS, presenting the description's certificate to the collector that requires one", async () => {
    const collector = requireCollector();
    if (spawnSync("prometheus", ["--version"], { stdio: "ignore" }).error) {
      throw new Error("prometheus is missing: install Debian's prometheus package");
    }
    const dir = await mkdtemp(join(tmpdir(), "health-tls-"));
    const children: ChildProcess[] = [];
    const log = { collector: "", prometheus: "" };
    try {
      const material = await makeTlsMaterial(dir);
      const pki = { ca: material.caFile, cert: material.collector.certFile, key: material.collector.keyFile };
      const loaded = await loadRepoDescription("tracing.yaml");
      const env = resolveEnvironment(loaded.description, "staging");
      const p = env.pipeline;
      if (p.tls === "off") throw new Error("staging is expected to have TLS");
      expect(p.tls.client_auth).toBe("required");
      p.tls = { ...p.tls, ca_file: pki.ca, cert_file: pki.cert, key_file: pki.key };
      const [grpc, http, prom, metrics, health, jaeger, web] = await Promise.all(
        Array.from({ length: 7 }, () => getPort()),
      );
      p.receivers.otlp.grpc = `localhost:${grpc}`;
      p.receivers.otlp.http = `localhost:${http}`;
      p.receivers.otlp.token_file = join(dir, "ingest-token");
      await writeFile(p.receivers.otlp.token_file, "health-tls-token");
      p.exporters.prometheus.endpoint = `localhost:${prom}`;
      p.telemetry.metrics_endpoint = `localhost:${metrics}`;
      p.telemetry.health_endpoint = `localhost:${health}`;
      const config = compileCollectorConfig(env);
      await writeFile(
        join(dir, "collector.yaml"),
        renderCollectorYaml(config, {
          source: "tracing.yaml",
          sha256: loaded.sha256,
          version: "test",
          environment: "staging",
        }),
      );
      for (const file of compileFlowHealth(env, config)) {
        await mkdir(dirname(join(dir, file.path)), { recursive: true });
        await writeFile(join(dir, file.path), file.content);
      }
      const start = (binary: string, args: string[], name: keyof typeof log, extra: Record<string, string> = {}) => {
        const child = spawn(binary, args, { env: { ...process.env, ...extra }, stdio: ["ignore", "ignore", "pipe"] });
        child.stderr?.on("data", (chunk: Buffer) => (log[name] += chunk.toString()));
        children.push(child);
      };
      start(collector, collectorArgs(join(dir, "collector.yaml")), "collector", {
        TRACEGEN_PSEUDONYM_KEY: "health-tls-key",
        JAEGER_OTLP_ENDPOINT: `localhost:${jaeger}`,
      });
      start(
        "prometheus",
        [
          `--config.file=${join(dir, "prometheus/scrape.yaml")}`,
          `--storage.tsdb.path=${join(dir, "data")}`,
          `--web.listen-address=127.0.0.1:${web}`,
        ],
        "prometheus",
      );
      const promUrl = `http://127.0.0.1:${web}`;
      // The generated config scrapes every 7.5 s; the first scrape follows start-up within one interval.
      const up = await eventually("a scrape of the collector", 30_000, async () => {
        const response = await fetch(
          `${promUrl}/api/v1/query?query=${encodeURIComponent('up{job="shop3d-flow-metrics"}')}`,
        );
        const body = (await response.json()) as { data: { result: Array<{ value: [number, string] }> } };
        return body.data.result[0]?.value[1];
      }).catch((error: unknown) => {
        throw new Error(
          `${String(error)}\ncollector: ${log.collector.slice(-1500)}\nprometheus: ${log.prometheus.slice(-1500)}`,
        );
      });
      const targets = (await (await fetch(`${promUrl}/api/v1/targets`)).json()) as {
        data: { activeTargets: Array<{ scrapeUrl: string; lastError: string; health: string }> };
      };
      const [target] = targets.data.activeTargets;
      expect(target?.scrapeUrl).toBe(`https://localhost:${prom}/metrics`);
      expect(target?.lastError).toBe("");
      expect(up).toBe("1");
      // The collector really refuses a scraper without a certificate, so the one above was presented.
      const get = (...client: string[]) =>
        spawnSync("openssl", ["s_client", "-connect", `localhost:${prom}`, "-CAfile", pki.ca, "-quiet", ...client], {
          input: "GET /metrics HTTP/1.0\r\n\r\n",
          encoding: "utf8",
          timeout: 10_000,
        }).stdout;
      expect(get("-cert", pki.cert, "-key", pki.key)).toContain("HTTP/1.0 200 OK");
      expect(get()).not.toContain("HTTP/1.0 200");
    } finally {
      for (const child of children) child.kill("SIGTERM");
      await new Promise((r) => setTimeout(r, 500));
      for (const child of children) child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
