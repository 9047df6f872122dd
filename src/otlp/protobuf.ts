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
import { keyValueObject, type ScalarForms } from "./value-object.js";

/*
 * The OTLP trace messages on the protobuf wire. Requests from outside (the sink, fixture files)
 * are decoded by hand over a small reader, field numbers as in opentelemetry-proto, so that every
 * error names the byte offset it hit and the message path it was in: protobufjs reports neither.
 * test/otlp-proto.test.ts holds this decoder to the official definitions on every fixture.
 */

const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/**
 * Messages inside one another, the request being the first. Values nested in arrays and key-value
 * lists are the only unbounded nesting in OTLP (two or three messages a level); the decoder recurses
 * once per message, and 2,000 to 3,000 exhaust a default Node.js stack. 1,600 admits 797 levels of
 * arrays or 531 of key-value lists, far beyond any real attribute, and refuses deeper ones with a
 * DecodeError at the offset of the message one level too deep, instead of overflowing the stack.
 */
export const MAX_MESSAGE_DEPTH = 1600;

class Reader {
  pos = 0;
  /** Where the field being read starts (its tag), the most useful place to point an error at. */
  fieldStart = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly base: number,
    readonly depth = 1,
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

  /**
   * Tags, lengths and counts nearly always fit in four varint bytes, which plain numbers read
   * exactly; anything longer, or cut short, is read again by `varint`, which owns the errors.
   */
  uint32(path: string): number {
    let value = 0;
    for (let i = 0, shift = 0; i < 4 && this.pos + i < this.buf.length; i++, shift += 7) {
      const b = this.buf[this.pos + i]!;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        this.pos += i + 1;
        return value;
      }
    }
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
    // A plain view, even over a Buffer: Buffer's own subarray costs more than the rest of the read.
    const out = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.pos, len);
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
    if (this.depth >= MAX_MESSAGE_DEPTH)
      // The path of a message this deep runs to kilobytes: where it starts is what locates it.
      this.fail(`messages nest deeper than ${MAX_MESSAGE_DEPTH} levels`, `${path.slice(0, 160)}…`, this.fieldStart);
    const len = this.bytes(path);
    return new Reader(len, this.base + (len.byteOffset - this.buf.byteOffset), this.depth + 1);
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

  expect(wire: number, actual: number, path: string): void {
    if (wire !== actual) this.fail(`wrong wire type ${actual} (expected ${wire})`, path, this.fieldStart);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

const at = (path: string, key: string, index?: number): string =>
  `${path ? `${path}.` : ""}${key}${index === undefined ? "" : `[${index}]`}`;

/*
 * Each message is a table from field number to how that field is read. A field the table names
 * must come with its wire type; one it does not name is skipped. Fields are stored under their
 * own name, which is also the name error paths use.
 */

interface FieldReader<T> {
  name: string;
  wire: number;
  /** A repeated field's path carries the index of the element being read. */
  repeated: boolean;
  read(r: Reader, into: T, path: string): void;
}

interface MessageReader<T, R = T> {
  empty(): T;
  fields: Readonly<Record<number, FieldReader<T>>>;
  /** What the message reads as once all its fields are in; checks that need every field go here. */
  done?(out: T, r: Reader, path: string): R;
}

type KeysOf<T, V> = { [K in keyof T]-?: T[K] extends V ? K : never }[keyof T] & string;

function readMessage<T, R>(r: Reader, path: string, message: MessageReader<T, R>): R {
  const out = message.empty();
  while (r.pos < r.buf.length) {
    const tagAt = r.pos;
    const tag = r.uint32(path);
    const no = tag >>> 3;
    const wire = tag & 7;
    if (no === 0) r.fail("field number 0 is invalid", path, tagAt);
    r.fieldStart = tagAt;
    const field = message.fields[no];
    if (field === undefined) {
      r.skipField(wire, path);
      continue;
    }
    const p = field.repeated
      ? at(path, field.name, ((out as Record<string, unknown>)[field.name] as unknown[]).length)
      : at(path, field.name);
    r.expect(field.wire, wire, p);
    field.read(r, out, p);
  }
  return message.done ? message.done(out, r, path) : (out as unknown as R);
}

/** A singular field: what `read` makes of it is stored under its name, replacing an earlier one. */
function stored<T>(name: string, wire: number, read: (r: Reader, path: string) => unknown): FieldReader<T> {
  return {
    name,
    wire,
    repeated: false,
    read: (r, into, path) => ((into as Record<string, unknown>)[name] = read(r, path)),
  };
}

const string = <T>(name: KeysOf<T, string>) => stored<T>(name, WIRE.LEN, (r, path) => r.string(path));

const uint32 = <T>(name: KeysOf<T, number>) => stored<T>(name, WIRE.VARINT, (r, path) => r.uint32(path));

const fixed32 = <T>(name: KeysOf<T, number>) => stored<T>(name, WIRE.I32, (r, path) => r.fixed32(path));

const fixed64 = <T>(name: KeysOf<T, bigint>) => stored<T>(name, WIRE.I64, (r, path) => r.fixed64(path));

/** An enum past its last known value is refused, pointing at the field's tag. */
const enumeration = <T>(name: KeysOf<T, number>, max: number) =>
  stored<T>(name, WIRE.VARINT, (r, path) => {
    const start = r.fieldStart;
    const v = r.uint32(path);
    if (v > max) r.fail(`unknown enum value ${v} (expected 0 to ${max})`, path, start);
    return v;
  });

/** Ids are read as lower-case hex; an empty one is allowed only where the field is optional. */
const id = <T>(name: KeysOf<T, string>, size: number, mayBeEmpty = false) =>
  stored<T>(name, WIRE.LEN, (r, path) => {
    const start = r.fieldStart;
    const bytes = r.bytes(path);
    if (bytes.length === 0 && mayBeEmpty) return "";
    if (bytes.length !== size) r.fail(`expected ${size} bytes, found ${bytes.length}`, path, start);
    if (bytes.every((b) => b === 0)) r.fail("an all-zero id is invalid", path, start);
    return Buffer.from(bytes).toString("hex");
  });

const message = <T, M, R>(name: KeysOf<T, R>, of: MessageReader<M, R>) =>
  stored<T>(name, WIRE.LEN, (r, path) => readMessage(r.sub(path), path, of));

function repeated<T, M, R>(name: KeysOf<T, R[]>, of: MessageReader<M, R>): FieldReader<T> {
  return {
    name,
    wire: WIRE.LEN,
    repeated: true,
    read: (r, into, path) => ((into as Record<string, unknown>)[name] as R[]).push(readMessage(r.sub(path), path, of)),
  };
}

/** One member of AnyValue's oneof: the last one on the wire is the value. */
const oneOf = (
  name: string,
  wire: number,
  read: (r: Reader, path: string) => AnyValue,
): FieldReader<{ value: AnyValue }> => ({
  name,
  wire,
  repeated: false,
  read: (r, into, path) => (into.value = read(r, path)),
});

const ANY_VALUE: MessageReader<{ value: AnyValue }, AnyValue> = {
  empty: () => ({ value: { type: "empty" } }),
  fields: {
    1: oneOf("stringValue", WIRE.LEN, (r, path) => ({ type: "string", value: r.string(path) })),
    2: oneOf("boolValue", WIRE.VARINT, (r, path) => ({ type: "bool", value: r.varint(path) !== 0n })),
    3: oneOf("intValue", WIRE.VARINT, (r, path) => ({ type: "int", value: BigInt.asIntN(64, r.varint(path)) })),
    4: oneOf("doubleValue", WIRE.I64, (r, path) => ({ type: "double", value: r.double(path) })),
    5: oneOf("arrayValue", WIRE.LEN, (r, path) => readMessage(r.sub(path), path, ARRAY_VALUE)),
    6: oneOf("kvlistValue", WIRE.LEN, (r, path) => readMessage(r.sub(path), path, KEY_VALUE_LIST)),
    7: oneOf("bytesValue", WIRE.LEN, (r, path) => ({ type: "bytes", value: new Uint8Array(r.bytes(path)) })),
  },
  done: (out) => out.value,
};

type ArrayValue = Extract<AnyValue, { type: "array" }>;
const ARRAY_VALUE: MessageReader<ArrayValue> = {
  empty: () => ({ type: "array", values: [] }),
  fields: { 1: repeated("values", ANY_VALUE) },
};

const KEY_VALUE: MessageReader<KeyValue> = {
  empty: () => ({ key: "", value: { type: "empty" } }),
  fields: { 1: string("key"), 2: message("value", ANY_VALUE) },
};

type KeyValueList = Extract<AnyValue, { type: "kvlist" }>;
const KEY_VALUE_LIST: MessageReader<KeyValueList> = {
  empty: () => ({ type: "kvlist", values: [] }),
  fields: { 1: repeated("values", KEY_VALUE) },
};

const RESOURCE: MessageReader<Resource> = {
  empty: () => ({ attributes: [], droppedAttributesCount: 0 }),
  fields: { 1: repeated("attributes", KEY_VALUE), 2: uint32("droppedAttributesCount") },
};

const SCOPE: MessageReader<Scope> = {
  empty: () => ({ name: "", version: "", attributes: [], droppedAttributesCount: 0 }),
  fields: {
    1: string("name"),
    2: string("version"),
    3: repeated("attributes", KEY_VALUE),
    4: uint32("droppedAttributesCount"),
  },
};

const EVENT: MessageReader<SpanEvent> = {
  empty: () => ({ timeUnixNano: 0n, name: "", attributes: [], droppedAttributesCount: 0 }),
  fields: {
    1: fixed64("timeUnixNano"),
    2: string("name"),
    3: repeated("attributes", KEY_VALUE),
    4: uint32("droppedAttributesCount"),
  },
};

const LINK: MessageReader<SpanLink> = {
  empty: () => ({ traceId: "", spanId: "", traceState: "", attributes: [], droppedAttributesCount: 0, flags: 0 }),
  fields: {
    1: id("traceId", TRACE_ID_BYTES),
    2: id("spanId", SPAN_ID_BYTES),
    3: string("traceState"),
    4: repeated("attributes", KEY_VALUE),
    5: uint32("droppedAttributesCount"),
    6: fixed32("flags"),
  },
  done: (l, r, path) => {
    if (!l.traceId || !l.spanId) r.fail("a link needs a traceId and a spanId", path, 0);
    return l;
  },
};

type Status = Span["status"];
const STATUS: MessageReader<Status> = {
  empty: () => ({ code: 0, message: "" }),
  fields: { 2: string("message"), 3: enumeration("code", 2) },
};

const SPAN: MessageReader<Span> = {
  empty: () => newSpan(),
  fields: {
    1: id("traceId", TRACE_ID_BYTES),
    2: id("spanId", SPAN_ID_BYTES),
    3: string("traceState"),
    4: id("parentSpanId", SPAN_ID_BYTES, true),
    5: string("name"),
    6: enumeration("kind", 5),
    7: fixed64("startTimeUnixNano"),
    8: fixed64("endTimeUnixNano"),
    9: repeated("attributes", KEY_VALUE),
    10: uint32("droppedAttributesCount"),
    11: repeated("events", EVENT),
    12: uint32("droppedEventsCount"),
    13: repeated("links", LINK),
    14: uint32("droppedLinksCount"),
    15: message("status", STATUS),
    16: fixed32("flags"),
  },
  done: (s, r, path) => {
    if (!s.traceId) r.fail("missing traceId", path, 0);
    if (!s.spanId) r.fail("missing spanId", path, 0);
    return s;
  },
};

const SCOPE_SPANS: MessageReader<ScopeSpans> = {
  empty: () => ({ scope: SCOPE.empty(), spans: [], schemaUrl: "" }),
  fields: { 1: message("scope", SCOPE), 2: repeated("spans", SPAN), 3: string("schemaUrl") },
};

const RESOURCE_SPANS: MessageReader<ResourceSpans> = {
  empty: () => ({ resource: RESOURCE.empty(), scopeSpans: [], schemaUrl: "" }),
  fields: { 1: message("resource", RESOURCE), 2: repeated("scopeSpans", SCOPE_SPANS), 3: string("schemaUrl") },
};

const REQUEST: MessageReader<TraceRequest> = {
  empty: () => ({ resourceSpans: [] }),
  fields: { 1: repeated("resourceSpans", RESOURCE_SPANS) },
};

/** Decodes one serialized ExportTraceServiceRequest (or TracesData). `base` offsets error positions. */
export function decodeProtoRequest(bytes: Uint8Array, base = 0): TraceRequest {
  return readMessage(new Reader(bytes, base), "", REQUEST);
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
    startTimeUnixNano: timeOrUnset(s.startTimeUnixNano),
    endTimeUnixNano: timeOrUnset(s.endTimeUnixNano),
    attributes: s.attributes.map(keyValueMessage),
    droppedAttributesCount: orUnset(s.droppedAttributesCount),
    events: s.events.map((e) => ({
      timeUnixNano: timeOrUnset(e.timeUnixNano),
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

/** protobufjs takes doubles and bytes as they are, and int64 as the halves of its two's complement. */
const PROTOBUFJS_FORMS: ScalarForms = {
  int: (value) => longBits(BigInt.asUintN(64, value)),
  double: (value) => value,
  bytes: (value) => value,
};

const keyValueMessage = (a: KeyValue): Message => keyValueObject(a, PROTOBUFJS_FORMS);

/** protobufjs takes 64-bit integers as {low, high} halves; no Long library needed. */
const longBits = (u: bigint) => ({ low: Number(u & 0xffffffffn) | 0, high: Number(u >> 32n) | 0 });

const timeOrUnset = (value: bigint) => (value === 0n ? undefined : longBits(value));

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
