import { readFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import type pg from "pg";
import { auditSetupSql, isRoleName } from "../access/audit/roles.js";
import { readAuditEntries, type AuditEntry, type AuditFilter } from "../access/audit/read.js";
import { AUDIT_TABLE } from "../access/audit/table.js";
import { BREAK_KIND_TEXT, verifyAuditChain, type VerifyReport } from "../access/audit/verify.js";
import { durationMs } from "../schema/units.js";
import { UsageError } from "./options.js";

export const AUDIT_DATABASE_ENV = "TRACEGEN_AUDIT_DATABASE_URL";

interface ConnectionOptions {
  db?: string;
  dbEnv: string;
}

interface VerifyOptions extends ConnectionOptions {
  expectHead?: string;
  headFile?: string;
  json?: boolean;
}

interface ShowOptions extends ConnectionOptions {
  since?: string;
  subject?: string;
  partner?: string;
  outcome?: AuditFilter["outcome"];
  limit: string;
  json?: boolean;
}

const connectionOptions = (command: Command): Command =>
  command
    .option("--db-env <VAR>", "environment variable holding the audit database's PostgreSQL URL", AUDIT_DATABASE_ENV)
    .option("--db <url>", "the URL itself (visible to other local users in the process list: prefer --db-env)");

export function registerAuditCommand(program: Command): void {
  const audit = program
    .command("audit")
    .description("check and read the gateway's access audit log (an append-only, hash-chained PostgreSQL table)")
    .addHelpText(
      "after",
      `
Every request to the trace gateway, allowed or refused, is one row of ${AUDIT_TABLE}.
Each row holds the canonical JSON of the event, the previous row's hash and its own
SHA-256 over both, so changing, removing or reordering a row breaks the chain.

The database URL is read from $${AUDIT_DATABASE_ENV} (or the variable named by
--db-env) and never printed. A role with SELECT on ${AUDIT_TABLE} is enough.

Examples:
  $ tracegen audit verify                                 walk the whole chain
  $ tracegen audit verify --expect-head 1200:3fa4...      also compare with a head kept elsewhere
  $ tracegen audit show --outcome refused --since 1h      refused requests of the last hour
  $ tracegen audit show --partner acme --limit 20 --json  a partner's last 20 requests, as JSON lines`,
    );

  connectionOptions(
    audit
      .command("verify")
      .description("walk the hash chain; exit 0 if intact, 1 naming the first broken row")
      .option(
        "--expect-head <seq:hash>",
        "a head printed by an earlier verify and kept outside the database: fails if that row is gone or differs",
      )
      .addOption(
        new Option(
          "--head-file <path>",
          "compare with the head a gateway keeps in this file (its audit head file), as --expect-head does",
        ).conflicts("expectHead"),
      )
      .option("--json", "print the report as JSON"),
  )
    .addHelpText(
      "after",
      `
What a broken row means:
  record hash mismatch   the row's record (or hash) was changed after it was written
  broken link            the row does not point at the hash of the row before it
  gap in sequence        rows before it were deleted
  indexed column differs a column show filters on (at, subject, partner, outcome)
                         was changed; the record itself is intact

Deleting rows from the end leaves a shorter chain that is still intact: keep the
printed head somewhere the database's administrators cannot write (a log shipper,
a ticket, another system) and pass it back with --expect-head, or point
--head-file at the file a gateway rewrites with the head after every append.`,
    )
    .action(async (options: VerifyOptions) => {
      const expected = await expectedHead(options);
      process.exitCode = await withClient(options, async (client) => {
        const report = await verifyAuditChain(client);
        const anchor = expected && !report.broken ? await checkAnchor(client, report, expected) : null;
        if (options.json) process.stdout.write(`${JSON.stringify({ ...report, anchor })}\n`);
        else printVerify(report, anchor);
        return report.broken || anchor ? 1 : 0;
      });
    });

  connectionOptions(
    audit
      .command("show")
      .description("print audit records, oldest first")
      .option("--since <when>", "only records from this time on: an ISO-8601 timestamp, or a duration ago (15m, 2h)")
      .option("--subject <sub>", "only this staff member's requests (the token's sub)")
      .option("--partner <id>", "only this partner's requests")
      .addOption(new Option("--outcome <outcome>", "only this outcome").choices(["allowed", "refused", "error"]))
      .option("--limit <n>", "the newest n matching records", "50")
      .option("--json", "one JSON object per line: seq, hash and the event as recorded"),
  ).action(async (options: ShowOptions) => {
    const filter: AuditFilter = {
      limit: parseLimit(options.limit),
      ...(options.since !== undefined ? { since: parseSince(options.since) } : {}),
      ...(options.subject !== undefined ? { subject: options.subject } : {}),
      ...(options.partner !== undefined ? { partner: options.partner } : {}),
      ...(options.outcome !== undefined ? { outcome: options.outcome } : {}),
    };
    process.exitCode = await withClient(options, async (client) => {
      for (const entry of await readAuditEntries(client, filter))
        process.stdout.write(`${options.json ? JSON.stringify(jsonEntry(entry)) : textEntry(entry)}\n`);
      return 0;
    });
  });

  audit
    .command("setup-sql")
    .description("print the SQL that gives the audit log its own schema and least-privilege roles (run once with psql)")
    .option("--owner <role>", "NOLOGIN role that owns the schema and table (created when missing)", "audit_owner")
    .option("--writer <role>", "the gateway's login role: INSERT and SELECT only", "tracegen_gateway")
    .option("--reader <role>", "operators' login role for verify and show: SELECT only", "audit_reader")
    .addHelpText(
      "after",
      `
Run it as a superuser in the database that holds the audit log; missing roles are created (the
writer and reader without a password), and it refuses a writer or reader that is a superuser or may
act as the owner. Then give the login roles their passwords:
  $ tracegen audit setup-sql | psql "postgres://admin@db.internal/shop?sslmode=verify-full" -v ON_ERROR_STOP=1
  $ psql "postgres://admin@db.internal/shop?sslmode=verify-full" -c '\\password tracegen_gateway'`,
    )
    .action((options: { owner: string; writer: string; reader: string }) => {
      for (const name of Object.values(options))
        if (!isRoleName(name))
          throw new UsageError(`role names are lower-case letters, digits and _, got ${JSON.stringify(name)}`);
      if (new Set(Object.values(options)).size < 3) throw new UsageError("--owner, --writer and --reader must differ");
      process.stdout.write(auditSetupSql(options));
    });
}

/** The database URL, parsed here so that nothing later has a reason to echo it. */
function connectionUrl(options: ConnectionOptions): { url: string; password: string } {
  const source = options.db !== undefined ? "--db" : `environment variable ${options.dbEnv}`;
  const value = options.db ?? process.env[options.dbEnv];
  if (!value)
    throw new UsageError(
      `${source} is not set: put the audit database's PostgreSQL URL there, or name another variable with --db-env`,
    );
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new UsageError(`${source} is not a URL; expected postgres://user:password@host:port/database`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:")
    throw new UsageError(`${source} is a ${parsed.protocol} URL; expected postgres://user:password@host:port/database`);
  return { url: value, password: decodeURIComponent(parsed.password) };
}

/** Runs `work` on one connection; a database that cannot be read is a failed check (exit 1), reported without the URL. */
async function withClient(options: ConnectionOptions, work: (client: pg.Client) => Promise<number>): Promise<number> {
  const { url, password } = connectionUrl(options);
  let client: pg.Client | undefined;
  let where = "the audit database";
  try {
    // Loaded here, not with the CLI: every other command starts without the PostgreSQL client.
    const { default: postgres } = await import("pg");
    client = new postgres.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    where = `${client.database ?? "?"} on ${client.host}:${client.port} as ${client.user ?? "?"}`;
    client.on("error", () => undefined);
    await client.connect();
    return await work(client);
  } catch (error) {
    const message = [url, password]
      .filter((secret) => secret.length > 0)
      .reduce((text, secret) => text.replaceAll(secret, "***"), (error as Error).message);
    process.stderr.write(`tracegen audit: cannot read the audit log (${where}): ${message}\n`);
    return 1;
  } finally {
    await client?.end().catch(() => undefined);
  }
}

interface AnchorFailure {
  seq: string;
  detail: string;
}

async function checkAnchor(
  client: pg.Client,
  report: VerifyReport,
  expected: { seq: bigint; hash: string },
): Promise<AnchorFailure | null> {
  // A head kept before the first append expects nothing.
  if (expected.seq === 0n) return null;
  const seq = expected.seq.toString();
  const found = await client.query<{ hash: string }>(`SELECT hash FROM ${AUDIT_TABLE} WHERE seq = $1`, [seq]);
  const hash = found.rows[0]?.hash;
  if (hash === undefined)
    return {
      seq,
      detail: `the expected head seq ${seq} is missing: the chain ends at ${report.head?.seq ?? "nothing"}, so rows were removed from its tail`,
    };
  if (hash !== expected.hash)
    return {
      seq,
      detail: `row ${seq} has hash ${hash}, the expected head says ${expected.hash}: the chain was rewritten`,
    };
  return null;
}

function printVerify(report: VerifyReport, anchor: AnchorFailure | null): void {
  if (report.broken) {
    const { seq, kind, detail } = report.broken;
    process.stdout.write(
      `audit chain BROKEN at seq ${seq}: ${BREAK_KIND_TEXT[kind]}\n  ${detail}\n  ${report.rows} row(s) before it are intact${report.head ? `, up to seq ${report.head.seq}` : ""}\n`,
    );
    return;
  }
  if (anchor) {
    process.stdout.write(`audit chain does not match the expected head at seq ${anchor.seq}\n  ${anchor.detail}\n`);
    return;
  }
  if (!report.head) {
    process.stdout.write("audit chain intact: no rows yet\n");
    return;
  }
  process.stdout.write(
    `audit chain intact: ${report.rows} row(s), seq 1..${report.head.seq}\nhead: ${report.head.seq}:${report.head.hash}\n  (keep this head outside the database and pass it to --expect-head later: a cut tail is found that way)\n`,
  );
}

async function expectedHead(options: VerifyOptions): Promise<{ seq: bigint; hash: string } | undefined> {
  if (options.expectHead !== undefined) return parseHead(options.expectHead, "--expect-head");
  if (options.headFile === undefined) return undefined;
  const text = await readFile(options.headFile, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(
      `--head-file ${options.headFile}: ${error.code === "ENOENT" ? "no such file" : error.message}`,
    );
  });
  return parseHead(text.trim(), `--head-file ${options.headFile}`);
}

function parseHead(value: string, source: string): { seq: bigint; hash: string } {
  const match = /^(0|[1-9][0-9]{0,18}):([0-9a-f]{64})$/.exec(value);
  if (!match)
    throw new UsageError(`${source} wants <seq>:<64 hex digits> as verify prints it, got ${JSON.stringify(value)}`);
  return { seq: BigInt(match[1]!), hash: match[2]! };
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^[0-9]+$/.test(value) || limit < 1 || limit > 100_000)
    throw new UsageError(`--limit wants a whole number from 1 to 100000, got ${JSON.stringify(value)}`);
  return limit;
}

