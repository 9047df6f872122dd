import type { ResolvedPipeline } from "../resolve/resolve.js";
import { eq, notEmpty, type Matcher } from "./promql.js";
import { LABEL, SPAN_KIND, labelOf } from "./span-metrics.js";

/*
 * Which spans measure a hop. Span metrics have no notion of a trace, so each hop of a flow is
 * measured by the spans through which work enters it, told apart by span kind:
 *
 * - a service reached after a RabbitMQ hop is entered by CONSUMER spans, any other later hop by
 *   SERVER spans. That also tells apart two visits to one service (costing enters the CRM API first
 *   over HTTP, then from the queue);
 * - the first hop has no caller on the path: a browser starts the flow with the requests it makes
 *   (CLIENT), a worker with a job of its own (INTERNAL; a message would put its publisher first on
 *   the path), an HTTP or gRPC service with a request from outside (SERVER);
 * - RabbitMQ and PostgreSQL emit no spans of their own: they are seen through the PRODUCER or CLIENT
 *   spans of the service before them on the path, narrowed to spans that name a queue or a table
 *   when that attribute is a metrics dimension. Without `db.collection.name` among the dimensions a
 *   database call cannot be told from any other CLIENT span, so such a hop is left out.
 *
 * Two hops that end up with the same spans (a service entered the same way twice) are one hop,
 * numbered where it first appears, so no span is counted twice. A worker's nested INTERNAL spans
 * (steps inside its job) count as entries too and pull its quantiles down, the low ones most.
 */

export interface Hop {
  /** 1-based position on the flow's path; with the service name it names the hop on dashboards. */
  index: number;
  service: string;
  /** Narrow the flow's spans to this hop's, besides the flow label itself. */
  matchers: Matcher[];
}

const INFRASTRUCTURE: Record<string, { kind: string; attribute: string }> = {
  rabbitmq: { kind: SPAN_KIND.producer, attribute: "messaging.destination.name" },
  postgresql: { kind: SPAN_KIND.client, attribute: "db.collection.name" },
};

const FIRST_HOP_KIND: Record<string, string> = {
  browser: SPAN_KIND.client,
  worker: SPAN_KIND.internal,
  http: SPAN_KIND.server,
  grpc: SPAN_KIND.server,
};

function firstHopKind(kind: string): string {
  const spanKind = FIRST_HOP_KIND[kind];
  if (!spanKind) throw new Error(`no first-hop span kind for a ${kind} service`);
  return spanKind;
}

export function flowHops(pipeline: ResolvedPipeline, flowName: string): Hop[] {
  const flow = pipeline.flows[flowName];
  if (!flow) throw new Error(`no flow ${flowName}`);
  const dimensions = new Set(pipeline.exporters.prometheus.dimensions);
  const kindOf = (service: string): string => {
    const described = pipeline.services[service];
    if (!described) throw new Error(`flow ${flowName} crosses ${service}, which is not a described service`);
    return described.kind;
  };
  const hops: Hop[] = [];
  const seen = new Set<string>();
  flow.path.forEach((service, position) => {
    const matchers = hopMatchers(flow.path, position, kindOf, dimensions);
    if (!matchers) return;
    const key = JSON.stringify(matchers);
    if (seen.has(key)) return;
    seen.add(key);
    hops.push({ index: position + 1, service, matchers });
  });
  return hops;
}

function hopMatchers(
  path: readonly string[],
  position: number,
  kindOf: (service: string) => string,
  dimensions: ReadonlySet<string>,
): Matcher[] | undefined {
  const service = path[position] as string;
  const kind = kindOf(service);
  const infrastructure = INFRASTRUCTURE[kind];
  if (infrastructure) {
    const emittedBy = path
      .slice(0, position)
      .reverse()
      .find((s) => !INFRASTRUCTURE[kindOf(s)]);
    const narrowed = dimensions.has(infrastructure.attribute);
    if (kind === "postgresql" && !narrowed) return undefined;
    return [
      ...(emittedBy ? [eq(LABEL.service, emittedBy)] : []),
      eq(LABEL.spanKind, infrastructure.kind),
      ...(narrowed ? [notEmpty(labelOf(infrastructure.attribute))] : []),
    ];
  }
  const previous = position > 0 ? (path[position - 1] as string) : undefined;
  const entry =
    previous === undefined
      ? firstHopKind(kind)
      : kindOf(previous) === "rabbitmq"
        ? SPAN_KIND.consumer
        : SPAN_KIND.server;
  return [eq(LABEL.service, service), eq(LABEL.spanKind, entry)];
}
