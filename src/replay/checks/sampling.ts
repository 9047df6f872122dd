import { stringAttribute } from "../../otlp/model.js";
import { KEPT_BY_ATTRIBUTE } from "../../collector/run-args.js";
import { POLICY } from "../../compile/sampling.js";
import type { ResolvedPipeline } from "../../resolve/resolve.js";
import { durationMs, percent } from "../../schema/units.js";
import { isSpanCountMetric, type Sample } from "../prometheus.js";
import type { SpanRecord } from "../schedule.js";
import { binomialTolerance, binomialUpperBound } from "./binomial.js";
import type { FindingList, FindingLocation } from "./finding.js";
import { spanKey, type ReceivedSpan } from "./received.js";

/*
 * Sampling: every error trace and every trace over its flow's SLA kept; each flow's other
 * traces kept at its share within a binomial tolerance; traces in no flow at `unmatched`;
 * each kept trace naming the policy its class says kept it;
 * every kept trace complete, late spans included; nothing kept twice; and the flow metrics
 * counting every span sent, which they only do when computed before sampling.
 *
 * What the collector knew when it decided depends on when spans arrived: a trace is decided
 * on a one-second tick once decision_wait has passed since its first span. Spans that reached
 * the collector well before that (their request answered) are surely in the decision, spans sent
 * well after are late (the decision cache must route them); a trace whose class would change with
 * the spans in between is "undecidable" here and only checked for completeness.
 */

export interface SentSpan {
  record: SpanRecord;
  sentAtMs: number;
  /** When the collector answered for it: the span reached the collector between sentAtMs and this. */
  answeredAtMs: number;
}

export interface SamplingInput {
  pipeline: ResolvedPipeline;
  decisionWaitMs: number;
  confidence: number;
  sent: readonly SentSpan[];
  received: readonly ReceivedSpan[];
  /** The flow metrics scraped; the description always has them, so their absence is a finding, never a skip. */
  metrics: { samples: readonly Sample[]; error?: string };
}

export interface ShareRow {
  /** A flow's name, or "(no flow)". */
  flow: string;
  traces: number;
  errors: { total: number; kept: number };
  overSla: { total: number; kept: number };
  ordinary: { total: number; kept: number; expected: number; low: number; high: number; capped: boolean };
  undecidable: number;
  ok: boolean;
}

export interface SamplingResult {
  rows: ShareRow[];
  /** Kept, decidable traces whose spans named the policy that kept them, and those that named none. */
  keptBy: { named: number; unnamed: number };
  lateSpans: { total: number; ofKeptTraces: number; arrived: number };
}

export const NO_FLOW = "(no flow)";
const BEFORE_DECISION_MS = 1250;
const AFTER_DECISION_MS = 750;

interface TraceFacts {
  traceId: string;
  spans: SentSpan[];
  flow: string | undefined;
  error: boolean;
  overSla: boolean;
  undecidable: boolean;
  late: SentSpan[];
}

