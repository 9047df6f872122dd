import { execa } from "execa";

/*
 * The benchmark's load: contrib's telemetrygen, an outside OTLP client, started once per
 * profile so the spans differ the way the shop's do (HTTP with URLs, RabbitMQ, SQL, and a
 * share carrying personal data), all profiles at once so their requests interleave.
 * telemetrygen sets the same attributes on every span of a run, a root and CHILD_SPANS
 * children per trace.
 */

type AttributeValue = string | number | readonly string[];

export interface LoadProfile {
  name: string;
  /** The order.flow value every span carries, or none (the `unmatched` share). */
  flow: string | undefined;
  service: string;
  /** Each profile's share of the traces. */
  weight: number;
  attributes: Readonly<Record<string, AttributeValue>>;
}

export const CHILD_SPANS = 3;
export const SPANS_PER_TRACE = CHILD_SPANS + 1;

const USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

/** Eleven to thirteen attributes of ours per span; telemetrygen adds its own (peer address, service). */
export const SHOP_PROFILES: readonly LoadProfile[] = [
  {
    name: "upload",
    flow: "order-upload",
    service: "shop-api",
    weight: 1,
    attributes: {
      "http.request.method": "POST",
      "http.route": "/api/orders/{id}/files",
      "url.full": "https://shop.example/api/orders/104233/files?lang=en&page=2&sort=desc",
      "http.response.status_code": 201,
      "http.request.header.user-agent": USER_AGENT,
      "user.id": "u-004233",
      "client.address": "203.0.113.7",
      "order.id": 104233,
      "app.message": "order 104233 accepted for costing after 41 ms, 3 files, queue depth 12",
      "request.id": "550e8400-e29b-41d4-a716-446655440000",
      "thread.name": "worker-3",
      "app.tags": ["express", "eu-west", "pla"],
    },
  },
  {
    name: "costing",
    flow: "order-costing",
    service: "crm-api",
    weight: 1,
    attributes: {
      "messaging.system": "rabbitmq",
      "messaging.destination.name": "mes.costing.requests",
      "messaging.operation.type": "publish",
      "messaging.message.id": "msg-7f3c2a91",
      "messaging.message.body.size": 2048,
      "user.id": "u-000871",
      "order.id": 104234,
      "app.message": "costing requested for 3 parts, PLA, 0.2 mm layers, estimated 4 h 12 min print time",
      "server.address": "rabbitmq.shop.internal",
      "server.port": 5672,
      "thread.name": "amqp-consumer-1",
      "app.tags": ["costing", "batch"],
    },
  },
  {
    name: "confirmation",
    flow: "order-confirmation",
    service: "crm-api",
    weight: 1,
    attributes: {
      "db.system.name": "postgresql",
      "db.collection.name": "orders",
      "db.operation.name": "UPDATE",
      "db.query.text":
        "UPDATE orders SET status = 'confirmed', confirmed_at = now() WHERE id = 104235 AND customer_id = 4235",
      "db.namespace": "shop",
      "server.address": "shop-db.shop.internal",
      "server.port": 5432,
      "user.id": "u-004235",
      "order.id": 104235,
      "app.message": "order 104235 confirmed by the MES, slot 14:00-16:00 on printer P-07",
      "thread.name": "pg-pool-2",
      "app.tags": ["confirmation"],
    },
  },
  {
    name: "execution",
    flow: "order-execution",
    service: "mes-api",
    weight: 1,
    attributes: {
      "db.system.name": "postgresql",
      "db.collection.name": "jobs",
      "db.operation.name": "SELECT",
      "db.query.text":
        "SELECT j.id, j.printer, j.state FROM jobs j WHERE j.order_id = 104236 AND j.state IN ('queued', 'printing') LIMIT 20",
      "db.namespace": "mes",
      "server.address": "mes-db.shop.internal",
      "server.port": 5432,
      "order.id": 104236,
      "app.message": "job 88123 started on printer P-07, nozzle 0.4 mm, filament PLA black",
      "thread.name": "scheduler",
      "app.tags": ["execution", "printer-p07"],
    },
  },
  {
    name: "personal",
    flow: "order-upload",
    service: "shop-api",
    weight: 1,
    attributes: {
      "http.request.method": "GET",
      "http.route": "/api/customers/{id}",
      "url.full": "https://shop.example/api/customers/4233?email=jane.doe%40example.com&token=tk_9f8e7d6c",
      "http.response.status_code": 200,
      "http.request.header.authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
      "user.email": "jane.doe@example.com",
      "user.id": "u-004233",
      "client.address": "198.51.100.23",
      "db.query.text": "SELECT id FROM customers WHERE email = 'jane.doe@example.com' AND phone = '+49 30 12345678'",
      "app.message": "customer jane.doe@example.com paid with 4111 1111 1111 1111, callback +44 20 7946 0958",
      "app.note": "IBAN DE89 3704 0044 0532 0130 00, deliver to Hauptstr. 5, 10115 Berlin",
      "order.id": 104237,
      "app.tags": ["vip", "call jane.doe@example.com first"],
    },
  },
];