function parseSince(value: string): Date {
  if (/^[0-9]+(?:\.[0-9]+)?(ms|s|m|h)$/.test(value)) return new Date(Date.now() - durationMs(value));
  const days = /^([0-9]+)d$/.exec(value);
  if (days) return new Date(Date.now() - Number(days[1]) * 86_400_000);
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime()))
    throw new UsageError(
      `--since wants an ISO-8601 time (2026-03-01T12:00:00Z) or a duration ago (15m, 2h, 7d), got ${JSON.stringify(value)}`,
    );
  return at;
}

function jsonEntry(entry: AuditEntry): Record<string, unknown> {
  return { seq: entry.seq, hash: entry.hash, ...(entry.event ? { event: entry.event } : { record: entry.record }) };
}

/** One line per record; every recorded string is shown escaped, so nothing in a token or a query can drive the terminal. */
function textEntry({ seq, event, record }: AuditEntry): string {
  if (!event) return `#${seq} unreadable record ${printable(record)} (run tracegen audit verify)`;
  const field = (name: string, value: unknown) =>
    value === null || value === undefined
      ? []
      : [`${name}=${printable(typeof value === "string" ? value : JSON.stringify(value))}`];
  const traceIds = Array.isArray(event.traceIds) ? event.traceIds : [];
  return [
    `#${seq}`,
    printable(String(event.at)),
    printable(String(event.outcome)),
    printable(String(event.status)),
    printable(String(event.action)),
    ...field("subject", event.subject),
    ...field("role", event.role),
    ...field("partner", event.partner),
    ...field("client", event.clientId),
    ...field("query", event.query),
    `traces=${traceIds.length}`,
    `${printable(String(event.latencyMs))}ms`,
    ...field("reason", event.reason),
  ].join(" ");
}

function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
