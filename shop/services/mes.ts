import { setTimeout as delay } from "node:timers/promises";
import type { Tracer } from "@opentelemetry/api";
import { restoreContext, runInSpan, startFlow } from "../../src/kit/index.js";
import { openDb, type Db } from "./lib/db.js";
import { need, needPort } from "./lib/env.js";
import { activeFault, FAULTS } from "./lib/faults.js";
import { callJson, expectOk } from "./lib/http-client.js";
import { listen, Router } from "./lib/http-server.js";

/*
 * The MES: the shop floor's controller. It takes queued jobs from the MES DB one at a time, slices
 * and prints them, records the outcome in the MES DB and reports it to the MES API. Each job is an
 * order-execution trace of its own, linked to the confirmation that queued it.
 */

interface Job {
  id: string;
  order_id: string;
  customer_id: string;
  trace_context: Record<string, string>;
}

const SLICE_MS = 20;
const PRINT_MS = 60;
const SLOW_PRINT_MS = 1500;

export async function start(tracer: Tracer, log: (line: string) => void): Promise<() => Promise<void>> {
  const db = openDb(need("MES_DB_URL"), log);
  const mesApi = need("MES_API_URL");
  const pollMs = Number(process.env.MES_POLL_MS ?? 200);
  let running = true;

  const loop = (async () => {
    while (running) {
      const job = await claim(db).catch((error: Error) => {
        log(`could not poll for jobs: ${error.message}`);
        return undefined;
      });
      if (job === undefined) {
        await delay(pollMs);
        continue;
      }
      await execute(tracer, db, mesApi, job).catch((error: Error) => log(`job ${job.id} failed: ${error.message}`));
    }
  })();

  // The worker answers health probes like the other services.
  const server = await listen(new Router(), needPort("MES_HEALTH_PORT"));
  log(`mes polling for jobs every ${pollMs} ms; health on 127.0.0.1:${server.port}`);
  return async () => {
    running = false;
    await loop;
    await server.close();
    await db.close();
  };
}

/** Untraced: polling is not part of any order (the pg instrumentation only traces inside a trace). */
async function claim(db: Db): Promise<Job | undefined> {
  const result = await db.query<Job>(
    { table: "jobs", operation: "UPDATE" },
    `UPDATE jobs SET status = 'running', started_at = now()
     WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING id, order_id, customer_id, trace_context`,
  );
  return result.rows[0];
}

function execute(tracer: Tracer, db: Db, mesApi: string, job: Job): Promise<void> {
  const cause = restoreContext(job.trace_context);
  return startFlow(
    tracer,
    "execute job",
    {
      facts: { "order.id": job.order_id, "order.flow": "order-execution", "user.id": job.customer_id },
      causedBy: cause,
      attributes: { "shop.job.id": job.id },
    },
    async () => {
      await step(tracer, "slice model", SLICE_MS);
      await step(tracer, "print", activeFault() === FAULTS.slowMes ? SLOW_PRINT_MS : PRINT_MS);
      await db.query(
        { table: "jobs", operation: "UPDATE" },
        "UPDATE jobs SET status = 'done', finished_at = now() WHERE id = $1",
        [job.id],
      );
      try {
        const answer = await callJson(`${mesApi}/jobs/${job.id}/completed`, {
          method: "POST",
          body: { orderId: job.order_id },
          attempts: 8,
        });
        expectOk(answer, "MES API");
      } catch (error) {
        await db.query(
          { table: "jobs", operation: "UPDATE" },
          "UPDATE jobs SET status = 'notify_failed' WHERE id = $1",
          [job.id],
        );
        throw error;
      }
    },
  );
}

/** A stretch of shop-floor work: on a real MES the machine's own time, here a wait of that length. */
const step = (tracer: Tracer, name: string, ms: number): Promise<void> =>
  tracer.startActiveSpan(name, (span) => runInSpan(span, () => delay(ms).then(() => undefined)));
