import type pg from "pg";
import { GENESIS_HASH, storableText } from "./chain.js";
import type { AuditEvent } from "./store.js";

export const AUDIT_SCHEMA = "audit";
export const AUDIT_TABLE = `${AUDIT_SCHEMA}.access_events`;

/*
 * `record` is the canonical JSON of the event and the only input of the hash; `at`, `subject`,
 * `partner` and `outcome` are indexed copies for reading, checked against the record by verify.
 * The database itself keeps the log append-only: one statement-level trigger refuses UPDATE, DELETE
 * and TRUNCATE (statement level, so an UPDATE matching no row is refused too), and an insert trigger
 * refuses a row that does not extend the chain's head, so no writer, ours or another, can fork it.
 * Triggers run with the inserting role's search path; pinning it to pg_catalog keeps a writer's own
 * functions or operators out of the checks.
 */
export const AUDIT_TABLE_DDL = `
CREATE TABLE ${AUDIT_TABLE} (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  at timestamptz NOT NULL,
  subject text,
  partner text,
  outcome text NOT NULL,
  record text NOT NULL,
  prev_hash char(64) NOT NULL UNIQUE,
  hash char(64) NOT NULL UNIQUE
);
CREATE INDEX access_events_at ON ${AUDIT_TABLE} (at);
CREATE INDEX access_events_subject ON ${AUDIT_TABLE} (subject);
CREATE INDEX access_events_partner ON ${AUDIT_TABLE} (partner);
CREATE FUNCTION ${AUDIT_SCHEMA}.refuse_change() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION '${AUDIT_TABLE} is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER access_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ${AUDIT_TABLE}
  FOR EACH STATEMENT EXECUTE FUNCTION ${AUDIT_SCHEMA}.refuse_change();
CREATE FUNCTION ${AUDIT_SCHEMA}.require_chain_head() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  head record;
BEGIN
  SELECT seq, hash INTO head FROM ${AUDIT_TABLE} ORDER BY seq DESC LIMIT 1;
  IF NOT FOUND AND NEW.seq = 1 AND NEW.prev_hash = '${GENESIS_HASH}' THEN RETURN NEW; END IF;
  IF FOUND AND NEW.seq = head.seq + 1 AND NEW.prev_hash = head.hash THEN RETURN NEW; END IF;
  RAISE EXCEPTION '${AUDIT_TABLE}: row % does not extend the chain head', NEW.seq;
END $$;
CREATE TRIGGER access_events_extend_head BEFORE INSERT ON ${AUDIT_TABLE}
  FOR EACH ROW EXECUTE FUNCTION ${AUDIT_SCHEMA}.require_chain_head();
`;

/** "tracegen" in ASCII: every writer of the table holds this advisory lock for its append transaction. */
export const APPEND_LOCK_KEY = 0x7472_6163_6567_656en;

/**
 * Creates the table when it is missing. A writer with only INSERT and SELECT (the least-privilege
 * role) finds it present and never runs DDL, which it would not be allowed to.
 */
export async function ensureAuditTable(client: pg.PoolClient | pg.Client): Promise<void> {
  if (await tableExists(client)) return;
  // A session lock, so the second look runs in a transaction of its own: one that started before
  // another process created the table could still see the table as missing.
  await client.query("SELECT pg_advisory_lock($1)", [APPEND_LOCK_KEY.toString()]);
  try {
    // Several statements in one query string run as one transaction.
    if (!(await tableExists(client)))
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${AUDIT_SCHEMA};${AUDIT_TABLE_DDL}`);
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [APPEND_LOCK_KEY.toString()]);
  }
}

async function tableExists(client: pg.PoolClient | pg.Client): Promise<boolean> {
  const result = await client.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [AUDIT_TABLE]);
  return result.rows[0]?.found != null;
}

/** The columns `audit show` filters on, as PostgreSQL can store them; verify checks them against the record. */
export function indexedCopies(event: Pick<AuditEvent, "subject" | "partner" | "outcome">): (string | null)[] {
  return [event.subject, event.partner, event.outcome].map((value) => (value === null ? null : storableText(value)));
}
