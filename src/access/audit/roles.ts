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
 * The SQL a database administrator runs once (as a superuser, in the database that holds the audit
 * log, usually the shop's own) to give the audit log its own schema owned by a role nobody logs in
 * as, and to let the gateway append and operators read, nothing else. Missing roles are created: the
 * owner NOLOGIN, the writer and reader LOGIN without a password (the administrator gives them one,
 * or a certificate). It refuses, and changes nothing, when a role would undo the separation: an
 * owner that can log in, or a writer or reader that is a superuser or may act as the owner.
 */
export function auditSetupSql(roles: AuditRoles): string {
  for (const name of Object.values(roles))
    if (!isRoleName(name)) throw new Error(`not a plain PostgreSQL role name: ${JSON.stringify(name)}`);
  const { owner, writer, reader } = roles;
  if (new Set([owner, writer, reader]).size < 3) throw new Error("the owner, writer and reader must be three roles");
  const createMissing = (name: string, login: "LOGIN" | "NOLOGIN") =>
    `  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${name} ${login}; END IF;`;
  const refuseMighty = (name: string) =>
    `  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}' AND (rolsuper OR pg_has_role('${name}', '${owner}', 'USAGE'))) THEN
    RAISE EXCEPTION 'role ${name} is a superuser or may act as ${owner}: it would bypass the audit log''s privileges';
  END IF;`;
  return `BEGIN;
DO $$ BEGIN
${createMissing(owner, "NOLOGIN")}
  IF (SELECT rolcanlogin OR rolsuper FROM pg_roles WHERE rolname = '${owner}') THEN
    RAISE EXCEPTION 'role ${owner} can log in or is a superuser: the audit log''s owner must be a NOLOGIN role nobody works as';
  END IF;
${createMissing(writer, "LOGIN")}
${createMissing(reader, "LOGIN")}
${refuseMighty(writer)}
${refuseMighty(reader)}
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
