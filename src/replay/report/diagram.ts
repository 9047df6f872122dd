import type { CollectorConfig } from "../../collector/config.js";
import { round1 } from "./svg.js";

/*
 * The pipelines of a collector config laid out for an SVG drawing: one lane per pipeline,
 * its receivers, each processor in order, then its exporters, left to right. A connector is
 * drawn where it stands in each pipeline (as an exporter of one, a receiver of another) and a
 * dashed link joins the two. Coordinates only; the report's template draws them.
 */

export type ComponentKind = "receiver" | "processor" | "connector" | "exporter";
/** Where a component stands in its pipeline. */
export type PipelineRole = "receiver" | "processor" | "exporter";

export interface DiagramNode {
  /** Unique in the diagram: a component appears once per pipeline that uses it. */
  key: string;
  component: string;
  /** The label's two lines: the component's type, and `/name` when it has one. */
  type: string;
  name: string;
  pipeline: string;
  role: PipelineRole;
  kind: ComponentKind;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DiagramEdge {
  from: string;
  to: string;
  /** `connector` for the link between a connector's two places, which crosses lanes. */
  kind: "flow" | "connector";
  /** SVG path data. */
  d: string;
}

export interface DiagramLane {
  pipeline: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PipelineDiagram {
  width: number;
  height: number;
  lanes: DiagramLane[];
  nodes: DiagramNode[];
  edges: DiagramEdge[];
}

const MARGIN = 12;
const NODE_HEIGHT = 40;
const ROW_GAP = 10;
const COLUMN_GAP = 32;
const LANE_PADDING = 12;
const LANE_TITLE = 20;
const LANE_GAP = 36;
/** Connector links run down a channel right of the lanes, one per link. */
const CHANNEL = 14;
/** Labels are set in a 12px monospace face: a character is about this wide. */
const CHAR_WIDTH = 7.3;
const MIN_NODE_WIDTH = 96;

export function pipelineDiagram(config: CollectorConfig): PipelineDiagram {
  const connectors = new Set(Object.keys(config.connectors));
  const pipelines = Object.entries(config.service.pipelines);
  const labels = pipelines.flatMap(([, p]) => [...p.receivers, ...p.processors, ...p.exporters].flatMap(labelLines));
  const nodeWidth = Math.max(MIN_NODE_WIDTH, Math.ceil(Math.max(0, ...labels.map((l) => l.length)) * CHAR_WIDTH + 24));
  const columnsOf = (p: (typeof pipelines)[number][1]) => [p.receivers, ...p.processors.map((id) => [id]), p.exporters];
  const maxColumns = Math.max(1, ...pipelines.map(([, p]) => columnsOf(p).length));
  const laneWidth = 2 * LANE_PADDING + maxColumns * nodeWidth + (maxColumns - 1) * COLUMN_GAP;

  const lanes: DiagramLane[] = [];
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  let y = MARGIN;
  for (const [name, p] of pipelines) {
    const columns = columnsOf(p);
    const rows = Math.max(1, ...columns.map((c) => c.length));
    const rowsHeight = rows * NODE_HEIGHT + (rows - 1) * ROW_GAP;
    const laneHeight = LANE_TITLE + rowsHeight + 2 * LANE_PADDING;
    lanes.push({ pipeline: name, x: MARGIN, y, width: laneWidth, height: laneHeight });
    const placed: DiagramNode[][] = columns.map((ids, c) => {
      const top =
        y + LANE_TITLE + LANE_PADDING + (rowsHeight - (ids.length * NODE_HEIGHT + (ids.length - 1) * ROW_GAP)) / 2;
      return ids.map((id, r) => {
        const role: PipelineRole = c === 0 ? "receiver" : c === columns.length - 1 ? "exporter" : "processor";
        const [type, named = ""] = labelLines(id);
        return {
          key: `${name}/${role}/${id}`,
          component: id,
          type: type!,
          name: named,
          pipeline: name,
          role,
          kind: connectors.has(id) ? "connector" : role,
          x: MARGIN + LANE_PADDING + c * (nodeWidth + COLUMN_GAP),
          y: top + r * (NODE_HEIGHT + ROW_GAP),
          width: nodeWidth,
          height: NODE_HEIGHT,
        };
      });
    });
    nodes.push(...placed.flat());
    for (let c = 0; c + 1 < placed.length; c++)
      for (const a of placed[c]!)
        for (const b of placed[c + 1]!) edges.push({ from: a.key, to: b.key, kind: "flow", d: across(a, b) });
    y += laneHeight + LANE_GAP;
  }

  const right = MARGIN + laneWidth;
  const laneIndex = (pipeline: string) => lanes.findIndex((l) => l.pipeline === pipeline);
  const links = [...connectors].flatMap((id) =>
    nodes
      .filter((n) => n.component === id && n.role === "exporter")
      .flatMap((a) => nodes.filter((n) => n.component === id && n.role === "receiver").map((b) => ({ a, b }))),
  );
  // The link to the nearest pipeline takes the innermost channel, so links never cross.
  links.sort((l, m) => laneIndex(l.b.pipeline) - laneIndex(m.b.pipeline));
  const entering = new Map<string, number>();
  links.forEach(({ a, b }, i) => {
    const n = entering.get(b.pipeline) ?? 0;
    entering.set(b.pipeline, n + 1);
    const gapY = lanes[laneIndex(b.pipeline)]!.y - LANE_GAP / 2 - n * 6;
    edges.push({ from: a.key, to: b.key, kind: "connector", d: routed(a, b, right + CHANNEL * (i + 1), gapY) });
  });
  return {
    width: right + CHANNEL * (links.length + 1) + MARGIN,
    height: Math.max(y - LANE_GAP + MARGIN, 2 * MARGIN),
    lanes,
    nodes,
    edges,
  };
}

/** `type/name` ids on two lines, the name under its type. */
const labelLines = (id: string): string[] => {
  const slash = id.indexOf("/");
  return slash < 0 ? [id] : [id.slice(0, slash), id.slice(slash)];
};

/** From a node's right side to the next column's left side. */
function across(a: DiagramNode, b: DiagramNode): string {
  const x1 = a.x + a.width;
  const y1 = a.y + a.height / 2;
  const x2 = b.x;
  const y2 = b.y + b.height / 2;
  const bend = (x2 - x1) / 2;
  return `M${round1(x1)} ${round1(y1)} C${round1(x1 + bend)} ${round1(y1)} ${round1(x2 - bend)} ${round1(y2)} ${round1(x2)} ${round1(y2)}`;
}

/**
 * From a connector where one pipeline exports to it, out to a channel right of the lanes,
 * along it to the gap above the pipeline that receives from it, and down into that node:
 * the link never crosses a component.
 */
function routed(a: DiagramNode, b: DiagramNode, channelX: number, gapY: number): string {
  const y1 = a.y + a.height / 2;
  // Into the node's right end: the lane's title sits above its left end.
  const x2 = b.x + b.width - 20;
  return `M${round1(a.x + a.width)} ${round1(y1)} H${round1(channelX)} V${round1(gapY)} H${round1(x2)} V${round1(b.y)}`;
}
