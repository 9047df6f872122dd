import type pg from "pg";
import { chainHash, GENESIS_HASH } from "./chain.js";
import type { AuditEvent } from "./store.js";
import { AUDIT_TABLE, indexedCopies } from "./table.js";

export type BreakKind = "gap" | "link" | "hash" | "copy";

export interface ChainBreak {
  seq: string;
  kind: BreakKind;
  detail: string;
}

export interface ChainHead {
  seq: string;
  hash: string;
}

export interface VerifyReport {
  rows: number;
  head: ChainHead | null;
  /** The first row that breaks the chain; verification stops there, since every later link depends on it. */
  broken: ChainBreak | null;
}

export const BREAK_KIND_TEXT: Record<BreakKind, string> = {
  gap: "gap in sequence",
  link: "broken link",
  hash: "record hash mismatch",
  copy: "indexed column differs from record",
};

interface Row {
  seq: string;
  at: Date;
  subject: string | null;
  partner: string | null;
  outcome: string;
  record: string;
  prev_hash: string;
  hash: string;
}

const PAGE = 2000;

/** Walks the chain from its first row in sequence order, in pages, and reports the first row that breaks it. */
export async function verifyAuditChain(client: pg.ClientBase): Promise<VerifyReport> {
  let rows = 0;
  let expectedSeq = 1n;
  let prevHash = GENESIS_HASH;
  let head: ChainHead | null = null;
  for (;;) {
    const page = await client.query<Row>(
      `SELECT seq::text AS seq, at, subject, partner, outcome, record, prev_hash, hash
       FROM ${AUDIT_TABLE} WHERE seq >= $1 ORDER BY ${AUDIT_TABLE}.seq LIMIT ${PAGE}`,
      [expectedSeq.toString()],
    );
    for (const row of page.rows) {
      const broken = checkRow(row, expectedSeq, prevHash);
      if (broken) return { rows, head, broken };
      rows += 1;
      expectedSeq += 1n;
      prevHash = row.hash;
      head = { seq: row.seq, hash: row.hash };
    }
    if (page.rows.length < PAGE) return { rows, head, broken: null };
  }
}

function checkRow(row: Row, expectedSeq: bigint, prevHash: string): ChainBreak | null {
  const seq = row.seq;
  if (BigInt(seq) !== expectedSeq)
    return {
      seq,
      kind: "gap",
      detail: `expected seq ${expectedSeq} next, found ${seq}: ${BigInt(seq) - expectedSeq} row(s) missing before it`,
    };
  if (row.prev_hash !== prevHash)
    return {
      seq,
      kind: "link",
      detail: `prev_hash ${row.prev_hash} is not the hash of the row before it (${prevHash})`,
    };
  const recomputed = chainHash(row.prev_hash, BigInt(seq), row.record);
  if (row.hash !== recomputed)
    return {
      seq,
      kind: "hash",
      detail: `stored hash ${row.hash} but SHA-256 over prev_hash, seq and record is ${recomputed}: the record was changed after it was written`,
    };
  const differs = copyDifference(row);
  return differs ? { seq, kind: "copy", detail: differs } : null;
}

/** The record is intact, so its fields are the truth; the indexed columns must repeat them. */
function copyDifference(row: Row): string | null {
  let event: AuditEvent;
  try {
    event = JSON.parse(row.record) as AuditEvent;
  } catch {
    return "the record is not JSON";
  }
  const expected = indexedCopies(event);
  const stored = [row.subject, row.partner, row.outcome];
  const names = ["subject", "partner", "outcome"];
  for (const [i, name] of names.entries()) {
    if (stored[i] !== expected[i])
      return `column ${name} is ${JSON.stringify(stored[i])}, the record says ${JSON.stringify(expected[i])}`;
  }
  if (row.at.getTime() !== new Date(String(event.at)).getTime())
    return `column at is ${row.at.toISOString()}, the record says ${String(event.at)}`;
  return null;
}
