import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { trace, type Tracer } from "@opentelemetry/api";
import amqp, { type ChannelModel, type ConfirmChannel, type ConsumeMessage } from "amqplib";
import { markFailed, traceReturnedMessage, type ReturnedMessage } from "../../../src/kit/index.js";
import { assertTopology } from "./topology.js";

/*
 * A service's RabbitMQ connection. amqplib's recovery reconnects after the broker went away; each
 * (re)connect opens a fresh confirm channel, asserts the topology and resumes the consumers.
 * Publishing waits for the broker's confirm, so a message is either with the broker or the caller
 * knows it is not: a publish made while the broker is down waits for the reconnect (bounded), one
 * that no queue takes (returned as unroutable) fails.
 */

/** The message cannot be processed, now or ever: it goes to the dead-letter queue. */
export class Unprocessable extends Error {
  override name = "Unprocessable";
}

export class Unroutable extends Error {
  override name = "Unroutable";
}

export type Handler = (body: unknown, message: ConsumeMessage) => Promise<void>;

export interface Broker {
  publish(exchange: string, routingKey: string, body: unknown): Promise<void>;
  /** Registered now and again after every reconnect. */
  consume(queue: string, handler: Handler): Promise<void>;
  close(): Promise<void>;
}

const PUBLISH_WAIT_MS = 20_000;
/** A message that failed for a passing reason (a database still down after retries) is requeued after this pause. */
const REQUEUE_PAUSE_MS = 1000;

export async function connectBroker(url: string, tracer: Tracer, log: (line: string) => void): Promise<Broker> {
  let channel: ConfirmChannel | undefined;
  const consumers: Array<[queue: string, handler: Handler]> = [];
  const returned = new Set<string>();

  const startConsumer = async (ch: ConfirmChannel, queue: string, handler: Handler) => {
    await ch.consume(queue, (message) => {
      if (message !== null) void handle(ch, message, handler, log);
    });
  };

  const connection = await amqp.connect(url, {
    recovery: {
      initialDelay: 100,
      maxDelay: 2000,
      initialMaxRetries: 50,
      maxRetries: Infinity,
      async setup(model: ChannelModel) {
        const ch = await model.createConfirmChannel();
        ch.on("error", (error: Error) => log(`channel error: ${error.message}`));
        ch.on("return", (message: ReturnedMessage & { properties: { messageId?: unknown } }) => {
          if (message.properties.messageId) returned.add(String(message.properties.messageId));
          traceReturnedMessage(tracer, message);
        });
        await assertTopology(ch);
        await ch.prefetch(10);
        for (const [queue, handler] of consumers) await startConsumer(ch, queue, handler);
        channel = ch;
      },
    },
  });
  connection.on("disconnect", (error: Error) => {
    channel = undefined;
    log(`broker connection lost: ${error.message}; reconnecting`);
  });
  connection.on("connect", () => log("broker connected"));

  const currentChannel = async (): Promise<ConfirmChannel> => {
    const deadline = Date.now() + PUBLISH_WAIT_MS;
    while (channel === undefined) {
      if (Date.now() > deadline) throw new Error(`the broker has been unreachable for ${PUBLISH_WAIT_MS / 1000} s`);
      await delay(100);
    }
    return channel;
  };

  return {
    async publish(exchange, routingKey, body) {
      const ch = await currentChannel();
      const messageId = randomUUID();
      await new Promise<void>((resolve, reject) => {
        ch.publish(
          exchange,
          routingKey,
          Buffer.from(JSON.stringify(body)),
          { persistent: true, mandatory: true, messageId, contentType: "application/json" },
          (error: unknown) => {
            if (returned.delete(messageId))
              reject(new Unroutable(`no queue takes '${routingKey}' messages on exchange '${exchange}'`));
            else if (error) reject(new Error(`the broker refused the message: ${String(error)}`));
            else resolve();
          },
        );
      });
    },
    async consume(queue, handler) {
      consumers.push([queue, handler]);
      if (channel) await startConsumer(channel, queue, handler);
    },
    async close() {
      await connection.close();
    },
  };
}

async function handle(channel: ConfirmChannel, message: ConsumeMessage, handler: Handler, log: (line: string) => void) {
  // The consumer span (a child of the publish span) is active here: the instrumentation started it.
  const span = trace.getActiveSpan();
  try {
    let body: unknown;
    try {
      body = JSON.parse(message.content.toString("utf8"));
    } catch {
      throw new Unprocessable("the message body is not JSON");
    }
    await handler(body, message);
    channel.ack(message);
  } catch (error) {
    if (span) markFailed(span, error);
    const deadLetter = error instanceof Unprocessable;
    log(
      `${deadLetter ? "dead-lettering" : "requeueing"} a message from ${message.fields.exchange}: ${(error as Error).message}`,
    );
    if (!deadLetter) await delay(REQUEUE_PAUSE_MS);
    try {
      channel.nack(message, false, !deadLetter);
    } catch (nackError) {
      // The channel died with the connection; the broker redelivers the unacknowledged message.
      log(`could not nack: ${(nackError as Error).message}`);
    }
  }
}
