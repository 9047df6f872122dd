import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { faultBaggageHeader, type Fault } from "../services/lib/faults.js";
import { PARTNER_KEY_HEADER } from "../services/lib/partners.js";
import { SESSION_COOKIE, sessionCookieValue, type Customer } from "../services/lib/session.js";

/*
 * What customers and the shop floor do, from outside the shop: upload order files, confirm orders
 * into production, and watch an order's status in the Shop DB. The driver is not instrumented: the
 * first traced span of each flow is the shop's own, as in production.
 */

export interface Uploaded {
  orderId: string;
}

export class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function uploadOrder(
  shopApi: string,
  upload: {
    fileName: string;
    content: Uint8Array;
    contentType?: string;
    /** A customer with a shop session, or a partner's system with its API key. */
    customer?: Customer;
    partnerKey?: string;
    /** The customer's IP, passed on as a load balancer would (X-Forwarded-For). */
    customerAddress?: string;
    fault?: Fault;
  },
): Promise<Uploaded> {
  const response = await fetch(`${shopApi}/api/orders?file=${encodeURIComponent(upload.fileName)}`, {
    method: "POST",
    body: Buffer.from(upload.content),
    headers: {
      "content-type": upload.contentType ?? "model/stl",
      ...(upload.customer && { cookie: `${SESSION_COOKIE}=${sessionCookieValue(upload.customer)}` }),
      ...(upload.partnerKey !== undefined && { [PARTNER_KEY_HEADER]: upload.partnerKey }),
      ...(upload.customerAddress ? { "x-forwarded-for": upload.customerAddress } : {}),
      ...(upload.fault ? faultBaggageHeader(upload.fault) : {}),
    },
  });
  const body = (await response.json()) as { orderId?: string; error?: string };
  if (response.status !== 201 || !body.orderId)
    throw new Refused(response.status, body.error ?? `HTTP ${response.status}`);
  return { orderId: body.orderId };
}

export async function confirmOrder(
  mesApi: string,
  orderId: string,
  customerId: string,
  fault?: Fault,
): Promise<number> {
  const response = await fetch(`${mesApi}/orders/${orderId}/confirm`, {
    method: "POST",
    body: JSON.stringify({ customerId }),
    headers: { "content-type": "application/json", ...(fault ? faultBaggageHeader(fault) : {}) },
  });
  const body = (await response.json()) as { jobId?: number; error?: string };
  if (response.status !== 202 || body.jobId === undefined)
    throw new Refused(response.status, body.error ?? `HTTP ${response.status}`);
  return body.jobId;
}

export type OrderStatus = "quoted" | "confirmed" | "produced";

export async function waitForStatus(
  shopDbUrl: string,
  orderId: string,
  status: OrderStatus,
  timeoutMs = 30_000,
): Promise<void> {
  const rank: Record<OrderStatus, number> = { quoted: 0, confirmed: 1, produced: 2 };
  const client = new pg.Client({ connectionString: shopDbUrl });
  await client.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const row = (
        await client.query<{ status: OrderStatus }>("SELECT status FROM orders WHERE order_id = $1", [orderId])
      ).rows[0];
      if (row && rank[row.status] >= rank[status]) return;
      if (Date.now() > deadline)
        throw new Error(
          `order ${orderId} did not reach ${status} within ${timeoutMs / 1000} s (now: ${row?.status ?? "unknown"})`,
        );
      await delay(100);
    }
  } finally {
    await client.end();
  }
}

/** A small but valid ASCII STL (one triangle per facet asked for), so the files look like what customers send. */
export function stlModel(facets: number, name = "part"): Uint8Array {
  const lines = [`solid ${name}`];
  for (let i = 0; i < facets; i++) {
    lines.push(
      "  facet normal 0 0 1",
      "    outer loop",
      `      vertex ${i} 0 0`,
      `      vertex ${i + 1} 0 0`,
      `      vertex ${i} 1 0`,
      "    endloop",
      "  endfacet",
    );
  }
  lines.push(`endsolid ${name}`, "");
  return new TextEncoder().encode(lines.join("\n"));
}
