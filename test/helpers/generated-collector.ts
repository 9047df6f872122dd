import { mkdtemp, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CollectorConfig } from "../../src/collector/config.js";
import { freeAddresses, type RuntimeAddresses } from "../../src/collector/runtime/addresses.js";
import { launchCollector, type Launched } from "../../src/collector/runtime/launch.js";
import type { CollectorProcess } from "../../src/collector/runtime/process.js";
import { resolveEnvironment, type ResolvedPipeline } from "../../src/resolve/resolve.js";
import { makeRunSecrets, runSettings, startJaegerSink } from "../../src/replay/run.js";
import type { Sink } from "../../src/replay/sink.js";
import type { TlsMaterial } from "../../src/replay/tls-material.js";
import { loadRepoDescription, requireCollector } from "./repo.js";

/*
 * The real collector running one environment of tracing.yaml as `tracegen build` generates it,
 * with only addresses and secrets swapped (as in a replay): every port a free one on 127.0.0.1,
 * TLS from a throwaway CA, a random bearer token, and a sink standing where Jaeger would.
 */

export interface GeneratedCollector {
  collector: CollectorProcess;
  addresses: RuntimeAddresses;
  /** Where the collector's trace exporter delivers: what a trace store would receive. */
  sink: Sink;
  yaml: string;
  tls?: TlsMaterial;
  token?: string;
  /** Every line the collector wrote to stdout and stderr so far. */
  log(): string[];
  stop(): Promise<void>;
}

export async function startGeneratedCollector(
  environment: string,
  adjust: (pipeline: ResolvedPipeline) => void = () => undefined,
  /** Changes the generated config itself, to measure what the generator's choices are worth. */
  tamper: (config: CollectorConfig) => void = () => undefined,
): Promise<GeneratedCollector> {
  const binary = requireCollector();
  const loaded = await loadRepoDescription("tracing.yaml");
  const env = resolveEnvironment(loaded.description, environment);
  adjust(env.pipeline);
  const dir = await mkdtemp(join(tmpdir(), "tracegen-collector-"));
  const secrets = await makeRunSecrets(env.pipeline, dir);
  const { tls, token } = secrets;
  const sink: Sink = await startJaegerSink(env.pipeline, tls);
  const stopRest = async () => {
    await sink.close();
    await rm(dir, { recursive: true, force: true });
  };
  let launched: Launched;
  try {
    launched = await launchCollector({
      binary,
      env,
      dir,
      addresses: (pipeline) => freeAddresses(pipeline, runSettings(secrets, sink)),
      adjust: tamper,
      provenance: { source: "tracing.yaml", sha256: loaded.sha256, version: "test" },
    });
  } catch (error) {
    await stopRest();
    throw error;
  }
  const { collector, addresses, yaml } = launched;
  const stop = async () => {
    await collector.stop();
    await stopRest();
  };
  return {
    collector,
    addresses,
    sink,
    yaml,
    ...(tls ? { tls } : {}),
    ...(token ? { token } : {}),
    log: () => collector.log().lines,
    stop,
  };
}

/** A live process's resident set now (VmRSS) and at its peak (VmHWM), in bytes; throws once it is gone. */
export function memoryOf(pid: number): { resident: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { resident: kb("VmRSS"), peak: kb("VmHWM") };
}
