import type { Tracer } from "@opentelemetry/api";
import { captureContext, withFlow } from "../../src/kit/index.js";
import { connectBroker, Unprocessable, Unroutable } from "./lib/broker.js";
import { openDb } from "./lib/db.js";
import { need, needPort } from "./lib/env.js";
import { activeFault, FAULTS } from "./lib/faults.js";
import { HttpError, listen, readJson, Router, sendJson } from "./lib/http-server.js";
import { asCostRequest, type CostResult, type OrderConfirmed, type OrderExecuted } from "./lib/messages.js";
import { quoteCents } from "./lib/pricing.js";
import { EXCHANGE, QUEUE, ROUTE } from "./lib/topology.js";

/*
 * MES API: prices cost requests, confirms orders into production (a job in the MES DB and a
 * confirmation to the CRM, both or neither) and reports finished jobs to the CRM.
 */

export async function start(tracer: Tracer, log: (line: string) => void): Promise<() => Promise<void>> {
  const db = openDb(need("MES_DB_URL"), log);
  const broker = await connectBroker(need("AMQP_URL"), tracer, log);

  await broker.consume(QUEUE.costRequests, async (body) => {
    const request = asCostRequest(body);
    let priceCents: number;
    try {
      priceCents = quoteCents(request.bytes, request.material);
    } catch (error) {
      throw new Unprocessable((error as Error).message);
    }
    const result: CostResult = { orderId: request.orderId, priceCents, currency: "EUR" };
    await broker.publish(EXCHANGE.costResults, ROUTE.costResult, result);
  });

  const router = new Router()
    .on("POST", "/orders/:orderId/confirm", async (request, response) => {
      const { orderId = "" } = request.params;
      const { customerId } = await readJson<{ customerId?: string }>(request);
      if (typeof customerId !== "string" || customerId === "")
        throw new HttpError(400, "a confirmation needs the customerId");
      await withFlow({ "order.id": orderId, "order.flow": "order-confirmation", "user.id": customerId }, async () => {
        // The job and the confirmation go together: if the broker does not take the confirmation,
        // the job is rolled back and the caller told, instead of a job nobody else knows about.
        const jobId = await db.transaction(async (tx) => {
          const inserted = await tx.query<{ id: string }>(
            { table: "jobs", operation: "INSERT" },
            `INSERT INTO jobs (order_id, customer_id, trace_context) VALUES ($1, $2, $3)
             ON CONFLICT (order_id) DO NOTHING RETURNING id`,
            [orderId, customerId, JSON.stringify(captureContext())],
          );
          const id = inserted.rows[0]?.id;
          if (id === undefined) throw new HttpError(409, `order ${orderId} is already confirmed`);
          const confirmed: OrderConfirmed = { orderId, jobId: Number(id) };
          const routingKey = activeFault() === FAULTS.neverConsumed ? `${ROUTE.confirmed}.priority` : ROUTE.confirmed;
          await broker.publish(EXCHANGE.confirmations, routingKey, confirmed).catch((error: Error) => {
            throw error instanceof Unroutable
              ? new HttpError(502, `the confirmation of ${orderId} could not be delivered: ${error.message}`)
              : error;
          });
          return Number(id);
        });
        sendJson(response, 202, { orderId, jobId });
      });
    })
    .on("POST", "/jobs/:jobId/completed", async (request, response) => {
      const jobId = Number(request.params.jobId);
      const { orderId } = await readJson<{ orderId?: string }>(request);
      if (!Number.isInteger(jobId) || typeof orderId !== "string")
        throw new HttpError(400, "a completion needs a job id and orderId");
      const event: OrderExecuted = { orderId, jobId, outcome: "produced" };
      await broker.publish(EXCHANGE.executionEvents, ROUTE.executed, event);
      sendJson(response, 202, { orderId, jobId });
    });
  const server = await listen(router, needPort("MES_API_PORT"));
  log(`mes-api listening on 127.0.0.1:${server.port}`);
  return async () => {
    await server.close();
    await broker.close();
    await db.close();
  };
}
