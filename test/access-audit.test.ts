import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAuditStore, type AuditEvent, type AuditStore } from "../src/access/audit/store.js";
import { tempDir } from "../src/process/child.js";
import { startPostgres, type Postgres } from "../shop/infra/postgres.js";
import { DATA_ROLE } from "../shop/infra/stack.js";
import { repoPath } from "./helpers/repo.js";

/*
 * The audit log on a real PostgreSQL, set up the way an administrator would (`tracegen audit
 * setup-sql` piped into psql), written through the store as the gateway's least-privilege role,
 * tampered with by psql as a superuser, and checked by `tracegen audit` as a separate process.
 */

let postgres: Postgres;
let databases = 0;

beforeAll(async () => {
  postgres = await startPostgres();
  await psql(postgres.url("postgres"), `CREATE ROLE ${DATA_ROLE} LOGIN`);
  await postgres.givePassword(DATA_ROLE);
}, 120_000);

afterAll(async () => {
  await postgres?.stop();
});

interface AuditDatabase {
  superuser: string;
  gateway: string;
  reader: string;
  /** The shop's own data role, owner of the shop's tables in the same database. */
  shopData: string;
}

/** The shop's database as the reference shop has it, with the audit log set up in it by psql. */
async function freshDatabase(): Promise<AuditDatabase> {
  const name = `audit_${++databases}`;
  await postgres.createDatabase(name);
  await psql(postgres.url(name), `GRANT CREATE ON SCHEMA public TO ${DATA_ROLE}`);
  const setup = await tracegen(["audit", "setup-sql"]);
  expect(setup.exitCode).toBe(0);
  await psql(postgres.url(name), setup.stdout);
  await postgres.givePassword("tracegen_gateway");
  await postgres.givePassword("audit_reader");
  const as = (role: string) => postgres.urlAs(role, name);
  await psql(as(DATA_ROLE), "CREATE TABLE orders (order_id text PRIMARY KEY)");
  return {
    superuser: postgres.url(name),
    gateway: as("tracegen_gateway"),
    reader: as("audit_reader"),
    shopData: as(DATA_ROLE),
  };
}

async function psql(url: string, sql: string) {
  return execa("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-d", url, "-f", "-"], {
    input: sql,
    timeout: 30_000,
  });
}

async function psqlRefusal(url: string, sql: string): Promise<string> {
  const result = await execa("psql", ["-X", "-q", "-w", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql], {
    reject: false,
    timeout: 30_000,
  });
  expect(result.exitCode, `psql accepted: ${sql}`).not.toBe(0);
  return result.stderr;
}

function tracegen(args: string[], databaseUrl?: string) {
  return execa("node", [repoPath("bin/tracegen.js"), ...args], {
    cwd: repoPath(),
    reject: false,
    timeout: 60_000,
    env: databaseUrl === undefined ? {} : { TRACEGEN_AUDIT_DATABASE_URL: databaseUrl },
  });
}

const verify = (url: string, ...extra: string[]) => tracegen(["audit", "verify", ...extra], url);

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    at: new Date("2026-11-29T10:00:00.000Z"),
    subject: "staff-1",
    role: "support",
    partner: null,
    clientId: "jaeger-ui",
    action: "GET /api/traces",
    query: { service: "shop-api", limit: 20 },
    traceIds: ["4bf92f3577b34da6a3ce929d0e0e4736"],
    outcome: "allowed",
    status: 200,
    latencyMs: 12.5,
    ...overrides,
  };
}

async function appendAll(url: string, events: AuditEvent[]): Promise<void> {
  const store = await openAuditStore(url);
  try {
    for (const e of events) await store.append(e);
  } finally {
    await store.close();
  }
}

/** A row's hash as PostgreSQL computes it: the stored hashes are checked by code other than the store's. */
const REHASH = String.raw`encode(sha256(convert_to(prev_hash || E'\n' || seq || E'\n' || record, 'UTF8')), 'hex')`;

/** What only a superuser can do: change rows with the append-only triggers switched off. */
const tamper = (db: AuditDatabase, sql: string) =>
  psql(db.superuser, `SET session_replication_role = replica; ${sql};`);

const six = () => Array.from({ length: 6 }, (_, i) => event({ subject: `staff-${i + 1}`, status: 200 }));

