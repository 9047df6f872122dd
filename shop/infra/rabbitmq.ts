import { access, constants, mkdir, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import amqp from "amqplib";
import getPort from "get-port";
import {
  onFreePorts,
  relaunchable,
  startChild,
  StartFailure,
  tempDir,
  waitUntilReady,
  type Child,
  type Relaunchable,
} from "../../src/process/child.js";

/*
 * A private RabbitMQ node for one run: Debian's rabbitmq-server with its own node name, its own
 * Erlang port mapper (epmd), distribution port and AMQP port, all on 127.0.0.1, and its own
 * database, logs and Erlang cookie in a temporary directory (removed on stop). Several runs on one
 * machine never meet.
 *
 * epmd is started here, in the foreground, before the node: left to itself the node would start it
 * as a daemon that outlives the run.
 */

export interface RabbitMq {
  port: number;
  url: string;
  /** Stops the node, keeps its database, and starts it again on the same ports after `downForMs`. */
  restart(downForMs: number): Promise<void>;
  /** Milliseconds from spawn until an AMQP connection opened. */
  timings: { startMs: number };
  stop(): Promise<void>;
}

const SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";

/** A private broker on free ports; started again on others when another process took one first. */
export function startRabbitMq(): Promise<RabbitMq> {
  return onFreePorts(startRabbitMqOnce);
}

async function startRabbitMqOnce(): Promise<RabbitMq> {
  await access(SERVER, constants.X_OK).catch(() => {
    throw new StartFailure(
      `${SERVER} is missing: install it with scripts/install-shop-deps.sh (Debian package rabbitmq-server)`,
    );
  });
  const temp = await tempDir("shop-rabbitmq-");
  const dir = temp.path;
  const [port, distPort, epmdPort] = (await distinctPorts(3)) as [number, number, number];
  const epmdEnv = { ERL_EPMD_PORT: String(epmdPort), ERL_EPMD_ADDRESS: "127.0.0.1" };
  let epmd: Child | undefined;
  let server: Relaunchable | undefined;
  const stop = async () => {
    await server?.stop();
    await epmd?.stop();
    await temp.remove();
  };
  try {
    await Promise.all(["mnesia", "log", "home"].map((d) => mkdir(join(dir, d))));
    await writeFile(join(dir, "enabled_plugins"), "[].\n");
    await writeFile(
      join(dir, "rabbitmq.conf"),
      [
        `listeners.tcp.default = 127.0.0.1:${port}`,
        "disk_free_limit.absolute = 50MB",
        "loopback_users = none",
        "",
      ].join("\n"),
    );
    epmd = startChild({ name: "epmd", command: "epmd", args: ["-port", String(epmdPort), "-address", "127.0.0.1"] });
    await waitUntilReady(epmd, "epmd", 10_000, () => canOpen(epmdPort));
    const url = `amqp://guest:guest@localhost:${port}`;
    const env = {
      PATH: process.env.PATH,
      LANG: "C.UTF-8",
      // The Erlang cookie is created in HOME: a fresh one per run.
      HOME: join(dir, "home"),
      // The same node name on a restart: its database (durable queues and their messages) is kept under it.
      RABBITMQ_NODENAME: `shop-${process.pid}-${port}@localhost`,
      RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(dir, "mnesia"),
      RABBITMQ_LOG_BASE: join(dir, "log"),
      RABBITMQ_LOGS: "-",
      RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, "enabled_plugins"),
      RABBITMQ_CONFIG_FILE: join(dir, "rabbitmq.conf"),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-kernel inet_dist_use_interface {127,0,0,1}",
      ...epmdEnv,
    };
    server = relaunchable({ name: "rabbitmq", command: SERVER, args: [], env, stopTimeoutMs: 20_000 }, (child) =>
      waitUntilReady(child, "RabbitMQ", 90_000, () => canConnect(url)),
    );
    const startMs = await server.launch();
    return {
      port,
      url,
      timings: { startMs },
      restart: server.restart,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function canOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

async function canConnect(url: string): Promise<boolean> {
  const connection = await amqp.connect(url, { timeout: 1000 });
  await connection.close();
  return true;
}

/** get-port may hand out the same free port twice when asked in parallel. */
async function distinctPorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await getPort({ host: "127.0.0.1", exclude: [...ports] }));
  return [...ports];
}
