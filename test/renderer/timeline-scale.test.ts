/**
 * The timeline at scale: level of detail in the layout (sub-pixel spans merged per lane, visible spans
 * found by binary search), checked on hand-made lanes and on a synthetic 100,000-span report.
 */
import { scaleLinear } from 'd3';
import { describe, expect, it } from 'vitest';
import { syntheticTimelineReport } from '../../bench/timeline-fps';
import { buildTimelineData, type LaneSpan, type TimelineLane } from '../../src/renderer/src/charts/timeline-data';
import { DEFAULT_LAYOUT, firstStartingAtOrAfter, laneBands, layoutRunBands, layoutSpans } from '../../src/renderer/src/charts/timeline-layout';
import { decimatePerPixel } from '../../src/renderer/src/charts/counter-layout';
import type { OpReport, RunReport } from '../../src/shared/report';

const BANDS = laneBands(2, 20, 4, 4);

/** A lane of spans [startMs, durMs, memory share] (the rest compute), one op, on the CPU EP. */
function lane(spans: [number, number, number][]): TimelineLane {
  return {
    key: 'dense@cpu',
    variantId: 'dense',
    ep: 'cpu',
    run: { ops: [{ name: 'conv' } as OpReport] } as RunReport,
    originMs: 0,
    spans: spans.map(([startMs, durMs, memory], i) => ({ startMs, durMs, opIndex: 0, run: i, shares: { memory, compute: 1 - memory, overhead: 0 }, offCpuProvider: null })),
    runWindows: [],
  };
}

const scale = (domain: [number, number], widthPx: number) => scaleLinear().domain(domain).range([0, widthPx]);

