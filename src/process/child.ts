import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/*
 * A process tracegen or the reference shop started (the collector, Jaeger, PostgreSQL, the services):
 * its output kept (the tail, for error messages) and handed on line by line, its early exit noticed,
 * and a stop that escalates to SIGKILL when the polite signal is not enough.
 */

export interface ChildSpec {
  name: string;
  command: string;
  args: readonly string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Run as this user (the shop runs as root in CI; PostgreSQL refuses to). */
  user?: { uid: number; gid: number };
  /** The signal that asks for a clean, prompt shutdown. */
  stopSignal?: NodeJS.Signals;
  stopTimeoutMs?: number;
  /** Every line of output, as it comes (npm run shop prints the services' logs, a replay keeps the collector's). */
  onLine?: (line: string) => void;
}

export interface Child {
  name: string;
  pid: number;
  /** Resolves when the process exits, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Resolves once its output has ended too, every line handed to onLine. A grandchild that inherited
   * the output may hold it open after the process itself is gone, so wait for it with a bound.
   */
  closed: Promise<void>;
  hasExited(): boolean;
  logTail(lines?: number): string;
  stop(): Promise<void>;
  /** SIGKILL: no shutdown, no flush, as when the machine under it dies. */
  kill(): Promise<void>;
}

const KEPT_LINES = 200;

/*
 * Should the starting process die without stopping what it started (an uncaught error, Ctrl-C
 * twice), its children must not outlive it: each child leads a process group of its own, and on
 * exit every group still alive is killed, together with any other leftovers registered here.
 */
const onExit = new Set<() => void>();
let exitHookInstalled = false;

export function cleanUpOnExit(fn: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const f of onExit) {
        try {
          f();
        } catch {
          // best effort: the process is going away
        }
      }
    });
  }
  onExit.add(fn);
  return () => onExit.delete(fn);
}

export function startChild(spec: ChildSpec): Child {
  const lines: string[] = [];
  const child: ChildProcess = spawn(spec.command, [...spec.args], {
    env: spec.env ?? process.env,
    cwd: spec.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    ...(spec.user ?? {}),
  });
  const forget = cleanUpOnExit(() => {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  });
  let exitedAlready = false;
  let partial = "";
  const keep = (chunk: Buffer) => {
    const text = partial + chunk.toString("utf8");
    const parts = text.split("\n");
    partial = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      spec.onLine?.(line);
    }
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const closed = new Promise<void>((resolve) =>
    child.once("close", () => {
      if (partial !== "") spec.onLine?.(partial);
      resolve();
    }),
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("error", (error) => {
      lines.push(`${spec.name} did not start: ${error.message}`);
      exitedAlready = true;
      forget();
      resolve({ code: null, signal: null });
    });
    child.on("exit", (code, signal) => {
      exitedAlready = true;
      forget();
      resolve({ code, signal });
    });
  });
  return {
    name: spec.name,
    pid: child.pid ?? -1,
    exited,
    closed,
    hasExited: () => exitedAlready,
    logTail: (n = 30) => [...lines, ...(partial ? [partial] : [])].slice(-n).join("\n"),
    async stop() {
      if (exitedAlready) return;
      child.kill(spec.stopSignal ?? "SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), spec.stopTimeoutMs ?? 10_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (exitedAlready) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export class StartFailure extends Error {}

const START_ATTEMPTS = 3;

/**
 * Ports are picked free just before a process binds them, so another process can bind one first. Then
 * `start` runs again, picking new ports, up to three times; `undo` stops whatever a failed attempt left
 * running. The failure is recognised by the loser's own words (Node, Go, PostgreSQL and Erlang all say
 * "address already in use" or EADDRINUSE), which the start failures quote.
 */
export async function onFreePorts<T>(start: () => Promise<T>, undo: () => Promise<void> = async () => {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      await undo();
      if (!lostPortRace(error) || attempt >= START_ATTEMPTS) throw error;
    }
  }
}

function lostPortRace(error: unknown): boolean {
  return error instanceof Error && /address already in use|EADDRINUSE/i.test(error.message);
}

/**
 * Polls `probe` until it answers true, the child exits (then the failure quotes its last output), or
 * the deadline passes. Returns how long it took.
 */
export async function waitUntilReady(
  child: Child,
  what: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<number> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  while (Date.now() < deadline) {
    if (child.hasExited()) throw new StartFailure(`${child.name} exited before ${what} was ready:\n${child.logTail()}`);
    if (await probe().catch(() => false)) return Date.now() - started;
    await sleep(100);
  }
  throw new StartFailure(`${what} was not ready within ${timeoutMs / 1000} s:\n${child.logTail()}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

/** A directory of the system's temporary directory, removed by `remove` or, failing that, on exit. */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  const forget = cleanUpOnExit(() => rmSync(path, { recursive: true, force: true }));
  return {
    path,
    async remove() {
      await rm(path, { recursive: true, force: true });
      forget();
    },
  };
}

/**
 * A server that fault tests take down on purpose: each launch starts a fresh child from the same spec
 * (same ports, same data) and resolves, with how long it took, once `ready` says so.
 */
export interface Relaunchable {
  launch(): Promise<number>;
  /** The running child; throws before the first launch. */
  child(): Child;
  /** Stops it, keeps its data, and launches it again after `downForMs`. */
  restart(downForMs: number): Promise<void>;
  stop(): Promise<void>;
}

export function relaunchable(spec: ChildSpec, ready: (child: Child) => Promise<number>): Relaunchable {
  let current: Child | undefined;
  const launch = () => {
    current = startChild(spec);
    return ready(current);
  };
  return {
    launch,
    child() {
      if (!current) throw new Error(`${spec.name} was never launched`);
      return current;
    },
    async restart(downForMs) {
      await current?.stop();
      await sleep(downForMs);
      await launch();
    },
    async stop() {
      await current?.stop();
    },
  };
}
