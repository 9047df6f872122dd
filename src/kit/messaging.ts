import { context, propagation, SpanKind, SpanStatusCode, type Span, type Tracer } from "@opentelemetry/api";
import type { AmqplibInstrumentationConfig } from "@opentelemetry/instrumentation-amqplib";
import { failureOf } from "./flow-context.js";

/*
 * The amqplib instrumentation injects the W3C trace context and baggage into every published
 * message's headers and extracts them when a message is consumed, so the consumer span is a child of
 * the publish span. It still names things in the pre-1.26 vocabulary; these hooks add the current
 * messaging attributes the collector's span metrics and the shop's dashboards group by.
 */

export const amqplibConfig: AmqplibInstrumentationConfig = {
  publishHook(span, info) {
    tagMessaging(span, "send", "publish", info.exchange, info.routingKey);
    span.updateName(`publish ${destinationName(info.exchange, info.routingKey)}`);
  },
  consumeHook(span, info) {
    const { exchange, routingKey } = info.msg.fields;
    tagMessaging(span, "process", "process", exchange, routingKey);
    span.updateName(`process ${destinationName(exchange, routingKey)}`);
  },
  // A nack makes the instrumentation set a generic status ("nack called on message"); the reason the
  // consumer gave, if it gave one, is what belongs there.
  consumeEndHook(span, info) {
    const reason = failureOf(span);
    if (info.rejected && reason !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
  },
};

function tagMessaging(span: Span, type: string, operation: string, exchange: string, routingKey: string): void {
  span.setAttributes({
    "messaging.system": "rabbitmq",
    "messaging.operation.type": type,
    "messaging.operation.name": operation,
    "messaging.destination.name": destinationName(exchange, routingKey),
    ...(routingKey !== "" && { "messaging.rabbitmq.destination.routing_key": routingKey }),
  });
}

/** The exchange, per the RabbitMQ conventions; the default exchange routes by queue name, so that name is the destination. */
const destinationName = (exchange: string, routingKey: string): string => (exchange === "" ? routingKey : exchange);

/** The part of a returned message the broker tells us about (amqplib's 'return' event payload). */
export interface ReturnedMessage {
  fields: { exchange: string; routingKey: string; replyCode: number; replyText: string };
  properties: { headers?: Record<string, unknown> | undefined };
}

/**
 * A message published with `mandatory` that no queue would take comes back from the broker and is
 * otherwise lost without a trace. This records the return as an error span in the message's own
 * trace, under the publish span (whose context the message still carries in its headers).
 */
export function traceReturnedMessage(tracer: Tracer, message: ReturnedMessage): void {
  const { exchange, routingKey, replyCode, replyText } = message.fields;
  const parent = propagation.extract(context.active(), message.properties.headers ?? {});
  const destination = destinationName(exchange, routingKey);
  const span = tracer.startSpan(
    `returned ${destination}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.system": "rabbitmq",
        "messaging.operation.type": "receive",
        "messaging.operation.name": "return",
        "messaging.destination.name": destination,
        ...(routingKey !== "" && { "messaging.rabbitmq.destination.routing_key": routingKey }),
        "error.type": replyText,
      },
    },
    parent,
  );
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: `the broker returned the message: ${replyCode} ${replyText} (no queue is bound to exchange '${exchange}' with routing key '${routingKey}')`,
  });
  span.end();
}
