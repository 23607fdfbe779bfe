/**
 * Roofline geometry shared by the app's interactive chart and the report's static SVG: the roofs of a
 * run's ceilings (per memory level, min(peak FLOP/s, bandwidth x intensity)), where an op sits
 * (FLOP per byte, FLOP over its median time), and decade-aligned log domains that hold both.
 */
import type { Ceilings, OpReport } from './report';

export type MemoryLevel = 'dram' | 'cache';

export interface Roof {
  /** The ceilings' EP and thread count: the runs it bounds. */
  ep: string;
  threads: number;
  level: MemoryLevel;
  bandwidthBytesPerSec: number;
  peakFlopsPerSec: number;
  /** Intensity where the sloped roof meets the flat one: peak / bandwidth. */
  ridgeIntensity: number;
}

/** The roof of a level at an intensity: what the machine could reach there. */
export function roofAt(roof: Pick<Roof, 'bandwidthBytesPerSec' | 'peakFlopsPerSec'>, intensity: number): number {
  return Math.min(roof.peakFlopsPerSec, roof.bandwidthBytesPerSec * intensity);
}

/** DRAM and last-level-cache roofs of one run's ceilings (levels without a measured bandwidth left out). */
export function roofsOf(ceilings: Ceilings): Roof[] {
  const levels: [MemoryLevel, number][] = [
    ['dram', ceilings.memoryBandwidthBytesPerSec],
    ['cache', ceilings.cacheBandwidthBytesPerSec],
  ];
  return levels
    .filter(([, bw]) => bw > 0 && ceilings.peakFlopsPerSec > 0)
    .map(([level, bw]) => ({
      ep: ceilings.ep,
      threads: ceilings.threads,
      level,
      bandwidthBytesPerSec: bw,
      peakFlopsPerSec: ceilings.peakFlopsPerSec,
      ridgeIntensity: ceilings.peakFlopsPerSec / bw,
    }));
}

/** An op's place on the chart; null when it has no FLOP model, no bytes or no duration. */
export function opPosition(op: Pick<OpReport, 'flops' | 'intensity' | 'durUs'>): { intensity: number; flopsPerSec: number } | null {
  if (op.flops === null || !(op.flops > 0) || op.intensity === null || !(op.intensity > 0) || !(op.durUs > 0)) return null;
  return { intensity: op.intensity, flopsPerSec: op.flops / (op.durUs * 1e-6) };
}

/** Powers of ten around [lo, hi], so log axes start and end on a decade. */
function decades(lo: number, hi: number): [number, number] {
  return [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
}

/** Log-axis domains holding every point and every roof's ridge and peak, with a factor 2 of margin. */
export function rooflineDomains(
  points: readonly { intensity: number; flopsPerSec: number }[],
  roofs: readonly Roof[],
): { xDomain: [number, number]; yDomain: [number, number] } {
  const xs = [...points.map((p) => p.intensity), ...roofs.map((r) => r.ridgeIntensity)];
  const ys = [...points.map((p) => p.flopsPerSec), ...roofs.map((r) => r.peakFlopsPerSec)];
  return {
    xDomain: xs.length > 0 ? decades(Math.min(...xs) / 2, Math.max(...xs) * 2) : [0.01, 100],
    yDomain: ys.length > 0 ? decades(Math.min(...ys) / 2, Math.max(...ys) * 2) : [1e6, 1e12],
  };
}
