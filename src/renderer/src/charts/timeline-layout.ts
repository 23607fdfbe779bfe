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
import type { LaneSpan, PhaseShares, TimelineLane } from './timeline-data';

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
  /** Index into the lane's spans: the first one the rectangle stands for. */
  span: number;
  /**
   * Spans the rectangle stands for: 1, or more when sub-pixel spans were merged at this zoom (the
   * rectangle's phases are then their duration-weighted mix).
   */
  count: number;
  xPx: number;
  yPx: number;
  widthPx: number;
  heightPx: number;
  segments: Segment[];
  /** Op name when the rectangle is wide enough to carry it (never on a merged rectangle). */
  label: string | null;
  /** The op's execution provider when it is not the CPU EP; null on the CPU EP (on a merged one: any span's). */
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
  /**
   * Spans narrower than this are merged with the sub-pixel spans they touch into one rectangle, so the
   * number of rectangles is bounded by the canvas width rather than the trace length.
   */
  mergeBelowPx: number;
  /**
   * A merged rectangle stops growing at this width, so a long stretch of tiny ops still shows where
   * its phases change (each piece split in its own mix) instead of one average over the whole stretch.
   */
  mergeMaxPx: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = { minWidthPx: 1, splitMinWidthPx: 3, labelMinWidthPx: 44, mergeBelowPx: 1, mergeMaxPx: 8 };

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

/**
 * What the layout precomputes once per lane (cached on the spans array, which a lane never mutates):
 * the longest span, to bound how far left of the view a visible span can start, and prefix sums of
 * phase time and of off-CPU spans, so any run of merged spans is summed in O(1).
 */
interface LaneIndex {
  longestMs: number;
  /** cumulative[k] = sum over spans[0..k) of duration x share, per phase (a zero-length span weighs 1e-12 ms). */
  memoryMs: Float64Array;
  computeMs: Float64Array;
  overheadMs: Float64Array;
  /** Spans off the CPU EP among spans[0..k). */
  offCpu: Uint32Array;
}

const laneIndexes = new WeakMap<readonly LaneSpan[], LaneIndex>();

function laneIndex(spans: readonly LaneSpan[]): LaneIndex {
  let index = laneIndexes.get(spans);
  if (index) return index;
  const n = spans.length;
  index = { longestMs: 0, memoryMs: new Float64Array(n + 1), computeMs: new Float64Array(n + 1), overheadMs: new Float64Array(n + 1), offCpu: new Uint32Array(n + 1) };
  for (let k = 0; k < n; k++) {
    const { durMs, shares, offCpuProvider } = spans[k];
    const weightMs = Math.max(durMs, 1e-12);
    index.longestMs = Math.max(index.longestMs, durMs);
    index.memoryMs[k + 1] = index.memoryMs[k] + weightMs * shares.memory;
    index.computeMs[k + 1] = index.computeMs[k] + weightMs * shares.compute;
    index.overheadMs[k + 1] = index.overheadMs[k] + weightMs * shares.overhead;
    index.offCpu[k + 1] = index.offCpu[k] + (offCpuProvider === null ? 0 : 1);
  }
  laneIndexes.set(spans, index);
  return index;
}

/** Index of the first span (sorted by start), at or after `from`, starting at or after `ms`. */
export function firstStartingAtOrAfter(spans: readonly LaneSpan[], ms: number, from = 0): number {
  let lo = from;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid].startMs < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first span, at or after `from`, starting after `ms`. */
