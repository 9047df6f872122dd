import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startShopCollector, type ShopCollector } from "./collector.js";
import { startJaeger, type Jaeger } from "./jaeger.js";
import { migrate } from "./migrate.js";
import { startPostgres, type Postgres } from "./postgres.js";
import { startRabbitMq, type RabbitMq } from "./rabbitmq.js";
import { startServices, type ServiceOptions, type Services } from "./services.js";

/*
 * The whole reference shop: PostgreSQL (Shop DB and MES DB, migrated), RabbitMQ, Jaeger, otelcol-shop
 * with the dev config, and the five services sending to it. Stopped in reverse order; a failure
 * half-way stops what had started.
 */

const MIGRATIONS = resolve(fileURLToPath(import.meta.url), "../../migrations");

export interface Shop {
  postgres: Postgres;
  rabbit: RabbitMq;
  jaeger: Jaeger;
  collector: ShopCollector;
  services: Services;
  shopDbUrl: string;
  mesDbUrl: string;
  /** The HMAC key the collector pseudonymizes with, so tests can recompute a pseudonym. */
  pseudonymKey: string;
  /** Milliseconds each part took to become ready. */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export async function startShop(options: ServiceOptions & { log?: (line: string) => void } = {}): Promise<Shop> {
  const log = options.log ?? (() => undefined);
  const stops: Array<[name: string, stop: () => Promise<void>]> = [];
  const stop = async () => {
    for (const [name, s] of stops.reverse()) {
      const started = Date.now();
      await s().then(
        () => log(`stopped ${name} in ${Date.now() - started} ms`),
        (error: Error) => log(`stopping ${name}: ${error.message}`),
      );
    }
    stops.length = 0;
  };
  try {
    const started = Date.now();
    const [postgres, rabbit, jaeger] = await Promise.all([
      startPostgres().then((p) => (stops.push(["PostgreSQL", p.stop]), p)),
      startRabbitMq().then((r) => (stops.push(["RabbitMQ", r.stop]), r)),
      startJaeger().then((j) => (stops.push(["Jaeger", j.stop]), j)),
    ]);
    log(`postgresql on :${postgres.port}, rabbitmq on :${rabbit.port}, jaeger at ${jaeger.queryUrl}`);
    const pseudonymKey = randomBytes(32).toString("hex");
    const collector = await startShopCollector({ jaegerOtlpGrpc: jaeger.otlpGrpc, pseudonymKey });
    stops.push(["otelcol-shop", collector.stop]);
    log(`otelcol-shop (dev config) receiving on ${collector.otlpGrpc} (gRPC) and ${collector.otlpHttp} (HTTP)`);
    await Promise.all([postgres.createDatabase("shop"), postgres.createDatabase("mes")]);
    const shopDbUrl = postgres.url("shop");
    const mesDbUrl = postgres.url("mes");
    await Promise.all([migrate(shopDbUrl, join(MIGRATIONS, "shop-db")), migrate(mesDbUrl, join(MIGRATIONS, "mes-db"))]);
    const services = await startServices(
      { amqpUrl: rabbit.url, shopDbUrl, mesDbUrl, otlpGrpc: collector.otlpGrpc, otlpHttp: collector.otlpHttp },
      options,
    );
    stops.push(["the services", services.stop]);
    return {
      postgres,
      rabbit,
      jaeger,
      collector,
      services,
      shopDbUrl,
      mesDbUrl,
      pseudonymKey,
      timings: {
        postgresInitdb: postgres.timings.initdbMs,
        postgresStart: postgres.timings.startMs,
        rabbitmqStart: rabbit.timings.startMs,
        jaegerStart: jaeger.timings.startMs,
        collectorStart: collector.timings.startMs,
        servicesStart: services.timings.startMs,
        total: Date.now() - started,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
