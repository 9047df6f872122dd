import { access, constants, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import getPort from "get-port";
import { stringify } from "yaml";
import { startChild, StartFailure, tempDir, waitUntilReady, type Child } from "../../src/process/child.js";

/*
 * Jaeger v2 (built by scripts/build-jaeger.sh) as the shop's trace store: in-memory storage, OTLP/gRPC
 * in, the query UI and HTTP API out, every port free and on 127.0.0.1. Its defaults (4317, 4318,
 * 16686...) would collide with the collector and with other runs, so it always gets a config file,
 * written from the typed object below.
 */

export const JAEGER_BINARY = resolve(fileURLToPath(import.meta.url), "../../../build/jaeger");

export interface JaegerPorts {
  otlpGrpc: number;
  queryHttp: number;
  queryGrpc: number;
}

export function jaegerConfig(ports: JaegerPorts, maxTraces = 100_000): Record<string, unknown> {
  const local = (port: number) => `127.0.0.1:${port}`;
  return {
    service: {
      extensions: ["jaeger_storage", "jaeger_query"],
      pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
      // Jaeger's own metrics endpoint would take port 8888, like every collector's: not needed here.
      telemetry: { metrics: { level: "none" }, logs: { level: "warn" } },
    },
    extensions: {
      jaeger_storage: { backends: { memstore: { memory: { max_traces: maxTraces } } } },
      jaeger_query: {
        storage: { traces: "memstore" },
        // On by default: Jaeger would trace its own queries to localhost:4317, which is some other
        // collector's port here, and wait for that export when stopping.
        enable_tracing: false,
        http: { endpoint: local(ports.queryHttp) },
        grpc: { endpoint: local(ports.queryGrpc) },
      },
    },
    receivers: { otlp: { protocols: { grpc: { endpoint: local(ports.otlpGrpc) } } } },
    processors: { batch: {} },
    exporters: { jaeger_storage_exporter: { trace_storage: "memstore" } },
  };
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

export async function startJaeger(): Promise<Jaeger> {
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
    const ports: JaegerPorts = { otlpGrpc: await getPort(), queryHttp: await getPort(), queryGrpc: await getPort() };
    const configFile = join(dir.path, "jaeger.yaml");
    await writeFile(configFile, stringify(jaegerConfig(ports)));
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
