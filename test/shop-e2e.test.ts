import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchStoreBrowser, type StoreBrowser } from "../shop/driver/browser.js";
import { waitForTrace, waitForTraceById, type Trace, type TraceSpan } from "../shop/driver/jaeger.js";
import { stlModel } from "../shop/driver/orders.js";
import { runScenario, type ScenarioOrder } from "../shop/driver/scenario.js";
import { startShop, type Shop } from "../shop/infra/stack.js";
import { FAULTS } from "../shop/services/lib/faults.js";

/*
 * The reference shop end to end: PostgreSQL, RabbitMQ, Jaeger, otelcol-shop with the dev config
 * generated from tracing.yaml, the five services, and orders driven through the four flows with the
 * three injected faults. Every check reads the traces back from Jaeger's HTTP API, after the
 * collector masked and sampled them.
 */

let shop: Shop;
let orders: ScenarioOrder[];
let browser: StoreBrowser | undefined;
const timings: Record<string, number> = {};

beforeAll(async () => {
  const started = Date.now();
  shop = await startShop();
  Object.assign(timings, shop.timings);
  const scenarioStarted = Date.now();
  orders = await runScenario({
    shopApi: shop.services.urls.shopApi,
    mesApi: shop.services.urls.mesApi,
    shopDbUrl: shop.shopDbUrl,
  });
  timings.scenario = Date.now() - scenarioStarted;
  timings.beforeAll = Date.now() - started;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await shop?.stop();
  console.log(`shop e2e timings (ms): ${JSON.stringify(timings)}`);
}, 60_000);

const order = (fault?: string): ScenarioOrder => {
  const found = orders.find((o) => o.fault === fault);
  if (!found) throw new Error(`the scenario has no order with fault ${fault}`);
  return found;
};

type Kind = TraceSpan["kind"];

interface Hop {
  service: string;
  kind: Kind;
  name?: string | RegExp;
  db?: string;
}

const hop = (service: string, kind: Kind, name?: string | RegExp, db?: string): Hop => ({
  service,
  kind,
  ...(name !== undefined && { name }),
  ...(db !== undefined && { db }),
});

function matches(span: TraceSpan, h: Hop): boolean {
  if (span.service !== h.service || span.kind !== h.kind) return false;
  if (h.name !== undefined && !(typeof h.name === "string" ? span.name === h.name : h.name.test(span.name)))
    return false;
  return h.db === undefined || span.tags["db.namespace"] === h.db;
}

/** The spans, one per hop, each the child of the one before; undefined if the trace has no such chain. */
function chain(trace: Trace, hops: Hop[], from?: TraceSpan): TraceSpan[] | undefined {
  const [first, ...rest] = hops;
  if (first === undefined) return [];
  for (const span of trace.spans.filter(
    (s) => matches(s, first) && (from === undefined || s.parentId === from.spanId),
  )) {
    const tail = chain(trace, rest, span);
    if (tail) return [span, ...tail];
  }
  return undefined;
}

function describeTrace(trace: Trace): string {
  return trace.spans
    .map(
      (s) =>
        `${s.service} ${s.kind} "${s.name}" ${s.spanId} <- ${s.parentId ?? "root"}${s.error ? ` ERROR ${s.statusMessage}` : ""}`,
    )
    .join("\n");
}

function expectChain(trace: Trace, hops: Hop[]): TraceSpan[] {
  const found = chain(trace, hops);
  expect(
    found,
    `trace ${trace.traceId} lacks the chain\n${JSON.stringify(hops)}\nit has:\n${describeTrace(trace)}`,
  ).toBeDefined();
  return found!;
}

const flowTrace = (service: string, o: ScenarioOrder, flow: string, complete: (t: Trace) => boolean) =>
  waitForTrace(
    shop.jaeger.queryUrl,
    { service, tags: { "order.id": o.orderId, "order.flow": flow } },
    complete,
    40_000,
  );

const hasChain = (hops: Hop[]) => (t: Trace) => chain(t, hops) !== undefined;

// The hops of the flows table in shop/README.md, as spans: HTTP calls are a client span and the callee's server span,
// RabbitMQ is a producer span and the consumer's span, a database is the query's client span.
const UPLOAD: Hop[] = [
  hop("shop-api", "server", "POST /api/orders"),
  hop("shop-api", "client"),
  hop("3d-storage", "server", "PUT /files/:orderId"),
];
const COSTING: Hop[] = [
  hop("3d-storage", "internal", "request costing"),
  hop("3d-storage", "client"),
  hop("crm-api", "server", "POST /costings"),
  hop("crm-api", "producer", "publish cost-requests"),
  hop("mes-api", "consumer", "process cost-requests"),
  hop("mes-api", "producer", "publish cost-results"),
  hop("crm-api", "consumer", "process cost-results"),
];
const CONFIRMATION: Hop[] = [
  hop("mes-api", "server", "POST /orders/:orderId/confirm"),
  hop("mes-api", "producer", "publish order-confirmations"),
  hop("crm-api", "consumer", "process order-confirmations"),
  hop("crm-api", "client", /^pg\.query/, "shop"),
];
const EXECUTION: Hop[] = [
  hop("mes", "internal", "execute job"),
  hop("mes", "client", /^POST/),
  hop("mes-api", "server", "POST /jobs/:jobId/completed"),
  hop("mes-api", "producer", "publish execution-events"),
  hop("crm-api", "consumer", "process execution-events"),
  hop("crm-api", "client", /^pg\.query/, "shop"),
];

