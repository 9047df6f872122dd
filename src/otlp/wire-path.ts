/*
 * Names the OTLP field a byte offset of an ExportTraceServiceRequest falls in, e.g.
 * resourceSpans[0].scopeSpans[1].spans[2].attributes[3].key. Only for reporting where the
 * leak oracle found something: the search itself knows no OTLP field. Field numbers as in
 * opentelemetry-proto (trace/v1, common/v1, resource/v1).
 */

interface MessageType {
  [field: number]: { name: string; type?: MessageType; repeated?: boolean };
}

const AnyValue: MessageType = {};
const KeyValue: MessageType = { 1: { name: "key" }, 2: { name: "value", type: AnyValue } };
Object.assign(AnyValue, {
  1: { name: "stringValue" },
  2: { name: "boolValue" },
  3: { name: "intValue" },
  4: { name: "doubleValue" },
  5: { name: "arrayValue", type: { 1: { name: "values", type: AnyValue, repeated: true } } },
  6: { name: "kvlistValue", type: { 1: { name: "values", type: KeyValue, repeated: true } } },
  7: { name: "bytesValue" },
});
const attributes = { name: "attributes", type: KeyValue, repeated: true };
const Span: MessageType = {
  1: { name: "traceId" },
  2: { name: "spanId" },
  3: { name: "traceState" },
  4: { name: "parentSpanId" },
  5: { name: "name" },
  6: { name: "kind" },
  7: { name: "startTimeUnixNano" },
  8: { name: "endTimeUnixNano" },
  9: attributes,
  10: { name: "droppedAttributesCount" },
  11: {
    name: "events",
    repeated: true,
    type: { 1: { name: "timeUnixNano" }, 2: { name: "name" }, 3: attributes, 4: { name: "droppedAttributesCount" } },
  },
  12: { name: "droppedEventsCount" },
  13: {
    name: "links",
    repeated: true,
    type: {
      1: { name: "traceId" },
      2: { name: "spanId" },
      3: { name: "traceState" },
      4: attributes,
      5: { name: "droppedAttributesCount" },
      6: { name: "flags" },
    },
  },
  14: { name: "droppedLinksCount" },
  15: { name: "status", type: { 2: { name: "message" }, 3: { name: "code" } } },
  16: { name: "flags" },
};
const ExportTraceServiceRequest: MessageType = {
  1: {
    name: "resourceSpans",
    repeated: true,
    type: {
      1: { name: "resource", type: { 1: attributes, 2: { name: "droppedAttributesCount" } } },
      2: {
        name: "scopeSpans",
        repeated: true,
        type: {
          1: {
            name: "scope",
            type: {
              1: { name: "name" },
              2: { name: "version" },
              3: attributes,
              4: { name: "droppedAttributesCount" },
            },
          },
          2: { name: "spans", type: Span, repeated: true },
          3: { name: "schemaUrl" },
        },
      },
      3: { name: "schemaUrl" },
    },
  },
};

export interface OtlpPlace {
  /** e.g. resourceSpans[0].scopeSpans[1].spans[2].traceState */
  path: string;
  /** The span the offset lies in, as indices into the request, when it lies in one. */
  span?: { resource: number; scope: number; span: number };
}

/** The OTLP path of the innermost field holding `offset`; undefined when the bytes are not that message. */
export function otlpPlaceAt(bytes: Uint8Array, offset: number): OtlpPlace | undefined {
  let type: MessageType | undefined = ExportTraceServiceRequest;
  let start = 0;
  let end = bytes.length;
  const parts: string[] = [];
  while (type) {
    const counts = new Map<number, number>();
    let pos = start;
    let found: { no: number; index: number; from: number; to: number; wire: number } | undefined;
    while (pos < end) {
      const tag = readVarint(bytes, pos, end);
      if (!tag) return undefined;
      const no = Math.floor(tag.value / 8);
      const wire = tag.value % 8;
      const index = counts.get(no) ?? 0;
      counts.set(no, index + 1);
      let from = tag.next;
      let to: number;
      if (wire === 0) {
        const v = readVarint(bytes, from, end);
        if (!v) return undefined;
        to = v.next;
      } else if (wire === 1) to = from + 8;
      else if (wire === 5) to = from + 4;
      else if (wire === 2) {
        const len = readVarint(bytes, from, end);
        if (!len) return undefined;
        from = len.next;
        to = from + len.value;
      } else return undefined;
      if (to > end) return undefined;
      if (offset >= pos && offset < to) {
        found = { no, index, from, to, wire };
        break;
      }
      pos = to;
    }
    if (!found) break;
    const field: MessageType[number] | undefined = type[found.no];
    if (!field) {
      parts.push(`field ${found.no}`);
      break;
    }
    parts.push(field.repeated ? `${field.name}[${found.index}]` : field.name);
    if (found.wire !== 2 || !field.type) break;
    type = field.type;
    start = found.from;
    end = found.to;
  }
  if (parts.length === 0) return undefined;
  const path = parts.join(".");
  const span = /^resourceSpans\[(\d+)\]\.scopeSpans\[(\d+)\]\.spans\[(\d+)\]/.exec(path);
  return {
    path,
    ...(span ? { span: { resource: Number(span[1]), scope: Number(span[2]), span: Number(span[3]) } } : {}),
  };
}

function readVarint(bytes: Uint8Array, pos: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return undefined;
    const b = bytes[pos + i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return { value, next: pos + i + 1 };
  }
  return undefined;
}
