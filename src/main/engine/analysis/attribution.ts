/**
 * Splitting an operator's measured time into memory access, compute and overhead.
 * The method (docs/attribution.md; ../shared/notes/phase-attribution.md) is the
 * roofline's, turned into an exposed-time split:
 *
 *   T_m = bytes / beta        beta: DRAM bandwidth, or cache bandwidth when the op's
 *                             bytes and the model's weights fit in the last-level cache
 *   T_c = flops / pi          pi: peak FLOP/s of a large GEMM on the same EP and threads
 *   t'  = t - t0              t0: the fixed per-op cost
 *   eta = max(T_m, T_c) / t'  how close the op runs to its bound
 *
 * When eta > 1 the model overestimates (data reused from a nearer cache, or a faster
 * kernel than the calibration's), so T_m and T_c are scaled by 1/eta to fit in t'.
 * Then memory = T_m, compute = max(0, T_c - T_m) (compute not hidden under memory),
 * overhead = t0 + stall, stall = t' - max(T_m, T_c). The four parts sum to t.
 */
import type { Ceilings, OpPhases } from '../../../shared/report';
import type { OpCost } from './op-cost';

export interface Attribution {
  phases: OpPhases;
  bound: 'memory' | 'compute' | 'unknown';
  memoryLevel: 'dram' | 'cache';
  eta: number | null;
  lowConfidence: string[];
}

export interface AttributionContext {
  ceilings: Ceilings;
  /** Total weight bytes of the model: when above the LLC, weights stream from DRAM every inference. */
  modelWeightBytes: number;
}

export const SHORT_OP_US = 10;
export const OVERHEAD_SHARE_LIMIT = 0.2;
export const ETA_RANGE: readonly [number, number] = [0.5, 1];

export function attribute(opType: string, durUs: number, cost: OpCost, ctx: AttributionContext): Attribution {
  const { ceilings } = ctx;
  const t = Math.max(0, durUs);
  const t0 = Math.min(ceilings.opOverheadUs, t);
  const tEff = t - t0;
  const fitsInCache = cost.bytes <= ceilings.lastLevelCacheBytes && ctx.modelWeightBytes <= ceilings.lastLevelCacheBytes;
  const memoryLevel = fitsInCache ? 'cache' : 'dram';
  const beta = fitsInCache ? ceilings.cacheBandwidthBytesPerSec : ceilings.memoryBandwidthBytesPerSec;
  const tm = (cost.bytes / beta) * 1e6;

  const lowConfidence: string[] = [];
  if (t < SHORT_OP_US) lowConfidence.push(`short op (${t.toFixed(1)} us < ${SHORT_OP_US} us)`);
  if (t > 0 && t0 / t > OVERHEAD_SHARE_LIMIT) lowConfidence.push(`fixed overhead t0 is ${((100 * t0) / t).toFixed(0)}% of the op`);

  if (cost.flops === null) {
    const memoryUs = Math.min(tm, tEff);
    lowConfidence.push(`no FLOP model for ${opType}`);
    return {
      phases: { memoryUs, computeUs: 0, overheadUs: t - memoryUs, stallUs: tEff - memoryUs },
      bound: 'unknown',
      memoryLevel,
      eta: null,
      lowConfidence,
    };
  }
  if (cost.integer) lowConfidence.push('integer op measured against the fp32 peak');

  const tc = (cost.flops / ceilings.peakFlopsPerSec) * 1e6;
  const bound = Math.max(tm, tc);
  const eta = tEff > 0 ? bound / tEff : null;
  if (eta !== null && (eta < ETA_RANGE[0] || eta > ETA_RANGE[1])) {
    lowConfidence.push(`eta ${eta.toFixed(2)} outside [${ETA_RANGE[0]}, ${ETA_RANGE[1]}]`);
  }
  const scale = bound > tEff && bound > 0 ? tEff / bound : 1;
  const memoryUs = tm * scale;
  const computeUs = Math.max(0, tc * scale - memoryUs);
  const stallUs = Math.max(0, tEff - Math.max(tm, tc) * scale);
  return {
    phases: { memoryUs, computeUs, overheadUs: t0 + stallUs, stallUs },
    bound: tm >= tc ? 'memory' : 'compute',
    memoryLevel,
    eta,
    lowConfidence,
  };
}
