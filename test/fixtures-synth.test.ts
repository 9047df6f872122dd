import RE2 from "re2";
import { beforeAll, describe, expect, it } from "vitest";
import { synthModel, type SynthModel } from "../src/fixtures/synth/model.js";
import { synthesize, type SynthResult } from "../src/fixtures/synth/synth.js";
import { toJsonLines } from "../src/fixtures/write.js";
import {
  SpanKind,
  stringAttribute,
  type AnyValue,
  type KeyValue,
  type Span,
  type TraceRequest,
} from "../src/otlp/model.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import { loadRepoDescription } from "./helpers/repo.js";

async function modelOf(file: string): Promise<SynthModel> {
  const { description } = await loadRepoDescription(file);
  return synthModel(Object.keys(description.environments).map((e) => resolveEnvironment(description, e).pipeline));
}

interface Located {
  span: Span;
  service: string;
  resource: KeyValue[];
  scope: KeyValue[];
}

const spansOf = (requests: readonly TraceRequest[]): Located[] =>
  requests.flatMap((r) =>
    r.resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) =>
        ss.spans.map((span) => ({
          span,
          service: stringAttribute(rs.resource.attributes, "service.name")!,
          resource: rs.resource.attributes,
          scope: ss.scope.attributes,
        })),
      ),
    ),
  );

/** Every key at any depth of an attribute list, and every string in it, with whether it sat in an array or a map. */
function walk(attrs: readonly KeyValue[], visit: (key: string, v: AnyValue, inside: "top" | "array" | "map") => void) {
  const value = (key: string, v: AnyValue, inside: "top" | "array" | "map") => {
    visit(key, v, inside);
    if (v.type === "array") for (const x of v.values) value(key, x, "array");
    if (v.type === "kvlist") for (const kv of v.values) value(kv.key, kv.value, "map");
  };
  for (const a of attrs) value(a.key, a.value, "top");
}

const byTrace = (located: readonly Located[]) => {
  const out = new Map<string, Located[]>();
  for (const l of located) out.set(l.span.traceId, [...(out.get(l.span.traceId) ?? []), l]);
  return out;
};

