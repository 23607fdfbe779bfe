/**
 * Which packed formats can serve a product, before timing decides between them.
 *
 * CSR is always a candidate (16-bit column indices where they reach: 2 bytes less per nonzero).
 * SELL (sliced ELLPACK, native/sparse/src/kernels.h) is one for batch 1 on AVX-512 builds only:
 * its batch-1 kernel collects activations with register permutes, which beats CSR's scalar
 * gathers on narrow matrices but pays for its padding on wide ones, and its other paths are
 * scalar. Which one wins depends on the matrix and the machine, so callers time the candidates.
 */
import { CSR16_MAX_COLS } from './native';
import type { SparseFormat } from './types';

/** 'sell' numbers its 64-column windows in 16 bits (native/sparse packSell). */
const SELL_MAX_COLS = 65_536 * 64;

/** CSR with 16-bit column indices wherever they reach, else 32-bit. */
export function csrFormat(cols: number): 'csr16' | 'csr32' {
  return cols <= CSR16_MAX_COLS ? 'csr16' : 'csr32';
}

/** The formats worth timing for a [rows x cols] product at this batch on a build with these kernels; CSR first. */
export function candidateFormats(cols: number, batch: number, buildInfo: Readonly<Record<string, string>>): SparseFormat[] {
  const sell = batch === 1 && buildInfo.simd === 'avx512' && cols <= SELL_MAX_COLS;
  return sell ? [csrFormat(cols), 'sell'] : [csrFormat(cols)];
}
