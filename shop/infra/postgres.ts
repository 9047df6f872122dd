import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chown, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import getPort from "get-port";
import pg from "pg";
import {
  onFreePorts,
  relaunchable,
  StartFailure,
  tempDir,
  waitUntilReady,
  type Relaunchable,
} from "../../src/process/child.js";

/*
 * A private PostgreSQL cluster for one run: Debian's server binaries, a data directory of its own
 * under the system's temporary directory (removed on stop), 127.0.0.1 on a free port, durability
 * switched off (the data lives only as long as the run). Every connection needs its role's password
 * (SCRAM), as in a deployment: another local process cannot act as any role it names. PostgreSQL refuses to run as root, so under
 * root it runs as the `postgres` user, which is why the directory is not nested in a root-only one.
 */

export interface Postgres {
  port: number;
  /** A connection string for one database of the cluster, as the superuser. */
  url(database: string): string;
  /** The same as another role, with the password givePassword set for it (none if it has none). */
  urlAs(role: string, database: string): string;
  /** Sets a random password for a role, once: urlAs carries it from then on. */
  givePassword(role: string): Promise<void>;
  createDatabase(name: string): Promise<void>;
  /** Runs SQL (one or more statements) as the superuser in one database: what an administrator does. */
  administer(database: string, sql: string): Promise<void>;
  /** Stops the server, keeps its data, and starts it again on the same port after `downForMs`. */
  restart(downForMs: number): Promise<void>;
  /** Milliseconds: initdb, and start until it accepted a connection. */
  timings: { initdbMs: number; startMs: number };
  stop(): Promise<void>;
}

const SUPERUSER = "shop";

/** A private cluster on a free port; made again on another when another process took the port first. */
export function startPostgres(): Promise<Postgres> {
  return onFreePorts(startPostgresOnce);
}

async function startPostgresOnce(): Promise<Postgres> {
  const bin = await serverBinDir();
  const user = await runAs();
  const temp = await tempDir("shop-pg-");
  const dir = temp.path;
  const data = join(dir, "data");
  if (user) await chown(dir, user.uid, user.gid);
  let server: Relaunchable | undefined;
  const stop = async () => {
    await server?.stop();
    await temp.remove();
  };
  try {
    const initStarted = Date.now();
    const passwords = new Map([[SUPERUSER, newPassword()]]);
    const pwfile = join(dir, "pwfile");
    await writeFile(pwfile, `${passwords.get(SUPERUSER)}\n`, { mode: 0o600 });
    if (user) await chown(pwfile, user.uid, user.gid);
    await promisify(execFile)(
      join(bin, "initdb"),
      [
        ...["-D", data, "-A", "scram-sha-256", "-U", SUPERUSER, "--pwfile", pwfile],
        ...["-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
      ],
      { ...(user ?? {}), env: { ...process.env, LC_ALL: "C.UTF-8" } },
    )
      .catch((error: Error & { stderr?: string }) => {
        throw new StartFailure(`initdb failed: ${error.stderr ?? error.message}`);
      })
      .finally(() => rm(pwfile, { force: true }));
    const initdbMs = Date.now() - initStarted;
    const port = await getPort({ host: "127.0.0.1" });
    const urlAs = (role: string, database: string) => {
      const password = passwords.get(role);
      return `postgres://${role}${password ? `:${password}` : ""}@localhost:${port}/${database}`;
    };
    const url = (database: string) => urlAs(SUPERUSER, database);
    server = relaunchable(
      {
        name: "postgresql",
        command: join(bin, "postgres"),
        args: [
          ...["-D", data, "-p", String(port), "-k", dir],
          ...["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
          ...["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        ],
        ...(user ? { user } : {}),
        // SIGINT is PostgreSQL's fast shutdown: open sessions are ended instead of waited for.
        stopSignal: "SIGINT",
      },
      (child) => waitUntilReady(child, "PostgreSQL", 30_000, () => canQuery(url("postgres"))),
    );
    const startMs = await server.launch();
    const administer = async (database: string, sql: string) => {
      const client = new pg.Client({ connectionString: url(database) });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    const givePassword = async (role: string) => {
      const password = passwords.get(role) ?? newPassword();
      await administer("postgres", `ALTER ROLE "${role.replaceAll('"', '""')}" PASSWORD '${password}'`);
      passwords.set(role, password);
    };
    return {
      port,
      url,
      urlAs,
      givePassword,
      timings: { initdbMs, startMs },
      restart: server.restart,
      createDatabase: (name) => administer("postgres", `CREATE DATABASE "${name.replaceAll('"', '""')}"`),
      administer,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Hex, so it needs no quoting in a URL or in SQL. */
const newPassword = () => randomBytes(24).toString("hex");

async function canQuery(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The newest installed server version's bin directory (Debian installs them side by side). */
async function serverBinDir(): Promise<string> {
  const root = "/usr/lib/postgresql";
  const versions = await readdir(root).catch(() => [] as string[]);
  const newest = versions.filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined)
    throw new StartFailure(
      `no PostgreSQL server under ${root}: install it with scripts/install-shop-deps.sh (Debian package postgresql)`,
    );
  return join(root, newest, "bin");
}

async function runAs(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile("/etc/passwd", "utf8");
  const entry = passwd.split("\n").find((line) => line.startsWith("postgres:"));
  const [, , uid, gid] = entry?.split(":") ?? [];
  if (uid === undefined || gid === undefined)
    throw new StartFailure(
      "running as root, and there is no `postgres` user to run PostgreSQL as (the Debian package creates it)",
    );
  return { uid: Number(uid), gid: Number(gid) };
}
