import { AUDIT_SCHEMA, AUDIT_TABLE, AUDIT_TABLE_DDL } from "./table.js";

export interface AuditRoles {
  /** Owns the schema and the table; NOLOGIN, so nobody works as it and its triggers cannot be disabled in passing. */
  owner: string;
  /** The gateway's login role: INSERT and SELECT only. */
  writer: string;
  /** Operators' login role for `tracegen audit verify` and `show`: SELECT only. */
  reader: string;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function isRoleName(name: string): boolean {
  return ROLE_NAME.test(name);
}

/**
 * The SQL a database administrator runs once (as a superuser, in the shop's database) to give the
 * audit log its own schema owned by a role nobody logs in as, and to let the gateway append and
 * operators read, nothing else. The writer and reader roles must exist already, with their own
 * passwords or certificates; the owner is created here when missing.
 */
export function auditSetupSql(roles: AuditRoles): string {
  for (const name of Object.values(roles))
    if (!isRoleName(name)) throw new Error(`not a plain PostgreSQL role name: ${JSON.stringify(name)}`);
  const { owner, writer, reader } = roles;
  return `BEGIN;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${owner}') THEN CREATE ROLE ${owner} NOLOGIN; END IF;
END $$;
CREATE SCHEMA ${AUDIT_SCHEMA} AUTHORIZATION ${owner};
REVOKE ALL ON SCHEMA ${AUDIT_SCHEMA} FROM PUBLIC;
SET LOCAL ROLE ${owner};
${AUDIT_TABLE_DDL.trim()}
RESET ROLE;
REVOKE ALL ON ${AUDIT_TABLE} FROM PUBLIC;
GRANT USAGE ON SCHEMA ${AUDIT_SCHEMA} TO ${writer}, ${reader};
GRANT INSERT, SELECT ON ${AUDIT_TABLE} TO ${writer};
GRANT SELECT ON ${AUDIT_TABLE} TO ${reader};
COMMIT;
`;
}
