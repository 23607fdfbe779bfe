/**
 * The roofline chart's data: each op a point at (arithmetic intensity, achieved FLOP/s), and the roofs
 * that bound it: for each memory level, min(peak FLOP/s, bandwidth x intensity). Pure, so the geometry
 * is unit-tested; Roofline.svelte draws it on log-log axes.
 *
 * The roofs come from the ceilings each run was attributed against (RunReport.ceilings): DRAM streaming
 * bandwidth, last-level-cache streaming bandwidth, and the best fp32 GEMM rate. An op above a roof is not
 * an error: its bytes are logical bytes moved, and caches may serve them faster than the roof assumes.
 */
import { opPosition, roofAt, rooflineDomains, roofsOf, type Roof } from '../../../shared/roofline';
import type { TimelineLane } from './timeline-data';

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

export function rooflineModel(lanes: readonly TimelineLane[]): RooflineModel {
  const points: RooflinePoint[] = [];
  let omitted = 0;
  const roofs = new Map<string, Roof>();
  for (const lane of lanes) {
    for (const roof of roofsOf(lane.run.ceilings)) roofs.set(`${roof.ep}/${roof.threads}/${roof.level}`, roof);
    lane.run.ops.forEach((op, opIndex) => {
      const position = opPosition(op);
      if (!position) {
        omitted++;
        return;
      }
      points.push({ laneKey: lane.key, variantId: lane.variantId, ep: lane.ep, opIndex, name: op.name, opType: op.opType, ...position, bound: op.bound });
    });
  }
  const roofList = [...roofs.values()];
  const { xDomain, yDomain } = rooflineDomains(points, roofList);
  return { points, roofs: roofList, variants: [...new Set(lanes.map((l) => l.variantId))], omitted, xDomain, yDomain };
}

/** How close a point is to the roof above it, as a fraction (1: on the roof); the lowest roof of its EP. */
export function fractionOfRoof(point: RooflinePoint, roofs: readonly Roof[]): number | null {
  const own = roofs.filter((r) => r.ep === point.ep);
  if (own.length === 0) return null;
  const lowest = Math.min(...own.map((r) => roofAt(r, point.intensity)));
  return point.flopsPerSec / lowest;
}
