import { beforeAll, describe, expect, it } from "vitest";
import type { CollectorConfig } from "../src/collector/config.js";
import { compileCollectorConfig } from "../src/compile/index.js";
import { kv, type Span } from "../src/otlp/model.js";
import { resolveEnvironment, type ResolvedEnvironment } from "../src/resolve/resolve.js";
import { binomialTolerance } from "../src/replay/checks/binomial.js";
import { checkReplay } from "../src/replay/checks/index.js";
import { receivedSpans } from "../src/replay/checks/received.js";
import type { ShareRow } from "../src/replay/checks/sampling.js";
import { pipelineDiagram, type DiagramNode } from "../src/replay/report/diagram.js";
import { summarize } from "../src/replay/report/model.js";
import { renderTemplate } from "../src/emit/templates.js";
import { reportPage } from "../src/replay/report/page-view.js";
import { shareChart } from "../src/replay/report/share-chart.js";
import { flowWaterfalls, WITHHELD } from "../src/replay/report/waterfall.js";
import { loadRepoDescription } from "./helpers/repo.js";
import { flowMetrics, record, request, resource, span } from "./replay-helpers.js";

/*
 * The replay report page's view model, computed without a collector or a browser: the pipeline
 * diagram laid out from a config, the share chart drawing the sampling check's own tolerance,
 * waterfalls in tree order, and findings grouped by rule with personal text withheld.
 */

let prod: ResolvedEnvironment;
let config: CollectorConfig;
beforeAll(async () => {
  const { description } = await loadRepoDescription("tracing.yaml");
  prod = resolveEnvironment(description, "prod");
  config = compileCollectorConfig(prod);
});

