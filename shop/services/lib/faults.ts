import { context, propagation, type Context } from "@opentelemetry/api";

/*
 * Faults the reference shop can be asked to show, for one order at a time. The request that starts
 * the order's flow carries `shop.fault=<name>` in its W3C baggage; baggage travels with the trace
 * context across HTTP and RabbitMQ, so the service where the fault belongs sees it without any other
 * plumbing. Nothing else in the services knows about faults.
 */

export const FAULTS = {
  /** The MES's print step takes far longer than usual (order-execution). */
  slowMes: "slow-mes",
  /** The CRM's consumer of cost results fails; the message is dead-lettered (order-costing). */
  crmConsumerFails: "crm-consumer-fails",
  /** The order confirmation is published where no queue takes it (order-confirmation). */
  neverConsumed: "never-consumed",
} as const;

export type Fault = (typeof FAULTS)[keyof typeof FAULTS];

export const FAULT_KEY = "shop.fault";

const known = new Set<string>(Object.values(FAULTS));

export function activeFault(ctx: Context = context.active()): Fault | undefined {
  const value = propagation.getBaggage(ctx)?.getEntry(FAULT_KEY)?.value;
  return value !== undefined && known.has(value) ? (value as Fault) : undefined;
}

/** The baggage header a caller outside the shop sends to ask for a fault. */
export const faultBaggageHeader = (fault: Fault): Record<string, string> => ({ baggage: `${FAULT_KEY}=${fault}` });
