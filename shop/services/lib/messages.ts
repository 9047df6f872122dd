import { Unprocessable } from "./broker.js";

/*
 * The bodies of the shop's messages, and their checks: a message that does not have the shape its
 * queue promises is unprocessable (dead-lettered), not retried forever.
 */

export interface CostRequest {
  orderId: string;
  bytes: number;
  material: string;
}

export interface CostResult {
  orderId: string;
  priceCents: number;
  currency: string;
}

export interface OrderConfirmed {
  orderId: string;
  jobId: number;
}

export interface OrderExecuted {
  orderId: string;
  jobId: number;
  outcome: "produced";
}

type Shape<T> = { [K in keyof T]: "string" | "number" };

function check<T>(body: unknown, shape: Shape<T>, what: string): T {
  if (typeof body !== "object" || body === null) throw new Unprocessable(`${what}: the body is not an object`);
  for (const [key, type] of Object.entries(shape)) {
    const value = (body as Record<string, unknown>)[key];
    if (typeof value !== type || (type === "number" && !Number.isFinite(value)))
      throw new Unprocessable(`${what}: ${key} must be a ${type}, found ${JSON.stringify(value)}`);
  }
  return body as T;
}

export const asCostRequest = (b: unknown) =>
  check<CostRequest>(b, { orderId: "string", bytes: "number", material: "string" }, "cost request");
export const asCostResult = (b: unknown) =>
  check<CostResult>(b, { orderId: "string", priceCents: "number", currency: "string" }, "cost result");
export const asOrderConfirmed = (b: unknown) =>
  check<OrderConfirmed>(b, { orderId: "string", jobId: "number" }, "order confirmation");
export const asOrderExecuted = (b: unknown) =>
  check<OrderExecuted>(b, { orderId: "string", jobId: "number", outcome: "string" }, "execution event");
