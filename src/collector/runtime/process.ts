import { readFile } from "node:fs/promises";
import { sleep, startChild } from "../../process/child.js";
import { collectorArgs } from "../run-args.js";

/*
 * The real collector as a child process: started with a config file and an environment,
 * watched for an early exit, probed through its health_check extension, and measured
 * (CPU seconds, peak memory) from /proc for the benchmarks.
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
/** How long a stop waits for the last log lines once the process is gone. */
const CLOSE_WAIT_MS = 2_000;

export function startCollector(binary: string, configFile: string, env: Record<string, string>): CollectorProcess {
  const all: string[] = [];
  let kept = 0;
  let dropped = 0;
  let stopping = false;
  let ready = false;
  const keep = (line: string) => {
    if (line.trim() === "") return;
    if (kept + line.length > LOG_LIMIT_BYTES) {
      dropped++;
      return;
    }
    kept += line.length;
    all.push(line);
  };
  const child = startChild({
    name: "otelcol-shop",
    command: binary,
    args: collectorArgs(configFile),
    env,
    onLine: keep,
    stopTimeoutMs: 15_000,
  });
  const lines = () => all.slice(-TAIL);
  const exited = new Promise<never>((_, reject) => {
    void child.exited.then(({ code, signal }) => {
      if (stopping) return;
      if (code === null && signal === null) {
        reject(new CollectorFailure(child.logTail(1).replace(/^otelcol-shop/, "the collector"), []));
        return;
      }
      const how = signal ?? `code ${code}`;
      const when = ready ? "during the replay" : "before it was ready";
      // Its last lines may still be on their way: the failure quotes them.
      void Promise.race([child.closed, sleep(CLOSE_WAIT_MS)]).then(() =>
        reject(new CollectorFailure(`the collector exited (${how}) ${when}`, lines())),
      );
    });
  });
  // Nobody may be listening yet; the rejection is observed by whoever races against it.
  exited.catch(() => undefined);
  return {
    pid: child.pid,
    exited,
    logTail: lines,
    log: () => ({ lines: [...all], dropped }),
    async waitHealthy(url, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const probe = async (): Promise<void> => {
        while (Date.now() < deadline) {
          if (child.hasExited()) return;
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
    usage: () => readUsage(child.pid),
    async stop() {
      if (child.hasExited()) return;
      stopping = true;
      await child.stop();
      // What it logs and exports while shutting down is output too.
      await Promise.race([child.closed, sleep(CLOSE_WAIT_MS)]);
    },
    async kill() {
      if (child.hasExited()) return;
      stopping = true;
      await child.kill();
      await Promise.race([child.closed, sleep(CLOSE_WAIT_MS)]);
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
