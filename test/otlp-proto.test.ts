import { beforeAll, describe, expect, it } from "vitest";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import protobuf from "protobufjs";
import { readFixtureFile } from "../src/traffic/read.js";
import { synthModel } from "../src/traffic/synth/model.js";
import { synthesize } from "../src/traffic/synth/synth.js";
import type { AnyValue, KeyValue, TraceRequest } from "../src/otlp/model.js";
import { otlpTraceTypes, OTLP_PROTO_VERSION } from "../src/otlp/otlp-proto.js";
import { decodeExportResponse, decodeProtoRequest, encodeProtoRequest } from "../src/otlp/protobuf.js";
import { resolveEnvironment } from "../src/resolve/resolve.js";
import { loadRepoDescription, repoPath } from "./helpers/repo.js";

/*
 * The encoder is protobufjs over the official definitions; the decoder is hand-written for its byte
 * offsets. Each is held to the other on every fixture, and protobufjs's own decoder, read into the model
 * by the small independent mapping below, to what was encoded.
 */

interface Corpus {
  name: string;
  requests: TraceRequest[];
}

const corpora: Corpus[] = [];

beforeAll(async () => {
  const dir = repoPath("test/fixtures");
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith(".md")) continue;
    const file = join(entry.parentPath, entry.name);
    const read = await readFixtureFile(file);
    if (!read.ok) throw new Error(`${file}: ${read.problems.map((p) => p.message).join("; ")}`);
    corpora.push({ name: file.slice(dir.length + 1), requests: read.requests.map((r) => r.request) });
  }
  // Synthesized traces plant personal values in every place a string can hide: deep arrays and maps,
  // bytes, links, trace state, events.
  const { description } = await loadRepoDescription("tracing.yaml");
  const model = synthModel(Object.keys(description.environments).map((e) => resolveEnvironment(description, e)));
  corpora.push({
    name: "synthesized (tracing.yaml, seed 7)",
    requests: synthesize(model, { seed: 7, traces: 200, rate: 100 }).requests,
  });
});

