import {
  SPAN_ID_BYTES,
  TRACE_ID_BYTES,
  type AnyValue,
  type KeyValue,
  type Resource,
  type ResourceSpans,
  type Scope,
  type ScopeSpans,
  type Span,
  type SpanEvent,
  type SpanLink,
  type TraceRequest,
} from "./model.js";
import { DecodeError } from "./problem.js";
import { keyValueObject, type ScalarForms } from "./value-object.js";

/*
 * OTLP/JSON as the specification defines it (and as a collector's file exporter writes it):
 * lowerCamelCase keys, ids as hex, 64-bit integers as decimal strings, enums as numbers.
 * Readers also accept what the protobuf JSON mapping allows (snake_case keys, enum names,
 * integers as numbers when exact) and ignore unknown keys, as the specification requires.
 */

type Json = Record<string, unknown>;

// ---------------------------------------------------------------- decoding

export function decodeJsonRequest(value: unknown): TraceRequest {
  const root = object(value, "");
  return { resourceSpans: list(root, "resourceSpans", "", decodeResourceSpans) };
}

function decodeResourceSpans(value: unknown, path: string): ResourceSpans {
  const o = object(value, path);
  return {
    resource: decodeResource(field(o, "resource"), join(path, "resource")),
    scopeSpans: list(o, "scopeSpans", path, decodeScopeSpans),
    schemaUrl: string(o, "schemaUrl", path),
  };
}

function decodeResource(value: unknown, path: string): Resource {
  if (value === undefined || value === null) return { attributes: [], droppedAttributesCount: 0 };
  const o = object(value, path);
  return attributes(o, path);
}

function decodeScopeSpans(value: unknown, path: string): ScopeSpans {
  const o = object(value, path);
  return {
    scope: decodeScope(field(o, "scope"), join(path, "scope")),
    spans: list(o, "spans", path, decodeSpan),
    schemaUrl: string(o, "schemaUrl", path),
  };
}

function decodeScope(value: unknown, path: string): Scope {
  if (value === undefined || value === null)
    return { name: "", version: "", attributes: [], droppedAttributesCount: 0 };
  const o = object(value, path);
  return {
    name: string(o, "name", path),
    version: string(o, "version", path),
    ...attributes(o, path),
  };
}

function decodeSpan(value: unknown, path: string): Span {
  const o = object(value, path);
  const statusValue = field(o, "status");
  const statusPath = join(path, "status");
  const status = statusValue === undefined || statusValue === null ? {} : object(statusValue, statusPath);
  return {
    traceId: id(o, "traceId", path, TRACE_ID_BYTES, true),
    spanId: id(o, "spanId", path, SPAN_ID_BYTES, true),
    traceState: string(o, "traceState", path),
    parentSpanId: id(o, "parentSpanId", path, SPAN_ID_BYTES, false),
    flags: uint32(o, "flags", path),
    name: string(o, "name", path),
    kind: enumeration(o, "kind", path, SPAN_KINDS),
    startTimeUnixNano: uint64(o, "startTimeUnixNano", path),
    endTimeUnixNano: uint64(o, "endTimeUnixNano", path),
    ...attributes(o, path),
    events: list(o, "events", path, decodeEvent),
    droppedEventsCount: uint32(o, "droppedEventsCount", path),
    links: list(o, "links", path, decodeLink),
    droppedLinksCount: uint32(o, "droppedLinksCount", path),
    status: {
      code: enumeration(status, "code", statusPath, STATUS_CODES),
      message: string(status, "message", statusPath),
    },
  };
}

function decodeEvent(value: unknown, path: string): SpanEvent {
  const o = object(value, path);
  return {
    timeUnixNano: uint64(o, "timeUnixNano", path),
    name: string(o, "name", path),
    ...attributes(o, path),
  };
}

function decodeLink(value: unknown, path: string): SpanLink {
  const o = object(value, path);
  return {
    traceId: id(o, "traceId", path, TRACE_ID_BYTES, true),
    spanId: id(o, "spanId", path, SPAN_ID_BYTES, true),
    traceState: string(o, "traceState", path),
    ...attributes(o, path),
    flags: uint32(o, "flags", path),
  };
}

/** The attributes of a resource, scope, span, event or link, and how many were dropped before it was sent. */
function attributes(o: Json, path: string): { attributes: KeyValue[]; droppedAttributesCount: number } {
  return {
    attributes: list(o, "attributes", path, decodeKeyValue),
    droppedAttributesCount: uint32(o, "droppedAttributesCount", path),
  };
}

function decodeKeyValue(value: unknown, path: string): KeyValue {
  const o = object(value, path);
  const key = field(o, "key");
  if (typeof key !== "string")
    throw new DecodeError(`expected a string key, found ${describe(key)}`, join(path, "key"));
  const v = field(o, "value");
  return { key, value: v === undefined || v === null ? { type: "empty" } : decodeAnyValue(v, join(path, "value")) };
}

