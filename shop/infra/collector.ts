import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ID } from "../../src/collector/registry.js";
import { freeAddresses } from "../../src/collector/runtime/addresses.js";
import { launchCollector } from "../../src/collector/runtime/launch.js";
import type { CollectorProcess } from "../../src/collector/runtime/process.js";
import { loadDescriptionFile } from "../../src/load/description.js";
import { StartFailure, tempDir } from "../../src/process/child.js";
import { resolveEnvironment } from "../../src/resolve/resolve.js";

/*
 * otelcol-shop running the config `tracegen build` generates for the dev environment of the shop's
 * own tracing.yaml, with only its addresses moved to free ports and Jaeger's address filled in, started
 * the way a replay starts it.
 */

const REPO = resolve(fileURLToPath(import.meta.url), "../../..");
export const COLLECTOR_BINARY = join(REPO, "build/otelcol-shop");

export interface ShopCollector {
  /** host:port */
  otlpGrpc: string;
  otlpHttp: string;
  prometheus: string;
  collector: CollectorProcess;
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

export async function startShopCollector(options: CollectorOptions): Promise<ShopCollector> {
  if (!existsSync(COLLECTOR_BINARY))
    throw new StartFailure(`${COLLECTOR_BINARY} is missing: run \`npm run collector:build\` first`);
  const loaded = await loadDescriptionFile(join(REPO, "tracing.yaml"), "tracing.yaml");
  if (!loaded.ok)
    throw new StartFailure(`tracing.yaml does not load: ${loaded.diagnostics.map((d) => d.message).join("; ")}`);
  const environment = resolveEnvironment(loaded.loaded.description, options.environment ?? "dev");
  const dir = await tempDir("shop-collector-");
  const started = Date.now();
  try {
    const { collector, addresses } = await launchCollector({
      binary: COLLECTOR_BINARY,
      env: environment,
      dir: dir.path,
      addresses: (pipeline) =>
        freeAddresses(pipeline, {
          sinkEndpoint: options.jaegerOtlpGrpc,
          tls: options.tls,
          tokenFile: options.tokenFile,
          pseudonymKey: options.pseudonymKey,
        }),
      adjust: (config) => {
        const sampler = config.processors[ID.tailSampling];
        if (sampler && options.decisionWait) sampler.decision_wait = options.decisionWait;
      },
      provenance: { source: "tracing.yaml", sha256: loaded.loaded.sha256, version: "shop" },
    });
    return {
      otlpGrpc: addresses.grpc ?? "",
      otlpHttp: addresses.http ?? "",
      prometheus: addresses.prometheus,
      collector,
      timings: { startMs: Date.now() - started },
      async stop() {
        await collector.stop();
        await dir.remove();
      },
    };
  } catch (error) {
    await dir.remove();
    throw error;
  }
}
