/**
 * Timeline layout: lanes + the current x scale -> the rectangles to paint, in CSS pixels. Pure (no DOM, no
 * canvas), so the geometry is unit-tested and the draw step only paints what it is given.
 *
 * Invariants of the output:
 * - Only spans that intersect the scale's range are laid out; rectangles are clipped to the range (plus a
 *   pixel each side), so a deep zoom never hands the canvas coordinates in the millions.
 * - A span's segments tile its rectangle left to right in PHASES order (memory, compute, overhead), each
 *   as wide as its share of the span's duration. The order is a convention of the chart, not the order in
 *   which the hardware did the work.
 * - A span narrower than `splitMinWidthPx` is one segment in its dominant phase (a split would be noise),
 *   and no span is narrower than `minWidthPx`, so every op stays visible at any zoom.
 * - A rectangle carries its op's provider when that is not the CPU EP, whatever its width: the mark of an
 *   op that ran elsewhere is drawn over the phases, so it never replaces them.
 */
import type { ScaleLinear } from 'd3';
import { PHASES, type Phase } from './palette';
import type { PhaseShares, TimelineLane } from './timeline-data';

export interface LaneBand {
  topPx: number;
  heightPx: number;
}

export interface Segment {
  phase: Phase;
  xPx: number;
  widthPx: number;
}

export interface SpanRect {
  /** Index into the lanes. */
  lane: number;
  /** Index into the lane's spans. */
  span: number;
  xPx: number;
  yPx: number;
  widthPx: number;
  heightPx: number;
  segments: Segment[];
  /** Op name when the rectangle is wide enough to carry it. */
  label: string | null;
  /** The op's execution provider when it is not the CPU EP; null on the CPU EP. */
  offCpuProvider: string | null;
}

export interface RunBandRect {
  lane: number;
  run: number;
  xPx: number;
  yPx: number;
  widthPx: number;
  heightPx: number;
}

export interface LayoutOptions {
  minWidthPx: number;
  splitMinWidthPx: number;
  labelMinWidthPx: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { minWidthPx: 1, splitMinWidthPx: 3, labelMinWidthPx: 44 };

export type TimeScale = ScaleLinear<number, number>;

/** Evenly stacked lanes starting at `topPx`. */
export function laneBands(count: number, heightPx: number, gapPx: number, topPx = 0): LaneBand[] {
  return Array.from({ length: count }, (_, i) => ({ topPx: topPx + i * (heightPx + gapPx), heightPx }));
}

export function dominantPhase(shares: PhaseShares): Phase {
  return PHASES.reduce((best, phase) => (shares[phase] > shares[best] ? phase : best), PHASES[0]);
}

function clip(x0: number, x1: number, lo: number, hi: number): [number, number] | null {
  const a = Math.max(x0, lo);
  const b = Math.min(x1, hi);
  return b > a ? [a, b] : null;
}

function splitSegments(x0: number, widthPx: number, shares: PhaseShares, options: LayoutOptions): Segment[] {
  if (widthPx < options.splitMinWidthPx) return [{ phase: dominantPhase(shares), xPx: x0, widthPx }];
  const segments: Segment[] = [];
  let cursor = x0;
  for (const phase of PHASES) {
    const w = widthPx * shares[phase];
    if (w > 0) segments.push({ phase, xPx: cursor, widthPx: w });
    cursor += w;
  }
  return segments;
}

export function layoutSpans(lanes: TimelineLane[], x: TimeScale, bands: LaneBand[], options: LayoutOptions = DEFAULT_LAYOUT): SpanRect[] {
  const [r0, r1] = x.range();
  const lo = r0 - 1;
  const hi = r1 + 1;
  const rects: SpanRect[] = [];
  lanes.forEach((lane, laneIndex) => {
    const band = bands[laneIndex];
    lane.spans.forEach((span, spanIndex) => {
      const x0 = x(span.startMs);
      const x1 = Math.max(x(span.startMs + span.durMs), x0 + options.minWidthPx);
      const visible = clip(x0, x1, lo, hi);
      if (!visible) return;
      const segments = splitSegments(x0, x1 - x0, span.shares, options).flatMap((segment) => {
        const part = clip(segment.xPx, segment.xPx + segment.widthPx, lo, hi);
        return part ? [{ phase: segment.phase, xPx: part[0], widthPx: part[1] - part[0] }] : [];
      });
      const widthPx = visible[1] - visible[0];
      rects.push({
        lane: laneIndex,
        span: spanIndex,
        xPx: visible[0],
        yPx: band.topPx,
        widthPx,
        heightPx: band.heightPx,
        segments,
        label: widthPx >= options.labelMinWidthPx ? lane.run.ops[span.opIndex].name : null,
        offCpuProvider: span.offCpuProvider,
      });
    });
  });
  return rects;
}

/** Background bands marking each profiled run, so the runs read as repeated blocks. */
export function layoutRunBands(lanes: TimelineLane[], x: TimeScale, bands: LaneBand[]): RunBandRect[] {
  const [r0, r1] = x.range();
  return lanes.flatMap((lane, laneIndex) =>
    lane.runWindows.flatMap((window, run) => {
      const visible = clip(x(window.startMs), x(window.endMs), r0 - 1, r1 + 1);
      if (!visible) return [];
      const band = bands[laneIndex];
      return [{ lane: laneIndex, run, xPx: visible[0], yPx: band.topPx, widthPx: visible[1] - visible[0], heightPx: band.heightPx }];
    }),
  );
}

/**
 * The span under a pointer position, or null. Exact hits win; otherwise the nearest span within
 * `tolerancePx` horizontally, so one-pixel ops can still be hovered.
 */
export function hitTest(rects: readonly SpanRect[], xPx: number, yPx: number, tolerancePx = 2): SpanRect | null {
  let best: SpanRect | null = null;
  let bestDistance = Infinity;
  for (const rect of rects) {
    if (yPx < rect.yPx || yPx >= rect.yPx + rect.heightPx) continue;
    const distance = xPx < rect.xPx ? rect.xPx - xPx : xPx > rect.xPx + rect.widthPx ? xPx - rect.xPx - rect.widthPx : 0;
    if (distance <= tolerancePx && distance < bestDistance) {
      best = rect;
      bestDistance = distance;
      if (distance === 0) break;
    }
  }
  return best;
}
