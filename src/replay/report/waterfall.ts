import { stringAttribute } from "../../otlp/model.js";
import { serviceOf, type ReceivedSpan } from "../checks/received.js";
import { round1 } from "./svg.js";

/*
 * A few kept traces per flow as waterfalls: each span a bar on the trace's time axis, in
 * tree order (children under their parent, by start time), indented by depth. Error traces
 * are shown first, then the largest. A label that holds personal data is withheld: the page
 * shows what came out of the collector, and masking may have failed.
 */

export interface WaterfallSpan {
  spanId: string;
  /** The label as drawn, clipped to its column, and whole (the bar's tooltip, with the duration). */
  label: string;
  fullLabel: string;
  depth: number;
  error: boolean;
  durationMs: string;
  y: number;
  barY: number;
  labelX: number;
  x: number;
  width: number;
}

export interface TraceWaterfall {
  traceId: string;
  error: boolean;
  spanCount: number;
  duration: string;
  width: number;
  height: number;
  timelineX: number;
  timelineWidth: number;
  axisY: number;
  ticks: Array<{ x: number; label: string }>;
  spans: WaterfallSpan[];
}

export interface FlowWaterfalls {
  flow: string;
  /** Kept traces of the flow, of which `traces` are drawn. */
  kept: number;
  traces: TraceWaterfall[];
}

export const WITHHELD = "(withheld: holds personal data)";

const LABEL_WIDTH = 300;
const TIMELINE_WIDTH = 440;
const ROW = 20;
const BAR = 12;
const TOP = 4;
const AXIS = 22;
const INDENT = 12;
/** Labels are set in 12px sans-serif: a character is at most about this wide on average. */
const CHAR_WIDTH = 6.5;

export function flowWaterfalls(
  kept: readonly ReceivedSpan[],
  flows: readonly string[],
  flowAttribute: string,
  holdsPersonal: (text: string) => boolean,
  perFlow = 3,
): FlowWaterfalls[] {
  const byTrace = new Map<string, Map<string, ReceivedSpan>>();
  for (const r of kept) {
    const spans = byTrace.get(r.span.traceId) ?? new Map<string, ReceivedSpan>();
    // A span kept twice is drawn once; the sampling check reports the duplicate.
    if (!spans.has(r.span.spanId)) spans.set(r.span.spanId, r);
    byTrace.set(r.span.traceId, spans);
  }
  const known = new Set(flows);
  const byFlow = new Map<string, ReceivedSpan[][]>(flows.map((f) => [f, []]));
  for (const spans of byTrace.values()) {
    const list = [...spans.values()];
    const flow = list
      .map(
        (r) =>
          stringAttribute(r.span.attributes, flowAttribute) ?? stringAttribute(r.resource.attributes, flowAttribute),
      )
      .find((f) => f !== undefined && known.has(f));
    if (flow) byFlow.get(flow)!.push(list);
  }
  const hasError = (t: readonly ReceivedSpan[]) => t.some((r) => r.span.status.code === 2);
  return flows.map((flow) => {
    const traces = byFlow.get(flow)!;
    // One error trace, if any, then the largest others: the page shows what failed and what is usual.
    const bySize = [...traces].sort(
      (a, b) => b.length - a.length || a[0]!.span.traceId.localeCompare(b[0]!.span.traceId),
    );
    const firstError = bySize.find(hasError);
    const chosen = [
      ...(firstError ? [firstError] : []),
      ...bySize.filter((t) => !hasError(t)),
      ...bySize.filter((t) => hasError(t) && t !== firstError),
    ].slice(0, perFlow);
    return { flow, kept: traces.length, traces: chosen.map((t) => traceWaterfall(t, holdsPersonal)) };
  });
}

function traceWaterfall(spans: readonly ReceivedSpan[], holdsPersonal: (text: string) => boolean): TraceWaterfall {
  const start = spans.reduce(
    (m, r) => (r.span.startTimeUnixNano < m ? r.span.startTimeUnixNano : m),
    spans[0]!.span.startTimeUnixNano,
  );
  const end = spans.reduce(
    (m, r) => (r.span.endTimeUnixNano > m ? r.span.endTimeUnixNano : m),
    spans[0]!.span.endTimeUnixNano,
  );
  const totalNs = Number(end - start) || 1;
  const x = (t: bigint) => round1(LABEL_WIDTH + (Number(t - start) / totalNs) * TIMELINE_WIDTH);

  const ids = new Set(spans.map((r) => r.span.spanId));
  const children = new Map<string, ReceivedSpan[]>();
  for (const r of spans) {
    // A span whose parent did not arrive is drawn as a root: the completeness check reports it.
    const parent = ids.has(r.span.parentSpanId) ? r.span.parentSpanId : "";
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const ordered: Array<{ r: ReceivedSpan; depth: number }> = [];
  const visit = (parent: string, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) =>
      a.span.startTimeUnixNano < b.span.startTimeUnixNano
        ? -1
        : a.span.startTimeUnixNano > b.span.startTimeUnixNano
          ? 1
          : 0,
    );
    for (const r of list) {
      ordered.push({ r, depth });
      visit(r.span.spanId, depth + 1);
    }
  };
  visit("", 0);

  const rows = ordered.map(({ r, depth }, i): WaterfallSpan => {
    const service = serviceOf(r.resource) ?? "(no service.name)";
    const text = `${service} › ${r.span.name}`;
    const labelX = 4 + Math.min(depth, 8) * INDENT;
    const room = Math.floor((LABEL_WIDTH - labelX - 8) / CHAR_WIDTH);
    const fullLabel = holdsPersonal(service) || holdsPersonal(r.span.name) ? WITHHELD : text;
    const label = fullLabel === WITHHELD ? WITHHELD : clip(text, room);
    const left = x(r.span.startTimeUnixNano);
    return {
      spanId: r.span.spanId,
      label,
      fullLabel,
      depth,
      error: r.span.status.code === 2,
      durationMs: ms(Number(r.span.endTimeUnixNano - r.span.startTimeUnixNano)),
      y: TOP + i * ROW,
      barY: TOP + i * ROW + (ROW - BAR) / 2,
      labelX,
      x: left,
      width: Math.max(1.5, round1(x(r.span.endTimeUnixNano) - left)),
    };
  });
  const axisY = TOP + rows.length * ROW + 2;
  return {
    traceId: spans[0]!.span.traceId,
    error: rows.some((s) => s.error),
    spanCount: rows.length,
    duration: ms(totalNs),
    width: LABEL_WIDTH + TIMELINE_WIDTH + 60,
    height: axisY + AXIS,
    timelineX: LABEL_WIDTH,
    timelineWidth: TIMELINE_WIDTH,
    axisY,
    ticks: [0, 0.5, 1].map((f) => ({ x: round1(LABEL_WIDTH + f * TIMELINE_WIDTH), label: ms(f * totalNs) })),
    spans: rows,
  };
}

function ms(ns: number): string {
  const v = ns / 1e6;
  return `${v < 10 ? Number(v.toFixed(2)) : Math.round(v)} ms`;
}

const clip = (s: string, room: number): string => ([...s].length > room ? `${[...s].slice(0, room - 1).join("")}…` : s);
