/*
 * OTLP traces as plain data, independent of the wire encoding. Ids are lower-case
 * hex (the OTLP/JSON form) so they can be compared and used as map keys directly;
 * times are nanoseconds as bigint because they exceed 2^53.
 */

export type AnyValue =
  | { type: "string"; value: string }
  | { type: "bool"; value: boolean }
  | { type: "int"; value: bigint }
  | { type: "double"; value: number }
  | { type: "bytes"; value: Uint8Array }
  | { type: "array"; values: AnyValue[] }
  | { type: "kvlist"; values: KeyValue[] }
  | { type: "empty" };

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface Resource {
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface Scope {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export const SpanKind = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export const SPAN_KIND_NAMES = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"] as const;
export const STATUS_CODE_NAMES = ["UNSET", "OK", "ERROR"] as const;

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

export interface Span {
  traceId: string;
  spanId: string;
  traceState: string;
  /** "" for a root span. */
  parentSpanId: string;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: { code: number; message: string };
}

/** A span with every field at its OTLP default (empty, zero, unset), overridden by what is given. */
export const newSpan = (fields: Partial<Span> = {}): Span => ({
  traceId: "",
  spanId: "",
  traceState: "",
  parentSpanId: "",
  flags: 0,
  name: "",
  kind: 0,
  startTimeUnixNano: 0n,
  endTimeUnixNano: 0n,
  attributes: [],
  droppedAttributesCount: 0,
  events: [],
  droppedEventsCount: 0,
  links: [],
  droppedLinksCount: 0,
  status: { code: 0, message: "" },
  ...fields,
});

export interface ScopeSpans {
  scope: Scope;
  spans: Span[];
  schemaUrl: string;
}

export interface ResourceSpans {
  resource: Resource;
  scopeSpans: ScopeSpans[];
  schemaUrl: string;
}

/** One ExportTraceServiceRequest (identical in shape to TracesData). */
export interface TraceRequest {
  resourceSpans: ResourceSpans[];
}

export const TRACE_ID_BYTES = 16;
export const SPAN_ID_BYTES = 8;

export const str = (value: string): AnyValue => ({ type: "string", value });
export const int = (value: number | bigint): AnyValue => ({ type: "int", value: BigInt(value) });
export const bool = (value: boolean): AnyValue => ({ type: "bool", value });
export const double = (value: number): AnyValue => ({ type: "double", value });
export const array = (...values: AnyValue[]): AnyValue => ({ type: "array", values });
export const kvlist = (values: KeyValue[]): AnyValue => ({ type: "kvlist", values });
export const kv = (key: string, value: AnyValue | string): KeyValue => ({
  key,
  value: typeof value === "string" ? str(value) : value,
});

export function spanCount(requests: readonly TraceRequest[]): number {
  let n = 0;
  for (const r of requests) for (const rs of r.resourceSpans) for (const ss of rs.scopeSpans) n += ss.spans.length;
  return n;
}

/** The string a collector makes of a scalar (pdata's AsString), which is what a pseudonym hashes. */
export function scalarAsString(value: AnyValue): string | undefined {
  switch (value.type) {
    case "string":
      return value.value;
    case "bool":
      return value.value ? "true" : "false";
    case "int":
      return value.value.toString();
    // pdata formats doubles like ECMAScript's Number#toString, so String() is the same text.
    case "double":
      return String(value.value);
    case "bytes":
      return Buffer.from(value.value).toString("base64");
    default:
      return undefined;
  }
}

export function attribute(attributes: readonly KeyValue[], key: string): AnyValue | undefined {
  return attributes.find((a) => a.key === key)?.value;
}

export function stringAttribute(attributes: readonly KeyValue[], key: string): string | undefined {
  const v = attribute(attributes, key);
  return v?.type === "string" ? v.value : undefined;
}
