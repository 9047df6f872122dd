import { ID } from "../../compile/ids.js";
import type { ResolvedPipeline } from "../../resolve/resolve.js";
import { durationMs } from "../../schema/units.js";
import type { ReplayRecord } from "../run.js";
import type { SpanRecord } from "../schedule.js";
import { FindingList, type CheckFamily, type Finding } from "./finding.js";
import { checkIntegrity } from "./integrity.js";
import { checkLeaks, rawValues } from "./leaks.js";
import { maskingRules } from "./masking-oracle.js";
import { receivedSpans, spanKey } from "./received.js";
import { checkSampling, type SamplingResult, type SentSpan } from "./sampling.js";

export interface CheckReport {
  ok: boolean;
  /** Per family, whether it passed; every family always runs. */
  families: Record<CheckFamily, boolean>;
  /** The first findings of each kind (the rest are summarized)... */
  findings: Finding[];
  /** ...and how many there were in all, per family. */
  findingCounts: Record<CheckFamily, number>;
  sampling: SamplingResult;
  confidence: number;
  counts: {
    spansSent: number;
    tracesSent: number;
    spansReceived: number;
    tracesKept: number;
    requestsReceived: number;
  };
}

/**
 * Judges a replay. `pipeline` is the environment as described (not the run-time copy with
 * swapped addresses): the expectations come from the description, whatever config ran.
 */
export function checkReplay(record: ReplayRecord, pipeline: ResolvedPipeline, confidence: number): CheckReport {
  const rules = maskingRules(pipeline, record.pseudonymKey);
  const sent: SentSpan[] = record.sent.flatMap((b) => b.batch.spans.map((r) => ({ record: r, sentAtMs: b.sentAtMs })));
  const bySpan = new Map<string, SpanRecord>(
    sent.map((s) => [spanKey(s.record.span.traceId, s.record.span.spanId), s.record]),
  );
  const requests = record.received.map((r) => r.request);
  const received = receivedSpans(requests);
  const hasFlowMetrics = record.config.connectors[ID.spanMetrics] !== undefined;

  const findings = new FindingList();
  const raw = rawValues(
    rules,
    sent.map((s) => s.record),
  );
  checkLeaks(rules, raw, requests, record.metrics.samples, findings);
  for (const g of record.garbage)
    findings.add("integrity", "not-otlp", () => ({ message: `the sink received something that is not OTLP: ${g}` }));
  checkIntegrity(rules, raw, bySpan, received, findings);
  const sampling = checkSampling(
    {
      pipeline,
      decisionWaitMs: durationMs(record.decisionWait.used),
      confidence,
      sent,
      received,
      metrics: hasFlowMetrics ? record.metrics : undefined,
    },
    findings,
  );
  const families = {
    leaks: findings.count("leaks") === 0,
    integrity: findings.count("integrity") === 0,
    sampling: findings.count("sampling") === 0,
  };
  return {
    ok: findings.count() === 0,
    families,
    findings: findings.list(),
    findingCounts: {
      leaks: findings.count("leaks"),
      integrity: findings.count("integrity"),
      sampling: findings.count("sampling"),
    },
    sampling,
    confidence,
    counts: {
      spansSent: sent.length,
      tracesSent: new Set(sent.map((s) => s.record.span.traceId)).size,
      spansReceived: received.length,
      tracesKept: new Set(received.map((r) => r.span.traceId)).size,
      requestsReceived: requests.length,
    },
  };
}