describe("the reference shop, traced through otelcol-shop into Jaeger", () => {
  it("order-upload: the Shop API's request and 3D Storage's, one trace, storage a child of the Shop API's call", async () => {
    const trace = await flowTrace("shop-api", order(), "order-upload", hasChain(UPLOAD));
    expectChain(trace, UPLOAD);
  });

  it("order-upload from the store page in headless Chromium: the browser's span is the root of the Shop API's and 3D Storage's", async () => {
    const launched = Date.now();
    browser = await launchStoreBrowser();
    timings.chromiumLaunch = Date.now() - launched;
    const upload = await browser.upload(`${shop.services.urls.shopApi}/`, {
      name: "bracket.stl",
      mimeType: "model/stl",
      content: stlModel(50),
    });
    expect(upload.message).toMatch(/^Order ord-[0-9a-f]{12} received/);
    const hops = [hop("internet-shop", "client", "upload order file"), ...UPLOAD];
    const trace = await waitForTraceById(shop.jaeger.queryUrl, upload.traceId, hasChain(hops), 40_000);
    const [root, server] = expectChain(trace, hops);
    expect(root!.parentId).toBeUndefined();
    expect(root!.tags["order.id"]).toBe(upload.orderId);
    expect(root!.tags["order.flow"]).toBe("order-upload");
    expect(root!.tags["user.id"]).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(server!.tags["order.flow"]).toBe("order-upload");
    expect(JSON.stringify(trace.raw)).not.toContain(order().customer.id);
  });

  it("order-costing: 3D Storage → CRM API → RabbitMQ → MES API → RabbitMQ → CRM API in one trace, linked to its upload", async () => {
    const trace = await flowTrace("3d-storage", order(), "order-costing", hasChain(COSTING));
    const [root] = expectChain(trace, COSTING);
    expect(root!.parentId).toBeUndefined();
    expect(root!.links).toHaveLength(1);
    // The CRM records the quote in the Shop DB (a hop beyond the table: the quote must persist).
    expectChain(trace, [
      hop("crm-api", "consumer", "process cost-results"),
      hop("crm-api", "client", /^pg\.query/, "shop"),
    ]);
  });

  it("order-confirmation: MES API → RabbitMQ → CRM API → Shop DB, with the job stored in the MES DB", async () => {
    const trace = await flowTrace("mes-api", order(), "order-confirmation", hasChain(CONFIRMATION));
    expectChain(trace, CONFIRMATION);
    expectChain(trace, [
      hop("mes-api", "server", "POST /orders/:orderId/confirm"),
      hop("mes-api", "client", /^pg\.query:INSERT/, "mes"),
    ]);
  });

  it("order-execution: MES → MES DB → MES API → RabbitMQ → CRM API → Shop DB, linked to the confirmation", async () => {
    const trace = await flowTrace("mes", order(), "order-execution", hasChain(EXECUTION));
    const [root, call] = expectChain(trace, EXECUTION);
    const [, update] = expectChain(trace, [
      hop("mes", "internal", "execute job"),
      hop("mes", "client", /^pg\.query:UPDATE/, "mes"),
    ]);
    expect(update!.startUs).toBeLessThan(call!.startUs);
    expect(root!.links).toHaveLength(1);
  });

  it("every span carries order.id, order.flow and the pseudonymized user id; HTTP, messaging and database spans their conventions' attributes", async () => {
    const o = order();
    const pseudonym = `hmac:${createHmac("sha256", shop.pseudonymKey).update(o.customer.id).digest("hex").slice(0, 32)}`;
    const traces = await Promise.all([
      flowTrace("shop-api", o, "order-upload", hasChain(UPLOAD)),
      flowTrace("3d-storage", o, "order-costing", hasChain(COSTING)),
      flowTrace("mes-api", o, "order-confirmation", hasChain(CONFIRMATION)),
      flowTrace("mes", o, "order-execution", hasChain(EXECUTION)),
    ]);
    for (const trace of traces) {
      for (const span of trace.spans) {
        const where = `${span.service} "${span.name}"`;
        expect(span.tags["order.id"], where).toBe(o.orderId);
        expect(span.tags["order.flow"], where).toMatch(/^order-(upload|costing|confirmation|execution)$/);
        expect(span.tags["user.id"], where).toBe(pseudonym);
        if (span.kind === "server") {
          expect(span.tags["http.request.method"], where).toMatch(/^(GET|POST|PUT)$/);
          expect(span.tags["http.route"], where).toEqual(expect.any(String));
        }
        if (span.kind === "producer" || span.kind === "consumer") {
          expect(span.tags["messaging.system"], where).toBe("rabbitmq");
          expect(span.tags["messaging.destination.name"], where).toEqual(expect.any(String));
          expect(span.tags["messaging.operation.type"], where).toMatch(/^(send|process)$/);
        }
        if (span.tags["db.system.name"] !== undefined && !/BEGIN|COMMIT/.test(span.name)) {
          expect(span.tags["db.system.name"], where).toBe("postgresql");
          expect(span.tags["db.collection.name"], where).toMatch(/^(orders|jobs)$/);
          expect(span.tags["db.operation.name"], where).toMatch(/^(INSERT|UPDATE|SELECT)$/);
        }
      }
    }
  });

  it("nothing personal reaches Jaeger: not the customer's e-mail, name or raw id, in any flow", async () => {
    const o = order();
    const traces = await Promise.all([
      flowTrace("shop-api", o, "order-upload", hasChain(UPLOAD)),
      flowTrace("3d-storage", o, "order-costing", hasChain(COSTING)),
      flowTrace("mes-api", o, "order-confirmation", hasChain(CONFIRMATION)),
      flowTrace("mes", o, "order-execution", hasChain(EXECUTION)),
    ]);
    const everything = JSON.stringify(traces.map((t) => t.raw));
    for (const personal of [o.customer.email, o.customer.name, o.customer.id])
      expect(everything).not.toContain(personal);
    // The Shop API did put them on its span: masking removed or pseudonymized them.
    const upload = traces[0]!.spans.find((s) => s.name === "POST /api/orders")!;
    expect(upload.tags["user.email"]).toBeUndefined();
    expect(upload.tags["user.full_name"]).toBeUndefined();
    expect(upload.tags["enduser.id"]).toMatch(/^hmac:[0-9a-f]{32}$/);
  });

  it("a CRM consumer that fails: its span in the costing trace is an error with the reason, and the dead-lettered message shows under the same publish", async () => {
    const o = order(FAULTS.crmConsumerFails);
    const failing = [...COSTING];
    const trace = await flowTrace(
      "3d-storage",
      o,
      "order-costing",
      (t) => hasChain(failing)(t) && t.spans.some((s) => s.name === "process dead-letters"),
    );
    const spans = expectChain(trace, failing);
    const consumer = spans.at(-1)!;
    expect(consumer.error).toBe(true);
    expect(consumer.statusMessage).toContain("injected fault crm-consumer-fails");
    expect(
      consumer.events.some(
        (e) => e.event === "exception" && String(e["exception.message"]).includes("could not record the quote"),
      ),
    ).toBe(true);
    const publish = spans.at(-2)!;
    const deadLetter = trace.spans.find((s) => s.name === "process dead-letters")!;
    expect(deadLetter.service).toBe("crm-api");
    expect(deadLetter.parentId).toBe(publish.spanId);
    expect(deadLetter.error).toBe(true);
    expect(deadLetter.statusMessage).toMatch(/dead-lettered from queue cost-results: rejected/);
    // Nothing was recorded for the order: no Shop DB span under the failed consumer.
    expect(trace.spans.filter((s) => s.parentId === consumer.spanId)).toEqual([]);
  });

  it("a message never consumed: the broker's return is an error span under the publish in the confirmation trace, and no consumer ever saw it", async () => {
    const o = order(FAULTS.neverConsumed);
    expect(o.outcome).toMatch(/refused \(502\)/);
    const returned: Hop[] = [
      hop("mes-api", "server", "POST /orders/:orderId/confirm"),
      hop("mes-api", "producer", "publish order-confirmations"),
      hop("mes-api", "consumer", "returned order-confirmations"),
    ];
    const trace = await flowTrace("mes-api", o, "order-confirmation", hasChain(returned));
    const [server, , ret] = expectChain(trace, returned);
    expect(ret!.error).toBe(true);
    expect(ret!.statusMessage).toMatch(/312 NO_ROUTE/);
    expect(ret!.tags["messaging.rabbitmq.destination.routing_key"]).toBe("order.confirmed.priority");
    expect(server!.error).toBe(true);
    expect(server!.statusMessage).toMatch(/confirmation of .* could not be delivered/);
    expect(server!.tags["http.response.status_code"]).toBe(502);
    expect(trace.spans.filter((s) => s.service === "crm-api")).toEqual([]);
  });

  it("a slow MES step: the print span is the execution trace's longest below the job itself, far over its usual time", async () => {
    const o = order(FAULTS.slowMes);
    const trace = await flowTrace("mes", o, "order-execution", hasChain(EXECUTION));
    const print = trace.spans.find((s) => s.name === "print")!;
    // The step sleeps 1.5 s; a timer may fire a fraction of a millisecond before the span's clock agrees.
    expect(print.durationUs).toBeGreaterThanOrEqual(1_490_000);
    const others = trace.spans.filter((s) => s !== print && s.name !== "execute job");
    for (const s of others) expect(s.durationUs, `${s.service} "${s.name}"`).toBeLessThan(print.durationUs);
    const usual = (await flowTrace("mes", order(), "order-execution", hasChain(EXECUTION))).spans.find(
      (s) => s.name === "print",
    )!;
    expect(print.durationUs).toBeGreaterThan(10 * usual.durationUs);
  });
});
