import { basename, dirname } from "node:path";
import pg from "pg";
import { writeAtomically } from "../../emit/write-atomically.js";
import { canonicalJson } from "./canonical-json.js";
import { chainHash, GENESIS_HASH } from "./chain.js";
import { APPEND_LOCK_KEY, AUDIT_TABLE, ensureAuditTable, indexedCopies } from "./table.js";

export interface AuditEvent {
  at: Date;
  subject: string | null;
  role: string | null;
  partner: string | null;
  clientId: string | null;
  action: string;
  query: Record<string, unknown>;
  traceIds: string[];
  outcome: "allowed" | "refused" | "error";
  status: number;
  latencyMs: number;
  reason?: string;
}

export interface AuditStore {
  append(event: AuditEvent): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  record: string;
  event: AuditEvent;
  settle: (error?: unknown) => void;
}

/*
 * Appends are serialized twice over. Inside one process a single writer drains a queue, writing
 * whatever accumulated while the previous transaction ran in one transaction (so a burst costs one
 * lock round trip, not one per request). Across processes each transaction first takes a
 * transaction-scoped advisory lock, then reads the head and inserts after it. The advisory lock was
 * chosen over `SELECT ... FOR UPDATE` on a chain-head row because that row would have to be updated
 * on every append, and the writer role would then need UPDATE on the audit schema; with the lock the
 * writer needs only INSERT and SELECT. A writer that skipped the lock still cannot fork the chain:
 * the table's insert trigger and its unique constraints refuse a row that does not extend the head.
 */
class PostgresAuditStore implements AuditStore {
  private readonly queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly headFile: string | undefined,
  ) {}

  append(event: AuditEvent): Promise<void> {
    if (this.closed) return Promise.reject(new Error("audit store is closed"));
    let record: string;
    try {
      // What the chain hashes and what `audit show` reads back.
      record = canonicalJson(event);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ record, event, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      this.drain();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
    await this.pool.end();
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = this.writeBatch(this.queue.splice(0, 500)).finally(() => {
      this.draining = undefined;
      if (this.queue.length > 0) this.drain();
    });
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    let failure: unknown;
    const client = await this.pool.connect().catch((error: unknown) => {
      failure = error;
      return undefined;
    });
    if (client) {
      try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock($1)", [APPEND_LOCK_KEY.toString()]);
        const head = await chainHead(client);
        let seq = BigInt(head.seq);
        let prevHash = head.hash;
        // One column array per field, one INSERT per batch; rows go in by seq, so the insert
        // trigger sees each row's predecessor, written earlier by the same statement.
        const columns: unknown[][] = Array.from({ length: 8 }, () => []);
        for (const { record, event } of batch) {
          seq += 1n;
          const hash = chainHash(prevHash, seq, record);
          [seq.toString(), event.at, ...indexedCopies(event), record, prevHash, hash].forEach((value, i) =>
            columns[i]!.push(value),
          );
          prevHash = hash;
        }
        await client.query(
          `INSERT INTO ${AUDIT_TABLE} (seq, at, subject, partner, outcome, record, prev_hash, hash)
           SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
                                $7::text[], $8::text[])
           ORDER BY 1`,
          columns,
        );
        await client.query("COMMIT");
        if (this.headFile) await writeHead(this.headFile, { seq: seq.toString(), hash: prevHash });
      } catch (error) {
        failure = error;
        await client.query("ROLLBACK").catch(() => undefined);
      } finally {
        client.release(failure instanceof Error);
      }
    }
    for (const pending of batch) pending.settle(failure);
  }
}

export interface AuditStoreOptions {
  /**
   * A file outside the database, rewritten with `seq:hash` of the head after every append (and at
   * open): `tracegen audit verify --head-file` compares the chain with it, so rows cut from the end
   * or a chain rewritten with fresh hashes are found. A failed write fails the append: the audit
   * log fails closed.
   */
  headFile?: string;
}

/** Connects, creates the audit table when it is missing, and continues the chain from its last row. */
export async function openAuditStore(connectionString: string, options: AuditStoreOptions = {}): Promise<AuditStore> {
  const pool = new pg.Pool({ connectionString, max: 2, connectionTimeoutMillis: 10_000 });
  // A connection dropped while idle (a database restart) is replaced on the next append; without a
  // listener the pool's error event would end the process.
  pool.on("error", () => undefined);
  try {
    const client = await pool.connect();
    try {
      await ensureAuditTable(client);
      await requireAppend(client);
      if (options.headFile) await writeHead(options.headFile, await chainHead(client));
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return new PostgresAuditStore(pool, options.headFile);
}

/** A role that may not append would turn every answer into a 503: refuse to start instead. */
async function requireAppend(client: pg.PoolClient): Promise<void> {
  const may = await client.query<{ role: string; insert: boolean; select: boolean }>(
    `SELECT current_user AS role, has_table_privilege($1, 'INSERT') AS insert, has_table_privilege($1, 'SELECT') AS select`,
    [AUDIT_TABLE],
  );
  const row = may.rows[0];
  if (row && !(row.insert && row.select))
    throw new Error(
      `role ${row.role} may not append to ${AUDIT_TABLE} (it needs INSERT and SELECT): connect as the writer role of \`tracegen audit setup-sql\``,
    );
}

async function chainHead(client: pg.PoolClient): Promise<{ seq: string; hash: string }> {
  const head = await client.query<{ head_seq: string; hash: string }>(
    `SELECT seq::text AS head_seq, hash FROM ${AUDIT_TABLE} ORDER BY seq DESC LIMIT 1`,
  );
  const row = head.rows[0];
  return row ? { seq: row.head_seq, hash: row.hash } : { seq: "0", hash: GENESIS_HASH };
}

function writeHead(file: string, head: { seq: string; hash: string }): Promise<void> {
  return writeAtomically(dirname(file), [{ path: basename(file), content: `${head.seq}:${head.hash}\n` }]);
}
