import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { onTable, type TableFacts } from "../../../src/kit/index.js";

/*
 * A service's database: a connection pool, queries that name their table and operation (the trace
 * shows both), and a database that is briefly down (restarting, refusing connections) retried with
 * backoff for a bounded time instead of failing the order. Statements are parameterized: values are
 * never part of the SQL text, which is all the trace records.
 */

export interface Db {
  query<R extends pg.QueryResultRow>(facts: TableFacts, sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Runs `fn` in one transaction on one connection; rolled back if it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Tx {
  query<R extends pg.QueryResultRow>(facts: TableFacts, sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

const UNAVAILABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08006",
]);
const RETRY_FOR_MS = 20_000;

export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return UNAVAILABLE.has(e.code ?? "") || /Connection terminated|connection timeout/i.test(e.message ?? "");
}

export function openDb(url: string, log: (line: string) => void): Db {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 2000 });
  // An idle connection dropped by a restarting server is an event, not a crash.
  pool.on("error", (error) => log(`database connection lost: ${error.message}`));
  const run = <R extends pg.QueryResultRow>(
    client: pg.Pool | pg.PoolClient,
    facts: TableFacts,
    sql: string,
    params?: unknown[],
  ) => onTable(facts, () => client.query<R>(sql, params));
  return {
    query: (facts, sql, params) => retrying(log, () => run(pool, facts, sql, params)),
    async transaction(fn) {
      // Only getting a connection is retried: the body may have done things (published a message)
      // that must not happen twice.
      const client = await retrying(log, async () => {
        const c = await pool.connect();
        await c.query("BEGIN").catch((error: unknown) => {
          c.release(true);
          throw error;
        });
        return c;
      });
      try {
        const result = await fn({ query: (facts, sql, params) => run(client, facts, sql, params) });
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function retrying<T>(log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (!isUnavailable(error) || Date.now() > deadline) throw error;
      log(`database unavailable (${(error as Error).message}); retry ${attempt}`);
      await delay(Math.min(2000, 100 * 2 ** (attempt - 1)));
    }
  }
}