describe('level of detail', () => {
  it('merges touching sub-pixel spans into one rectangle with their duration-weighted phase mix', () => {
    // 1000 px for 1000 ms: spans of 0.3 ms and 0.1 ms, back to back, then a gap and one more.
    const l = lane([
      [100, 0.3, 1],
      [100.3, 0.1, 0],
      [100.4, 0.3, 1],
      [100.7, 0.1, 0],
      [500, 0.2, 0],
    ]);
    const rects = layoutSpans([l], scale([0, 1000], 1000), BANDS);
    expect(rects.map((r) => [r.span, r.count])).toEqual([
      [0, 4],
      [4, 1],
    ]);
    // memory 0.6 ms of 0.8 ms, painted over the merged extent (at least the 1 px minimum)
    const [merged] = rects;
    expect(merged.xPx).toBeCloseTo(100, 9);
    expect(merged.widthPx).toBeCloseTo(1, 9);
    expect(merged.label).toBeNull();
    expect(merged.segments).toEqual([{ phase: 'memory', xPx: 100, widthPx: 1 }]);
  });

  it('splits merged rectangles into their phase mix, in pieces of at most mergeMaxPx', () => {
    // 40 spans of 0.5 px each at 0.5 px steps (20 px), memory every fourth, compute otherwise.
    const spans: [number, number, number][] = Array.from({ length: 40 }, (_, i) => [i * 0.5, 0.5, i % 4 === 0 ? 1 : 0]);
    const rects = layoutSpans([lane(spans)], scale([0, 1000], 1000), BANDS);
    expect(rects.reduce((n, r) => n + r.count, 0)).toBe(40);
    // The pieces tile the 20 px without gaps, none wider than 8 px plus the last bucket's reach.
    expect(rects[0].xPx).toBe(0);
    for (let i = 1; i < rects.length; i++) expect(rects[i].xPx).toBeCloseTo(rects[i - 1].xPx + rects[i - 1].widthPx, 9);
    expect(rects.at(-1)!.xPx + rects.at(-1)!.widthPx).toBeCloseTo(20, 9);
    for (const r of rects) expect(r.widthPx).toBeLessThanOrEqual(DEFAULT_LAYOUT.mergeMaxPx + 1.5);
    // A quarter of the time is memory, in every piece of whole groups of four spans, and over all.
    const memoryPx = rects.reduce((n, r) => n + r.segments.filter((s) => s.phase === 'memory').reduce((m, s) => m + s.widthPx, 0), 0);
    expect(memoryPx).toBeCloseTo(5, 9);
  });

  it('keeps spans of a pixel or more as they are', () => {
    const rects = layoutSpans([lane([[10, 1, 1], [11, 1, 0], [12, 2, 1]])], scale([0, 1000], 1000), BANDS);
    expect(rects.map((r) => r.count)).toEqual([1, 1, 1]);
  });

  it('finds the first visible span by binary search, including one that started before the view', () => {
    const spans = lane(Array.from({ length: 1000 }, (_, i): [number, number, number] => [i * 10, i === 500 ? 95 : 5, 1])).spans;
    expect(firstStartingAtOrAfter(spans, -1)).toBe(0);
    expect(firstStartingAtOrAfter(spans, 5000)).toBe(500);
    expect(firstStartingAtOrAfter(spans, 5001)).toBe(501);
    expect(firstStartingAtOrAfter(spans, 1e9)).toBe(1000);
    // The 95 ms span at 5000 ms still covers 5090 ms: it is in a view starting there.
    const rects = layoutSpans([{ ...lane([]), spans }], scale([5090, 5110], 1000), BANDS);
    expect(rects.map((r) => r.span)).toEqual([500, 509, 510, 511]);
  });

  it('paints 100,000 spans as about as many rectangles as pixels, every span accounted for', () => {
    const data = buildTimelineData(syntheticTimelineReport(100_000));
    const spanTotal = data.lanes.reduce((n, l: TimelineLane) => n + l.spans.length, 0);
    expect(spanTotal).toBe(100_000);
    const x = scale(data.runsExtentMs, 1200);
    const rects = layoutSpans(data.lanes, x, laneBands(data.lanes.length, 24, 6));
    expect(rects.reduce((n, r) => n + r.count, 0)).toBe(100_000);
    // At most a rectangle per pixel per lane (plus the clip margin), however many spans.
    expect(rects.length).toBeLessThanOrEqual(data.lanes.length * 1203);
    expect(rects.length).toBeGreaterThanOrEqual(data.lanes.length * Math.floor(1200 / (DEFAULT_LAYOUT.mergeMaxPx + 2)));
    for (let i = 1; i < rects.length; i++) {
      if (rects[i].lane === rects[i - 1].lane) expect(rects[i].xPx).toBeGreaterThanOrEqual(rects[i - 1].xPx);
    }

    // Zoomed into the middle: only what is visible is laid out, and nothing visible is missed.
    const [d0, d1] = data.runsExtentMs;
    const mid = scale([d0 + (d1 - d0) * 0.5, d0 + (d1 - d0) * 0.501], 1200);
    const zoomed = layoutSpans(data.lanes, mid, laneBands(data.lanes.length, 24, 6));
    const [v0, v1] = [mid.invert(-1), mid.invert(1201)];
    const expected = data.lanes.reduce((n, l) => n + l.spans.filter((s: LaneSpan) => s.startMs <= v1 && s.startMs + s.durMs >= v0).length, 0);
    expect(zoomed.reduce((n, r) => n + r.count, 0)).toBe(expected);
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(1000);
  });

  it('gives profiled runs a band only where they are wide enough to read', () => {
    const l = { ...lane([]), runWindows: Array.from({ length: 10_000 }, (_, r) => ({ startMs: r, endMs: r + 0.9 })) };
    // 10,000 runs over 1000 px: no band; zoomed to 20 runs over 1000 px: 20 bands, the visible ones only.
    expect(layoutRunBands([l], scale([0, 10_000], 1000), BANDS)).toEqual([]);
    const bands = layoutRunBands([l], scale([5000, 5020], 1000), BANDS);
    expect(bands.map((b) => b.run)).toEqual(Array.from({ length: 21 }, (_, i) => 5000 + i));
    expect(bands[0].xPx).toBe(0);
    expect(bands[0].widthPx).toBeCloseTo(45, 9);
  });
});

describe('counter decimation', () => {
  it('keeps the lowest and highest sample of each pixel column, in time order', () => {
    const toPx = (ms: number) => ms / 10; // 10 ms per pixel
    const points: [number, number][] = [
      [0, 5], [2, 9], [4, 1], [6, 3], // column 0: high 9 at 2 ms, then low 1 at 4 ms
      [10, 4], [12, 2], [15, 7], // column 1: low 2, then high 7
      [25, 6], // column 2: one sample
    ];
    expect(decimatePerPixel(points, toPx)).toEqual([[2, 9], [4, 1], [12, 2], [15, 7], [25, 6]]);
  });

  it('bounds a long series to two points per pixel with its envelope intact', () => {
    const points: [number, number][] = Array.from({ length: 100_000 }, (_, i) => [i, Math.sin(i / 7) * 10]);
    const out = decimatePerPixel(points, (ms) => ms / 100);
    expect(out.length).toBeLessThanOrEqual(2000);
    expect(Math.max(...out.map((p) => p[1]))).toBe(Math.max(...points.map((p) => p[1])));
    expect(Math.min(...out.map((p) => p[1]))).toBe(Math.min(...points.map((p) => p[1])));
    for (let i = 1; i < out.length; i++) expect(out[i][0]).toBeGreaterThan(out[i - 1][0]);
  });
});
