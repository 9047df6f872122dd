import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import getPort from "get-port";
import type { ServiceName } from "../services/names.js";
import { onFreePorts, startChild, tempDir, waitUntilReady, type Child } from "../../src/process/child.js";

/*
 * The five services as separate Node processes, each on its own free port on 127.0.0.1, started the
 * way they would be deployed: `node --import tsx shop/services/main.ts <service>` with their settings
 * in the environment.
 */

const REPO = resolve(fileURLToPath(import.meta.url), "../../..");

export interface Backends {
  amqpUrl: string;
  shopDbUrl: string;
  mesDbUrl: string;
  /** host:port of the collector's OTLP receivers. */
  otlpGrpc: string;
  otlpHttp: string;
}

/**
 * How long the services' SDK holds spans before exporting them: a second instead of the SDK's five, so
 * traces show up in Jaeger sooner (the dev collector holds each trace for its decision_wait anyway), at a
 * slightly higher p99.
 */
export const SPAN_EXPORT_DELAY_MS = 1000;

export interface ServiceOptions {
  /**
   * How the services are traced: the kit (the default), the OpenTelemetry SDK set up by hand without the
   * kit, the kit's context propagation alone with no SDK, or not at all (OTEL_SDK_DISABLED); the last
   * three are the baselines of overhead comparisons.
   */
  tracing?: "kit" | "bare-sdk" | "context-only" | "off";
  maxUploadBytes?: number;
  /** Partner id → the API key its systems call the Shop API with. */
  partnerKeys?: Record<string, string>;
  /** CPU milliseconds every service spends on each request before handling it (benchmarks only). */
  simulatedWorkMs?: number;
  /** Every service writes a V8 CPU profile (`node --cpu-prof`) into this directory when it exits (benchmarks only). */
  cpuProfileDir?: string;
  onLine?: (service: ServiceName, line: string) => void;
}

export interface Services {
  urls: { shopApi: string; storage: string; crmApi: string; mesApi: string };
  children: Record<ServiceName, Child>;
  storageDir: string;
  timings: { startMs: number };
  stop(): Promise<void>;
}

/** The five services on free ports; started again on others when another process took one first. */
export function startServices(backends: Backends, options: ServiceOptions = {}): Promise<Services> {
  return onFreePorts(() => startServicesOnce(backends, options));
}

async function startServicesOnce(backends: Backends, options: ServiceOptions): Promise<Services> {
  const storage = await tempDir("shop-storage-");
  const storageDir = storage.path;
  const port: Record<ServiceName, number> = {
    "shop-api": await getPort(),
    "3d-storage": await getPort(),
    "crm-api": await getPort(),
    "mes-api": await getPort(),
    mes: await getPort(),
  };
  // Services listen on 127.0.0.1 but are addressed by name, as they would be in production: an address
  // in a span then names a service, and only a peer's socket address is an IP.
  const url = (name: ServiceName) => `http://localhost:${port[name]}`;
  const common = {
    PATH: process.env.PATH,
    NODE_ENV: "production",
    DEPLOYMENT_ENVIRONMENT: "dev",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${backends.otlpGrpc}`,
    OTEL_BSP_SCHEDULE_DELAY: String(SPAN_EXPORT_DELAY_MS),
    ...(options.tracing === "off" ? { OTEL_SDK_DISABLED: "true" } : {}),
    ...(options.tracing === "bare-sdk" || options.tracing === "context-only"
      ? { SHOP_TRACING_SETUP: options.tracing }
      : {}),
    ...(options.simulatedWorkMs ? { SHOP_SIMULATED_WORK_MS: String(options.simulatedWorkMs) } : {}),
    ...(options.maxUploadBytes !== undefined ? { SHOP_MAX_UPLOAD_BYTES: String(options.maxUploadBytes) } : {}),
  };
  const settings: Record<ServiceName, Record<string, string>> = {
    "shop-api": {
      SHOP_API_PORT: String(port["shop-api"]),
      STORAGE_URL: url("3d-storage"),
      COLLECTOR_OTLP_HTTP_URL: `http://${backends.otlpHttp}`,
      SHOP_PARTNER_KEYS: Object.entries(options.partnerKeys ?? {})
        .map(([partner, key]) => `${partner}:${key}`)
        .join(","),
    },
    "3d-storage": { STORAGE_PORT: String(port["3d-storage"]), STORAGE_DIR: storageDir, CRM_API_URL: url("crm-api") },
    "crm-api": { CRM_API_PORT: String(port["crm-api"]), AMQP_URL: backends.amqpUrl, SHOP_DB_URL: backends.shopDbUrl },
    "mes-api": { MES_API_PORT: String(port["mes-api"]), AMQP_URL: backends.amqpUrl, MES_DB_URL: backends.mesDbUrl },
    mes: { MES_HEALTH_PORT: String(port.mes), MES_DB_URL: backends.mesDbUrl, MES_API_URL: url("mes-api") },
  };
  const started = Date.now();
  const children = {} as Record<ServiceName, Child>;
  // A service says "ready" once it listens: until then a health answer on its port may be another process's.
  const listening = new Set<ServiceName>();
  const stop = async () => {
    // Producers first, so nothing new enters while the consumers drain.
    for (const group of [["shop-api", "mes"], ["3d-storage"], ["mes-api", "crm-api"]] as ServiceName[][])
      await Promise.all(group.map((name) => children[name]?.stop()));
    await storage.remove();
  };
  try {
    for (const name of Object.keys(settings) as ServiceName[]) {
      children[name] = startChild({
        name,
        command: process.execPath,
        args: [
          ...(options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
          "--import",
          "tsx",
          join(REPO, "shop/services/main.ts"),
          name,
        ],
        cwd: REPO,
        env: { ...common, ...settings[name] },
        onLine: (line) => {
          if (line === "ready") listening.add(name);
          options.onLine?.(name, line);
        },
      });
    }
    await Promise.all(
      (Object.keys(children) as ServiceName[]).map((name) =>
        waitUntilReady(
          children[name],
          name,
          60_000,
          async () => listening.has(name) && (await fetch(`${url(name)}/healthz`)).ok,
        ),
      ),
    );
    return {
      urls: { shopApi: url("shop-api"), storage: url("3d-storage"), crmApi: url("crm-api"), mesApi: url("mes-api") },
      children,
      storageDir,
      timings: { startMs: Date.now() - started },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
