import { auditSetupSql, type AuditRoles } from "../../src/access/audit/roles.js";
import type { Postgres } from "./postgres.js";

/*
 * The trace gateway's audit log in the shop's PostgreSQL, set up as an administrator would with
 * `tracegen audit setup-sql`: a schema owned by a role nobody logs in as, the gateway appending as a
 * role that may only INSERT and SELECT, operators reading as one that may only SELECT.
 */

export const AUDIT_ROLES: AuditRoles = { owner: "audit_owner", writer: "tracegen_gateway", reader: "audit_reader" };

export interface AuditLog {
  /** The gateway's connection: INSERT and SELECT on the audit table, nothing else. */
  writerUrl: string;
  /** For `tracegen audit verify` and `show`: SELECT only. */
  readerUrl: string;
}

export async function setUpAuditLog(postgres: Postgres, database: string): Promise<AuditLog> {
  await postgres.administer(database, auditSetupSql(AUDIT_ROLES));
  await postgres.givePassword(AUDIT_ROLES.writer);
  await postgres.givePassword(AUDIT_ROLES.reader);
  return {
    writerUrl: postgres.urlAs(AUDIT_ROLES.writer, database),
    readerUrl: postgres.urlAs(AUDIT_ROLES.reader, database),
  };
}
