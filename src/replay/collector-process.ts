import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { collectorArgs } from "../collector/run-args.js";

/*
 * The real collector as a child process: started with a config file and an environment,
 * watched for an early exit, probed through its health_check extension, and measured
 * (CPU seconds, peak memory) from /proc for the benchmark.
 */

export class CollectorFailure extends Error {
  constructor(
    message: string,
    readonly logTail: string[],
  ) {
    super(`${message}${logTail.length ? `\n--- last collector log lines ---\n${logTail.join("\n")}` : ""}`);
  }
}

export interface CollectorProcess {
  pid: number;
  /** Rejects with CollectorFailure as soon as the process exits on its own. */
  exited: Promise<never>;
  /** The last lines the collector wrote (stdout and stderr), for error messages. */
  logTail(): string[];
  /** Every line it wrote, up to LOG_LIMIT_BYTES: the leak oracle reads the collector's own logs too. */
  log(): CollectorLog;
  waitHealthy(url: string, timeoutMs: number): Promise<void>;
  usage(): Promise<ProcessUsage>;
  stop(): Promise<void>;
  /** SIGKILL: no shutdown, no flush; what the process held only in memory is gone. */
  kill(): Promise<void>;
}

export interface ProcessUsage {
  cpuSeconds: number;
  peakRssBytes: number;
}

export interface CollectorLog {
  lines: string[];
  /** Lines not kept once LOG_LIMIT_BYTES was reached. */
  dropped: number;
}

const TAIL = 40;
/** A debug exporter at detailed verbosity writes every span; past this much, lines are counted, not kept. */
const LOG_LIMIT_BYTES = 256 * 1024 * 1024;

export function startCollector(binary: string, configFile: string, env: Record<string, string>): CollectorProcess {
  let child: ChildProcess;
  const all: string[] = [];
  let kept = 0;
  let dropped = 0;
  let stopping = false;
  let ready = false;
  let exitedAlready = false;
  // A chunk may end mid-line (or mid-character): each stream keeps its unfinished line.
  const read = (stream: NodeJS.ReadableStream | null) => {
    let pending = Buffer.alloc(0);
    stream?.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      let nl: number;
      while ((nl = pending.indexOf(0x0a)) >= 0) {
        keep(pending.subarray(0, nl).toString("utf8"));
        pending = pending.subarray(nl + 1);
      }
    });
    stream?.on("end", () => keep(pending.toString("utf8")));
  };
  const keep = (line: string) => {
    if (line.trim() === "") return;
    if (kept + line.length > LOG_LIMIT_BYTES) {
      dropped++;
      return;
    }
    kept += line.length;
    all.push(line);
  };
  const lines = () => all.slice(-TAIL);
  const exited = new Promise<never>((_, reject) => {
    try {
      child = spawn(binary, collectorArgs(configFile), { env, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      reject(new CollectorFailure(`the collector did not start: ${(error as Error).message}`, []));
      return;
    }
    read(child.stdout);
    read(child.stderr);
    child.on("error", (error) => {
      exitedAlready = true;
      reject(new CollectorFailure(`the collector did not start: ${error.message}`, lines()));
    });
    child.on("exit", (code, signal) => {
      exitedAlready = true;
      const how = signal ?? `code ${code}`;
      if (!stopping)
        reject(
          new CollectorFailure(
            ready
              ? `the collector exited (${how}) during the replay`
              : `the collector exited (${how}) before it was ready`,
            lines(),
          ),
        );
    });
  });
  // Nobody may be listening yet; the rejection is observed by whoever races against it.
  exited.catch(() => undefined);
  return {
    get pid() {
      return child.pid ?? -1;
    },
    exited,
    logTail: lines,
    log: () => ({ lines: [...all], dropped }),
    async waitHealthy(url, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const probe = async (): Promise<void> => {
        while (Date.now() < deadline) {
          if (exitedAlready) return;
          try {
            const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
            if (response.status === 200) {
              ready = true;
              return;
            }
          } catch {
            // not listening yet
          }
          await sleep(100);
        }
        throw new CollectorFailure(`the collector was not healthy within ${timeoutMs / 1000} s`, lines());
      };
      await Promise.race([probe(), exited]);
    },
    usage: () => readUsage(child.pid ?? -1),
    async stop() {
      if (exitedAlready) return;
      stopping = true;
      // "close", not "exit": the last log lines are read only once its output streams have ended.
      const done = new Promise<void>((resolve) => child.once("close", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await done;
      clearTimeout(timer);
    },
    async kill() {
      if (exitedAlready) return;
      stopping = true;
      const done = new Promise<void>((resolve) => child.once("close", () => resolve()));
      child.kill("SIGKILL");
      await done;
    },
  };
}

/** utime+stime from /proc/<pid>/stat (clock ticks of 1/100 s on Linux) and VmHWM, the peak resident set. */
export async function readUsage(pid: number): Promise<ProcessUsage> {
  const [stat, status] = await Promise.all([
    readFile(`/proc/${pid}/stat`, "utf8"),
    readFile(`/proc/${pid}/status`, "utf8"),
  ]);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  return { cpuSeconds: ticks / 100, peakRssBytes: Number(hwm?.[1] ?? 0) * 1024 };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
