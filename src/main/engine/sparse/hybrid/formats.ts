/**
 * The format the hybrid executor packs a layer in. The planner times every candidate of
 * ../formats.ts on the layer's real input and puts the fastest on the layer (break-even.ts,
 * plan.ts); a layer without one (never timed) is packed as CSR.
 */
import { csrFormat } from '../formats';
import type { SparseFormat } from '../types';
import type { SparseLayer } from './split';

export function formatFor(layer: Pick<SparseLayer, 'cols' | 'format'>): SparseFormat {
  return layer.format ?? csrFormat(layer.cols);
}