describe("fixtures synth", () => {
  let model: SynthModel;
  let result: SynthResult;
  let spans: Located[];
  beforeAll(async () => {
    model = await modelOf("tracing.yaml");
    result = synthesize(model, { seed: 42, traces: 300, rate: 100 });
    spans = spansOf(result.requests);
  });

  it("is reproducible from the seed, and another seed gives other traces", () => {
    const again = synthesize(model, { seed: 42, traces: 300, rate: 100 });
    expect(toJsonLines(again.requests)).toBe(toJsonLines(result.requests));
    const other = synthesize(model, { seed: 43, traces: 300, rate: 100 });
    expect(toJsonLines(other.requests)).not.toBe(toJsonLines(result.requests));
  });

  it("records every flow's hops as HTTP client/server pairs, RabbitMQ producer/consumer pairs with a link, and PostgreSQL client spans", () => {
    const all = new Map(spans.map((l) => [l.span.spanId, l]));
    for (const [flow, { path }] of Object.entries(model.flows)) {
      const flowSpans = spans.filter((l) => stringAttribute(l.span.attributes, "order.flow") === flow);
      expect(flowSpans.length, flow).toBeGreaterThan(0);
      const active = path.filter((s) => !["rabbitmq", "postgresql"].includes(model.services[s]!.kind));
      for (const service of active)
        expect(
          flowSpans.some((l) => l.service === service),
          `${flow} in ${service}`,
        ).toBe(true);
    }
    const servers = spans.filter((l) => l.span.kind === SpanKind.SERVER && l.span.parentSpanId);
    expect(servers.length).toBeGreaterThan(0);
    for (const s of servers) {
      const parent = all.get(s.span.parentSpanId)!;
      expect(parent.span.kind).toBe(SpanKind.CLIENT);
      expect(parent.service).not.toBe(s.service);
      expect(stringAttribute(parent.span.attributes, "http.request.method")).toBe(
        stringAttribute(s.span.attributes, "http.request.method"),
      );
    }
    const consumers = spans.filter((l) => l.span.kind === SpanKind.CONSUMER);
    expect(consumers.length).toBeGreaterThan(0);
    for (const c of consumers) {
      const producer = all.get(c.span.parentSpanId)!;
      expect(producer.span.kind).toBe(SpanKind.PRODUCER);
      expect(c.span.links.map((l) => l.spanId)).toContain(producer.span.spanId);
      expect(stringAttribute(c.span.attributes, "messaging.destination.name")).toBe(
        stringAttribute(producer.span.attributes, "messaging.destination.name"),
      );
    }
    const db = spans.filter((l) => stringAttribute(l.span.attributes, "db.system.name") === "postgresql");
    expect(
      db.every((l) => l.span.kind === SpanKind.CLIENT && stringAttribute(l.span.attributes, "db.collection.name")),
    ).toBe(true);
  });

  it("mixes in error traces, traces over their SLA, traces in no flow and consumer spans that end long after the root", () => {
    const traces = byTrace(spans);
    const flowOf = (t: Located[]) => t.map((l) => stringAttribute(l.span.attributes, "order.flow")).find(Boolean);
    const duration = (t: Located[]) =>
      Number(
        t.reduce((m, l) => (l.span.endTimeUnixNano > m ? l.span.endTimeUnixNano : m), 0n) -
          t.reduce((m, l) => (l.span.startTimeUnixNano < m ? l.span.startTimeUnixNano : m), 2n ** 64n),
      ) / 1e6;
    for (const [flow, { slaMs }] of Object.entries(model.flows)) {
      const ofFlow = [...traces.values()].filter((t) => flowOf(t) === flow);
      expect(
        ofFlow.some((t) => t.some((l) => l.span.status.code === 2)),
        `${flow} errors`,
      ).toBe(true);
      expect(
        ofFlow.some((t) => duration(t) > slaMs),
        `${flow} over SLA`,
      ).toBe(true);
      expect(
        ofFlow.some((t) => duration(t) < slaMs && !t.some((l) => l.span.status.code === 2)),
        `${flow} ordinary`,
      ).toBe(true);
    }
    const flows = new Set(Object.keys(model.flows));
    const noFlow = [...traces.values()].filter((t) => !flows.has(flowOf(t) ?? ""));
    expect(noFlow.some((t) => flowOf(t) === undefined)).toBe(true);
    expect(noFlow.some((t) => flowOf(t) !== undefined)).toBe(true);
    const late = [...traces.values()].filter((t) => {
      const root = t.find((l) => l.span.parentSpanId === "")!;
      return t.some(
        (l) =>
          l.span.kind === SpanKind.CONSUMER && l.span.startTimeUnixNano > root.span.endTimeUnixNano + 1_500_000_000n,
      );
    });
    expect(late.length).toBeGreaterThan(0);
    expect(result.traces).toMatchObject({
      error: expect.any(Number),
      "over-sla": expect.any(Number),
      late: late.length,
    });
  });

  it("plants every removed and pseudonymized key in resource, scope, span, event and link attributes, nested ones included", () => {
    const places: Record<string, Set<string>> = {
      resource: new Set(),
      scope: new Set(),
      span: new Set(),
      event: new Set(),
      link: new Set(),
      nested: new Set(),
    };
    const record = (place: string) => (key: string, _v: AnyValue, inside: string) => {
      places[place]!.add(key);
      if (inside !== "top") places["nested"]!.add(key);
    };
    for (const l of spans) {
      walk(l.resource, record("resource"));
      walk(l.scope, record("scope"));
      walk(l.span.attributes, record("span"));
      for (const e of l.span.events) walk(e.attributes, record("event"));
      for (const k of l.span.links) walk(k.attributes, record("link"));
    }
    for (const key of [...model.remove, ...model.pseudonymize])
      for (const [place, keys] of Object.entries(places)) expect(keys.has(key), `${key} in ${place}`).toBe(true);
  });

  it("plants text matching every redact_values rule in names, status messages, event names, arrays, maps and every attribute place", () => {
    const rules = Object.entries(model.redactValues).map(([name, p]) => [name, new RE2(p)] as const);
    const found = new Map<string, Set<string>>();
    const note = (place: string, text: string) => {
      for (const [name, re] of rules) if (re.test(text)) found.set(name, (found.get(name) ?? new Set()).add(place));
    };
    const strings = (place: string, attrs: readonly KeyValue[]) =>
      walk(
        attrs,
        (_k, v, inside) => v.type === "string" && note(inside === "top" ? place : `${place} ${inside}`, v.value),
      );
    for (const l of spans) {
      note("span name", l.span.name);
      note("status message", l.span.status.message);
      strings("resource", l.resource);
      strings("scope", l.scope);
      strings("span", l.span.attributes);
      for (const e of l.span.events) {
        note("event name", e.name);
        strings("event", e.attributes);
      }
      for (const k of l.span.links) strings("link", k.attributes);
    }
    const everywhere = [
      "span name",
      "status message",
      "event name",
      "resource",
      "scope",
      "span",
      "event",
      "link",
      "span array",
      "span map",
    ];
    for (const [name] of rules)
      for (const place of everywhere) expect(found.get(name)?.has(place), `${name} in ${place}`).toBe(true);
    expect(result.uncoveredRules).toEqual([]);
  });

  it("plants non-string values under pseudonymized keys, and SQL and URL literals under every scrubbed key", () => {
    const types = new Map<string, Set<string>>();
    for (const l of spans)
      walk(l.span.attributes, (key, v) => {
        if (model.pseudonymize.includes(key)) types.set(key, (types.get(key) ?? new Set()).add(v.type));
      });
    for (const key of model.pseudonymize)
      expect([...(types.get(key) ?? [])].sort(), key).toEqual(expect.arrayContaining(["array", "int", "string"]));
    for (const key of model.scrubQueries) {
      const values = spans
        .flatMap((l) => l.span.attributes.filter((a) => a.key === key))
        .map((a) => (a.value as { value: string }).value);
      expect(values.length, key).toBeGreaterThan(0);
      expect(
        values.some((v) => /'[^']+'|=[^&?]+&|\b\d+\b/.test(v)),
        key,
      ).toBe(true);
    }
  });

  it("synthesizes for any description, here one with other services and flows", async () => {
    const other = await modelOf("examples/payments.tracing.yaml");
    const out = synthesize(other, { seed: 1, traces: 80, rate: 50 });
    const located = spansOf(out.requests);
    for (const flow of Object.keys(other.flows))
      expect(
        located.some((l) => stringAttribute(l.span.attributes, other.flowAttribute) === flow),
        flow,
      ).toBe(true);
    expect(out.uncoveredRules).toEqual([]);
  });
});