export interface LoadTarget {
  endpoint: string;
  tls?: { caFile: string; certFile: string; keyFile: string };
  token?: string;
}

export interface LoadPlan {
  /** Traces per profile, in SHOP_PROFILES order. */
  traces: number[];
  spans: number;
  /** Spans per second per profile: telemetrygen's --rate paces each span of a worker, one worker each. */
  ratePerProfile: number;
}

/** About `spans` spans, split by weight, sent at about `spansPerSecond` in all. */
export function planLoad(spans: number, spansPerSecond: number, profiles = SHOP_PROFILES): LoadPlan {
  const total = profiles.reduce((n, p) => n + p.weight, 0);
  const traces = profiles.map((p) => Math.max(1, Math.round((spans / SPANS_PER_TRACE) * (p.weight / total))));
  return {
    traces,
    spans: traces.reduce((n, t) => n + t, 0) * SPANS_PER_TRACE,
    ratePerProfile: spansPerSecond / profiles.length,
  };
}

/** telemetrygen's flag syntax: key="value", key=123, key=["a","b"]. */
function attributeFlag(key: string, value: AttributeValue): string {
  if (typeof value === "number") return `${key}=${value}`;
  if (typeof value === "string") return `${key}=${JSON.stringify(value)}`;
  return `${key}=[${value.map((v) => JSON.stringify(v)).join(",")}]`;
}

export function telemetrygenArgs(profile: LoadProfile, traces: number, rate: number, target: LoadTarget): string[] {
  const attributes = { ...profile.attributes, ...(profile.flow ? { "order.flow": profile.flow } : {}) };
  return [
    "traces",
    "--otlp-endpoint",
    target.endpoint,
    ...(target.tls
      ? [
          "--ca-cert",
          target.tls.caFile,
          "--mtls",
          "--client-cert",
          target.tls.certFile,
          "--client-key",
          target.tls.keyFile,
        ]
      : ["--otlp-insecure"]),
    ...(target.token ? ["--otlp-header", `Authorization="Bearer ${target.token}"`] : []),
    "--service",
    profile.service,
    "--otlp-attributes",
    'service.namespace="shop3d"',
    "--otlp-attributes",
    'deployment.environment.name="bench"',
    ...Object.entries(attributes).flatMap(([k, v]) => ["--telemetry-attributes", attributeFlag(k, v)]),
    "--child-spans",
    String(CHILD_SPANS),
    "--traces",
    String(traces),
    "--workers",
    "1",
    "--rate",
    rate.toFixed(2),
  ];
}

/** Every profile's telemetrygen at once; rejects with its output when one fails (it stops on a refused export). */
export async function sendLoad(binary: string, plan: LoadPlan, target: LoadTarget, profiles = SHOP_PROFILES) {
  await Promise.all(
    profiles.map(async (profile, i) => {
      const run = await execa(binary, telemetrygenArgs(profile, plan.traces[i]!, plan.ratePerProfile, target), {
        reject: false,
        all: true,
        timeout: 600_000,
      });
      if (run.exitCode !== 0 || run.timedOut)
        throw new Error(
          `telemetrygen (${profile.name}) ${run.timedOut ? "timed out" : `exited ${run.exitCode}`}:\n${run.all?.split("\n").slice(-15).join("\n")}`,
        );
    }),
  );
}
