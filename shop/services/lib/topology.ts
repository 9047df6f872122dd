import type { Channel } from "amqplib";

/*
 * The shop's RabbitMQ topology. Each kind of message has an exchange of its own (so the exchange,
 * which the messaging conventions make the destination name, says what the message is) bound to one
 * durable queue. A message a consumer rejects goes to the dead-letters exchange, with its headers,
 * trace context included.
 */

export const EXCHANGE = {
  costRequests: "cost-requests",
  costResults: "cost-results",
  confirmations: "order-confirmations",
  executionEvents: "execution-events",
  deadLetters: "dead-letters",
} as const;

export const ROUTE = {
  costRequest: "cost.request",
  costResult: "cost.result",
  confirmed: "order.confirmed",
  executed: "order.executed",
} as const;

/** Work queues are named after their exchange and bound with their one routing key. */
const WORK: ReadonlyArray<[exchange: string, routingKey: string]> = [
  [EXCHANGE.costRequests, ROUTE.costRequest],
  [EXCHANGE.costResults, ROUTE.costResult],
  [EXCHANGE.confirmations, ROUTE.confirmed],
  [EXCHANGE.executionEvents, ROUTE.executed],
];

export const QUEUE = { ...EXCHANGE } as const;

/** Idempotent: every service asserts the whole topology on every (re)connect, so start order does not matter. */
export async function assertTopology(channel: Channel): Promise<void> {
  await channel.assertExchange(EXCHANGE.deadLetters, "fanout", { durable: true });
  await channel.assertQueue(QUEUE.deadLetters, { durable: true });
  await channel.bindQueue(QUEUE.deadLetters, EXCHANGE.deadLetters, "");
  for (const [exchange, routingKey] of WORK) {
    await channel.assertExchange(exchange, "direct", { durable: true });
    await channel.assertQueue(exchange, { durable: true, deadLetterExchange: EXCHANGE.deadLetters });
    await channel.bindQueue(exchange, exchange, routingKey);
  }
}
