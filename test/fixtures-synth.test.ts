import { beforeAll, describe, expect, it } from "vitest";
import { synthModel, type SynthModel } from "../src/traffic/synth/model.js";
import { synthesize, type SynthResult } from "../src/traffic/synth/synth.js";
import { toJsonLines } from "../src/traffic/write.js";
import { encodeProtoRequest } from "../src/otlp/protobuf.js";
import type { PlantedValue } from "../src/traffic/planted.js";
import { ByteSearch, GRAM } from "../src/replay/checks/byte-search.js";
import { PlantedOracle } from "../src/replay/checks/planted-oracle.js";
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
  return synthModel(Object.keys(description.environments).map((e) => resolveEnvironment(description, e)));
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
    expect(again.planted).toEqual(result.planted);
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
    expect(result.traces.late + result.traces["late-error"]).toBe(late.length);
    // Some late traces failed early: kept for an error their late spans do not show.
    const failedEarly = late.filter((t) => t.find((l) => l.span.parentSpanId === "")!.span.status.code === 2);
    expect(failedEarly.length).toBe(result.traces["late-error"]);
    expect(failedEarly.length).toBeGreaterThan(0);
  });

  it("plants every removed and pseudonymized key, in other spellings too, in resource, scope, span, event and link attributes, nested ones included", () => {
    const places: Record<string, Set<string>> = {
      resource: new Set(),
      scope: new Set(),
      span: new Set(),
      event: new Set(),
      link: new Set(),
      nested: new Set(),
    };
    const spellings = new Set<string>();
    const canonical = (key: string) => key.toLowerCase().replace(/[._-]/g, "");
    const listed = new Map([...model.masking.remove, ...model.masking.pseudonymize].map((k) => [canonical(k), k]));
    const record = (place: string) => (key: string, _v: AnyValue, inside: string) => {
      const rule = listed.get(canonical(key));
      if (rule === undefined) return;
      places[place]!.add(rule);
      if (key !== rule) spellings.add(rule);
      if (inside !== "top") places["nested"]!.add(rule);
    };
    for (const l of spans) {
      walk(l.resource, record("resource"));
      walk(l.scope, record("scope"));
      walk(l.span.attributes, record("span"));
      for (const e of l.span.events) walk(e.attributes, record("event"));
      for (const k of l.span.links) walk(k.attributes, record("link"));
    }
    for (const key of listed.values()) {
      for (const [place, keys] of Object.entries(places)) expect(keys.has(key), `${key} in ${place}`).toBe(true);
      expect(spellings.has(key), `${key} spelled otherwise`).toBe(true);
    }
  });

  it("plants each kind of personal value the description's detectors find, in every place of the OTLP data model that holds text", () => {
    const PLACES = [
      "resource.attributes",
      "resource.attributes (in the key)",
      "resource.schemaUrl",
      "scope.name",
      "scope.version",
      "scope.attributes",
      "scope.attributes (in the key)",
      "scope.schemaUrl",
      "span.name",
      "span.traceState",
      "span.attributes",
      "span.attributes (in the key)",
      "span.attributes (in an array)",
      "span.attributes (five levels deep)",
      "span.attributes (bytes that are text)",
      "status.message",
      "event.name",
      "event.attributes",
      "event.attributes (in the key)",
      "link.traceState",
      "link.attributes",
      "link.attributes (in the key)",
    ];
    const kindsIn = new Map<string, Set<string>>();
    for (const p of result.planted) kindsIn.set(p.place, (kindsIn.get(p.place) ?? new Set()).add(p.kind));
    for (const place of PLACES) expect(kindsIn.get(place)?.size ?? 0, place).toBeGreaterThanOrEqual(10);
    const everywhere = new Set(result.planted.map((p) => p.kind));
    for (const kind of [
      "email",
      "percent-encoded email",
      "full-width email",
      "email with zero-width characters",
      "card number",
      "card number glued to letters",
      "dotted card number",
      "card number with non-breaking spaces",
      "card number sent as an int",
      "card number sent as a double",
      "phone number",
      "national phone number",
      "phone number sent as an int",
      "IBAN",
      "bearer token",
      "Basic credentials",
      "JWT",
      "IPv4 address",
      "IPv6 address",
      "API key",
      "token in a URL",
      "name in a literal",
      "name in a SQL span name",
      "email in a SQL span name",
      "name in a URL span name",
      "value of USER.ID",
      "forged pseudonym under user.id",
      "binary value of user.id",
    ])
      expect(everywhere.has(kind), kind).toBe(true);
    // Every place but trace state (printable ASCII only) gets every kind of text.
    const textKinds = kindsIn.get("span.attributes (five levels deep)")!;
    for (const place of PLACES.filter((p) => !p.includes("traceState") && p !== "status.message" && p !== "span.name"))
      for (const kind of textKinds) expect(kindsIn.get(place)?.has(kind), `${kind} in ${place}`).toBe(true);
    expect(result.uncoveredRules).toEqual([]);
  });

  it("plants where punctuation or a prefix once hid a value: after / in schema URLs, glued to x- and . in keys, SQL after a prefix in span names and status messages", () => {
    const schemaUrls = result.requests.flatMap((r) =>
      r.resourceSpans.flatMap((rs) => [rs.schemaUrl, ...rs.scopeSpans.map((ss) => ss.schemaUrl)]),
    );
    expect(schemaUrls.some((u) => u.includes("/+49 "))).toBe(true);
    expect(schemaUrls.some((u) => u.includes("/0170 "))).toBe(true);
    const keys = new Set<string>();
    for (const l of spans) {
      for (const attrs of [l.resource, l.scope, l.span.attributes, ...l.span.events.map((e) => e.attributes)])
        walk(attrs, (key) => keys.add(key));
      for (const link of l.span.links) walk(link.attributes, (key) => keys.add(key));
    }
    const has = (re: RegExp) => [...keys].some((k) => re.test(k));
    expect(has(/^http\.request\.header\.x-eyJ/)).toBe(true);
    expect(has(/^app\.callback\.\+49 /)).toBe(true);
    expect(has(/^app\.callback\.0170 /)).toBe(true);
    expect(has(/^app\.callback\.198\.1[89]\./)).toBe(true);
    const afterPrefix = /^[^']*\S: SELECT .* FROM customers WHERE .*'/;
    expect(spans.some((l) => afterPrefix.test(l.span.name))).toBe(true);
    expect(spans.some((l) => afterPrefix.test(l.span.status.message))).toBe(true);
    const kinds = new Set(result.planted.map((p) => p.kind));
    for (const kind of [
      "name in a SQL statement after a prefix in a span name",
      "name in a SQL statement after a prefix in a status message",
      "email in a SQL statement after a prefix in a status message",
    ])
      expect(kinds.has(kind), kind).toBe(true);
  });

  it("records in its manifest only values that are really in the fixture, each with the rules that must take it out", () => {
    const oracle = new PlantedOracle(result.planted);
    // Values alike but for case or separators are searched for once (USER.ID, user_id): one found is all found.
    const same = (v: string) => v.toLowerCase().replace(/[._-]/g, "");
    const found = new Set<PlantedValue>();
    for (const r of result.requests) for (const p of oracle.foundIn(encodeProtoRequest(r), "protobuf")) found.add(p);
    const missing = result.planted.filter(
      (p) => !found.has(p) && !result.planted.some((q) => q !== p && same(q.value) === same(p.value) && found.has(q)),
    );
    expect(missing).toEqual([]);
    for (const p of result.planted) expect(p.rules.length, `${p.kind} in ${p.place}`).toBeGreaterThan(0);
  });

  it("plants values none of which is part of another, so a leak names the one place it came from", () => {
    const search = new ByteSearch<string>();
    const texts = [
      ...new Set(result.planted.filter((p) => !p.binary && p.value.length >= GRAM).map((p) => p.value.toLowerCase())),
    ];
    for (const t of texts) if (!/^[0-9]{1,11}$/.test(t)) search.add(new TextEncoder().encode(t), t);
    const inside: string[] = [];
    for (const t of texts)
      search.scan(new TextEncoder().encode(t), (other) => other !== t && inside.push(`${other} in ${t}`));
    expect(inside).toEqual([]);
  });

  it("plants non-string values under pseudonymized keys, and literals under every scrubbed key", () => {
    const types = new Map<string, Set<string>>();
    for (const l of spans)
      walk(l.span.attributes, (key, v) => {
        if (model.masking.pseudonymize.includes(key)) types.set(key, (types.get(key) ?? new Set()).add(v.type));
      });
    for (const key of model.masking.pseudonymize)
      expect([...(types.get(key) ?? [])].sort(), key).toEqual(
        expect.arrayContaining(["array", "bytes", "int", "string"]),
      );
    for (const { key } of model.masking.scrub) {
      const values = spans
        .flatMap((l) => l.span.attributes.filter((a) => a.key === key))
        .map((a) => (a.value as { value: string }).value);
      expect(values.length, key).toBeGreaterThan(0);
      expect(
        values.some((v) => /'[^']+'|=[^&?]+&|\b\d+\b/.test(v)),
        key,
      ).toBe(true);
      expect(
        result.planted.some((p) => p.rules.includes(`scrub_queries ${key}`)),
        key,
      ).toBe(true);
    }
  });

  it("plants text matching every custom redact_values rule of a description that has them", async () => {
    const other = await modelOf("examples/payments.tracing.yaml");
    const out = synthesize(other, { seed: 1, traces: 80, rate: 50 });
    for (const { name } of other.masking.custom)
      expect(
        out.planted.some((p) => p.rules.includes(`redact_values ${name}`)),
        name,
      ).toBe(true);
    expect(out.uncoveredRules).toEqual([]);
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
