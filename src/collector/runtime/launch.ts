import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { compileCollectorConfig } from "../../compile/index.js";
import { referencedEnvVars, renderCollectorYaml, type Provenance } from "../../emit/render.js";
import type { ResolvedEnvironment, ResolvedPipeline } from "../../resolve/resolve.js";
import type { CollectorConfig } from "../config.js";
import { runtimePipeline, type RuntimeAddresses } from "./addresses.js";
import { onFreePorts } from "../../process/child.js";
import { CollectorFailure, startCollector, type CollectorProcess } from "./process.js";

/*
 * The one way tracegen runs a generated config: compiled from the resolved environment with only
 * addresses and secrets swapped, written to a file, started, and probed until healthy. Ports are
 * picked free just before the collector binds them, so another process can win the race: then the
 * collector is started again on new ports.
 */

export interface LaunchSpec {
  binary: string;
  env: ResolvedEnvironment;
  /** Where the config file is written; the caller owns and removes it. */
  dir: string;
  /** Fresh addresses for each attempt (see freeAddresses). */
  addresses: (pipeline: ResolvedPipeline) => Promise<RuntimeAddresses>;
  /** Changes the compiled config before it is written (a shorter decision_wait, a break on purpose). */
  adjust?: (config: CollectorConfig) => void;
  provenance: Omit<Provenance, "environment">;
  /** Values for the config's ${env:VAR} references beyond those the swap provides. */
  variables?: Record<string, string | undefined>;
  healthTimeoutMs?: number;
}

export interface Launched {
  collector: CollectorProcess;
  config: CollectorConfig;
  addresses: RuntimeAddresses;
  /** The config as written. */
  yaml: string;
}

const HEALTHY_WITHIN_MS = 30_000;

export async function launchCollector(spec: LaunchSpec): Promise<Launched> {
  return onFreePorts(async () => {
    const addresses = await spec.addresses(spec.env.pipeline);
    const runtime = runtimePipeline(spec.env.pipeline, addresses);
    const config = compileCollectorConfig({ ...spec.env, pipeline: runtime.pipeline });
    spec.adjust?.(config);
    const yaml = renderCollectorYaml(config, { ...spec.provenance, environment: spec.env.name });
    const env = collectorEnvironment(yaml, { ...spec.variables, ...runtime.env });
    const configFile = join(spec.dir, "collector.yaml");
    await writeFile(configFile, yaml);
    const collector = await startHealthy(spec.binary, configFile, env, addresses, spec.healthTimeoutMs);
    return { collector, config, addresses, yaml };
  });
}

/** The collector started and answering its health check, or stopped again and the failure thrown. */
export async function startHealthy(
  binary: string,
  configFile: string,
  env: Record<string, string>,
  addresses: Pick<RuntimeAddresses, "health">,
  timeoutMs = HEALTHY_WITHIN_MS,
): Promise<CollectorProcess> {
  const collector = startCollector(binary, configFile, env);
  try {
    await collector.waitHealthy(`http://${addresses.health}/`, timeoutMs);
    return collector;
  } catch (error) {
    await collector.stop();
    throw error;
  }
}

/** Only what the config references, plus PATH: the collector never sees its starter's own environment. */
export function collectorEnvironment(
  yaml: string,
  provided: Record<string, string | undefined>,
): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env["PATH"] ?? "/usr/bin:/bin" };
  const missing: string[] = [];
  for (const name of referencedEnvVars(yaml)) {
    const value = provided[name] ?? process.env[name];
    if (value === undefined) missing.push(name);
    else env[name] = value;
  }
  if (missing.length > 0)
    throw new CollectorFailure(
      `the config references \${env:${missing.join("}, ${env:")}} and nothing provides it`,
      [],
    );
  return env;
}
