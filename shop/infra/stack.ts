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
 * half-way stops what had started. `startBackends` is the part that holds data, for runs that send
 * the services' spans somewhere else (a recorder) or start the services more than once (a benchmark).
 */

const MIGRATIONS = resolve(fileURLToPath(import.meta.url), "../../migrations");

type Log = (line: string) => void;

/** What a start has started so far, stopped in reverse order; a failure to stop one is logged, not thrown. */
export class Stops {
  private readonly parts: Array<[name: string, stop: () => Promise<void>]> = [];
  constructor(private readonly log: Log = () => undefined) {}
  add<T extends { stop(): Promise<void> }>(name: string, part: T): T {
    this.parts.push([name, () => part.stop()]);
    return part;
  }
  /** For a part whose stopping is not called `stop` (a server's close, a directory's removal). */
  onStop(name: string, stop: () => Promise<void>): void {
    this.parts.push([name, stop]);
  }
  /**
   * Runs a start with its own Stops. When the start fails, what it had started is stopped before
   * the error goes on; when it succeeds, stopping is left to what it returns.
   */
  static async startOrUndo<T>(log: Log | undefined, start: (stops: Stops) => Promise<T>): Promise<T> {
    const stops = new Stops(log);
    try {
      return await start(stops);
    } catch (error) {
      await stops.stopAll();
      throw error;
    }
  }
  async stopAll(): Promise<void> {
    for (const [name, stop] of this.parts.splice(0).reverse()) {
      const started = Date.now();
      await stop().then(
        () => this.log(`stopped ${name} in ${Date.now() - started} ms`),
        (error: Error) => this.log(`stopping ${name}: ${error.message}`),
      );
    }
  }
}

/**
 * The role the services and their migrations work as: it owns the shop's tables and may create
 * them in `public`, and is neither a superuser nor the databases' owner, so it cannot reach the
 * trace gateway's audit log kept in the same database (shop/infra/audit-log.ts).
 */
export const DATA_ROLE = "shop_data";

async function createDataRole(postgres: Postgres, databases: string[]): Promise<void> {
  await postgres.administer("postgres", `CREATE ROLE ${DATA_ROLE} LOGIN`);
  await postgres.givePassword(DATA_ROLE);
  for (const database of databases)
    await postgres.administer(database, `GRANT CREATE ON SCHEMA public TO ${DATA_ROLE}`);
}

export interface Backends {
  postgres: Postgres;
  rabbit: RabbitMq;
  shopDbUrl: string;
  mesDbUrl: string;
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export async function startBackends(log: Log = () => undefined): Promise<Backends> {
  return Stops.startOrUndo(log, async (stops) => {
    const [postgres, rabbit] = await Promise.all([
      startPostgres().then((p) => stops.add("PostgreSQL", p)),
      startRabbitMq().then((r) => stops.add("RabbitMQ", r)),
    ]);
    log(`postgresql on :${postgres.port}, rabbitmq on :${rabbit.port}`);
    await Promise.all([postgres.createDatabase("shop"), postgres.createDatabase("mes")]);
    await createDataRole(postgres, ["shop", "mes"]);
    const shopDbUrl = postgres.urlAs(DATA_ROLE, "shop");
    const mesDbUrl = postgres.urlAs(DATA_ROLE, "mes");
    await Promise.all([migrate(shopDbUrl, join(MIGRATIONS, "shop-db")), migrate(mesDbUrl, join(MIGRATIONS, "mes-db"))]);
    return {
      postgres,
      rabbit,
      shopDbUrl,
      mesDbUrl,
      timings: {
        postgresInitdb: postgres.timings.initdbMs,
        postgresStart: postgres.timings.startMs,
        rabbitmqStart: rabbit.timings.startMs,
      },
      stop: () => stops.stopAll(),
    };
  });
}

export interface TracingBackend {
  jaeger: Jaeger;
  collector: ShopCollector;
  /** The HMAC key the collector pseudonymizes with, so tests can recompute a pseudonym. */
  pseudonymKey: string;
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export async function startTracingBackend(log: Log = () => undefined): Promise<TracingBackend> {
  return Stops.startOrUndo(log, async (stops) => {
    const jaeger = stops.add("Jaeger", await startJaeger());
    const pseudonymKey = randomBytes(32).toString("hex");
    const collector = stops.add(
      "otelcol-shop",
      await startShopCollector({ jaegerOtlpGrpc: jaeger.otlpGrpc, pseudonymKey }),
    );
    log(
      `jaeger at ${jaeger.queryUrl}; otelcol-shop (dev config) receiving on ${collector.otlpGrpc} (gRPC) and ${collector.otlpHttp} (HTTP)`,
    );
    return {
      jaeger,
      collector,
      pseudonymKey,
      timings: { jaegerStart: jaeger.timings.startMs, collectorStart: collector.timings.startMs },
      stop: () => stops.stopAll(),
    };
  });
}

export interface Shop extends Omit<Backends, "stop" | "timings">, Omit<TracingBackend, "stop" | "timings"> {
  services: Services;
  /** Milliseconds each part took to become ready. */
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export async function startShop(options: ServiceOptions & { log?: Log } = {}): Promise<Shop> {
  const log = options.log ?? (() => undefined);
  return Stops.startOrUndo(log, async (stops) => {
    const started = Date.now();
    const [backends, tracing] = await Promise.all([
      startBackends(log).then((b) => stops.add("the databases and the broker", b)),
      startTracingBackend(log).then((t) => stops.add("Jaeger and the collector", t)),
    ]);
    const services = stops.add(
      "the services",
      await startServices(
        {
          amqpUrl: backends.rabbit.url,
          shopDbUrl: backends.shopDbUrl,
          mesDbUrl: backends.mesDbUrl,
          otlpGrpc: tracing.collector.otlpGrpc,
          otlpHttp: tracing.collector.otlpHttp,
        },
        options,
      ),
    );
    const { stop: _b, timings: backendTimings, ...data } = backends;
    const { stop: _t, timings: tracingTimings, ...trace } = tracing;
    return {
      ...data,
      ...trace,
      services,
      timings: {
        ...backendTimings,
        ...tracingTimings,
        servicesStart: services.timings.startMs,
        total: Date.now() - started,
      },
      stop: () => stops.stopAll(),
    };
  });
}
