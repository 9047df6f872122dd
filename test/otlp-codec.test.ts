import { describe, expect, it } from "vitest";
import { decodeJsonRequest, encodeJsonRequest } from "../src/otlp/json.js";
import { array, bool, double, int, kv, kvlist, str, type TraceRequest } from "../src/otlp/model.js";
import { decodeProtoRequest, encodeProtoRequest } from "../src/otlp/protobuf.js";
import { DecodeError } from "../src/otlp/problem.js";

const request: TraceRequest = {
  resourceSpans: [
    {
      resource: { attributes: [kv("service.name", "shop-api"), kv("host.id", int(-42))], droppedAttributesCount: 1 },
      schemaUrl: "https://opentelemetry.io/schemas/1.26.0",
      scopeSpans: [
        {
          scope: { name: "shop", version: "1.0", attributes: [kv("lib", bool(true))], droppedAttributesCount: 0 },
          schemaUrl: "",
          spans: [
            {
              traceId: "5b8efff798038103d269b633813fc60c",
              spanId: "eee19b7ec3c1b174",
              traceState: "vendor=1",
              parentSpanId: "",
              flags: 0x101,
              name: "POST /orders",
              kind: 2,
              startTimeUnixNano: 1_700_000_000_123_456_789n,
              endTimeUnixNano: 1_700_000_000_987_654_321n,
              attributes: [
                kv("http.request.method", "POST"),
                kv("ratio", double(0.25)),
                kv("big", int(9_007_199_254_740_993n)),
                kv("tags", array(str("a"), int(1), kvlist([kv("k", "v")]))),
                kv("blob", { type: "bytes", value: new Uint8Array([0, 1, 255]) }),
                kv("nothing", { type: "empty" }),
              ],
              droppedAttributesCount: 0,
              events: [
                {
                  timeUnixNano: 1_700_000_000_200_000_000n,
                  name: "exception",
                  attributes: [kv("exception.message", "boom")],
                  droppedAttributesCount: 2,
                },
              ],
              droppedEventsCount: 0,
              links: [
                {
                  traceId: "0af7651916cd43dd8448eb211c80319c",
                  spanId: "b7ad6b7169203331",
                  traceState: "",
                  attributes: [kv("link.kind", "producer")],
                  droppedAttributesCount: 0,
                  flags: 1,
                },
              ],
              droppedLinksCount: 3,
              status: { code: 2, message: "failed" },
            },
          ],
        },
      ],
    },
  ],
};

