import { describe, expect, it } from "vitest";
import { sleep } from "../src/process/child.js";
import { replay } from "../src/replay/replay.js";
import type { Received } from "../src/replay/sink.js";
import type { SentBatch } from "../src/replay/run.js";
import { requireCollector } from "./helpers/repo.js";
import { keepEverything, synthFixtures, tally, type Tally } from "./helpers/tiers.js";

/*
 * Faults in a running two-tier topology: 2 agents and 3 samplers on loopback with persistent queues,
 * every trace kept, so whatever does not arrive whole was lost by the fault. What arrived is counted
 * from the raw requests at the sink (helpers/tiers.ts), not by the replay's checks.
 *
 * The Jaeger outage lasts TRACEGEN_OUTAGE_S seconds (20 by default, to keep the suite short); the issue's
 * 60 s is run with TRACEGEN_OUTAGE_S=60 (README, "Scaling out: two tiers").
 */

const DECISION_WAIT_MS = 2000;
const OUTAGE_MS = Number(process.env["TRACEGEN_OUTAGE_S"] ?? "20") * 1000;

async function run(
  traces: number,
  rate: number,
  during: Parameters<typeof replay>[0]["tiers"] extends infer T ? (T extends { during?: infer D } ? D : never) : never,
  giveUpMs: number,
) {
  const env = await keepEverything();
  const fixtures = synthFixtures(env, traces, rate);
  let sentSpans = Infinity;
  const { record, report } = await replay({
    env,
    fixtures,
    collector: requireCollector(),
    speed: 1,
    confidence: 0.999,
    decisionWait: `${DECISION_WAIT_MS / 1000}s`,
    tiers: {
      agents: 2,
      samplers: 3,
      during,
      settle: { until: (received) => countSpans(received) >= sentSpans, giveUpMs },
    },
    onProgress: (p) => {
      if (p.phase === "sending" && p.spans === p.total) sentSpans = p.total;
    },
  });
  return { record, report, t: tally(record, record.received) };
}

const countSpans = (received: readonly Received[]) =>
  received.reduce(
    (n, r) =>
      n + r.request.resourceSpans.reduce((m, rs) => m + rs.scopeSpans.reduce((k, ss) => k + ss.spans.length, 0), 0),
    0,
  );

const describeTally = (t: Tally) =>
  `${t.traces} traces: ${t.complete.length} complete, ${t.partial.length} split, ${t.missing.length} missing; ${t.spansReceived}/${t.spansSent} spans, ${t.duplicateSpans} twice`;

describe("a two-tier topology under faults", () => {
  it("loses, when a sampler is killed and restarted, only traces that sampler held in memory: those begun within decision_wait before the kill", async () => {
    let killAtMs = 0;
    let restartedAtMs = 0;
    let startedAt = 0;
    const { record, t } = await run(
      300,
      20,
      async (tiers) => {
        startedAt = Date.now();
        await sleep(5000);
        killAtMs = Date.now() - startedAt;
        await tiers.samplers[1]!.process.kill();
        await sleep(3000);
        await tiers.samplers[1]!.restart();
        restartedAtMs = Date.now() - startedAt;
      },
      60_000,
    );
    // The replay's own clock starts a moment before the fault hook's: shift to it.
    const shift = startedAt - record.startedAt;
    const kill = killAtMs + shift;
    // Exposed: traces whose first span reached the killed sampler before the kill and was still held,
    // waiting for its decision (decision_wait, plus the one-second decision tick and the batch in flight).
    const exposedFrom = kill - DECISION_WAIT_MS - 2000;
    const exposed = (traceId: string) => {
      const at = t.firstSentAtMs.get(traceId)!;
      return at >= exposedFrom && at <= kill + 500;
    };
    const hit = [...t.partial, ...t.missing];
    const outside = hit.filter((id) => !exposed(id));
    const inWindow = [...t.firstSentAtMs.keys()].filter(exposed).length;
    console.log(
      `${t.duplicateArrivals.length} spans exported more than once; ` +
        `sampler killed at ${(kill / 1000).toFixed(1)} s, back at ${((restartedAtMs + shift) / 1000).toFixed(1)} s; ${describeTally(t)}; ` +
        `${hit.length} traces lost or split, all begun within ${((kill - exposedFrom) / 1000).toFixed(1)} s before the kill (${inWindow} traces began in that window, about a third of them on the killed sampler)`,
    );
    expect(outside, describeTally(t)).toEqual([]);
    expect(hit.length).toBeLessThanOrEqual(inWindow);
    // At least once, not exactly once: spans a sampler sent on but had not yet been told were accepted
    // are sent again, so the fault can make copies; their count is printed above and in the README.
    // Every span acknowledged while the sampler was down waited in the agents' persistent queues and arrived.
    const duringOutage = record.sent.filter(
      (b: SentBatch) => b.sentAtMs > kill + 500 && b.sentAtMs < restartedAtMs + shift,
    );
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(duringOutage.every((b) => b.outcome.ok)).toBe(true);
  }, 120_000);

  it(
    `delivers every trace once when Jaeger is down for ${OUTAGE_MS / 1000} s and comes back: counts equal, nothing twice`,
    async () => {
      let downFor = 0;
      const { t, report } = await run(
        200,
        20,
        async (_tiers, sink) => {
          await sleep(3000);
          const down = Date.now();
          await sink.down();
          await sleep(OUTAGE_MS);
          await sink.up();
          downFor = Date.now() - down;
        },
        OUTAGE_MS + 60_000,
      );
      console.log(`Jaeger down for ${(downFor / 1000).toFixed(1)} s: ${describeTally(t)}`);
      expect(downFor).toBeGreaterThanOrEqual(OUTAGE_MS);
      expect(t.partial).toEqual([]);
      expect(t.missing).toEqual([]);
      expect(t.spansReceived).toBe(t.spansSent);
      expect(t.duplicateSpans).toBe(0);
      expect(report.families.sampling).toBe(true);
    },
    OUTAGE_MS + 120_000,
  );

  it("drains an agent's persistent queue after kill -9 and restart: what it acknowledged reaches the samplers", async () => {
    let beforeRestart = -1;
    const { t } = await run(
      150,
      50,
      async (tiers, sink, sent) => {
        // No sampler to send to: the agents acknowledge the spans and keep them in their queues.
        await Promise.all(tiers.samplers.map((s) => s.process.kill()));
        await sent;
        await sleep(1000);
        await tiers.agents[0]!.process.kill();
        await Promise.all(tiers.samplers.map((s) => s.restart()));
        // Whatever arrives now comes from the other agent: agent 0 is dead.
        await sleep(3000);
        beforeRestart = countSpans(sink.received);
        await tiers.agents[0]!.restart();
      },
      90_000,
    );
    console.log(
      `agent killed with its queue full: ${beforeRestart} spans arrived before its restart; ${describeTally(t)}`,
    );
    expect(beforeRestart).toBeLessThan(t.spansSent);
    expect(t.spansReceived - t.duplicateSpans).toBe(t.spansSent);
    expect(t.partial).toEqual([]);
    expect(t.missing).toEqual([]);
  }, 150_000);
});
