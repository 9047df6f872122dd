import { writeFixtureFile } from "../traffic/write.js";
import { spanCount, type TraceRequest } from "../otlp/model.js";
import { startSink, type Sink } from "../replay/sink.js";
import { durationMs } from "../schema/units.js";
import { UsageError } from "./options.js";

export interface RecordCliOptions {
  out: string;
  duration?: string;
  spans?: string;
}

/*
 * tracegen record: an OTLP endpoint (gRPC and HTTP) that keeps every trace request sent to it, in
 * arrival order, and writes them as a fixture when it stops, for `tracegen replay`. It stands where
 * the collector would, so what it records is what services really send, personal data included:
 * fixtures recorded here are what proves the collector's masking.
 */

export interface Recorder {
  /** host:port of the OTLP/gRPC endpoint. */
  grpc: string;
  /** host:port of the OTLP/HTTP endpoint (POST /v1/traces). */
  http: string;
  spans(): number;
  /** Milliseconds since the last request arrived (Infinity before the first). */
  quietFor(): number;
  /** Stops listening; the requests in arrival order, over both protocols. */
  stop(): Promise<TraceRequest[]>;
}

export async function startRecorder(): Promise<Recorder> {
  const sinks: Sink[] = await Promise.all([startSink("grpc", undefined), startSink("http", undefined)]);
  const [grpc, http] = sinks as [Sink, Sink];
  const received = () => sinks.flatMap((s) => s.received).sort((a, b) => a.atMs - b.atMs);
  return {
    grpc: grpc.endpoint,
    http: http.endpoint,
    spans: () => spanCount(received().map((r) => r.request)),
    quietFor: () => Math.min(...sinks.map((s) => s.quietFor())),
    async stop() {
      await Promise.all(sinks.map((s) => s.close()));
      const garbage = sinks.flatMap((s) => s.garbage);
      if (garbage.length > 0)
        process.stderr.write(`tracegen record: ignored ${garbage.length} request(s) that were not OTLP traces\n`);
      return received().map((r) => r.request);
    },
  };
}

export interface StopWhen {
  /** Resolves when the user asks to stop (Ctrl-C). */
  interrupted: Promise<void>;
  durationMs?: number;
  spans?: number;
}

/** Resolves when the first stop condition holds. */
export async function recordUntil(recorder: Recorder, when: StopWhen): Promise<void> {
  const conditions: Array<Promise<void>> = [when.interrupted];
  let timer: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  if (when.durationMs !== undefined)
    conditions.push(new Promise((resolve) => (timer = setTimeout(resolve, when.durationMs))));
  if (when.spans !== undefined) {
    const wanted = when.spans;
    conditions.push(new Promise((resolve) => (poll = setInterval(() => recorder.spans() >= wanted && resolve(), 100))));
  }
  await Promise.race(conditions);
  clearTimeout(timer);
  clearInterval(poll);
}

export async function runRecordCommand(o: RecordCliOptions): Promise<number> {
  let duration: number | undefined;
  if (o.duration !== undefined) {
    try {
      duration = durationMs(o.duration);
    } catch {
      throw new UsageError(`--duration must be a duration like 30s or 5m; found \`${o.duration}\``);
    }
  }
  const spans = o.spans === undefined ? undefined : Number(o.spans);
  if (spans !== undefined && !(Number.isInteger(spans) && spans > 0))
    throw new UsageError(`--spans must be a positive whole number; found \`${o.spans}\``);

  const recorder = await startRecorder();
  process.stderr.write(
    `tracegen record: OTLP/gRPC on ${recorder.grpc}, OTLP/HTTP on http://${recorder.http}/v1/traces; writing ${o.out} at Ctrl-C${duration !== undefined ? ` or after ${o.duration}` : ""}${spans !== undefined ? ` or at ${spans} spans` : ""}\n`,
  );
  const interrupted = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await recordUntil(recorder, {
    interrupted,
    ...(duration !== undefined && { durationMs: duration }),
    ...(spans !== undefined && { spans }),
  });
  const requests = await recorder.stop();
  if (requests.length === 0) {
    process.stderr.write("tracegen record: nothing arrived; no file written\n");
    return 1;
  }
  await writeFixtureFile(o.out, requests);
  process.stderr.write(
    `tracegen record: wrote ${requests.length} requests, ${spanCount(requests)} spans to ${o.out}\n`,
  );
  return 0;
}
