import type { ShareRow } from "../checks/sampling.js";
import { pct } from "./text.js";
import { round1 } from "./svg.js";

/*
 * Each flow's kept share of ordinary traces against its configured share, with the band the
 * sampling check accepts: the binomial tolerance it computed (ShareRow.ordinary.low/high),
 * drawn as it is, never computed again. Coordinates for an SVG bar per flow on one axis.
 */

export interface ShareBar {
  flow: string;
  ok: boolean;
  total: number;
  kept: number;
  /** Bounds of the accepted count of kept traces, as the check computed them. */
  low: number;
  high: number;
  /** Shares as fractions of `total`; 0 when no ordinary trace was sent. */
  keptShare: number;
  expected: number;
  lowShare: number;
  highShare: number;
  capped: boolean;
  /** Caption: kept, of how many, and what the check accepts. */
  caption: string;
  y: number;
  barY: number;
  bandY: number;
  bandBottom: number;
  keptWidth: number;
  bandX: number;
  bandWidth: number;
  expectedX: number;
}

export interface ShareChart {
  width: number;
  height: number;
  plotX: number;
  plotWidth: number;
  captionX: number;
  axisY: number;
  ticks: Array<{ x: number; label: string }>;
  bars: ShareBar[];
}

const LABEL_WIDTH = 150;
const PLOT_WIDTH = 440;
const CAPTION_WIDTH = 300;
const ROW = 40;
const BAR = 12;
const BAND = 26;
const TOP = 8;
const AXIS = 26;
/** Where the axis may end, and the spacing of its ticks there. */
const AXES = [
  { max: 0.05, tick: 0.01 },
  { max: 0.1, tick: 0.025 },
  { max: 0.2, tick: 0.05 },
  { max: 0.25, tick: 0.05 },
  { max: 0.4, tick: 0.1 },
  { max: 0.5, tick: 0.1 },
  { max: 0.75, tick: 0.25 },
  { max: 1, tick: 0.25 },
];

export function shareChart(rows: readonly ShareRow[]): ShareChart {
  const shares = rows.map((r) => {
    const { total, kept, low, high, expected } = r.ordinary;
    const of = (n: number) => (total > 0 ? n / total : 0);
    return { r, keptShare: of(kept), lowShare: of(low), highShare: of(high), expected };
  });
  const largest = Math.max(0, ...shares.flatMap((s) => [s.keptShare, s.highShare, s.expected]));
  const axis = AXES.find((a) => a.max >= largest * 1.08) ?? AXES.at(-1)!;
  const axisMax = axis.max;
  const x = (share: number) => round1(LABEL_WIDTH + (Math.min(share, axisMax) / axisMax) * PLOT_WIDTH);
  const bars = shares.map(({ r, keptShare, lowShare, highShare, expected }, i): ShareBar => {
    const { total, kept, low, high, capped } = r.ordinary;
    const y = TOP + i * ROW;
    return {
      flow: r.flow,
      ok: r.ok,
      total,
      kept,
      low,
      high,
      keptShare,
      expected,
      lowShare,
      highShare,
      capped,
      caption:
        total > 0 ? `${kept} of ${total} kept (${pct(keptShare)}); accepts ${low}–${high}` : "no ordinary trace sent",
      y,
      barY: y + (ROW - BAR) / 2,
      bandY: y + (ROW - BAND) / 2,
      bandBottom: y + (ROW + BAND) / 2,
      keptWidth: round1(x(keptShare) - LABEL_WIDTH),
      bandX: x(lowShare),
      bandWidth: total > 0 ? round1(x(highShare) - x(lowShare)) : 0,
      expectedX: x(expected),
    };
  });
  const axisY = TOP + rows.length * ROW + 4;
  return {
    width: LABEL_WIDTH + PLOT_WIDTH + CAPTION_WIDTH,
    height: axisY + AXIS,
    plotX: LABEL_WIDTH,
    plotWidth: PLOT_WIDTH,
    captionX: LABEL_WIDTH + PLOT_WIDTH + 16,
    axisY,
    ticks: Array.from({ length: Math.round(axisMax / axis.tick) + 1 }, (_, i) => ({
      x: x(i * axis.tick),
      label: pct(i * axis.tick),
    })),
    bars,
  };
}