describe("OTLP codecs", () => {
  it("round-trips every field through OTLP/JSON, keeping 64-bit integers exact", () => {
    const json = JSON.parse(JSON.stringify(encodeJsonRequest(request)));
    expect(json.resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano).toBe("1700000000123456789");
    expect(json.resourceSpans[0].scopeSpans[0].spans[0].traceId).toBe("5b8efff798038103d269b633813fc60c");
    expect(decodeJsonRequest(json)).toEqual(request);
  });

  it('keeps the string "0" (span name, status message, trace state, scope version) and leaves out zero times', () => {
    const zeros: TraceRequest = structuredClone(request);
    const rs = zeros.resourceSpans[0]!;
    const scope = rs.scopeSpans[0]!;
    scope.scope.version = "0";
    scope.scope.name = "0";
    const span = scope.spans[0]!;
    Object.assign(span, { name: "0", traceState: "0", startTimeUnixNano: 0n, status: { code: 0, message: "0" } });
    span.events[0]!.name = "0";
    span.events[0]!.timeUnixNano = 0n;
    span.links[0]!.traceState = "0";
    span.attributes.push(kv("zero", "0"), kv("int-zero", int(0)));
    const json = JSON.parse(JSON.stringify(encodeJsonRequest(zeros)));
    const encoded = json.resourceSpans[0].scopeSpans[0];
    expect(encoded.scope).toMatchObject({ name: "0", version: "0" });
    expect(encoded.spans[0]).toMatchObject({ name: "0", traceState: "0", status: { message: "0" } });
    expect(encoded.spans[0].links[0].traceState).toBe("0");
    expect(encoded.spans[0].events[0].name).toBe("0");
    expect(encoded.spans[0]).not.toHaveProperty("startTimeUnixNano");
    expect(encoded.spans[0].events[0]).not.toHaveProperty("timeUnixNano");
    expect(decodeJsonRequest(json)).toEqual(zeros);
  });

  it("round-trips every field through protobuf", () => {
    expect(decodeProtoRequest(encodeProtoRequest(request))).toEqual(request);
  });

  it("reads snake_case keys and enum names, as the protobuf JSON mapping allows", () => {
    const decoded = decodeJsonRequest({
      resource_spans: [
        {
          scope_spans: [
            {
              spans: [
                {
                  trace_id: "5b8efff798038103d269b633813fc60c",
                  span_id: "eee19b7ec3c1b174",
                  kind: "SPAN_KIND_CLIENT",
                  start_time_unix_nano: 5,
                  status: { code: "STATUS_CODE_ERROR" },
                },
              ],
            },
          ],
        },
      ],
    });
    const span = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!;
    expect(span.kind).toBe(3);
    expect(span.status.code).toBe(2);
    expect(span.startTimeUnixNano).toBe(5n);
  });

  it.each([
    [
      { traceId: "5b8efff798038103d269b633813fc6", spanId: "eee19b7ec3c1b174" },
      "spans[0].traceId",
      /expected 32 hex characters \(16 bytes\), found 30/,
    ],
    [{ traceId: "W47/95gDgQPSabYzgT/GDA==", spanId: "eee19b7ec3c1b174" }, "spans[0].traceId", /looks like base64/],
    [
      { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b1zz" },
      "spans[0].spanId",
      /hex characters only/,
    ],
    [{ traceId: "00000000000000000000000000000000", spanId: "eee19b7ec3c1b174" }, "spans[0].traceId", /all-zero/],
    [{ spanId: "eee19b7ec3c1b174" }, "spans[0].traceId", /missing/],
    [
      { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", parentSpanId: "abcd" },
      "spans[0].parentSpanId",
      /found 4 characters/,
    ],
    [
      {
        traceId: "5b8efff798038103d269b633813fc60c",
        spanId: "eee19b7ec3c1b174",
        startTimeUnixNano: 1700000000123456789,
      },
      "spans[0].startTimeUnixNano",
      /as strings/,
    ],
    [
      { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", kind: 9 },
      "spans[0].kind",
      /from 0 to 5/,
    ],
    [
      { traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", name: 3 },
      "spans[0].name",
      /expected a string/,
    ],
  ])("names the field and what is wrong with a bad span %#", (span, path, message) => {
    const attempt = () => decodeJsonRequest({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
    expect(attempt).toThrow(DecodeError);
    try {
      attempt();
    } catch (error) {
      expect((error as DecodeError).path).toBe(`resourceSpans[0].scopeSpans[0].${path}`);
      expect((error as DecodeError).message).toMatch(message);
    }
  });

  it("reports the byte offset where protobuf stops making sense", () => {
    const bytes = encodeProtoRequest(request);
    const truncated = bytes.subarray(0, bytes.length - 10);
    try {
      decodeProtoRequest(truncated);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
      expect((error as DecodeError).offset).toBeGreaterThanOrEqual(0);
      expect((error as DecodeError).offset).toBeLessThan(bytes.length);
      expect((error as DecodeError).message).toMatch(/runs past the end|truncated/);
    }
  });

  it("rejects a span id of the wrong length in protobuf, naming its offset and path", () => {
    // ExportTraceServiceRequest { resource_spans { scope_spans { spans { trace_id: 16 bytes, span_id: 7 bytes } } } }
    const span = Buffer.concat([
      Buffer.from([0x0a, 16]),
      Buffer.from("5b8efff798038103d269b633813fc60c", "hex"),
      Buffer.from([0x12, 7]),
      Buffer.from("eee19b7ec3c1b1", "hex"),
    ]);
    const wrap = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag, body.length]), body]);
    const bytes = wrap(0x0a, wrap(0x12, wrap(0x12, span)));
    try {
      decodeProtoRequest(bytes);
      expect.unreachable();
    } catch (error) {
      expect((error as DecodeError).path).toBe("resourceSpans[0].scopeSpans[0].spans[0].spanId");
      expect((error as DecodeError).message).toBe("expected 8 bytes, found 7");
      expect((error as DecodeError).offset).toBe(6 + 18);
    }
  });
});
