import { access, constants, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import getPort from "get-port";
import { stringify } from "yaml";
import { compileJaegerConfig } from "../../src/access/jaeger-config.js";
import type { ResolvedAccess } from "../../src/resolve/resolve.js";
import { onFreePorts, startChild, StartFailure, tempDir, waitUntilReady, type Child } from "../../src/process/child.js";

/*
 * Jaeger v2 (built by scripts/build-jaeger.sh) as the shop's trace store: in-memory storage unless a
 * caller names another, OTLP/gRPC in, the query UI and HTTP API out, every port free and on
 * 127.0.0.1. Its defaults (4317, 4318, 16686...) would collide with the collector and with other
 * runs, so it always gets a config file: the one `tracegen build` generates as jaeger.yaml, on free
 * ports.
 */

export const JAEGER_BINARY = resolve(fileURLToPath(import.meta.url), "../../../build/jaeger");

export interface JaegerPorts {
  otlpGrpc: number;
  queryHttp: number;
  queryGrpc: number;
  health: number;
  metrics: number;
}

type JaegerStorage = ResolvedAccess["jaeger"]["storage"];

const IN_MEMORY: JaegerStorage = { memory: { max_traces: 100_000 } };

/** The config `tracegen build` writes as jaeger.yaml, on ports free for this run. */
export function jaegerConfig(ports: JaegerPorts, storage: JaegerStorage = IN_MEMORY): Record<string, unknown> {
  return compileJaegerConfig({
    otlp_grpc: `127.0.0.1:${ports.otlpGrpc}`,
    query_http_port: ports.queryHttp,
    query_grpc_port: ports.queryGrpc,
    health_port: ports.health,
    metrics_port: ports.metrics,
    storage,
  });
}

export interface Jaeger {
  /** host:port of the OTLP/gRPC receiver (plaintext). */
  otlpGrpc: string;
  /** http://127.0.0.1:port: the UI and the HTTP API under /api. */
  queryUrl: string;
  child: Child;
  timings: { startMs: number };
  stop(): Promise<void>;
}

/** Jaeger on free ports; started again on others when another process took one first. */
export function startJaeger(storage: JaegerStorage = IN_MEMORY): Promise<Jaeger> {
  return onFreePorts(() => startJaegerOnce(storage));
}

async function startJaegerOnce(storage: JaegerStorage): Promise<Jaeger> {
  await access(JAEGER_BINARY, constants.X_OK).catch(() => {
    throw new StartFailure(`${JAEGER_BINARY} is missing: run \`npm run jaeger:build\` first`);
  });
  const dir = await tempDir("shop-jaeger-");
  let child: Child | undefined;
  const stop = async () => {
    await child?.stop();
    await dir.remove();
  };
  try {
    const ports: JaegerPorts = {
      otlpGrpc: await getPort(),
      queryHttp: await getPort(),
      queryGrpc: await getPort(),
      health: await getPort(),
      metrics: await getPort(),
    };
    const configFile = join(dir.path, "jaeger.yaml");
    await writeFile(configFile, stringify(jaegerConfig(ports, storage)));
    child = startChild({ name: "jaeger", command: JAEGER_BINARY, args: ["--config", configFile] });
    const queryUrl = `http://127.0.0.1:${ports.queryHttp}`;
    const startMs = await waitUntilReady(
      child,
      "Jaeger",
      30_000,
      async () => (await fetch(`${queryUrl}/api/services`)).ok,
    );
    return { otlpGrpc: `127.0.0.1:${ports.otlpGrpc}`, queryUrl, child, timings: { startMs }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
