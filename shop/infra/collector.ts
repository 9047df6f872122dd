import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import getPort from "get-port";
import { loadDescriptionFile } from "../../src/load/description.js";
import { ID } from "../../src/collector/registry.js";
import { compileCollectorConfig } from "../../src/compile/index.js";
import { renderCollectorYaml, referencedEnvVars } from "../../src/emit/render.js";
import { runtimePipeline } from "../../src/replay/runtime-pipeline.js";
import { resolveEnvironment } from "../../src/resolve/resolve.js";
import { startChild, StartFailure, tempDir, waitUntilReady, type Child } from "./child.js";
import { collectorArgs } from "../../src/collector/run-args.js";

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
  child: Child;
  timings: { startMs: number };
  stop(): Promise<void>;
}

export interface CollectorOptions {
  jaegerOtlpGrpc: string;
  pseudonymKey: string;
  /** An environment of tracing.yaml; dev by default. One with TLS needs `tls`, one with a bearer token `tokenFile`. */
  environment?: string;
  tls?: { caFile: string; certFile: string; keyFile: string };
  tokenFile?: string;
  /** Replaces the environment's tail-sampling decision_wait (tests cannot wait staging's 30 s). */
  decisionWait?: string;
}

const START_ATTEMPTS = 3;

export async function startShopCollector(options: CollectorOptions): Promise<ShopCollector> {
  if (!existsSync(COLLECTOR_BINARY))
    throw new StartFailure(`${COLLECTOR_BINARY} is missing: run \`npm run collector:build\` first`);
  const loaded = await loadDescriptionFile(join(REPO, "tracing.yaml"), "tracing.yaml");
  if (!loaded.ok)
    throw new StartFailure(`tracing.yaml does not load: ${loaded.diagnostics.map((d) => d.message).join("; ")}`);
  const environment = resolveEnvironment(loaded.loaded.description, options.environment ?? "dev");
  const dir = await tempDir("shop-collector-");
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
      ...(options.tls && { tls: options.tls }),
      ...(options.tokenFile && { tokenFile: options.tokenFile }),
    };
    const runtime = runtimePipeline(environment.pipeline, addresses);
    const config = compileCollectorConfig({ ...environment, pipeline: runtime.pipeline });
    const sampler = config.processors[ID.tailSampling] as { decision_wait: string } | undefined;
    if (sampler && options.decisionWait) sampler.decision_wait = options.decisionWait;
    const yaml = renderCollectorYaml(config, {
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
    const configFile = join(dir.path, "collector.yaml");
    await writeFile(configFile, yaml);
    // Its own process group, like every process the shop starts: a Ctrl-C meant for `npm run shop`
    // must not stop the collector before the services have flushed their last spans into it.
    const collector = startChild({
      name: "otelcol-shop",
      command: COLLECTOR_BINARY,
      args: collectorArgs(configFile),
      env,
    });
    try {
      const startMs = await waitUntilReady(
        collector,
        "otelcol-shop",
        30_000,
        async () => (await fetch(`http://${addresses.health}/`)).ok,
      );
      return {
        otlpGrpc: addresses.grpc,
        otlpHttp: addresses.http,
        prometheus: addresses.prometheus,
        child: collector,
        timings: { startMs },
        async stop() {
          await collector.stop();
          await dir.remove();
        },
      };
    } catch (error) {
      await collector.stop();
      const portTaken = /address already in use/.test(collector.logTail(200));
      if (!portTaken || attempt >= START_ATTEMPTS) {
        await dir.remove();
        throw error;
      }
    }
  }
}