function decodeAnyValue(value: unknown, path: string): AnyValue {
  const o = object(value, path);
  const present = ANY_VALUE_KEYS.filter((k) => field(o, k) !== undefined);
  if (present.length > 1)
    throw new DecodeError(`an AnyValue holds one value, found ${present.map((k) => `\`${k}\``).join(" and ")}`, path);
  const [which] = present;
  const v = which === undefined ? undefined : field(o, which);
  const at = which === undefined ? path : join(path, which);
  switch (which) {
    case "stringValue":
      if (typeof v !== "string") throw new DecodeError(`expected a string, found ${describe(v)}`, at);
      return { type: "string", value: v };
    case "boolValue":
      if (typeof v !== "boolean") throw new DecodeError(`expected true or false, found ${describe(v)}`, at);
      return { type: "bool", value: v };
    case "intValue":
      return { type: "int", value: int64Value(v, at, true) };
    case "doubleValue":
      return { type: "double", value: doubleValue(v, at) };
    case "bytesValue":
      return { type: "bytes", value: base64Value(v, at) };
    case "arrayValue": {
      const a = object(v, at);
      return { type: "array", values: list(a, "values", at, decodeAnyValue) };
    }
    case "kvlistValue": {
      const m = object(v, at);
      return { type: "kvlist", values: list(m, "values", at, decodeKeyValue) };
    }
    default:
      return { type: "empty" };
  }
}

const ANY_VALUE_KEYS = [
  "stringValue",
  "boolValue",
  "intValue",
  "doubleValue",
  "arrayValue",
  "kvlistValue",
  "bytesValue",
] as const;

const SPAN_KINDS = [
  "SPAN_KIND_UNSPECIFIED",
  "SPAN_KIND_INTERNAL",
  "SPAN_KIND_SERVER",
  "SPAN_KIND_CLIENT",
  "SPAN_KIND_PRODUCER",
  "SPAN_KIND_CONSUMER",
];
const STATUS_CODES = ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"];

const join = (path: string, key: string | number): string =>
  typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;

const snake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The protobuf JSON mapping lets writers use either the camelCase or the proto field name. */
function field(o: Json, camel: string): unknown {
  return camel in o ? o[camel] : o[snake(camel)];
}

function object(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new DecodeError(`expected an object, found ${describe(value)}`, path || undefined);
  return value as Json;
}

function list<T>(o: Json, key: string, path: string, item: (v: unknown, path: string) => T): T[] {
  const value = field(o, key);
  const at = join(path, key);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new DecodeError(`expected a list, found ${describe(value)}`, at);
  return value.map((v, i) => item(v, join(at, i)));
}

function string(o: Json, key: string, path: string): string {
  const value = field(o, key);
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw new DecodeError(`expected a string, found ${describe(value)}`, join(path, key));
  return value;
}

function uint32(o: Json, key: string, path: string): number {
  const value = field(o, key);
  if (value === undefined || value === null) return 0;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return value;
  throw new DecodeError(`expected a whole number from 0 to 4294967295, found ${describe(value)}`, join(path, key));
}

function uint64(o: Json, key: string, path: string): bigint {
  const value = field(o, key);
  if (value === undefined || value === null) return 0n;
  const n = int64Value(value, join(path, key), false);
  return n;
}

/** 64-bit integers travel as decimal strings; a JSON number is only accepted while it is exact. */
function int64Value(value: unknown, path: string, signed: boolean): bigint {
  if (typeof value === "string" && (signed ? /^-?[0-9]+$/ : /^[0-9]+$/).test(value)) {
    const n = BigInt(value);
    const [lo, hi] = signed ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
    if (n < lo || n > hi) throw new DecodeError(`${value} does not fit in ${signed ? "int64" : "uint64"}`, path);
    return n;
  }
  if (typeof value === "number" && Number.isInteger(value) && (signed || value >= 0)) {
    if (!Number.isSafeInteger(value))
      throw new DecodeError(
        `${value} is too large to be exact as a JSON number; OTLP/JSON writes 64-bit integers as strings`,
        path,
      );
    return BigInt(value);
  }
  throw new DecodeError(
    `expected ${signed ? "an" : "a non-negative"} integer as a decimal string, found ${describe(value)}`,
    path,
  );
}

function doubleValue(value: unknown, path: string): number {
  if (typeof value === "number") return value;
  if (value === "NaN") return Number.NaN;
  if (value === "Infinity") return Number.POSITIVE_INFINITY;
  if (value === "-Infinity") return Number.NEGATIVE_INFINITY;
  throw new DecodeError(`expected a number, found ${describe(value)}`, path);
}

function base64Value(value: unknown, path: string): Uint8Array {
  if (typeof value !== "string" || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value))
    throw new DecodeError(`expected base64 text, found ${describe(value)}`, path);
  return new Uint8Array(Buffer.from(value, "base64"));
}

function enumeration(o: Json, key: string, path: string, names: readonly string[]): number {
  const value = field(o, key);
  if (value === undefined || value === null) return 0;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value < names.length) return value;
  if (typeof value === "string" && names.includes(value)) return names.indexOf(value);
  throw new DecodeError(
    `expected a number from 0 to ${names.length - 1} (or ${names.join(", ")}), found ${describe(value)}`,
    join(path, key),
  );
}

/** Ids are hex in OTLP/JSON; base64 (the generic protobuf mapping) is a common mistake worth naming. */
function id(o: Json, key: string, path: string, bytes: number, required: boolean): string {
  const value = field(o, key);
  const at = join(path, key);
  if (value === undefined || value === null || value === "") {
    if (required) throw new DecodeError(`missing; expected ${bytes * 2} hex characters (${bytes} bytes)`, at);
    return "";
  }
  if (typeof value !== "string") throw new DecodeError(`expected a hex string, found ${describe(value)}`, at);
  if (value.length !== bytes * 2) {
    const b64 = Buffer.from(value, "base64");
    const hint =
      b64.length === bytes && /^[A-Za-z0-9+/]+={0,2}$/.test(value)
        ? "; it looks like base64, but OTLP/JSON writes ids as hex"
        : "";
    throw new DecodeError(
      `expected ${bytes * 2} hex characters (${bytes} bytes), found ${value.length} characters \`${clip(value)}\`${hint}`,
      at,
    );
  }
  if (!/^[0-9a-fA-F]+$/.test(value))
    throw new DecodeError(`expected hex characters only, found \`${clip(value)}\``, at);
  if (/^0+$/.test(value)) throw new DecodeError(`an all-zero id is invalid`, at);
  return value.toLowerCase();
}