export function checkSampling(input: SamplingInput, out: FindingList): SamplingResult {
  const { pipeline, decisionWaitMs, confidence } = input;
  const flowNames = new Set(Object.keys(pipeline.flows));
  const key = pipeline.system.flow_attribute;
  const finding = (code: string, message: string, traceId?: string, extra: Partial<FindingLocation> = {}) =>
    out.add("sampling", code, () => ({
      message,
      ...(traceId || Object.keys(extra).length ? { where: { ...(traceId ? { traceId } : {}), ...extra } } : {}),
    }));

  const flowOf = (spans: readonly SentSpan[]): string | undefined => {
    for (const s of spans) {
      const v = stringAttribute(s.record.span.attributes, key) ?? stringAttribute(s.record.resource.attributes, key);
      if (v !== undefined && flowNames.has(v)) return v;
    }
    return undefined;
  };
  const classify = (spans: readonly SentSpan[]) => {
    const flow = flowOf(spans);
    const error = spans.some((s) => s.record.span.status.code === 2);
    let start = BigInt(Number.MAX_SAFE_INTEGER) ** 2n;
    let end = 0n;
    for (const s of spans) {
      if (s.record.span.startTimeUnixNano < start) start = s.record.span.startTimeUnixNano;
      if (s.record.span.endTimeUnixNano > end) end = s.record.span.endTimeUnixNano;
    }
    // The latency policy compares whole milliseconds of (latest end - earliest start) with the threshold.
    const ms = spans.length ? Number((end - start) / 1_000_000n) : 0;
    const overSla = flow !== undefined && ms >= durationMs(pipeline.flows[flow]!.sla);
    return { flow, error, overSla };
  };

  const byTrace = new Map<string, SentSpan[]>();
  for (const s of input.sent) {
    const list = byTrace.get(s.record.span.traceId) ?? [];
    list.push(s);
    byTrace.set(s.record.span.traceId, list);
  }
  const traces: TraceFacts[] = [];
  for (const [traceId, spans] of byTrace) {
    // The decision's clock starts when the first span reaches the collector: after the earliest
    // sending and before the earliest answer. A span surely in the decision was answered for before
    // the earliest the decision can fall; a late one was sent after the latest.
    const first = Math.min(...spans.map((s) => s.sentAtMs));
    const firstAnswered = Math.min(...spans.map((s) => s.answeredAtMs));
    const surelyIn = spans.filter((s) => s.answeredAtMs <= first + decisionWaitMs - BEFORE_DECISION_MS);
    const maybeIn = spans.filter((s) => s.sentAtMs < firstAnswered + decisionWaitMs + AFTER_DECISION_MS);
    const late = spans.filter((s) => s.sentAtMs >= firstAnswered + decisionWaitMs + AFTER_DECISION_MS);
    // The first span is always part of the decision, however short decision_wait is.
    const a = classify(surelyIn.length ? surelyIn : spans.slice(0, 1));
    const b = classify(maybeIn);
    const undecidable = a.flow !== b.flow || a.error !== b.error || a.overSla !== b.overSla;
    traces.push({ traceId, spans, ...b, undecidable, late });
  }

  const receivedCount = new Map<string, number>();
  const keptTraces = new Set<string>();
  const keptBy = new Map<string, Set<string>>();
  for (const r of input.received) {
    const k = spanKey(r.span.traceId, r.span.spanId);
    receivedCount.set(k, (receivedCount.get(k) ?? 0) + 1);
    keptTraces.add(r.span.traceId);
    const policy = stringAttribute(r.scope.attributes, KEPT_BY_ATTRIBUTE);
    if (policy !== undefined) keptBy.set(r.span.traceId, (keptBy.get(r.span.traceId) ?? new Set()).add(policy));
  }
  for (const [k, n] of receivedCount)
    if (n > 1) {
      const [traceId, spanId] = k.split("/") as [string, string];
      finding("kept-twice", `span arrived ${n} times`, traceId, { spanId });
    }

  const mustKeepErrors = pipeline.sampling.errors === "keep";
  const mustKeepSlow = pipeline.sampling.slower_than_sla === "keep";
  /** The first policy, in the compiler's order, that keeps a trace of this class. */
  const expectedPolicy = (t: TraceFacts): string =>
    mustKeepErrors && t.error
      ? POLICY.errors
      : mustKeepSlow && t.overSla
        ? POLICY.overSla(t.flow!)
        : t.flow
          ? POLICY.share(t.flow)
          : POLICY.unmatched;
  // Only spans that were in the decision carry the policy's name; a collector run without the
  // recordpolicy gate names none, which the caller sees as traces kept but unnamed.
  const keptByCount = { named: 0, unnamed: 0 };
  const checkKeptBy = (t: TraceFacts, named: ReadonlySet<string> | undefined, report: typeof finding): void => {
    if (!named || named.size === 0) {
      keptByCount.unnamed++;
      return;
    }
    keptByCount.named++;
    const expected = expectedPolicy(t);
    if (named.size > 1 || !named.has(expected))
      report("kept-by", `trace was kept by \`${[...named].join("`, `")}\`; its class says \`${expected}\``, t.traceId);
  };
  const rows = new Map<string, ShareRow>();
  const row = (flow: string) => {
    let r = rows.get(flow);
    if (!r) {
      r = {
        flow,
        traces: 0,
        errors: { total: 0, kept: 0 },
        overSla: { total: 0, kept: 0 },
        ordinary: { total: 0, kept: 0, expected: 0, low: 0, high: 0, capped: false },
        undecidable: 0,
        ok: true,
      };
      rows.set(flow, r);
    }
    return r;
  };
  for (const flow of flowNames) row(flow);
  row(NO_FLOW);

  /** A trace the policy must keep, whatever the shares: counted, and a finding when it was dropped. */
  const tallyMustKeep = (
    tally: { total: number; kept: number },
    kept: boolean,
    t: TraceFacts,
    code: string,
    dropped: () => string,
  ): void => {
    tally.total++;
    if (kept) tally.kept++;
    else finding(code, dropped(), t.traceId);
  };

  let late = 0;
  let lateOfKept = 0;
  let lateArrived = 0;
  for (const t of traces) {
    const kept = keptTraces.has(t.traceId);
    const r = row(t.flow ?? NO_FLOW);
    r.traces++;
    late += t.late.length;
    if (kept) {
      lateOfKept += t.late.length;
      const missing = t.spans.filter((s) => !receivedCount.has(spanKey(t.traceId, s.record.span.spanId)));
      lateArrived += t.late.length - missing.filter((s) => t.late.includes(s)).length;
      if (missing.length > 0) {
        const lateMissing = missing.filter((s) => t.late.includes(s)).length;
        finding(
          "incomplete-trace",
          `kept trace is missing ${missing.length} of ${t.spans.length} spans${lateMissing ? ` (${lateMissing} of them late, sent after the decision)` : ""}`,
          t.traceId,
          { spanId: missing[0]!.record.span.spanId, source: missing[0]!.record.source },
        );
      }
    }
    if (t.undecidable) {
      r.undecidable++;
      continue;
    }
    if (kept) checkKeptBy(t, keptBy.get(t.traceId), finding);
    if (mustKeepErrors && t.error) {
      tallyMustKeep(
        r.errors,
        kept,
        t,
        "error-trace-dropped",
        () => `trace with an error span${t.flow ? ` in ${t.flow}` : " in no flow"} was not kept`,
      );
      continue;
    }
    if (mustKeepSlow && t.overSla) {
      tallyMustKeep(
        r.overSla,
        kept,
        t,
        "slow-trace-dropped",
        () => `trace over ${t.flow}'s SLA of ${pipeline.flows[t.flow!]!.sla} was not kept`,
      );
      continue;
    }
    r.ordinary.total++;
    if (kept) r.ordinary.kept++;
  }

  for (const r of rows.values()) {
    const flow = r.flow === NO_FLOW ? undefined : pipeline.flows[r.flow];
    const share = flow ? percent(flow.sampling.keep) / 100 : percent(pipeline.sampling.unmatched) / 100;
    const capped = flow?.sampling.max_spans_per_second !== undefined;
    const { total, kept } = r.ordinary;
    const tolerance = capped
      ? { low: 0, high: binomialUpperBound(total, share, confidence) }
      : binomialTolerance(total, share, confidence);
    r.ordinary = { total, kept, expected: share, ...tolerance, capped };
    if (total > 0 && (kept < tolerance.low || kept > tolerance.high)) {
      r.ok = false;
      finding(
        r.flow === NO_FLOW ? "unmatched-share" : "flow-share",
        `${r.flow === NO_FLOW ? "traces in no flow" : r.flow}: kept ${kept} of ${total} ordinary traces (${pct(kept / total)}); ` +
          `${r.flow === NO_FLOW ? "`unmatched`" : "its keep"} of ${pct(share)} allows ${tolerance.low}–${tolerance.high} at ${pct(confidence)} confidence`,
      );
    }
    if (r.errors.kept < r.errors.total || r.overSla.kept < r.overSla.total) r.ok = false;
  }

  checkFlowMetrics(input, key, flowNames, out);
  return {
    rows: [...rows.values()],
    keptBy: keptByCount,
    lateSpans: { total: late, ofKeptTraces: lateOfKept, arrived: lateArrived },
  };
}

