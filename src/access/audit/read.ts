import type pg from "pg";
import type { AuditEvent } from "./store.js";
import { AUDIT_TABLE } from "./table.js";

export interface AuditFilter {
  since?: Date;
  subject?: string;
  partner?: string;
  outcome?: AuditEvent["outcome"];
  limit: number;
}

/** One stored row as `audit show` reads it: the record parsed, or its raw text when it is not JSON. */
export interface AuditEntry {
  seq: string;
  hash: string;
  event: Record<string, unknown> | null;
  record: string;
}

/** The newest `limit` rows that match, oldest first. */
export async function readAuditEntries(client: pg.ClientBase, filter: AuditFilter): Promise<AuditEntry[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (condition: (placeholder: string) => string, value: unknown) => {
    values.push(value);
    where.push(condition(`$${values.length}`));
  };
  if (filter.since) add((p) => `at >= ${p}`, filter.since);
  if (filter.subject !== undefined) add((p) => `subject = ${p}`, filter.subject);
  if (filter.partner !== undefined) add((p) => `partner = ${p}`, filter.partner);
  if (filter.outcome !== undefined) add((p) => `outcome = ${p}`, filter.outcome);
  values.push(filter.limit);
  const result = await client.query<{ seq: string; hash: string; record: string }>(
    `SELECT seq::text AS seq, hash, record FROM ${AUDIT_TABLE}
     ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY ${AUDIT_TABLE}.seq DESC LIMIT $${values.length}`,
    values,
  );
  return result.rows.reverse().map((row) => ({ ...row, event: parseRecord(row.record) }));
}

function parseRecord(record: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(record);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
