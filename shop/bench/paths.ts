import { randomBytes } from "node:crypto";
import pg from "pg";
import { DEMO_CUSTOMER } from "../services/lib/session.js";
import { stlModel, uploadOrder } from "../driver/orders.js";

/*
 * The two measured paths. Upload: a customer's POST to the Shop API until its 201 (Shop API and 3D
 * Storage). Costing: a costing request to the CRM API until the quote is in the Shop DB (CRM API,
 * RabbitMQ, MES API, RabbitMQ, CRM API, Shop DB), observed through LISTEN/NOTIFY so that no polling
 * interval adds to the figure.
 */

export const uploadOnce = (shopApi: string, file: Uint8Array) => async (): Promise<void> => {
  await uploadOrder(shopApi, { fileName: "bench.stl", content: file, customer: DEMO_CUSTOMER });
};

export const BENCH_FILE = stlModel(200);

export interface CostingProbe {
  costOnce(): Promise<void>;
  close(): Promise<void>;
}

export async function costingProbe(crmApi: string, shopDbUrl: string): Promise<CostingProbe> {
  const listener = new pg.Client({ connectionString: shopDbUrl });
  await listener.connect();
  // Bench-only: a trigger that announces each new quote. Created here, not by the migrations.
  await listener.query(`
    CREATE OR REPLACE FUNCTION bench_announce_quote() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('bench_quoted', NEW.order_id); RETURN NEW; END $$;
    DROP TRIGGER IF EXISTS bench_announce_quote ON orders;
    CREATE TRIGGER bench_announce_quote AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION bench_announce_quote();
    LISTEN bench_quoted;`);
  const waiting = new Map<string, () => void>();
  listener.on("notification", (n) => {
    if (n.payload) waiting.get(n.payload)?.();
  });
  return {
    async costOnce() {
      const orderId = `ord-${randomBytes(6).toString("hex")}`;
      const quoted = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no quote for ${orderId} within 30 s`)), 30_000);
        waiting.set(orderId, () => {
          clearTimeout(timer);
          waiting.delete(orderId);
          resolve();
        });
      });
      const response = await fetch(`${crmApi}/costings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ orderId, bytes: 40_000 }),
      });
      if (response.status !== 202) throw new Error(`the CRM API answered ${response.status}: ${await response.text()}`);
      await quoted;
    },
    async close() {
      await listener.query(
        "DROP TRIGGER IF EXISTS bench_announce_quote ON orders; DROP FUNCTION IF EXISTS bench_announce_quote()",
      );
      await listener.end();
    },
  };
}