describe("audit store", () => {
  it("appends as the gateway role, and verify accepts the chain and prints its head", async () => {
    const db = await freshDatabase();
    await appendAll(db.gateway, [
      event(),
      event({ role: null, subject: null, partner: "acme", clientId: "acme-client", outcome: "refused", status: 404 }),
      event({ outcome: "error", status: 502, reason: "upstream timed out", traceIds: [] }),
    ]);
    const result = await verify(db.reader);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const head = (await psql(db.superuser, "SELECT seq || ':' || hash FROM audit.access_events WHERE seq = 3")).stdout;
    expect(result.stdout).toContain("3 row(s), seq 1..3");
    expect(result.stdout).toContain(`head: ${head.trim()}`);
    // PostgreSQL's own sha256 agrees with every stored hash: the chain is not checked only by the code that wrote it.
    const recomputed = await psql(
      db.superuser,
      `SELECT count(*) FILTER (WHERE hash = ${REHASH})
         || '/' || count(*) FROM audit.access_events`,
    );
    expect(recomputed.stdout.trim()).toBe("3/3");
  });

  it("creates its table on first use when it may, also when several stores open at once", async () => {
    const name = `audit_${++databases}`;
    await postgres.createDatabase(name);
    const stores = await Promise.all(Array.from({ length: 4 }, () => openAuditStore(postgres.url(name))));
    await Promise.all(stores.map((store) => store.append(event())));
    await Promise.all(stores.map((store) => store.close()));
    const result = await verify(postgres.url(name));
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("4 row(s), seq 1..4");
  });

  it("stores a canonical record: the same event with its keys in another order hashes the same", async () => {
    const db = await freshDatabase();
    const reordered = { ...event(), query: { limit: 20, service: "shop-api" } };
    await appendAll(db.gateway, [event()]);
    await appendAll(db.gateway, [reordered]);
    const records = (await psql(db.superuser, "SELECT record FROM audit.access_events ORDER BY seq")).stdout.split(
      "\n",
    );
    expect(records[0]).toBe(records[1]);
    expect(records[0]).toMatch(/^\{"action":"GET \/api\/traces","at":"2026-11-29T10:00:00.000Z","clientId":/);
  });

  it("continues the chain after the database restarts, from a new store, a new process and one left open", async () => {
    const db = await freshDatabase();
    await appendAll(db.gateway, [event(), event()]);
    const openAcrossRestart: AuditStore = await openAuditStore(db.gateway);
    await openAcrossRestart.append(event({ subject: "before-restart" }));
    await postgres.restart(200);
    await openAcrossRestart.append(event({ subject: "after-restart" }));
    await openAcrossRestart.close();
    await appendAll(db.gateway, [event({ subject: "new-store" })]);
    const child = await execa(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { openAuditStore } = await import(${JSON.stringify(repoPath("src/access/audit/store.ts"))});
         const store = await openAuditStore(process.env.AUDIT_URL);
         await store.append({ ...${JSON.stringify(event({ subject: "new-process" }))}, at: new Date() });
         await store.close();`,
      ],
      { cwd: repoPath(), env: { AUDIT_URL: db.gateway }, reject: false, timeout: 60_000 },
    );
    expect(child.stderr).toBe("");
    expect(child.exitCode).toBe(0);
    const result = await verify(db.reader);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("6 row(s), seq 1..6");
    const subjects = (await psql(db.superuser, "SELECT subject FROM audit.access_events ORDER BY seq")).stdout;
    expect(subjects.split("\n").slice(2)).toEqual(["before-restart", "after-restart", "new-store", "new-process"]);
  });

  it("keeps one chain when two stores append concurrently, and the database refuses a fork", async () => {
    const db = await freshDatabase();
    const [first, second] = await Promise.all([openAuditStore(db.gateway), openAuditStore(db.gateway)]);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => [
        first!.append(event({ subject: `first-${i}` })),
        second!.append(event({ subject: `second-${i}` })),
      ]).flat(),
    );
    await Promise.all([first!.close(), second!.close()]);
    const result = await verify(db.reader);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("200 row(s), seq 1..200");
    const shape = await psql(
      db.superuser,
      "SELECT count(DISTINCT prev_hash) || ' ' || max(seq) FROM audit.access_events",
    );
    expect(shape.stdout.trim()).toBe("200 200");
    // A writer that skips the lock and links a new row to an older one is refused by the insert trigger.
    const fork = await psqlRefusal(
      db.gateway,
      `INSERT INTO audit.access_events (seq, at, outcome, record, prev_hash, hash)
       SELECT 201, now(), 'allowed', '{}', hash, repeat('a', 64) FROM audit.access_events WHERE seq = 100`,
    );
    expect(fork).toContain("row 201 does not extend the chain head");
  });

  it("is refused UPDATE, DELETE and TRUNCATE: by privileges for the gateway, by the trigger for the owner and a superuser", async () => {
    const db = await freshDatabase();
    await appendAll(db.gateway, [event(), event()]);
    const changes = [
      "UPDATE audit.access_events SET outcome = 'allowed' WHERE seq = 1",
      "DELETE FROM audit.access_events WHERE seq = 2",
      "TRUNCATE audit.access_events",
    ];
    for (const sql of changes) {
      expect(await psqlRefusal(db.gateway, sql)).toContain("permission denied for table access_events");
      expect(await psqlRefusal(db.reader, sql)).toContain("permission denied for table access_events");
      const operation = sql.split(" ")[0];
      expect(await psqlRefusal(db.superuser, `SET ROLE audit_owner; ${sql}`)).toContain(
        `audit.access_events is append-only: ${operation} refused`,
      );
      expect(await psqlRefusal(db.superuser, sql)).toContain(`append-only: ${operation} refused`);
    }
    expect(await psqlRefusal(db.reader, "INSERT INTO audit.access_events (seq) VALUES (3)")).toContain(
      "permission denied",
    );
    // With the triggers switched off (what only a superuser can do), the same UPDATE goes through:
    // the refusals above come from the triggers, and the tampering tests below start from here.
    await tamper(db, changes[0]!);
    expect((await psql(db.superuser, "SELECT count(*) FROM audit.access_events")).stdout.trim()).toBe("2");
  });
});

/** Everything that would change the log or its protection, or let a role act as its owner. */
const FORBIDDEN = [
  "UPDATE audit.access_events SET outcome = 'allowed'",
  "DELETE FROM audit.access_events",
  "TRUNCATE audit.access_events",
  "ALTER TABLE audit.access_events DISABLE TRIGGER access_events_append_only",
  "ALTER TABLE audit.access_events ADD COLUMN note text",
  "ALTER TABLE audit.access_events OWNER TO tracegen_gateway",
  "DROP TRIGGER access_events_append_only ON audit.access_events",
  "DROP TABLE audit.access_events",
  "DROP FUNCTION audit.refuse_change() CASCADE",
  "DROP SCHEMA audit CASCADE",
  "ALTER SCHEMA audit RENAME TO audit_old",
  "CREATE TABLE audit.shadow (x int)",
  "CREATE TRIGGER skip BEFORE INSERT ON audit.access_events FOR EACH ROW EXECUTE FUNCTION audit.refuse_change()",
  "CREATE RULE skip AS ON INSERT TO audit.access_events DO INSTEAD NOTHING",
  "REINDEX TABLE audit.access_events",
  "BEGIN; LOCK TABLE audit.access_events IN ACCESS EXCLUSIVE MODE; COMMIT",
  "SET session_replication_role = replica",
  "SET ROLE audit_owner",
];

describe("least privilege in the shop's database", () => {
  it("refuses, through psql, every change to the log to the gateway, the reader and the shop's data role", async () => {
    const db = await freshDatabase();
    await appendAll(db.gateway, [event(), event()]);
    for (const sql of FORBIDDEN)
      for (const [role, url] of [
        ["tracegen_gateway", db.gateway],
        ["audit_reader", db.reader],
        [DATA_ROLE, db.shopData],
      ] as const)
        expect(await psqlRefusal(url, sql), `${role}: ${sql}`).toMatch(
          /permission denied|must be owner|must be member of role/,
        );
    // A grant of what a role does not hold is no error in PostgreSQL, only a warning, and grants nothing.
    for (const url of [db.gateway, db.reader]) {
      const grant = await psql(url, "GRANT UPDATE, DELETE ON audit.access_events TO PUBLIC");
      expect(grant.stderr).toContain("no privileges were granted");
    }
    expect(
      (await psql(db.superuser, "SELECT has_table_privilege('audit_reader', 'audit.access_events', 'UPDATE')")).stdout,
    ).toBe("f");
    // Reading and appending are the gateway's; the shop's data role reaches neither, nor sees the schema's contents.
    for (const sql of ["SELECT count(*) FROM audit.access_events", "INSERT INTO audit.access_events (seq) VALUES (3)"])
      expect(await psqlRefusal(db.shopData, sql)).toContain("permission denied for schema audit");
    expect(await psqlRefusal(db.reader, "INSERT INTO audit.access_events (seq) VALUES (3)")).toContain(
      "permission denied for table access_events",
    );
    // The shop's own work is unaffected: its role owns its tables.
    await psql(db.shopData, "INSERT INTO orders VALUES ('ord-1'); UPDATE orders SET order_id = 'ord-2'");
    // Nobody logs in as the owner, even with its password; and no role without its password.
    expect(await psqlRefusal(db.gateway.replace(/:[0-9a-f]+@/, "@"), "SELECT 1")).toContain("no password supplied");
    await postgres.givePassword("audit_owner");
    expect(await psqlRefusal(postgres.urlAs("audit_owner", "postgres"), "SELECT 1")).toContain(
      'role "audit_owner" is not permitted to log in',
    );
    // A gateway given the wrong role refuses to start rather than answer 503 to everything.
    await expect(openAuditStore(db.reader)).rejects.toThrow("role audit_reader may not append to audit.access_events");
    await expect(openAuditStore(db.shopData)).rejects.toThrow("permission denied for schema audit");
    // After all of that the gateway still appends with its two grants, and the chain is whole.
    await appendAll(db.gateway, [event({ subject: "after-the-attempts" })]);
    const result = await verify(db.reader);
    expect(result.stdout).toContain("3 row(s), seq 1..3");
    expect(result.exitCode).toBe(0);
  });

  it("holds because of the grants: the same statements run for a superuser", async () => {
    const db = await freshDatabase();
    await appendAll(db.gateway, [event()]);
    // The refusals above are privileges, not broken SQL: each statement runs for the one role that may do anything.
    // UPDATE, DELETE and TRUNCATE are the triggers' to refuse, for a superuser too (tested above).
    for (const sql of FORBIDDEN.filter((s) => !/^(UPDATE|DELETE|TRUNCATE)/.test(s)))
      await psql(db.superuser, `BEGIN; ${sql.replace(/^BEGIN; |; COMMIT$/g, "")}; ROLLBACK`);
  });

  it("refuses to set up a writer or reader that would bypass the grants, or an owner that can log in", async () => {
    await psql(postgres.url("postgres"), "CREATE ROLE owner_who_logs_in LOGIN; CREATE ROLE owner_member LOGIN");
    const cases: Array<[string[], string]> = [
      [["--writer", "shop"], "role shop is a superuser or may act as audit_owner"],
      [["--reader", "owner_member"], "role owner_member is a superuser or may act as audit_owner"],
      [["--owner", "owner_who_logs_in"], "role owner_who_logs_in can log in or is a superuser"],
    ];
    await psql(
      postgres.url("postgres"),
      `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'audit_owner') THEN CREATE ROLE audit_owner NOLOGIN; END IF; END $$;
       GRANT audit_owner TO owner_member`,
    );
    for (const [args, message] of cases) {
      const name = `audit_${++databases}`;
      await postgres.createDatabase(name);
      const setup = await tracegen(["audit", "setup-sql", ...args]);
      expect(setup.exitCode).toBe(0);
      const result = await execa("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", postgres.url(name), "-f", "-"], {
        input: setup.stdout,
        reject: false,
        timeout: 30_000,
      });
      expect(result.exitCode, args.join(" ")).not.toBe(0);
      expect(result.stderr).toContain(message);
      expect(
        (await psql(postgres.url(name), "SELECT count(*) FROM pg_namespace WHERE nspname = 'audit'")).stdout.trim(),
      ).toBe("0");
    }
    expect((await tracegen(["audit", "setup-sql", "--writer", "audit_reader"])).exitCode).toBe(2);
  });
});

describe("tracegen audit verify finds tampering", () => {
  it("names the row whose record was changed", async () => {
    const db = await freshDatabase();
    await appendAll(db.gateway, six());
    expect((await verify(db.reader)).exitCode).toBe(0);
    await tamper(
      db,
      `UPDATE audit.access_events SET record = replace(record, '"status":200', '"status":403') WHERE seq = 3`,
    );
    const result = await verify(db.reader);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("audit chain BROKEN at seq 3: record hash mismatch");
    expect(result.stdout).toContain("2 row(s) before it are intact");
  });

  it("names the row whose record and hash were both rewritten, by its successor's broken link", async () => {
    const db = await freshDatabase();
    await appendAll(db.gateway, six());
    await tamper(
      db,
      `UPDATE audit.access_events SET record = replace(record, 'staff-3', 'someone-else') WHERE seq = 3;
       UPDATE audit.access_events SET subject = 'someone-else',
         hash = ${REHASH} WHERE seq = 3`,
    );
    const result = await verify(db.reader);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("audit chain BROKEN at seq 4: broken link");
  });

  it("names the row whose filter column was changed while its record was not", async () => {
    const db = await freshDatabase();
    await appendAll(db.gateway, six());
    await tamper(db, "UPDATE audit.access_events SET subject = 'staff-99' WHERE seq = 5");
    const result = await verify(db.reader, "--json");
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout) as { broken: { seq: string; kind: string; detail: string } };
    expect(report.broken).toMatchObject({ seq: "5", kind: "copy" });
    expect(report.broken.detail).toContain('column subject is "staff-99", the record says "staff-5"');
  });

  it("finds a deleted middle row as a gap", async () => {
    const db = await freshDatabase();
    await appendAll(db.gateway, six());
    await tamper(db, "DELETE FROM audit.access_events WHERE seq = 3");
    const result = await verify(db.reader);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain("audit chain BROKEN at seq 4: gap in sequence");
    expect(result.stdout).toContain("expected seq 3 next, found 4");
  });

  it("finds a cut tail only against a head kept outside the database", async () => {
    const db = await freshDatabase();
    await appendAll(db.gateway, six());
    const before = await verify(db.reader, "--json");
    const { head } = JSON.parse(before.stdout) as { head: { seq: string; hash: string } };
    const anchor = `${head.seq}:${head.hash}`;
    expect((await verify(db.reader, "--expect-head", anchor)).exitCode).toBe(0);
    await tamper(db, "DELETE FROM audit.access_events WHERE seq >= 5");
    const shorter = await verify(db.reader);
    expect(shorter.exitCode).toBe(0);
    expect(shorter.stdout).toContain("4 row(s), seq 1..4");
    const anchored = await verify(db.reader, "--expect-head", anchor);
    expect(anchored.exitCode).toBe(1);
    expect(anchored.stdout).toContain("the expected head seq 6 is missing: the chain ends at 4");
    expect((await verify(db.reader, "--expect-head", "6:nothex")).exitCode).toBe(2);
  });
});

describe("the head file a store keeps outside the database", () => {
  it("follows every append and finds a cut tail and a chain rewritten with fresh hashes", async () => {
    const db = await freshDatabase();
    const dir = await tempDir("audit-head-");
    try {
      const headFile = join(dir.path, "audit-head");
      const store = await openAuditStore(db.gateway, { headFile });
      expect(await readFile(headFile, "utf8")).toBe(`0:${"0".repeat(64)}\n`);
      for (const e of six()) await store.append(e);
      await store.close();
      const last = (await psql(db.superuser, "SELECT seq || ':' || hash FROM audit.access_events WHERE seq = 6"))
        .stdout;
      expect(await readFile(headFile, "utf8")).toBe(`${last.trim()}\n`);
      expect((await verify(db.reader, "--head-file", headFile)).exitCode).toBe(0);

      // Row 6 rewritten by a superuser who also recomputed its hash: the chain itself is consistent.
      await tamper(
        db,
        `UPDATE audit.access_events SET record = replace(record, 'staff-6', 'nobody'), subject = 'nobody' WHERE seq = 6;
         UPDATE audit.access_events SET hash = ${REHASH} WHERE seq = 6`,
      );
      expect((await verify(db.reader)).exitCode).toBe(0);
      const rewritten = await verify(db.reader, "--head-file", headFile);
      expect(rewritten.exitCode).toBe(1);
      expect(rewritten.stdout).toContain("the chain was rewritten");

      await tamper(db, "DELETE FROM audit.access_events WHERE seq = 6");
      const cut = await verify(db.reader, "--head-file", headFile);
      expect(cut.exitCode).toBe(1);
      expect(cut.stdout).toContain("the expected head seq 6 is missing: the chain ends at 5");
    } finally {
      await dir.remove();
    }
  });

  it("is written at open, so a store whose head file cannot be written does not start", async () => {
    const db = await freshDatabase();
    const dir = await tempDir("audit-head-");
    try {
      const notADirectory = join(dir.path, "file");
      await writeFile(notADirectory, "");
      await expect(openAuditStore(db.gateway, { headFile: join(notADirectory, "audit-head") })).rejects.toThrow(
        /EEXIST|ENOTDIR/,
      );
    } finally {
      await dir.remove();
    }
  });
});

describe("tracegen audit show and the database URL", () => {
  it("--help teaches the commands, where the URL comes from, and what each broken row means", async () => {
    const [audit, verifyHelp, setup] = await Promise.all([
      tracegen(["audit", "--help"]),
      tracegen(["audit", "verify", "--help"]),
      tracegen(["audit", "setup-sql", "--help"]),
    ]);
    expect(audit.exitCode).toBe(0);
    expect(audit.stdout).toMatch(/verify[\s\S]*show[\s\S]*setup-sql/);
    expect(audit.stdout).toContain("$TRACEGEN_AUDIT_DATABASE_URL");
    expect(audit.stdout).toContain("$ tracegen audit show --outcome refused --since 1h");
    for (const kind of ["record hash mismatch", "broken link", "gap in sequence", "indexed column differs"])
      expect(verifyHelp.stdout).toContain(kind);
    expect(verifyHelp.stdout).toContain("--head-file");
    expect(setup.stdout).toContain("tracegen audit setup-sql | psql");
    expect((await tracegen(["audit", "setup-sql", "--writer", "x; DROP TABLE y"])).exitCode).toBe(2);
  });

  it("prints records oldest first, filtered, escaped for the terminal, and as JSON lines", async () => {
    const db = await freshDatabase();
    await appendAll(db.gateway, [
      event({ subject: "alice", at: new Date(Date.now() - 3 * 3_600_000) }),
      event({ subject: null, role: null, partner: "acme", outcome: "refused", status: 404, at: new Date() }),
      event({ subject: "\u001b[2Jmallory", outcome: "refused", status: 401, reason: "expired", at: new Date() }),
      event({ subject: null, role: null, partner: "globex", at: new Date() }),
    ]);
    const show = (...args: string[]) => tracegen(["audit", "show", ...args], db.reader);
    const all = await show();
    expect(all.exitCode).toBe(0);
    const lines = all.stdout.trim().split("\n");
    expect(lines.map((line) => line.split(" ")[0])).toEqual(["#1", "#2", "#3", "#4"]);
    expect(lines[0]).toContain("allowed 200 GET /api/traces subject=alice role=support client=jaeger-ui");
    expect(all.stdout).not.toContain("\u001b");
    expect(lines[2]).toContain("subject=\\u001b[2Jmallory");
    expect(lines[2]).toContain("reason=expired");

    const refused = await show("--outcome", "refused");
    expect(
      refused.stdout
        .trim()
        .split("\n")
        .map((line) => line.split(" ")[0]),
    ).toEqual(["#2", "#3"]);
    expect((await show("--partner", "acme")).stdout).toMatch(/^#2 .*partner=acme/);
    expect((await show("--subject", "alice")).stdout.trim().split("\n")).toHaveLength(1);
    expect((await show("--since", "1h")).stdout.trim().split("\n")).toHaveLength(3);
    expect((await show("--limit", "1")).stdout).toMatch(/^#4 /);

    const json = (await show("--json", "--partner", "globex")).stdout.trim().split("\n");
    expect(json).toHaveLength(1);
    expect(JSON.parse(json[0]!)).toMatchObject({ seq: "4", event: { partner: "globex", status: 200 } });

    for (const bad of [
      ["--limit", "0"],
      ["--since", "yesterday"],
      ["--outcome", "maybe"],
    ])
      expect((await show(...bad)).exitCode).toBe(2);
  });

  it("never prints the database URL's secret, and says which variable is missing", async () => {
    const secret = "s3cret-audit-password";
    const wrong = `postgres://tracegen_gateway:${secret}@127.0.0.1:${postgres.port}/no_such_database`;
    const result = await verify(wrong);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("cannot read the audit log (no_such_database on 127.0.0.1:");
    expect(result.stderr + result.stdout).not.toContain(secret);
    for (const malformed of [`postgres://tracegen_gateway:${secret}@[::1/audit`, `https://u:${secret}@host/db`]) {
      const refused = await verify(malformed);
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain("expected postgres://user:password@host:port/database");
      expect(refused.stderr + refused.stdout).not.toContain(secret);
    }
    const missing = await tracegen(["audit", "verify", "--db-env", "NO_SUCH_AUDIT_VARIABLE"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("environment variable NO_SUCH_AUDIT_VARIABLE is not set");
  });
});
