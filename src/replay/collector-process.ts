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
  logTail(): string[];
  waitHealthy(url: string, timeoutMs: number): Promise<void>;
  usage(): Promise<ProcessUsage>;
  stop(): Promise<void>;
}

export interface ProcessUsage {
  cpuSeconds: number;
  peakRssBytes: number;
}

const TAIL = 40;

export function startCollector(binary: string, configFile: string, env: Record<string, string>): CollectorProcess {
  let child: ChildProcess;
  const lines: string[] = [];
  let stopping = false;
  let ready = false;
  let exitedAlready = false;
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      lines.push(line);
      if (lines.length > TAIL) lines.shift();
    }
  };
  const exited = new Promise<never>((_, reject) => {
    try {
      child = spawn(binary, collectorArgs(configFile), { env, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      reject(new CollectorFailure(`the collector did not start: ${(error as Error).message}`, []));
      return;
    }
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("error", (error) => {
      exitedAlready = true;
      reject(new CollectorFailure(`the collector did not start: ${error.message}`, [...lines]));
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
            [...lines],
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
    logTail: () => [...lines],
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
        throw new CollectorFailure(`the collector was not healthy within ${timeoutMs / 1000} s`, [...lines]);
      };
      await Promise.race([probe(), exited]);
    },
    usage: () => readUsage(child.pid ?? -1),
    async stop() {
      if (exitedAlready) return;
      stopping = true;
      const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await done;
      clearTimeout(timer);
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