const overlaps = (a: DiagramNode, b: DiagramNode) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe("pipeline diagram", () => {
  it("draws each component once per pipeline that uses it, receivers to exporters left to right", () => {
    const d = pipelineDiagram(config);
    const pipelines = Object.entries(config.service.pipelines);
    expect(d.lanes.map((l) => l.pipeline)).toEqual(pipelines.map(([name]) => name));
    for (const [name, p] of pipelines) {
      const inLane = d.nodes.filter((n) => n.pipeline === name);
      expect(inLane.map((n) => n.component).sort()).toEqual([...p.receivers, ...p.processors, ...p.exporters].sort());
      const x = (id: string, role: string) => inLane.find((n) => n.component === id && n.role === role)!.x;
      const chain = [x(p.receivers[0]!, "receiver"), ...p.processors.map((id) => x(id, "processor"))];
      chain.push(x(p.exporters[0]!, "exporter"));
      expect(chain).toEqual([...chain].sort((a, b) => a - b));
      expect(new Set(chain).size).toBe(chain.length);
      const lane = d.lanes.find((l) => l.pipeline === name)!;
      for (const n of inLane) {
        expect(n.x).toBeGreaterThanOrEqual(lane.x);
        expect(n.x + n.width).toBeLessThanOrEqual(lane.x + lane.width);
        expect(n.y).toBeGreaterThanOrEqual(lane.y);
        expect(n.y + n.height).toBeLessThanOrEqual(lane.y + lane.height);
      }
    }
    for (const a of d.nodes) for (const b of d.nodes) if (a !== b) expect(overlaps(a, b)).toBe(false);
    for (const n of d.nodes) {
      expect(n.x + n.width).toBeLessThanOrEqual(d.width);
      expect(n.y + n.height).toBeLessThanOrEqual(d.height);
    }
  });

  it("links each connector from the pipeline exporting to it to the pipeline receiving from it", () => {
    const d = pipelineDiagram(config);
    const links = d.edges.filter((e) => e.kind === "connector");
    const expected = Object.keys(config.connectors).flatMap((id) =>
      Object.entries(config.service.pipelines)
        .filter(([, p]) => p.exporters.includes(id))
        .flatMap(([from]) =>
          Object.entries(config.service.pipelines)
            .filter(([, p]) => p.receivers.includes(id))
            .map(([to]) => `${from}/exporter/${id} → ${to}/receiver/${id}`),
        ),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(links.map((e) => `${e.from} → ${e.to}`).sort()).toEqual(expected.sort());
    expect(d.nodes.filter((n) => n.kind === "connector").length).toBe(2 * expected.length);
  });

  it("a pipeline's flow edges join every component of one stage to every one of the next", () => {
    const d = pipelineDiagram({
      ...config,
      service: {
        ...config.service,
        pipelines: { "traces/x": { receivers: ["a", "b"], processors: ["p"], exporters: ["c", "d", "e"] } },
      },
      connectors: {},
    });
    expect(d.nodes.map((n) => n.key)).toEqual([
      "traces/x/receiver/a",
      "traces/x/receiver/b",
      "traces/x/processor/p",
      "traces/x/exporter/c",
      "traces/x/exporter/d",
      "traces/x/exporter/e",
    ]);
    expect(d.edges.filter((e) => e.kind === "flow").length).toBe(2 + 3);
    expect(d.edges.some((e) => e.kind === "connector")).toBe(false);
  });
});

describe("share chart", () => {
  const row = (flow: string, total: number, kept: number, share: number): ShareRow => ({
    flow,
    traces: total,
    errors: { total: 0, kept: 0 },
    overSla: { total: 0, kept: 0 },
    ordinary: { total, kept, expected: share, ...binomialTolerance(total, share, 0.999), capped: false },
    undecidable: 0,
    ok: true,
  });

  it("draws the tolerance the check computed, the kept share and the configured share on one axis", () => {
    const rows = [row("a", 400, 44, 0.1), row("b", 200, 55, 0.25), row("(no flow)", 0, 0, 0.01)];
    const chart = shareChart(rows);
    expect(chart.bars.map((b) => b.flow)).toEqual(["a", "b", "(no flow)"]);
    const [a, b, none] = chart.bars as [(typeof chart.bars)[0], (typeof chart.bars)[0], (typeof chart.bars)[0]];
    expect([a.low, a.high]).toEqual([rows[0]!.ordinary.low, rows[0]!.ordinary.high]);
    expect(a.keptShare).toBe(44 / 400);
    expect(a.lowShare).toBe(rows[0]!.ordinary.low / 400);
    expect(b.highShare).toBe(rows[1]!.ordinary.high / 200);
    // One scale for every bar: positions are proportional to the shares.
    const scale = (a.expectedX - chart.plotX) / a.expected;
    expect(b.expectedX - chart.plotX).toBeCloseTo(b.expected * scale, 0);
    expect(a.keptWidth).toBeCloseTo(a.keptShare * scale, 0);
    expect(a.bandX - chart.plotX).toBeCloseTo(a.lowShare * scale, 0);
    expect(a.bandWidth).toBeCloseTo((a.highShare - a.lowShare) * scale, 0);
    expect(chart.ticks.at(-1)!.x).toBe(chart.plotX + chart.plotWidth);
    // The axis ends above the largest share shown (b's upper bound, 35.5%), at a round value.
    expect(b.highShare).toBe(0.355);
    expect(chart.ticks.map((t) => t.label)).toEqual(["0%", "10%", "20%", "30%", "40%"]);
    expect(none.bandWidth).toBe(0);
    expect(none.caption).toBe("no ordinary trace sent");
  });
});

describe("waterfalls", () => {
  const flowSpan = (o: Partial<Span>, flow = "order-upload") => span({ attributes: [kv("order.flow", flow)], ...o });

  it("orders spans as a tree by start time, indents by depth and puts an error trace first", () => {
    const root = flowSpan({ name: "upload", startTimeUnixNano: 1_000_000_000n, endTimeUnixNano: 1_100_000_000n });
    const t = root.traceId;
    const late = flowSpan({
      traceId: t,
      parentSpanId: root.spanId,
      name: "late child",
      startTimeUnixNano: 1_060_000_000n,
      endTimeUnixNano: 1_090_000_000n,
    });
    const early = flowSpan({
      traceId: t,
      parentSpanId: root.spanId,
      name: "early child",
      startTimeUnixNano: 1_010_000_000n,
      endTimeUnixNano: 1_050_000_000n,
    });
    const grandchild = flowSpan({
      traceId: t,
      parentSpanId: early.spanId,
      name: "grandchild",
      startTimeUnixNano: 1_020_000_000n,
      endTimeUnixNano: 1_030_000_000n,
    });
    const failed = flowSpan({ name: "failed", status: { code: 2, message: "" } });
    const spans = receivedSpans([request([late, root, grandchild, early, failed].map((s) => ({ span: s })))]);
    const [upload, costing] = flowWaterfalls(spans, ["order-upload", "order-costing"], "order.flow", () => false);
    expect(costing!.traces).toEqual([]);
    expect(upload!.kept).toBe(2);
    expect(upload!.traces.map((w) => w.error)).toEqual([true, false]);
    const w = upload!.traces[1]!;
    expect(w.spans.map((s) => [s.label, s.depth])).toEqual([
      ["shop-api › upload", 0],
      ["shop-api › early child", 1],
      ["shop-api › grandchild", 2],
      ["shop-api › late child", 1],
    ]);
    expect(w.duration).toBe("100 ms");
    const [r, e, g, l] = w.spans;
    expect(r!.x).toBe(w.timelineX);
    expect(r!.width).toBe(w.timelineWidth);
    expect(e!.x - w.timelineX).toBeCloseTo(0.1 * w.timelineWidth, 0);
    expect(g!.width).toBeCloseTo(0.1 * w.timelineWidth, 0);
    expect(l!.x + l!.width - w.timelineX).toBeCloseTo(0.9 * w.timelineWidth, 0);
    expect(e!.labelX).toBeGreaterThan(r!.labelX);
  });

  it("withholds a span's label when its name or service holds personal data", () => {
    const s = flowSpan({ name: "SELECT * FROM users WHERE email = 'ana@example.com'" });
    const spans = receivedSpans([request([{ span: s, resource: resource([kv("service.name", "shop-api")]) }])]);
    const [upload] = flowWaterfalls(spans, ["order-upload"], "order.flow", (text) => text.includes("ana@example.com"));
    expect(upload!.traces[0]!.spans[0]!.label).toBe(WITHHELD);
  });
});

describe("report page view", () => {
  it("groups findings by rule, locates them, and withholds any text that holds personal data", () => {
    const sent = span({ attributes: [kv("order.flow", "order-upload"), kv("user.email", "ana@example.com")] });
    const arrived = { ...sent, attributes: [kv("order.flow", "order-upload"), kv("user.email", "ana@example.com")] };
    const rec = record(prod, [{ span: sent }], [request([{ span: arrived }])], { metrics: flowMetrics(prod, [sent]) });
    const report = checkReplay(rec, prod, 0.999, []);
    const summary = summarize(rec, report, { fixtures: ["hand-made.jsonl"], speed: 1 });
    const page = reportPage({
      summary,
      config: rec.config,
      kept: receivedSpans(rec.received.map((r) => r.request)),
      flows: Object.keys(prod.pipeline.flows),
      flowAttribute: prod.pipeline.system.flow_attribute,
      holdsPersonal: (text) => text.includes("ana@example.com") || text.includes("request 1"),
    });
    expect(page.ok).toBe(false);
    const leaks = page.families.find((f) => f.family === "leaks")!;
    expect(leaks.ok).toBe(false);
    const removed = leaks.rules.find((r) => r.code === "removed-key")!;
    expect(removed.ok).toBe(false);
    expect(removed.findings.length).toBe(report.findings.filter((f) => f.code === "removed-key").length);
    // The location names the received request, which this oracle claims holds personal data.
    expect(removed.findings[0]!.location).toBe(WITHHELD);
    expect(removed.findings[0]!.message).toContain("user.email");
    expect(page.families.find((f) => f.family === "integrity")!.rules.every((r) => r.ok)).toBe(true);
    expect(page.verdict).toMatch(/^FAIL: \d+ leaks findings?/);
    expect(page.shares.bars.map((b) => b.flow)).toEqual(report.sampling.rows.map((r) => r.flow));
    expect(page.mustKeep.map((r) => r.flow)).toEqual(report.sampling.rows.map((r) => r.flow));
    expect(page.diagram.nodes.length).toBeGreaterThan(0);
    expect(page.waterfalls[0]!.traces[0]!.spans[0]!.label).toBe("shop-api › GET /");
  });

  it("escapes every text that came out of the collector: a hostile span name or service stays text", () => {
    const hostile = span({
      name: '</text></svg><script>alert("span")</script>',
      attributes: [kv("order.flow", "order-upload")],
    });
    const rec = record(
      prod,
      [{ span: hostile }],
      [request([{ span: hostile, resource: resource([kv("service.name", '"><img src=x onerror=alert(1)>')]) }])],
      { metrics: flowMetrics(prod, [hostile]) },
    );
    const report = checkReplay(rec, prod, 0.999, []);
    const html = renderTemplate(
      "replay-report.html.hbs",
      reportPage({
        summary: summarize(rec, report, { fixtures: ["<b>fixture</b>.jsonl"], speed: 1 }),
        config: rec.config,
        kept: receivedSpans(rec.received.map((r) => r.request)),
        flows: Object.keys(prod.pipeline.flows),
        flowAttribute: prod.pipeline.system.flow_attribute,
        holdsPersonal: () => false,
      }),
    );
    expect(html).not.toMatch(/<script|<img|<b>/i);
    expect(html).toContain("&lt;script&gt;alert(&quot;span&quot;)&lt;/script&gt;");
    expect(html).toContain("&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;");
  });
});
