import { generate } from "../../src/orchestrate/generate.js";
import type { FixtureRequest } from "../../src/traffic/read.js";
import { synthModel } from "../../src/traffic/synth/model.js";
import { synthesize } from "../../src/traffic/synth/synth.js";
import type { ResolvedEnvironment } from "../../src/resolve/resolve.js";
import { receivedSpans } from "../../src/replay/checks/received.js";
import type { ReplayRecord } from "../../src/replay/run.js";
import type { Received } from "../../src/replay/sink.js";
import { loadRepoDescription } from "./repo.js";

/**
 * The two-tier example's dev environment with every trace kept: whatever does not arrive, or arrives
 * in part, was lost by the topology, not dropped by a sampling decision.
 */
export async function keepEverything(): Promise<ResolvedEnvironment> {
  const loaded = await loadRepoDescription("examples/two-tier.tracing.yaml");
  const env = generate(loaded, { environments: ["dev"] }).outputs[0]!.env;
  const pipeline = structuredClone(env.pipeline);
  for (const flow of Object.values(pipeline.flows)) flow.sampling.keep = "100%";
  pipeline.sampling.unmatched = "100%";
  return { ...env, pipeline };
}

export function synthFixtures(env: ResolvedEnvironment, traces: number, rate: number, seed = 11): FixtureRequest[] {
  return synthesize(synthModel([env]), { seed, traces, rate }).requests.map((request) => ({
    request,
    file: "synthesized",
  }));
}

/** Per trace, what was sent against what arrived: counted here from the raw requests, not by the checks. */
export interface Tally {
  traces: number;
  complete: string[];
  /** Some of the trace's spans arrived, not all: a trace split by a fault. */
  partial: string[];
  missing: string[];
  /** Spans that arrived more than once (extra copies), and when (wall clock) each copy arrived. */
  duplicateSpans: number;
  duplicateArrivals: number[][];
  spansSent: number;
  spansReceived: number;
  /** Ms after the replay started at which each trace's first span was sent. */
  firstSentAtMs: Map<string, number>;
  /** Spans sent that never arrived. */
  lostSpans: number;
}

export function tally(record: Pick<ReplayRecord, "sent">, received: readonly Received[]): Tally {
  const sent = new Map<string, Set<string>>();
  const firstSentAtMs = new Map<string, number>();
  for (const b of record.sent)
    for (const r of b.batch.spans) {
      const { traceId, spanId } = r.span;
      if (!sent.has(traceId)) sent.set(traceId, new Set());
      sent.get(traceId)!.add(spanId);
      firstSentAtMs.set(traceId, Math.min(firstSentAtMs.get(traceId) ?? Infinity, b.sentAtMs));
    }
  const seen = new Map<string, Map<string, number[]>>();
  let spansReceived = 0;
  for (const { span, request } of receivedSpans(received.map((r) => r.request))) {
    spansReceived++;
    if (!seen.has(span.traceId)) seen.set(span.traceId, new Map());
    const spans = seen.get(span.traceId)!;
    spans.set(span.spanId, [...(spans.get(span.spanId) ?? []), received[request]!.atMs]);
  }
  const t: Tally = {
    traces: sent.size,
    complete: [],
    partial: [],
    missing: [],
    duplicateSpans: 0,
    duplicateArrivals: [],
    spansSent: [...sent.values()].reduce((n, s) => n + s.size, 0),
    spansReceived,
    firstSentAtMs,
    lostSpans: 0,
  };
  for (const [traceId, spans] of sent) {
    const got = seen.get(traceId);
    const arrived = [...spans].filter((id) => got?.has(id)).length;
    t.lostSpans += spans.size - arrived;
    if (arrived === spans.size) t.complete.push(traceId);
    else if (arrived === 0) t.missing.push(traceId);
    else t.partial.push(traceId);
  }
  for (const spans of seen.values())
    for (const arrivals of spans.values())
      if (arrivals.length > 1) {
        t.duplicateSpans += arrivals.length - 1;
        t.duplicateArrivals.push(arrivals);
      }
  return t;
}