/** Span metrics must count every span sent: computed after sampling they count only the kept ones. */
function checkFlowMetrics(input: SamplingInput, key: string, flowNames: ReadonlySet<string>, out: FindingList): void {
  const { error } = input.metrics;
  if (error) {
    out.add("sampling", "flow-metrics-missing", () => ({ message: `the flow metrics could not be read: ${error}` }));
    return;
  }
  const label = key.replace(/[^A-Za-z0-9_]/g, "_");
  const counted = new Map<string, number>();
  for (const s of input.metrics.samples) {
    if (!isSpanCountMetric(s.name)) continue;
    const flow = s.labels[label] ?? s.labels[key] ?? NO_FLOW;
    counted.set(flow, (counted.get(flow) ?? 0) + s.value);
  }
  const sent = new Map<string, number>();
  for (const s of input.sent) {
    const v = stringAttribute(s.record.span.attributes, key) ?? stringAttribute(s.record.resource.attributes, key);
    const flow = v !== undefined && flowNames.has(v) ? v : NO_FLOW;
    sent.set(flow, (sent.get(flow) ?? 0) + 1);
  }
  for (const flow of flowNames) {
    const expected = sent.get(flow) ?? 0;
    const got = counted.get(flow) ?? 0;
    if (got !== expected)
      out.add("sampling", "flow-metrics-count", () => ({
        message: `span metrics counted ${got} of the ${expected} spans sent in ${flow}; flow metrics must be computed on every span, before sampling`,
        where: { series: `*duration*_count{${label}="${flow}"}` },
      }));
  }
}

const pct = (x: number): string => `${Number((x * 100).toFixed(2))}%`;
