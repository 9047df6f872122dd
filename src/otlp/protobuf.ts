import type {
  AnyValue,
  KeyValue,
  Resource,
  ResourceSpans,
  Scope,
  ScopeSpans,
  Span,
  SpanEvent,
  SpanLink,
  TraceRequest,
} from "./model.js";
import { newSpan, SPAN_ID_BYTES, TRACE_ID_BYTES } from "./model.js";
import { otlpTraceTypes } from "./otlp-proto.js";
import { DecodeError } from "./problem.js";

/*
 * The OTLP trace messages on the protobuf wire. Requests from outside (the sink, fixture files)
 * are decoded by hand over a small reader, field numbers as in opentelemetry-proto, so that every
 * error names the byte offset it hit and the message path it was in: protobufjs reports neither.
 * test/otlp-proto.test.ts holds this decoder to the official definitions on every fixture.
 */

const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

class Reader {
  pos = 0;
  /** Where the field being read starts (its tag), the most useful place to point an error at. */
  fieldStart = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly base: number,
  ) {}

  fail(message: string, path: string, at = this.pos): never {
    throw new DecodeError(message, path || undefined, this.base + at);
  }

  varint(path: string): bigint {
    let result = 0n;
    let shift = 0n;
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) this.fail("truncated varint", path, start);
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    return this.fail("varint longer than 10 bytes", path, start);
  }

  uint32(path: string): number {
    return Number(BigInt.asUintN(32, this.varint(path)));
  }

  fixed32(path: string): number {
    if (this.pos + 4 > this.buf.length) this.fail("truncated fixed32", path);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getUint32(0, true);
    this.pos += 4;
    return v;
  }

  fixed64(path: string): bigint {
    if (this.pos + 8 > this.buf.length) this.fail("truncated fixed64", path);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getBigUint64(0, true);
    this.pos += 8;
    return v;
  }

  double(path: string): number {
    if (this.pos + 8 > this.buf.length) this.fail("truncated double", path);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  bytes(path: string): Uint8Array {
    const start = this.pos;
    const len = this.uint32(path);
    if (this.pos + len > this.buf.length)
      this.fail(
        `length ${len} runs past the end of the message (${this.buf.length - this.pos} bytes left)`,
        path,
        start,
      );
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(path: string): string {
    const start = this.pos;
    const bytes = this.bytes(path);
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail("string is not valid UTF-8", path, start);
    }
  }

  /** A nested message: a reader over its bytes that reports offsets in the outer buffer. */
  sub(path: string): Reader {
    const len = this.bytes(path);
    return new Reader(len, this.base + (len.byteOffset - this.buf.byteOffset));
  }

  skipField(wire: number, path: string): void {
    switch (wire) {
      case WIRE.VARINT:
        this.varint(path);
        return;
      case WIRE.I64:
        this.fixed64(path);
        return;
      case WIRE.LEN:
        this.bytes(path);
        return;
      case WIRE.I32:
        this.fixed32(path);
        return;
      default:
        this.fail(`invalid wire type ${wire}`, path);
    }
  }

  /** Calls `field` for each field of the message; fields it does not claim are skipped. */
  fields(path: string, field: (no: number, wire: number) => boolean): void {
    while (this.pos < this.buf.length) {
      const tagAt = this.pos;
      const tag = this.uint32(path);
      const no = tag >>> 3;
      const wire = tag & 7;
      if (no === 0) this.fail("field number 0 is invalid", path, tagAt);
      this.fieldStart = tagAt;
      if (!field(no, wire)) this.skipField(wire, path);
    }
  }

  expect(wire: number, actual: number, path: string): void {
    if (wire !== actual) this.fail(`wrong wire type ${actual} (expected ${wire})`, path, this.fieldStart);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

const at = (path: string, key: string, index?: number): string =>
  `${path ? `${path}.` : ""}${key}${index === undefined ? "" : `[${index}]`}`;

/** Decodes one serialized ExportTraceServiceRequest (or TracesData). `base` offsets error positions. */
export function decodeProtoRequest(bytes: Uint8Array, base = 0): TraceRequest {
  const r = new Reader(bytes, base);
  const resourceSpans: ResourceSpans[] = [];
  r.fields("", (no, wire) => {
    if (no !== 1) return false;
    const p = at("", "resourceSpans", resourceSpans.length);
    r.expect(WIRE.LEN, wire, p);
    resourceSpans.push(readResourceSpans(r.sub(p), p));
    return true;
  });
  return { resourceSpans };
}

function readResourceSpans(r: Reader, path: string): ResourceSpans {
  const out: ResourceSpans = { resource: { attributes: [], droppedAttributesCount: 0 }, scopeSpans: [], schemaUrl: "" };
  r.fields(path, (no, wire) => {
    switch (no) {
      case 1:
        r.expect(WIRE.LEN, wire, at(path, "resource"));
        out.resource = readResource(r.sub(at(path, "resource")), at(path, "resource"));
        return true;
      case 2: {
        const p = at(path, "scopeSpans", out.scopeSpans.length);
        r.expect(WIRE.LEN, wire, p);
        out.scopeSpans.push(readScopeSpans(r.sub(p), p));
        return true;
      }
      case 3:
        r.expect(WIRE.LEN, wire, at(path, "schemaUrl"));
        out.schemaUrl = r.string(at(path, "schemaUrl"));
        return true;
      default:
        return false;
    }
  });
  return out;
}

function readResource(r: Reader, path: string): Resource {
  const out: Resource = { attributes: [], droppedAttributesCount: 0 };
  r.fields(path, (no, wire) => {
    if (no === 1) return readAttributeInto(r, wire, out.attributes, path);
    if (no === 2)
      return readUint32Into(r, wire, path, "droppedAttributesCount", (v) => (out.droppedAttributesCount = v));
    return false;
  });
  return out;
}

function readScopeSpans(r: Reader, path: string): ScopeSpans {
  const out: ScopeSpans = {
    scope: { name: "", version: "", attributes: [], droppedAttributesCount: 0 },
    spans: [],
    schemaUrl: "",
  };
  r.fields(path, (no, wire) => {
    switch (no) {
      case 1:
        r.expect(WIRE.LEN, wire, at(path, "scope"));
        out.scope = readScope(r.sub(at(path, "scope")), at(path, "scope"));
        return true;
      case 2: {
        const p = at(path, "spans", out.spans.length);
        r.expect(WIRE.LEN, wire, p);
        out.spans.push(readSpan(r.sub(p), p));
        return true;
      }
      case 3:
        r.expect(WIRE.LEN, wire, at(path, "schemaUrl"));
        out.schemaUrl = r.string(at(path, "schemaUrl"));
        return true;
      default:
        return false;
    }
  });
  return out;
}

function readScope(r: Reader, path: string): Scope {
  const out: Scope = { name: "", version: "", attributes: [], droppedAttributesCount: 0 };
  r.fields(path, (no, wire) => {
    switch (no) {
      case 1:
        r.expect(WIRE.LEN, wire, at(path, "name"));
        out.name = r.string(at(path, "name"));
        return true;
      case 2:
        r.expect(WIRE.LEN, wire, at(path, "version"));
        out.version = r.string(at(path, "version"));
        return true;
      case 3:
        return readAttributeInto(r, wire, out.attributes, path);
      case 4:
        return readUint32Into(r, wire, path, "droppedAttributesCount", (v) => (out.droppedAttributesCount = v));
      default:
        return false;
    }
  });
  return out;
}

function readSpan(r: Reader, path: string): Span {
  const start = r.base;
  const s = newSpan();
  r.fields(path, (no, wire) => {
    switch (no) {
      case 1:
        s.traceId = readId(r, wire, at(path, "traceId"), TRACE_ID_BYTES);
        return true;
      case 2:
        s.spanId = readId(r, wire, at(path, "spanId"), SPAN_ID_BYTES);
        return true;
      case 3:
        r.expect(WIRE.LEN, wire, at(path, "traceState"));
        s.traceState = r.string(at(path, "traceState"));
        return true;
      case 4:
        s.parentSpanId = readId(r, wire, at(path, "parentSpanId"), SPAN_ID_BYTES, true);
        return true;
      case 5:
        r.expect(WIRE.LEN, wire, at(path, "name"));
        s.name = r.string(at(path, "name"));
        return true;
      case 6:
        return readEnumInto(r, wire, path, "kind", 5, (v) => (s.kind = v));
      case 7:
        r.expect(WIRE.I64, wire, at(path, "startTimeUnixNano"));
        s.startTimeUnixNano = r.fixed64(at(path, "startTimeUnixNano"));
        return true;
      case 8:
        r.expect(WIRE.I64, wire, at(path, "endTimeUnixNano"));
        s.endTimeUnixNano = r.fixed64(at(path, "endTimeUnixNano"));
        return true;
      case 9:
        return readAttributeInto(r, wire, s.attributes, path);
      case 10:
        return readUint32Into(r, wire, path, "droppedAttributesCount", (v) => (s.droppedAttributesCount = v));
      case 11: {
        const p = at(path, "events", s.events.length);
        r.expect(WIRE.LEN, wire, p);
        s.events.push(readEvent(r.sub(p), p));
        return true;
      }
      case 12:
        return readUint32Into(r, wire, path, "droppedEventsCount", (v) => (s.droppedEventsCount = v));
      case 13: {
        const p = at(path, "links", s.links.length);
        r.expect(WIRE.LEN, wire, p);
        s.links.push(readLink(r.sub(p), p));
        return true;
      }
      case 14:
        return readUint32Into(r, wire, path, "droppedLinksCount", (v) => (s.droppedLinksCount = v));
      case 15:
        r.expect(WIRE.LEN, wire, at(path, "status"));
        s.status = readStatus(r.sub(at(path, "status")), at(path, "status"));
        return true;
      case 16:
        r.expect(WIRE.I32, wire, at(path, "flags"));
        s.flags = r.fixed32(at(path, "flags"));
        return true;
      default:
        return false;
    }
  });
  if (!s.traceId) throw new DecodeError("missing traceId", path, start);
  if (!s.spanId) throw new DecodeError("missing spanId", path, start);
  return s;
}

function readEvent(r: Reader, path: string): SpanEvent {
  const e: SpanEvent = { timeUnixNano: 0n, name: "", attributes: [], droppedAttributesCount: 0 };
  r.fields(path, (no, wire) => {
    switch (no) {
      case 1:
        r.expect(WIRE.I64, wire, at(path, "timeUnixNano"));
        e.timeUnixNano = r.fixed64(at(path, "timeUnixNano"));
        return true;
      case 2:
        r.expect(WIRE.LEN, wire, at(path, "name"));
        e.name = r.string(at(path, "name"));
        return true;
      case 3:
        return readAttributeInto(r, wire, e.attributes, path);
      case 4:
        return readUint32Into(r, wire, path, "droppedAttributesCount", (v) => (e.droppedAttributesCount = v));
      default:
        return false;
    }
  });
  return e;
}

function readLink(r: Reader, path: string): SpanLink {
  const start = r.base;
  const l: SpanLink = { traceId: "", spanId: "", traceState: "", attributes: [], droppedAttributesCount: 0, flags: 0 };
  r.fields(path, (no, wire) => {
    switch (no) {
      case 1:
        l.traceId = readId(r, wire, at(path, "traceId"), TRACE_ID_BYTES);
        return true;
      case 2:
        l.spanId = readId(r, wire, at(path, "spanId"), SPAN_ID_BYTES);
        return true;
      case 3:
        r.expect(WIRE.LEN, wire, at(path, "traceState"));
        l.traceState = r.string(at(path, "traceState"));
        return true;
      case 4:
        return readAttributeInto(r, wire, l.attributes, path);
      case 5:
        return readUint32Into(r, wire, path, "droppedAttributesCount", (v) => (l.droppedAttributesCount = v));
      case 6:
        r.expect(WIRE.I32, wire, at(path, "flags"));
        l.flags = r.fixed32(at(path, "flags"));
        return true;
      default:
        return false;
    }
  });
  if (!l.traceId || !l.spanId) throw new DecodeError("a link needs a traceId and a spanId", path, start);
  return l;
}

function readStatus(r: Reader, path: string): { code: number; message: string } {
  const st = { code: 0, message: "" };
  r.fields(path, (no, wire) => {
    if (no === 2) {
      r.expect(WIRE.LEN, wire, at(path, "message"));
      st.message = r.string(at(path, "message"));
      return true;
    }
    if (no === 3) return readEnumInto(r, wire, path, "code", 2, (v) => (st.code = v));
    return false;
  });
  return st;
}

function readAttributeInto(r: Reader, wire: number, into: KeyValue[], path: string): boolean {
  const p = at(path, "attributes", into.length);
  r.expect(WIRE.LEN, wire, p);
  into.push(readKeyValue(r.sub(p), p));
  return true;
}

function readKeyValue(r: Reader, path: string): KeyValue {
  const out: KeyValue = { key: "", value: { type: "empty" } };
  r.fields(path, (no, wire) => {
    if (no === 1) {
      r.expect(WIRE.LEN, wire, at(path, "key"));
      out.key = r.string(at(path, "key"));
      return true;
    }
    if (no === 2) {
      r.expect(WIRE.LEN, wire, at(path, "value"));
      out.value = readAnyValue(r.sub(at(path, "value")), at(path, "value"));
      return true;
    }
    return false;
  });
  return out;
}

function readAnyValue(r: Reader, path: string): AnyValue {
  let value: AnyValue = { type: "empty" };
  r.fields(path, (no, wire) => {
    switch (no) {
      case 1:
        r.expect(WIRE.LEN, wire, at(path, "stringValue"));
        value = { type: "string", value: r.string(at(path, "stringValue")) };
        return true;
      case 2:
        r.expect(WIRE.VARINT, wire, at(path, "boolValue"));
        value = { type: "bool", value: r.varint(at(path, "boolValue")) !== 0n };
        return true;
      case 3:
        r.expect(WIRE.VARINT, wire, at(path, "intValue"));
        value = { type: "int", value: BigInt.asIntN(64, r.varint(at(path, "intValue"))) };
        return true;
      case 4:
        r.expect(WIRE.I64, wire, at(path, "doubleValue"));
        value = { type: "double", value: r.double(at(path, "doubleValue")) };
        return true;
      case 5: {
        const p = at(path, "arrayValue");
        r.expect(WIRE.LEN, wire, p);
        const sub = r.sub(p);
        const values: AnyValue[] = [];
        sub.fields(p, (n, w) => {
          if (n !== 1) return false;
          const q = at(p, "values", values.length);
          sub.expect(WIRE.LEN, w, q);
          values.push(readAnyValue(sub.sub(q), q));
          return true;
        });
        value = { type: "array", values };
        return true;
      }
      case 6: {
        const p = at(path, "kvlistValue");
        r.expect(WIRE.LEN, wire, p);
        const sub = r.sub(p);
        const values: KeyValue[] = [];
        sub.fields(p, (n, w) => {
          if (n !== 1) return false;
          const q = at(p, "values", values.length);
          sub.expect(WIRE.LEN, w, q);
          values.push(readKeyValue(sub.sub(q), q));
          return true;
        });
        value = { type: "kvlist", values };
        return true;
      }
      case 7:
        r.expect(WIRE.LEN, wire, at(path, "bytesValue"));
        value = { type: "bytes", value: new Uint8Array(r.bytes(at(path, "bytesValue"))) };
        return true;
      default:
        return false;
    }
  });
  return value;
}

function readId(r: Reader, wire: number, path: string, size: number, mayBeEmpty = false): string {
  r.expect(WIRE.LEN, wire, path);
  const start = r.fieldStart;
  const bytes = r.bytes(path);
  if (bytes.length === 0 && mayBeEmpty) return "";
  if (bytes.length !== size) r.fail(`expected ${size} bytes, found ${bytes.length}`, path, start);
  if (bytes.every((b) => b === 0)) r.fail("an all-zero id is invalid", path, start);
  return Buffer.from(bytes).toString("hex");
}

function readUint32Into(r: Reader, wire: number, path: string, key: string, set: (v: number) => void): boolean {
  r.expect(WIRE.VARINT, wire, at(path, key));
  set(r.uint32(at(path, key)));
  return true;
}

function readEnumInto(
  r: Reader,
  wire: number,
  path: string,
  key: string,
  max: number,
  set: (v: number) => void,
): boolean {
  const p = at(path, key);
  r.expect(WIRE.VARINT, wire, p);
  const start = r.fieldStart;
  const v = r.uint32(p);
  if (v > max) r.fail(`unknown enum value ${v} (expected 0 to ${max})`, p, start);
  set(v);
  return true;
}

// ---------------------------------------------------------------- encoding

/*
 * Encoding goes through the official message definitions (otlp-proto.ts): the model becomes the
 * plain object protobufjs encodes. Its encoders skip undefined fields and empty lists, so proto3
 * defaults are given as undefined (`orUnset`) and nothing is written for them.
 */

type Message = Record<string, unknown>;

export function encodeProtoRequest(request: TraceRequest): Uint8Array {
  const { request: type } = otlpTraceTypes();
  return type.encode({ resourceSpans: request.resourceSpans.map(resourceSpansMessage) }).finish();
}

const orUnset = <T>(value: T): T | undefined => (value === "" || value === 0 ? undefined : value);

function resourceSpansMessage(rs: ResourceSpans): Message {
  return {
    resource: {
      attributes: rs.resource.attributes.map(keyValueMessage),
      droppedAttributesCount: orUnset(rs.resource.droppedAttributesCount),
    },
    scopeSpans: rs.scopeSpans.map(scopeSpansMessage),
    schemaUrl: orUnset(rs.schemaUrl),
  };
}

function scopeSpansMessage(ss: ScopeSpans): Message {
  return {
    scope: {
      name: orUnset(ss.scope.name),
      version: orUnset(ss.scope.version),
      attributes: ss.scope.attributes.map(keyValueMessage),
      droppedAttributesCount: orUnset(ss.scope.droppedAttributesCount),
    },
    spans: ss.spans.map(spanMessage),
    schemaUrl: orUnset(ss.schemaUrl),
  };
}

function spanMessage(s: Span): Message {
  return {
    // Ids are written even when empty: the receiver must see what was sent.
    traceId: hex(s.traceId),
    spanId: hex(s.spanId),
    traceState: orUnset(s.traceState),
    parentSpanId: s.parentSpanId ? hex(s.parentSpanId) : undefined,
    flags: orUnset(s.flags),
    name: orUnset(s.name),
    kind: orUnset(s.kind),
    startTimeUnixNano: fixed64(s.startTimeUnixNano),
    endTimeUnixNano: fixed64(s.endTimeUnixNano),
    attributes: s.attributes.map(keyValueMessage),
    droppedAttributesCount: orUnset(s.droppedAttributesCount),
    events: s.events.map((e) => ({
      timeUnixNano: fixed64(e.timeUnixNano),
      name: orUnset(e.name),
      attributes: e.attributes.map(keyValueMessage),
      droppedAttributesCount: orUnset(e.droppedAttributesCount),
    })),
    droppedEventsCount: orUnset(s.droppedEventsCount),
    links: s.links.map((l) => ({
      traceId: hex(l.traceId),
      spanId: hex(l.spanId),
      traceState: orUnset(l.traceState),
      attributes: l.attributes.map(keyValueMessage),
      droppedAttributesCount: orUnset(l.droppedAttributesCount),
      flags: orUnset(l.flags),
    })),
    droppedLinksCount: orUnset(s.droppedLinksCount),
    status:
      s.status.code || s.status.message
        ? { message: orUnset(s.status.message), code: orUnset(s.status.code) }
        : undefined,
  };
}

function keyValueMessage(a: KeyValue): Message {
  return { key: a.key, value: anyValueMessage(a.value) };
}

function anyValueMessage(v: AnyValue): Message {
  switch (v.type) {
    case "string":
      return { stringValue: v.value };
    case "bool":
      return { boolValue: v.value };
    case "int":
      return { intValue: longBits(BigInt.asUintN(64, v.value)) };
    case "double":
      return { doubleValue: v.value };
    case "array":
      return { arrayValue: { values: v.values.map(anyValueMessage) } };
    case "kvlist":
      return { kvlistValue: { values: v.values.map(keyValueMessage) } };
    case "bytes":
      return { bytesValue: v.value };
    case "empty":
      return {};
  }
}

/** protobufjs takes 64-bit integers as {low, high} halves; no Long library needed. */
const longBits = (u: bigint) => ({ low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0 });

const fixed64 = (value: bigint) => (value === 0n ? undefined : longBits(value));

const hex = (id: string): Uint8Array => Buffer.from(id, "hex");

/** An ExportTraceServiceResponse with no partial success: the empty message. */
export const EMPTY_EXPORT_RESPONSE = new Uint8Array(0);

/** The partial success of an ExportTraceServiceResponse, decoded by the official definition. */
export function decodeExportResponse(bytes: Uint8Array): { rejectedSpans: bigint; errorMessage: string } {
  const { response } = otlpTraceTypes();
  const message = response.toObject(response.decode(bytes), { longs: String, defaults: true }) as {
    partialSuccess?: { rejectedSpans: string; errorMessage: string };
  };
  return {
    rejectedSpans: BigInt(message.partialSuccess?.rejectedSpans ?? "0"),
    errorMessage: message.partialSuccess?.errorMessage ?? "",
  };
}
