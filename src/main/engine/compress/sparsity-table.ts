/**
 * The per-layer sparsity table (view data for the app, inspect and reports): for each
 * prunable weight its nonzeros and, at every granularity, the fraction of its structures
 * that are entirely zero: elements, rows / columns (fully connected), kernels, filters,
 * channels (conv). A granularity a layer does not have is null. On a fully connected weight
 * filter and channel are its rows and columns, as granularity.ts prunes them.
 */
import { floatValues, tensorDims, type onnx } from '../model/onnx-io';
import { forEachElement, layoutOf, type WeightLayout } from './granularity';
import { prunableWeights } from './prune';

export interface SparsityRow {
  /** The weight initializer. */
  name: string;
  node: string;
  opType: string;
  shape: number[];
  elements: number;
  nnz: number;
  /** Fraction of zero elements. */
  element: number;
  row: number | null;
  column: number | null;
  kernel: number | null;
  filter: number | null;
  channel: number | null;
}

/** Fraction of groups (given by `groupOf` over (output, input)) whose every element is zero. */
function zeroGroupFraction(v: Float32Array, L: WeightLayout, groups: number, groupOf: (o: number, i: number) => number): number {
  const nonzero = new Uint8Array(groups);
  forEachElement(L, (e, o, i) => {
    if (v[e] !== 0) nonzero[groupOf(o, i)] = 1;
  });
  let zero = 0;
  for (const n of nonzero) if (!n) zero++;
  return groups > 0 ? zero / groups : 0;
}

export function sparsityTable(proto: onnx.IModelProto): SparsityRow[] {
  return prunableWeights(proto).map((w) => {
    const v = floatValues(w.initializer);
    let nnz = 0;
    for (let i = 0; i < v.length; i++) if (v[i] !== 0) nnz++;
    const L = layoutOf(proto, w);
    const structured = L.kind !== 'batched';
    const filter = structured ? zeroGroupFraction(v, L, L.outputs, (o) => o) : null;
    const channel = structured ? zeroGroupFraction(v, L, L.inputs, (_o, i) => i) : null;
    const fc = L.kind === 'fc';
    return {
      name: w.initializer.name ?? '',
      node: w.nodeName,
      opType: w.opType,
      shape: tensorDims(w.initializer),
      elements: v.length,
      nnz,
      element: v.length > 0 ? 1 - nnz / v.length : 0,
      row: fc ? filter : null,
      column: fc ? channel : null,
      kernel: L.kind === 'conv' ? zeroGroupFraction(v, L, L.outputs * L.inputs, (o, i) => o * L.inputs + i) : null,
      filter,
      channel,
    };
  });
}