function firstStartingAfter(spans: readonly LaneSpan[], ms: number, from: number): number {
  let lo = from;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid].startMs <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rectangles for every span visible on `x`, with level of detail so the cost follows the canvas width
 * rather than the trace length:
 * - Spans are sorted by start in each lane: the first visible one is found by binary search (up to the
 *   lane's longest span before the view) and the scan stops at the view's right edge.
 * - A span narrower than `mergeBelowPx` starts a merge: every span starting within the merge's reach
 *   (its painted right edge, or one more bucket of `mergeBelowPx`) joins it, found by binary search and
 *   summed from prefix sums, bucket after bucket until a gap of a bucket or more, or `mergeMaxPx`. A
 *   joining span that is itself wide ends the merge and keeps its own rectangle. The spans of a lane do not overlap (one
 *   executor runs them in turn), so the last span of a bucket has the merge's right edge.
 * So a zoomed-out view of 100,000 spans lays out about one rectangle per pixel, in O(pixels x log n).
 */
export function layoutSpans(lanes: TimelineLane[], x: TimeScale, bands: LaneBand[], options: LayoutOptions = DEFAULT_LAYOUT): SpanRect[] {
  const [r0, r1] = x.range();
  const lo = r0 - 1;
  const hi = r1 + 1;
  const [d0, d1] = x.domain();
  const pxPerMs = (r1 - r0) / (d1 - d0);
  const toPx = (ms: number) => r0 + (ms - d0) * pxPerMs; // x(ms), inlined: it runs for every span edge looked at
  const toMs = (px: number) => d0 + (px - r0) / pxPerMs;
  const viewStartMs = toMs(lo);
  const viewEndMs = toMs(hi);
  const rects: SpanRect[] = [];

  lanes.forEach((lane, laneIndexInView) => {
    const band = bands[laneIndexInView];
    const spans = lane.spans;
    const index = laneIndex(spans);
    const isWide = (span: LaneSpan) => span.durMs * pxPerMs >= options.mergeBelowPx;
    const push = (span: number, count: number, x0: number, x1: number, shares: PhaseShares, label: string | null, offCpuProvider: string | null): void => {
      const right = Math.max(x1, x0 + options.minWidthPx);
      const visible = clip(x0, right, lo, hi);
      if (!visible) return;
      const segments = splitSegments(x0, right - x0, shares, options).flatMap((segment) => {
        const part = clip(segment.xPx, segment.xPx + segment.widthPx, lo, hi);
        return part ? [{ phase: segment.phase, xPx: part[0], widthPx: part[1] - part[0] }] : [];
      });
      const widthPx = visible[1] - visible[0];
      rects.push({
        lane: laneIndexInView,
        span,
        count,
        xPx: visible[0],
        yPx: band.topPx,
        widthPx,
        heightPx: band.heightPx,
        segments,
        label: count === 1 && widthPx >= options.labelMinWidthPx ? label : null,
        offCpuProvider,
      });
    };
    /** Merges spans[first..) from bucket to bucket; returns the index after the last span merged. */
    const merge = (first: number): number => {
      const x0 = toPx(spans[first].startMs);
      let rightPx = toPx(spans[first].startMs + spans[first].durMs);
      let reachPx = x0;
      let end = first;
      for (;;) {
        reachPx = Math.max(rightPx, reachPx + Math.max(options.mergeBelowPx, options.minWidthPx));
        let next = firstStartingAfter(spans, toMs(reachPx), end);
        if (next === end) break; // a gap of a bucket or more
        const wideLast = next - 1 > first && isWide(spans[next - 1]);
        if (wideLast) next--;
        if (next > end) rightPx = Math.max(rightPx, toPx(spans[next - 1].startMs + spans[next - 1].durMs));
        end = next;
        if (wideLast || rightPx - x0 >= options.mergeMaxPx || toMs(reachPx) > viewEndMs) break;
      }
      const memory = index.memoryMs[end] - index.memoryMs[first];
      const compute = index.computeMs[end] - index.computeMs[first];
      const overhead = index.overheadMs[end] - index.overheadMs[first];
      const total = memory + compute + overhead;
      let offCpuProvider: string | null = null;
      if (index.offCpu[end] > index.offCpu[first]) {
        for (let k = first; k < end && offCpuProvider === null; k++) offCpuProvider = spans[k].offCpuProvider;
      }
      const shares = { memory: memory / total, compute: compute / total, overhead: overhead / total };
      push(first, end - first, x0, rightPx, shares, lane.run.ops[spans[first].opIndex].name, offCpuProvider);
      return end;
    };

    let i = firstStartingAtOrAfter(spans, viewStartMs - index.longestMs);
    while (i < spans.length && spans[i].startMs <= viewEndMs) {
      const span = spans[i];
      if (toPx(span.startMs + span.durMs) < lo) {
        i++;
      } else if (isWide(span)) {
        push(i, 1, toPx(span.startMs), toPx(span.startMs + span.durMs), span.shares, lane.run.ops[span.opIndex].name, span.offCpuProvider);
        i++;
      } else {
        i = merge(i);
      }
    }
  });
  return rects;
}

/** Profiled runs narrower than this get no background band: alternating shades that thin read as noise. */
export const RUN_BAND_MIN_WIDTH_PX = 2;

/**
 * Background bands marking each profiled run, so the runs read as repeated blocks. Windows are sorted and
 * do not overlap: the first visible one is found by binary search, and past a band too narrow to show the
 * scan jumps a band's minimum width ahead, so thousands of runs cost no more than the pixels they cover.
 */
export function layoutRunBands(lanes: TimelineLane[], x: TimeScale, bands: LaneBand[]): RunBandRect[] {
  const [r0, r1] = x.range();
  const lo = r0 - 1;
  const hi = r1 + 1;
  const viewStartMs = x.invert(lo);
  const viewEndMs = x.invert(hi);
  return lanes.flatMap((lane, laneIndexInView) => {
    const windows = lane.runWindows;
    const band = bands[laneIndexInView];
    const out: RunBandRect[] = [];
    const firstStartingAtOrAfterMs = (ms: number, from: number): number => {
      let a = from;
      let b = windows.length;
      while (a < b) {
        const mid = (a + b) >>> 1;
        if (windows[mid].startMs < ms) a = mid + 1;
        else b = mid;
      }
      return a;
    };
    let run = Math.max(0, firstStartingAtOrAfterMs(viewStartMs, 0) - 1);
    while (run < windows.length && windows[run].startMs <= viewEndMs) {
      const window = windows[run];
      const x0 = x(window.startMs);
      const x1 = x(window.endMs);
      if (x1 - x0 < RUN_BAND_MIN_WIDTH_PX) {
        run = Math.max(run + 1, firstStartingAtOrAfterMs(x.invert(x0 + RUN_BAND_MIN_WIDTH_PX), run + 1));
        continue;
      }
      const visible = clip(x0, x1, lo, hi);
      if (visible) out.push({ lane: laneIndexInView, run, xPx: visible[0], yPx: band.topPx, widthPx: visible[1] - visible[0], heightPx: band.heightPx });
      run++;
    }
    return out;
  });
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
