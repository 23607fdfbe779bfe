/**
 * The roofline chart's data: each op a point at (arithmetic intensity, achieved FLOP/s), and the roofs
 * that bound it: for each memory level, min(peak FLOP/s, bandwidth x intensity). Pure, so the geometry
 * is unit-tested; Roofline.svelte draws it on log-log axes.
 *
 * The roofs come from the ceilings each run was attributed against (RunReport.ceilings): DRAM streaming
 * bandwidth, last-level-cache streaming bandwidth, and the best fp32 GEMM rate. An op above a roof is not
 * an error: its bytes are logical bytes moved, and caches may serve them faster than the roof assumes.
 */
import type { Ceilings } from '../../../shared/report';
import type { TimelineLane } from './timeline-data';

export type MemoryLevel = 'dram' | 'cache';

export interface RooflinePoint {
  laneKey: string;
  variantId: string;
  ep: string;
  /** Index into the lane's run.ops. */
  opIndex: number;
  name: string;
  opType: string;
  /** FLOP per byte. */
  intensity: number;
  /** flops / median duration. */
  flopsPerSec: number;
  bound: 'memory' | 'compute' | 'unknown';
}

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

export interface RooflineModel {
  points: RooflinePoint[];
  roofs: Roof[];
  /** Variant ids in lane order: one colour and shape each. */
  variants: string[];
  /** Ops left out, with why (no FLOP model, no bytes, zero duration). */
  omitted: number;
  xDomain: [number, number];
  yDomain: [number, number];
}

/** The roof of a level at an intensity: what the machine could reach there. */
export function roofAt(roof: Pick<Roof, 'bandwidthBytesPerSec' | 'peakFlopsPerSec'>, intensity: number): number {
  return Math.min(roof.peakFlopsPerSec, roof.bandwidthBytesPerSec * intensity);
}

function roofsOf(ceilings: Ceilings): Roof[] {
  const levels: [MemoryLevel, number][] = [
    ['dram', ceilings.memoryBandwidthBytesPerSec],
    ['cache', ceilings.cacheBandwidthBytesPerSec],
  ];
  return levels
    .filter(([, bw]) => bw > 0 && ceilings.peakFlopsPerSec > 0)
    .map(([level, bw]) => ({ ep: ceilings.ep, threads: ceilings.threads, level, bandwidthBytesPerSec: bw, peakFlopsPerSec: ceilings.peakFlopsPerSec, ridgeIntensity: ceilings.peakFlopsPerSec / bw }));
}

/** Powers of ten around [lo, hi], so log axes start and end on a decade. */
function decades(lo: number, hi: number): [number, number] {
  return [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
}

export function rooflineModel(lanes: readonly TimelineLane[]): RooflineModel {
  const points: RooflinePoint[] = [];
  let omitted = 0;
  const roofs = new Map<string, Roof>();
  for (const lane of lanes) {
    for (const roof of roofsOf(lane.run.ceilings)) roofs.set(`${roof.ep}/${roof.threads}/${roof.level}`, roof);
    lane.run.ops.forEach((op, opIndex) => {
      if (op.flops === null || op.flops <= 0 || op.intensity === null || op.intensity <= 0 || !(op.durUs > 0)) {
        omitted++;
        return;
      }
      points.push({
        laneKey: lane.key,
        variantId: lane.variantId,
        ep: lane.ep,
        opIndex,
        name: op.name,
        opType: op.opType,
        intensity: op.intensity,
        flopsPerSec: op.flops / (op.durUs * 1e-6),
        bound: op.bound,
      });
    });
  }
  const roofList = [...roofs.values()];
  const xs = [...points.map((p) => p.intensity), ...roofList.map((r) => r.ridgeIntensity)];
  const ys = [...points.map((p) => p.flopsPerSec), ...roofList.map((r) => r.peakFlopsPerSec)];
  const xDomain: [number, number] = xs.length > 0 ? decades(Math.min(...xs) / 2, Math.max(...xs) * 2) : [0.01, 100];
  const yDomain: [number, number] = ys.length > 0 ? decades(Math.min(...ys) / 2, Math.max(...ys) * 2) : [1e6, 1e12];
  return { points, roofs: roofList, variants: [...new Set(lanes.map((l) => l.variantId))], omitted, xDomain, yDomain };
}

/** How close a point is to the roof above it, as a fraction (1: on the roof); the lowest roof of its EP. */
export function fractionOfRoof(point: RooflinePoint, roofs: readonly Roof[]): number | null {
  const own = roofs.filter((r) => r.ep === point.ep);
  if (own.length === 0) return null;
  const lowest = Math.min(...own.map((r) => roofAt(r, point.intensity)));
  return point.flopsPerSec / lowest;
}
