import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import getPort from "get-port";
import { loadDescriptionFile } from "../../src/build/load.js";
import { compileCollectorConfig } from "../../src/compile/index.js";
import { renderCollectorYaml, referencedEnvVars } from "../../src/emit/render.js";
import { startCollector, type CollectorProcess } from "../../src/replay/collector-process.js";
import { runtimePipeline } from "../../src/replay/runtime-pipeline.js";
import { resolveEnvironment } from "../../src/resolve/resolve.js";
import { cleanUpOnExit, StartFailure } from "./child.js";

/*
 * otelcol-shop running the config `tracegen build` generates for the dev environment of the shop's
 * own tracing.yaml, with only its addresses moved to free ports and Jaeger's address filled in (the
 * replay harness's runtime pipeline does exactly that swap).
 */

const REPO = resolve(fileURLToPath(import.meta.url), "../../..");
export const COLLECTOR_BINARY = join(REPO, "build/otelcol-shop");

export interface ShopCollector {
  /** host:port */
  otlpGrpc: string;
  otlpHttp: string;
  prometheus: string;
  process: CollectorProcess;
  timings: { startMs: number };
  stop(): Promise<void>;
}

export interface CollectorOptions {
  jaegerOtlpGrpc: string;
  pseudonymKey: string;
  environment?: string;
}

const START_ATTEMPTS = 3;

export async function startShopCollector(options: CollectorOptions): Promise<ShopCollector> {
  if (!existsSync(COLLECTOR_BINARY))
    throw new StartFailure(`${COLLECTOR_BINARY} is missing: run \`npm run collector:build\` first`);
  const loaded = await loadDescriptionFile(join(REPO, "tracing.yaml"), "tracing.yaml");
  if (!loaded.ok)
    throw new StartFailure(`tracing.yaml does not load: ${loaded.diagnostics.map((d) => d.message).join("; ")}`);
  const environment = resolveEnvironment(loaded.loaded.description, options.environment ?? "dev");
  const dir = await mkdtemp(join(tmpdir(), "shop-collector-"));
  // Ports are free when picked, not when bound: another process may win the race, so pick again.
  for (let attempt = 1; ; attempt++) {
    const port = async () => `127.0.0.1:${await getPort({ host: "127.0.0.1" })}`;
    const addresses = {
      grpc: await port(),
      http: await port(),
      prometheus: await port(),
      health: await port(),
      ownMetrics: await port(),
      jaeger: options.jaegerOtlpGrpc,
      pseudonymKey: options.pseudonymKey,
    };
    const runtime = runtimePipeline(environment.pipeline, addresses);
    const yaml = renderCollectorYaml(compileCollectorConfig({ ...environment, pipeline: runtime.pipeline }), {
      source: "tracing.yaml",
      sha256: loaded.loaded.sha256,
      version: "shop",
      environment: environment.name,
    });
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    for (const name of referencedEnvVars(yaml)) {
      const value = runtime.env[name] ?? process.env[name];
      if (value === undefined) throw new StartFailure(`the collector config needs \${env:${name}}`);
      env[name] = value;
    }
    const configFile = join(dir, "collector.yaml");
    await writeFile(configFile, yaml);
    const started = Date.now();
    const collector = startCollector(COLLECTOR_BINARY, configFile, env);
    const forget = cleanUpOnExit(() => process.kill(collector.pid, "SIGKILL"));
    try {
      await collector.waitHealthy(`http://${addresses.health}/`, 30_000);
      return {
        otlpGrpc: addresses.grpc,
        otlpHttp: addresses.http,
        prometheus: addresses.prometheus,
        process: collector,
        timings: { startMs: Date.now() - started },
        async stop() {
          await collector.stop();
          forget();
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      await collector.stop();
      forget();
      const portTaken = collector.logTail().some((line) => /address already in use/.test(line));
      if (!portTaken || attempt >= START_ATTEMPTS) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}
