import type { CheckReport } from "../checks/index.js";
import type { ReplayRecord } from "../run.js";

/** Everything a rendered report says, as plain data: the JSON output is exactly this. */
export interface ReplaySummary {
  environment: string;
  ok: boolean;
  fixtures: string[];
  /** How the harness talked to the collector and where the sink stood. */
  transport: { send: string; sink: string; tls: boolean; auth: string };
  decisionWait: { configured: string; used: string; overridden: boolean };
  /** Fixture time per second of replay; "max" when sent as fast as the collector takes it. */
  speed: number | "max";
  confidence: number;
  receivedFile?: string;
  report: CheckReport;
  timing: { sendMs: number; spansPerSecond: number };
}

export function summarize(
  record: ReplayRecord,
  report: CheckReport,
  context: { fixtures: string[]; speed: number; receivedFile?: string },
): ReplaySummary {
  return {
    environment: record.environment,
    ok: report.ok,
    fixtures: context.fixtures,
    transport: {
      send: `OTLP/${record.protocol === "grpc" ? "gRPC" : "HTTP"}`,
      sink: `OTLP/${record.sinkProtocol === "grpc" ? "gRPC" : "HTTP"}`,
      tls: record.tls,
      auth: record.auth,
    },
    decisionWait: { ...record.decisionWait, overridden: record.decisionWait.configured !== record.decisionWait.used },
    speed: Number.isFinite(context.speed) ? context.speed : "max",
    confidence: report.confidence,
    ...(context.receivedFile ? { receivedFile: context.receivedFile } : {}),
    report,
    timing: {
      sendMs: record.sendMs,
      spansPerSecond: Math.round(report.counts.spansSent / Math.max(0.001, record.sendMs / 1000)),
    },
  };
}
