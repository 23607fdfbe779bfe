/**
 * Counter tracks: a track's samples + the timeline's x scale -> SVG path data. Pure, like the span layout.
 * Samples are drawn as steps (a sample holds until the next), which is what a periodic reading means.
 * Lanes share one track per counter; each lane's line keeps its own time origin (see timeline-data.ts).
 */
import { bisector, curveStepAfter, line as d3line, scaleLinear } from 'd3';
import type { CounterLine, CounterTrack } from './timeline-data';
import type { TimeScale } from './timeline-layout';

const byTime = bisector((point: [number, number]) => point[0]);

/** Samples inside [fromMs, toMs] plus one on each side, so the steps reach the edges of the view. */
export function visiblePoints(points: readonly [number, number][], fromMs: number, toMs: number): [number, number][] {
  const first = Math.max(0, byTime.right(points, fromMs) - 1);
  const last = Math.min(points.length, byTime.left(points, toMs) + 1);
  return points.slice(first, last);
}

/** The value in effect at `ms` (the last sample at or before it), or null before the first sample. */
export function valueAt(points: readonly [number, number][], ms: number): number | null {
  const index = byTime.right(points, ms) - 1;
  return index >= 0 ? points[index][1] : null;
}

/** Vertical scale of a track: from 0 (or the minimum, if negative) to the maximum. */
export function counterValueDomain(track: Pick<CounterTrack, 'minValue' | 'maxValue'>): [number, number] {
  const lo = Math.min(0, track.minValue);
  return track.maxValue > lo ? [lo, track.maxValue] : [lo, lo + 1];
}

/**
 * At most two points per pixel column: the lowest and the highest sample of each column, in time order.
 * A step line through them has the same envelope as through every sample, so zoomed out, tens of thousands
 * of samples draw as a path about twice as long as the track is wide. Fewer points than that pass through.
 */
export function decimatePerPixel(points: readonly [number, number][], toPx: (ms: number) => number): [number, number][] {
  const out: [number, number][] = [];
  let column = NaN;
  let low: [number, number] | null = null;
  let high: [number, number] | null = null;
  let lowFirst = true;
  const flush = () => {
    if (!low || !high) return;
    if (low === high) out.push(low);
    else if (lowFirst) out.push(low, high);
    else out.push(high, low);
  };
  for (const point of points) {
    const c = Math.floor(toPx(point[0]));
    if (c !== column) {
      flush();
      column = c;
      low = high = point;
      lowFirst = true;
      continue;
    }
    if (point[1] < low![1]) {
      low = point;
      lowFirst = false;
    } else if (point[1] > high![1]) {
      high = point;
      lowFirst = true;
    }
  }
  flush();
  return out;
}

/** SVG path of one lane's line in a track `heightPx` tall, on the track's shared value scale. */
export function counterLinePath(track: CounterTrack, line: CounterLine, x: TimeScale, heightPx: number, padPx = 2): string {
  const [d0, d1] = x.domain();
  const visible = visiblePoints(line.points, d0, d1);
  const points = visible.length > 2 * Math.abs(x.range()[1] - x.range()[0]) ? decimatePerPixel(visible, x) : visible;
  const y = scaleLinear().domain(counterValueDomain(track)).range([heightPx - padPx, padPx]);
  const [r0, r1] = x.range();
  // Clamp x to just outside the view: the first and last points may lie far off screen when zoomed in.
  const xPx = (point: [number, number]): number => Math.min(r1 + 1, Math.max(r0 - 1, x(point[0])));
  return (
    d3line<[number, number]>()
      .x(xPx)
      .y((p) => y(p[1]))
      .curve(curveStepAfter)(points) ?? ''
  );
}
