import { randomUUID } from "node:crypto";
import type { Tracer } from "@opentelemetry/api";
import amqp from "amqplib";
import pg from "pg";
import { onTable, runInSpan, withFlow } from "../../src/kit/index.js";

/*
 * One order's worth of the shop's plumbing: a span publishes a message, a consumer takes it and
 * looks a customer up by e-mail in PostgreSQL. The report says what the consumer saw in the
 * message headers, so the test can hold it against the spans.
 */

export interface RoundTripReport {
  orderId: string;
  headers: Record<string, string>;
}

export async function roundTrip(
  tracer: Tracer,
  settings: { postgresUrl: string; amqpUrl: string; email: string },
): Promise<RoundTripReport> {
  const pool = new pg.Pool({ connectionString: settings.postgresUrl });
  const connection = await amqp.connect(settings.amqpUrl);
  try {
    const channel = await connection.createConfirmChannel();
    const queue = `kit-probe-${randomUUID()}`;
    await channel.assertQueue(queue, { exclusive: true });
    await pool.query("CREATE TABLE IF NOT EXISTS customers (email text PRIMARY KEY, id text NOT NULL)");
    const orderId = `ord-${randomUUID().slice(0, 8)}`;
    const consumed = new Promise<Record<string, string>>((resolve, reject) => {
      void channel.consume(queue, (message) => {
        if (message === null) return;
        const headers = Object.fromEntries(
          Object.entries(message.properties.headers ?? {}).map(([k, v]) => [k, String(v)]),
        );
        onTable({ table: "customers", operation: "SELECT" }, () =>
          pool.query("SELECT id FROM customers WHERE email = $1", [settings.email]),
        ).then(
          () => {
            channel.ack(message);
            resolve(headers);
          },
          (error: unknown) => {
            channel.nack(message, false, false);
            reject(error);
          },
        );
      });
    });
    await tracer.startActiveSpan("place order", (span) =>
      runInSpan(span, () =>
        withFlow({ "order.id": orderId, "order.flow": "order-costing", "user.id": "customer-42" }, async () => {
          channel.publish("", queue, Buffer.from(JSON.stringify({ orderId })), { persistent: false });
          await channel.waitForConfirms();
        }),
      ),
    );
    const headers = await consumed;
    await channel.close();
    return { orderId, headers };
  } finally {
    await connection.close();
    await pool.end();
  }
}