const clip = (s: string): string => (s.length > 40 ? `${s.slice(0, 37)}...` : s);

function describe(value: unknown): string {
  if (value === undefined || value === null) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string \`${clip(value)}\``;
  return `${typeof value === "number" ? "the number" : typeof value} \`${String(value)}\``;
}

// ---------------------------------------------------------------- encoding

export function encodeJsonRequest(request: TraceRequest): Json {
  return { resourceSpans: request.resourceSpans.map(encodeResourceSpans) };
}

function encodeResourceSpans(rs: ResourceSpans): Json {
  return omitEmpty({
    resource: omitEmpty({
      attributes: rs.resource.attributes.map(encodeKeyValue),
      droppedAttributesCount: rs.resource.droppedAttributesCount,
    }),
    scopeSpans: rs.scopeSpans.map(encodeScopeSpans),
    schemaUrl: rs.schemaUrl,
  });
}

function encodeScopeSpans(ss: ScopeSpans): Json {
  return omitEmpty({
    scope: omitEmpty({
      name: ss.scope.name,
      version: ss.scope.version,
      attributes: ss.scope.attributes.map(encodeKeyValue),
      droppedAttributesCount: ss.scope.droppedAttributesCount,
    }),
    spans: ss.spans.map(encodeSpan),
    schemaUrl: ss.schemaUrl,
  });
}

function encodeSpan(s: Span): Json {
  return omitEmpty({
    traceId: s.traceId,
    spanId: s.spanId,
    traceState: s.traceState,
    parentSpanId: s.parentSpanId,
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: nanos(s.startTimeUnixNano),
    endTimeUnixNano: nanos(s.endTimeUnixNano),
    attributes: s.attributes.map(encodeKeyValue),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) =>
      omitEmpty({
        timeUnixNano: nanos(e.timeUnixNano),
        name: e.name,
        attributes: e.attributes.map(encodeKeyValue),
        droppedAttributesCount: e.droppedAttributesCount,
      }),
    ),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) =>
      omitEmpty({
        traceId: l.traceId,
        spanId: l.spanId,
        traceState: l.traceState,
        attributes: l.attributes.map(encodeKeyValue),
        droppedAttributesCount: l.droppedAttributesCount,
        flags: l.flags,
      }),
    ),
    droppedLinksCount: s.droppedLinksCount,
    status: omitEmpty({ message: s.status.message, code: s.status.code }),
  });
}

/** 64-bit integers as decimal strings, non-finite doubles by name, bytes as base64. */
const JSON_FORMS: ScalarForms = {
  int: (value) => value.toString(),
  double: (value) => (Number.isFinite(value) ? value : String(value)),
  bytes: (value) => Buffer.from(value).toString("base64"),
};

const encodeKeyValue = (a: KeyValue): Json => keyValueObject(a, JSON_FORMS);

/** A fixed64 time as proto3 JSON writes it: a decimal string, absent at its default of zero. */
function nanos(n: bigint): string | undefined {
  return n === 0n ? undefined : n.toString();
}

/**
 * Proto3 JSON leaves out fields at their default value; the collector does the same.
 * The string "0" is a value (a span name, a version), not a default: 64-bit zeros are left out by `nanos`.
 */
function omitEmpty(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === "" || v === 0 || v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}
