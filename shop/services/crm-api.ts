import type { ConsumeMessage } from "amqplib";
import { trace, type Tracer } from "@opentelemetry/api";
import { currentFlowFacts, markFailed } from "../../src/kit/index.js";
import { connectBroker, Unprocessable } from "./lib/broker.js";
import { openDb, type Db } from "./lib/db.js";
import { need, needPort } from "./lib/env.js";
import { activeFault, FAULTS } from "./lib/faults.js";
import { HttpError, listen, readJson, Router, sendJson } from "./lib/http-server.js";
import { asCostResult, asOrderConfirmed, asOrderExecuted, type CostRequest } from "./lib/messages.js";
import { EXCHANGE, QUEUE, ROUTE } from "./lib/topology.js";

/*
 * CRM API: asks the MES for a price when an order file arrives, records quotes, confirmations and
 * production in the Shop DB as the MES reports them, and watches the dead-letter queue, where every
 * message a consumer could not process ends up, its trace context intact.
 */

export async function start(tracer: Tracer, log: (line: string) => void): Promise<() => Promise<void>> {
  const db = openDb(need("SHOP_DB_URL"), log);
  const broker = await connectBroker(need("AMQP_URL"), tracer, log);

  await broker.consume(QUEUE.costResults, async (body) => {
    const result = asCostResult(body);
    if (activeFault() === FAULTS.crmConsumerFails)
      throw new Unprocessable(
        `injected fault ${FAULTS.crmConsumerFails}: the CRM could not record the quote for ${result.orderId}`,
      );
    await recordQuote(db, result.orderId, result.priceCents, result.currency);
  });
  await broker.consume(QUEUE.confirmations, async (body) => {
    const { orderId } = asOrderConfirmed(body);
    await advance(db, orderId, "confirmed", "confirmed_at");
  });
  await broker.consume(QUEUE.executionEvents, async (body) => {
    const { orderId } = asOrderExecuted(body);
    await advance(db, orderId, "produced", "produced_at");
  });
  await broker.consume(QUEUE.deadLetters, async (_body, message) => {
    const reason = deadLetterReason(message);
    log(`dead letter: ${reason}`);
    const span = trace.getActiveSpan();
    if (span) {
      span.setAttribute("messaging.rabbitmq.dead_letter.from", String(firstDeath(message)?.queue ?? ""));
      markFailed(span, new Error(reason));
    }
  });

  const router = new Router().on("POST", "/costings", async (request, response) => {
    const body = await readJson<Partial<CostRequest> & { fileName?: string }>(request);
    if (typeof body.orderId !== "string" || typeof body.bytes !== "number" || body.bytes <= 0)
      throw new HttpError(400, "a costing needs orderId and bytes");
    const costRequest: CostRequest = { orderId: body.orderId, bytes: body.bytes, material: "PLA" };
    await broker.publish(EXCHANGE.costRequests, ROUTE.costRequest, costRequest);
    sendJson(response, 202, { orderId: body.orderId, status: "costing requested" });
  });
  const server = await listen(router, needPort("CRM_API_PORT"));
  log(`crm-api listening on 127.0.0.1:${server.port}`);
  return async () => {
    await server.close();
    await broker.close();
    await db.close();
  };
}

async function recordQuote(db: Db, orderId: string, priceCents: number, currency: string): Promise<void> {
  const customerId = currentFlowFacts()["user.id"] ?? "unknown";
  await db.query(
    { table: "orders", operation: "INSERT" },
    `INSERT INTO orders (order_id, customer_id, status, price_cents, currency, quoted_at)
     VALUES ($1, $2, 'quoted', $3, $4, now())
     ON CONFLICT (order_id) DO UPDATE SET price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency, quoted_at = now()`,
    [orderId, customerId, priceCents, currency],
  );
}

/** Later states never go back to earlier ones (a redelivered old event changes nothing). */
async function advance(db: Db, orderId: string, status: "confirmed" | "produced", column: string): Promise<void> {
  const customerId = currentFlowFacts()["user.id"] ?? "unknown";
  await db.query(
    { table: "orders", operation: "INSERT" },
    `INSERT INTO orders (order_id, customer_id, status, ${column}) VALUES ($1, $2, $3, now())
     ON CONFLICT (order_id) DO UPDATE SET ${column} = now(),
       status = CASE WHEN orders.status = 'produced' THEN orders.status ELSE EXCLUDED.status END`,
    [orderId, customerId, status],
  );
}

interface Death {
  queue?: unknown;
  reason?: unknown;
  count?: unknown;
}

const firstDeath = (message: ConsumeMessage): Death | undefined =>
  (message.properties.headers?.["x-death"] as Death[] | undefined)?.[0];

function deadLetterReason(message: ConsumeMessage): string {
  const death = firstDeath(message);
  if (death === undefined) return "a message arrived in the dead-letter queue without x-death";
  return `dead-lettered from queue ${String(death.queue)}: ${String(death.reason)} (${String(death.count)} time(s))`;
}
