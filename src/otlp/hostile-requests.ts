/*
 * Hostile OTLP trace requests, as protobuf bytes: one span whose one attribute nests arrays (or
 * key-value lists) `depth` levels deep, the request that costs the collector's recursive decoder
 * the most stack per byte; and one span with as many empty attributes as fit, the most objects per
 * byte. The nested value is written from the innermost level outwards into one buffer, because a
 * recursive encoder would overflow this process's own stack long before the collector's.
 */

export type Nesting = "array" | "kvlist";

const LEN = 2;
const tag = (field: number): number => (field << 3) | LEN;
// Field numbers from opentelemetry-proto common/v1/common.proto.
const ANY_ARRAY = tag(5);
const ANY_KVLIST = tag(6);
const ARRAY_VALUES = tag(1);
const KVLIST_VALUES = tag(1);
const KEYVALUE_VALUE = tag(2);

const varintSize = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);
/** A length-delimited field around a body of `length` bytes. */
const fieldSize = (length: number): number => 1 + varintSize(length) + length;

/** One nesting level around an AnyValue of `inner` bytes: the wrapping messages, innermost first. */
function levelSize(inner: number, nesting: Nesting): number {
  if (nesting === "array") return fieldSize(fieldSize(inner));
  // AnyValue{kvlist_value: KeyValueList{values: KeyValue{value: inner}}}, the key left empty.
  return fieldSize(fieldSize(fieldSize(inner)));
}

/** Size in bytes of the nested AnyValue alone. */
function nestedValueSize(depth: number, nesting: Nesting): number {
  let size = 0; // the innermost AnyValue is empty
  for (let level = 0; level < depth; level++) size = levelSize(size, nesting);
  return size;
}

/** The AnyValue nested `depth` levels deep around an empty value. */
function nestedValue(depth: number, nesting: Nesting): Uint8Array {
  const out = new Uint8Array(nestedValueSize(depth, nesting));
  let start = out.length;
  const prependField = (fieldTag: number, length: number) => {
    start -= varintSize(length);
    for (let at = start, rest = length; ; at++) {
      if (rest < 0x80) {
        out[at] = rest;
        break;
      }
      out[at] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    out[--start] = fieldTag;
  };
  for (let level = 0; level < depth; level++) {
    if (nesting === "kvlist") {
      prependField(KEYVALUE_VALUE, out.length - start);
      prependField(KVLIST_VALUES, out.length - start);
      prependField(ANY_KVLIST, out.length - start);
    } else {
      prependField(ARRAY_VALUES, out.length - start);
      prependField(ANY_ARRAY, out.length - start);
    }
  }
  return out;
}

/** Size in bytes of the whole request for a nesting `depth` levels deep, without building it. */
export function deepRequestSize(depth: number, nesting: Nesting): number {
  return requestSize(fieldSize(ATTRIBUTE_KEY.length + fieldSize(nestedValueSize(depth, nesting))));
}

/** One resource, one scope, one span, the nested value as its attribute `deep`. */
export function deeplyNestedRequest(depth: number, nesting: Nesting, nowNanos: bigint): Uint8Array {
  return request(nowNanos, field(9, concat([ATTRIBUTE_KEY, field(2, nestedValue(depth, nesting))])));
}

/** The deepest nesting whose request is at most `bytes` long. */
export const deepestNestingWithin = (bytes: number, nesting: Nesting): number =>
  largestWithin(bytes, (depth) => deepRequestSize(depth, nesting));

// An attribute with no key and no value: field 9 of the span, zero bytes long.
const EMPTY_ATTRIBUTE = Uint8Array.from([tag(9), 0]);

const manyAttributesRequestSize = (count: number): number => requestSize(count * EMPTY_ATTRIBUTE.length);

/** One resource, one scope, one span with `count` empty attributes. */
export function manyAttributesRequest(count: number, nowNanos: bigint): Uint8Array {
  const attributes = new Uint8Array(count * EMPTY_ATTRIBUTE.length);
  for (let at = 0; at < attributes.length; at += EMPTY_ATTRIBUTE.length) attributes.set(EMPTY_ATTRIBUTE, at);
  return request(nowNanos, attributes);
}

export const mostAttributesWithin = (bytes: number): number => largestWithin(bytes, manyAttributesRequestSize);

/** The largest n whose size(n) is at most `bytes`, for a size that grows with n by at least a byte. */
function largestWithin(bytes: number, size: (n: number) => number): number {
  let low = 0;
  let high = bytes;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (size(mid) <= bytes) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** An ExportTraceServiceRequest around one span whose fields after the fixed ones are `spanTail`. */
function request(nowNanos: bigint, spanTail: Uint8Array): Uint8Array {
  const scopeSpans = field(2, concat([spanHead(nowNanos), spanTail]));
  return field(1, concat([RESOURCE, field(2, scopeSpans)]));
}

const requestSize = (spanTailSize: number): number =>
  fieldSize(RESOURCE.length + fieldSize(fieldSize(SPAN_HEAD_SIZE + spanTailSize)));

const text = (s: string): Uint8Array => Buffer.from(s, "utf8");
const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

function field(no: number, body: Uint8Array): Uint8Array {
  const head: number[] = [tag(no)];
  for (let rest = body.length; ; rest >>>= 7) {
    if (rest < 0x80) {
      head.push(rest);
      break;
    }
    head.push((rest & 0x7f) | 0x80);
  }
  return concat([Uint8Array.from(head), body]);
}

function fixed64(no: number, value: bigint): Uint8Array {
  const out = Buffer.alloc(9);
  out[0] = (no << 3) | 1;
  out.writeBigUInt64LE(value, 1);
  return out;
}

// Field numbers from opentelemetry-proto trace/v1/trace.proto and resource/v1/resource.proto.
const ATTRIBUTE_KEY = field(1, text("deep"));
const RESOURCE = field(1, field(1, concat([field(1, text("service.name")), field(2, field(1, text("hostile")))])));
const spanHead = (nowNanos: bigint): Uint8Array =>
  concat([
    field(1, Buffer.from("5b8efff798038103d269b633813fc60c", "hex")),
    field(2, Buffer.from("eee19b7ec3c1b174", "hex")),
    field(5, text("hostile")),
    fixed64(7, nowNanos),
    fixed64(8, nowNanos + 1_000_000n),
  ]);
const SPAN_HEAD_SIZE = spanHead(0n).length;
