import { scaleLinear } from 'd3';
import { describe, expect, it } from 'vitest';
import { counterLinePath, counterValueDomain, valueAt, visiblePoints } from '../../src/renderer/src/charts/counter-layout';
import { timeTicks } from '../../src/renderer/src/charts/time-axis';
import type { CounterTrack } from '../../src/renderer/src/charts/timeline-data';

const POINTS: [number, number][] = [
  [0, 10],
  [10, 20],
  [20, 30],
  [30, 40],
];

describe('counter tracks', () => {
  it('keeps one sample beyond each edge of the view so steps reach the edges', () => {
    expect(visiblePoints(POINTS, 12, 18)).toEqual([
      [10, 20],
      [20, 30],
    ]);
    expect(visiblePoints(POINTS, -5, 5)).toEqual([
      [0, 10],
      [10, 20],
    ]);
    expect(visiblePoints(POINTS, 100, 200)).toEqual([[30, 40]]);
  });

  it('reads the value in effect at a time (step semantics)', () => {
    expect(valueAt(POINTS, -1)).toBeNull();
    expect(valueAt(POINTS, 0)).toBe(10);
    expect(valueAt(POINTS, 19.9)).toBe(20);
    expect(valueAt(POINTS, 1e9)).toBe(40);
  });

  it('scales values from zero, or from a negative minimum', () => {
    expect(counterValueDomain({ minValue: 5, maxValue: 40 })).toEqual([0, 40]);
    expect(counterValueDomain({ minValue: -3, maxValue: 4 })).toEqual([-3, 4]);
    expect(counterValueDomain({ minValue: 0, maxValue: 0 })).toEqual([0, 1]);
  });

  it('draws a step line clamped to just outside the view', () => {
    const track: CounterTrack = { name: 'cpu', unit: '%', source: 'proc', lines: [{ laneKey: 'a', lane: 0, points: POINTS }], minValue: 10, maxValue: 40 };
    const path = counterLinePath(track, track.lines[0], scaleLinear().domain([12, 18]).range([0, 600]), 24, 2);
    // First point (t=10) is left of the view: clamped to x=-1. Value 20 of 40 -> y = 22 - 20/40 * 20 = 12.
    expect(path.startsWith('M-1,12')).toBe(true);
    expect(path).toContain('601');
    for (const n of path.match(/-?\d+(\.\d+)?/g)?.map(Number) ?? []) expect(Math.abs(n)).toBeLessThanOrEqual(601);
  });
});

describe('timeTicks', () => {
  it('labels in the unit of the times shown, with as many decimals as the step needs', () => {
    expect(timeTicks(scaleLinear().domain([0, 50]).range([0, 500]), 5).map((t) => t.label)).toEqual(['0 ms', '10 ms', '20 ms', '30 ms', '40 ms', '50 ms']);
    expect(timeTicks(scaleLinear().domain([0, 0.2]).range([0, 500]), 4).map((t) => t.label)).toEqual(['0 µs', '50 µs', '100 µs', '150 µs', '200 µs']);
    const fine = timeTicks(scaleLinear().domain([1.0001, 1.0003]).range([0, 500]), 4).map((t) => t.label);
    expect(new Set(fine).size).toBe(fine.length);
    expect(fine).toEqual(['1.00010 ms', '1.00015 ms', '1.00020 ms', '1.00025 ms', '1.00030 ms']);
  });

  it('places ticks on the scale', () => {
    const ticks = timeTicks(scaleLinear().domain([0, 10]).range([0, 100]), 2);
    expect(ticks.map((t) => t.xPx)).toEqual([0, 50, 100]);
  });
});