describe(`OTLP protobuf against opentelemetry-proto ${OTLP_PROTO_VERSION}`, () => {
  it("reads the fixtures: at least the recorded shop scenario and the synthesized set", () => {
    expect(corpora.map((c) => c.name)).toContain("recorded/shop-scenario.jsonl");
    for (const c of corpora) expect(c.requests.length, c.name).toBeGreaterThan(0);
  });

  it("round-trips every fixture request: the hand-written decoder reads back exactly what the encoder wrote", () => {
    for (const c of corpora)
      c.requests.forEach((request, i) =>
        expect(decodeProtoRequest(encodeProtoRequest(request)), `${c.name} #${i}`).toEqual(request),
      );
  });

  it("encodes every fixture request so that protobufjs's decoder of the official messages reads the model back", () => {
    const { request: type } = otlpTraceTypes();
    for (const c of corpora)
      c.requests.forEach((request, i) =>
        expect(
          fromOfficial(type.toObject(type.decode(encodeProtoRequest(request)), OBJECT)),
          `${c.name} #${i}`,
        ).toEqual(request),
      );
  });

  it("decodes by hand what protobufjs writes from the official JSON mapping, including every field a span can carry", () => {
    const { request: type } = otlpTraceTypes();
    // protobufjs's own conversion from its JSON form (ids base64, 64-bit values as strings), not our encoder.
    const bytes = type
      .encode(
        type.fromObject({
          resourceSpans: [
            {
              resource: {
                attributes: [{ key: "service.name", value: { stringValue: "shop-api" } }],
                droppedAttributesCount: 1,
              },
              schemaUrl: "https://opentelemetry.io/schemas/1.26.0",
              scopeSpans: [
                {
                  scope: { name: "shop", version: "1.0", attributes: [], droppedAttributesCount: 2 },
                  spans: [
                    {
                      traceId: Buffer.from("5b8efff798038103d269b633813fc60c", "hex").toString("base64"),
                      spanId: Buffer.from("eee19b7ec3c1b174", "hex").toString("base64"),
                      parentSpanId: Buffer.from("b7ad6b7169203331", "hex").toString("base64"),
                      traceState: "vendor=1",
                      flags: 0x301,
                      name: "POST /orders",
                      kind: "SPAN_KIND_SERVER",
                      startTimeUnixNano: "1700000000123456789",
                      endTimeUnixNano: "1700000000987654321",
                      attributes: [
                        { key: "big", value: { intValue: "-9007199254740993" } },
                        { key: "ratio", value: { doubleValue: 0.25 } },
                        { key: "ok", value: { boolValue: false } },
                        { key: "blob", value: { bytesValue: Buffer.from([0, 1, 255]).toString("base64") } },
                        {
                          key: "list",
                          value: {
                            arrayValue: {
                              values: [{ stringValue: "a" }, { kvlistValue: { values: [{ key: "k", value: {} }] } }],
                            },
                          },
                        },
                      ],
                      droppedAttributesCount: 3,
                      events: [
                        {
                          timeUnixNano: "1700000000200000000",
                          name: "exception",
                          attributes: [],
                          droppedAttributesCount: 4,
                        },
                      ],
                      droppedEventsCount: 5,
                      links: [
                        {
                          traceId: Buffer.from("0af7651916cd43dd8448eb211c80319c", "hex").toString("base64"),
                          spanId: Buffer.from("b7ad6b7169203332", "hex").toString("base64"),
                          traceState: "a=b",
                          attributes: [{ key: "link.kind", value: { stringValue: "producer" } }],
                          droppedAttributesCount: 6,
                          flags: 1,
                        },
                      ],
                      droppedLinksCount: 7,
                      status: { message: "failed", code: "STATUS_CODE_ERROR" },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      )
      .finish();
    const decoded = decodeProtoRequest(bytes);
    expect(decoded).toEqual(fromOfficial(type.toObject(type.decode(bytes), OBJECT)));
    const span = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(span).toMatchObject({
      flags: 0x301,
      kind: 2,
      startTimeUnixNano: 1_700_000_000_123_456_789n,
      droppedAttributesCount: 3,
      droppedEventsCount: 5,
      droppedLinksCount: 7,
      status: { code: 2, message: "failed" },
    });
    expect(span.attributes[0]!.value).toEqual({ type: "int", value: -9_007_199_254_740_993n });
    expect(span.links[0]).toMatchObject({ traceState: "a=b", droppedAttributesCount: 6, flags: 1 });
    // The check can fail: a mapping that forgot a field would not match the hand-written decoder.
    const withoutFlags = fromOfficial({ ...type.toObject(type.decode(bytes), OBJECT) });
    withoutFlags.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.flags = 0;
    expect(decoded).not.toEqual(withoutFlags);
  });

  it("reads a partial success from the collector's ExportTraceServiceResponse", () => {
    const { response } = otlpTraceTypes();
    const bytes = response.encode({ partialSuccess: { rejectedSpans: 3, errorMessage: "3 spans too old" } }).finish();
    expect(decodeExportResponse(bytes)).toEqual({ rejectedSpans: 3n, errorMessage: "3 spans too old" });
    expect(decodeExportResponse(new Uint8Array(0))).toEqual({ rejectedSpans: 0n, errorMessage: "" });
  });
});

const OBJECT: protobuf.IConversionOptions = { longs: String, bytes: Array, defaults: true, arrays: true, oneofs: true };

// protobufjs types its decoded objects loosely; the mapping below is what gives them a shape.
type Official = Record<string, any>;

const hexOf = (bytes: number[]): string => Buffer.from(bytes).toString("hex");

/** protobufjs's decoded object (`value` names the oneof member set), read into the model independently of src/otlp/protobuf.ts. */
function fromOfficial(o: Official): TraceRequest {
  const kvs = (list: Official[]): KeyValue[] => list.map((a) => ({ key: a.key, value: anyValue(a.value) }));
  const anyValue = (v: Official | null | undefined): AnyValue => {
    if (!v) return { type: "empty" };
    switch (v.value) {
      case "boolValue":
        return { type: "bool", value: v.boolValue };
      case "intValue":
        return { type: "int", value: BigInt(v.intValue) };
      case "doubleValue":
        return { type: "double", value: v.doubleValue };
      case "bytesValue":
        return { type: "bytes", value: new Uint8Array(v.bytesValue) };
      case "arrayValue":
        return { type: "array", values: (v.arrayValue.values as Official[]).map(anyValue) };
      case "kvlistValue":
        return { type: "kvlist", values: kvs(v.kvlistValue.values) };
      case "stringValue":
        return { type: "string", value: v.stringValue };
      default:
        return { type: "empty" };
    }
  };
  return {
    resourceSpans: (o.resourceSpans as Official[]).map((rs) => ({
      resource: {
        attributes: kvs(rs.resource?.attributes ?? []),
        droppedAttributesCount: rs.resource?.droppedAttributesCount ?? 0,
      },
      schemaUrl: rs.schemaUrl,
      scopeSpans: (rs.scopeSpans as Official[]).map((ss) => ({
        scope: {
          name: ss.scope?.name ?? "",
          version: ss.scope?.version ?? "",
          attributes: kvs(ss.scope?.attributes ?? []),
          droppedAttributesCount: ss.scope?.droppedAttributesCount ?? 0,
        },
        schemaUrl: ss.schemaUrl,
        spans: (ss.spans as Official[]).map((s) => ({
          traceId: hexOf(s.traceId),
          spanId: hexOf(s.spanId),
          traceState: s.traceState,
          parentSpanId: hexOf(s.parentSpanId),
          flags: s.flags,
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: BigInt(s.startTimeUnixNano),
          endTimeUnixNano: BigInt(s.endTimeUnixNano),
          attributes: kvs(s.attributes),
          droppedAttributesCount: s.droppedAttributesCount,
          events: (s.events as Official[]).map((e) => ({
            timeUnixNano: BigInt(e.timeUnixNano),
            name: e.name,
            attributes: kvs(e.attributes),
            droppedAttributesCount: e.droppedAttributesCount,
          })),
          droppedEventsCount: s.droppedEventsCount,
          links: (s.links as Official[]).map((l) => ({
            traceId: hexOf(l.traceId),
            spanId: hexOf(l.spanId),
            traceState: l.traceState,
            attributes: kvs(l.attributes),
            droppedAttributesCount: l.droppedAttributesCount,
            flags: l.flags,
          })),
          droppedLinksCount: s.droppedLinksCount,
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? "" },
        })),
      })),
    })),
  };
}
