import type { Resource, Scope, Span, TraceRequest } from "../../otlp/model.js";
import { stringAttribute } from "../../otlp/model.js";

/** A span as it reached the sink, with where it sits in what the sink received. */
export interface ReceivedSpan {
  span: Span;
  resource: Resource;
  scope: Scope;
  request: number;
  /** e.g. resourceSpans[0].scopeSpans[1].spans[2] */
  path: string;
  resourcePath: string;
  scopePath: string;
  resourceSchemaUrl: string;
  scopeSchemaUrl: string;
}

export function receivedSpans(requests: readonly TraceRequest[]): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  requests.forEach((request, r) =>
    request.resourceSpans.forEach((rs, i) =>
      rs.scopeSpans.forEach((ss, j) =>
        ss.spans.forEach((span, k) =>
          out.push({
            span,
            resource: rs.resource,
            scope: ss.scope,
            request: r,
            path: `resourceSpans[${i}].scopeSpans[${j}].spans[${k}]`,
            resourcePath: `resourceSpans[${i}].resource`,
            scopePath: `resourceSpans[${i}].scopeSpans[${j}].scope`,
            resourceSchemaUrl: rs.schemaUrl,
            scopeSchemaUrl: ss.schemaUrl,
          }),
        ),
      ),
    ),
  );
  return out;
}

export const spanKey = (traceId: string, spanId: string): string => `${traceId}/${spanId}`;

export const serviceOf = (resource: Resource): string | undefined =>
  stringAttribute(resource.attributes, "service.name");
