import type { PlantedValue } from "../../traffic/planted.js";
import type { ResolvedEnvironment } from "../../resolve/resolve.js";
import { durationMs } from "../../schema/units.js";
import { maskingContract } from "../../compile/masking-contract.js";
import type { ReplayRecord } from "../run.js";
import type { SpanRecord } from "../schedule.js";
import { FindingList, type CheckFamily, type Finding } from "./finding.js";
import { checkIntegrity } from "./integrity.js";
import { checkKeyRules, checkPatterns, sentCandidates } from "./leaks.js";
import { PlantedOracle } from "./planted-oracle.js";
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
  /** Values the leak oracle searched for: planted by the fixture's synthesizer, and sent under removed or pseudonymized keys. */
  searched: { planted: number; sent: number };
  counts: {
    spansSent: number;
    tracesSent: number;
    spansReceived: number;
    tracesKept: number;
    requestsReceived: number;
  };
}

/**
 * Judges a replay. `env` is the environment as described (not the run-time copy with
 * swapped addresses, nor a config a test broke): the expectations come from the
 * description. `planted` is what the fixtures' manifest says was planted in them; a caller
 * that shows the replay's output to people passes the leak oracle it built from them.
 */
export function checkReplay(
  record: ReplayRecord,
  env: ResolvedEnvironment,
  confidence: number,
  planted: readonly PlantedValue[] = [],
  leaks: LeakOracle = leakOracle(record, env, planted),
): CheckReport {
  const { pipeline } = env;
  const contract = maskingContract(env);
  const sent = sentSpans(record);
  const bySpan = new Map<string, SpanRecord>(
    sent.map((s) => [spanKey(s.record.span.traceId, s.record.span.spanId), s.record]),
  );
  const requests = record.received.map((r) => r.request);
  const received = receivedSpans(requests);
  const { oracle, fromSent } = leaks;

  const findings = new FindingList();
  oracle.check(
    {
      requests: [...record.received, ...record.garbage.map((g) => ({ body: g.body, encoding: "protobuf" as const }))],
      metricsText: record.metrics.text,
      logLines: record.collectorLog.lines,
    },
    findings,
  );
  checkKeyRules(contract, requests, record.metrics.samples, findings, (text) => oracle.holds(text));
  checkPatterns(contract, record.received, record.metrics.samples, findings);
  for (const { batch, outcome } of record.sent)
    if (outcome.ok && outcome.rejected > 0)
      findings.add("integrity", "rejected-spans", () => ({
        message: `the collector took a request but rejected ${outcome.rejected} of its ${batch.spans.length} spans (partial success): ${outcome.error?.slice(0, 200) ?? ""}`,
        where: { traceId: batch.spans[0]?.span.traceId, source: batch.spans[0]?.source },
      }));
  for (const g of record.garbage)
    findings.add("integrity", "not-otlp", () => ({
      message: `the sink received something that is not OTLP: ${g.problem}`,
    }));
  checkIntegrity(
    {
      contract,
      hmacKey: record.pseudonymKey,
      holdsPersonal: (text) => oracle.holds(text),
    },
    bySpan,
    received,
    findings,
  );
  const sampling = checkSampling(
    {
      pipeline,
      decisionWaitMs: durationMs(record.decisionWait.used),
      confidence,
      sent,
      received,
      metrics: record.metrics,
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
    searched: { planted: planted.length, sent: fromSent.length },
    counts: {
      spansSent: sent.length,
      tracesSent: new Set(sent.map((s) => s.record.span.traceId)).size,
      spansReceived: received.length,
      tracesKept: new Set(received.map((r) => r.span.traceId)).size,
      requestsReceived: requests.length,
    },
  };
}

const sentSpans = (record: ReplayRecord): SentSpan[] =>
  record.sent.flatMap((b) =>
    b.batch.spans.map((r) => ({ record: r, sentAtMs: b.sentAtMs, answeredAtMs: b.answeredAtMs })),
  );

export interface LeakOracle {
  oracle: PlantedOracle;
  /** The values sent under removed or pseudonymized keys that were not planted. */
  fromSent: PlantedValue[];
}

/**
 * The leak oracle of a replay: what the fixtures planted, and every value sent under a
 * removed or pseudonymized key. Reports ask it before they show a text that came out. It
 * indexes every form of every value, which takes seconds for a large corpus: build it once.
 */
export function leakOracle(
  record: ReplayRecord,
  env: ResolvedEnvironment,
  planted: readonly PlantedValue[] = [],
): LeakOracle {
  // Every planted value counts, whatever this description says: a fixture is made for the
  // description it proves, and a rule missing here is exactly what the oracle must catch.
  const plantedValues = new Set(planted.map((p) => p.value));
  const fromSent = sentCandidates(
    maskingContract(env),
    sentSpans(record).map((s) => s.record),
  ).filter((c) => !plantedValues.has(c.value));
  return { oracle: new PlantedOracle(planted, fromSent), fromSent };
}
