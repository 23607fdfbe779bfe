/**
 * Loads the native sparse kernels (native/sparse, built by scripts/build-native.js at
 * npm install) behind the SparseKernels contract. Never throws: a machine without the
 * addon gets `{ available: false, reason }` and everything else keeps working.
 *
 * The wrapper validates every argument, so a bad call is one EdgescopeError line rather
 * than a crash or an out-of-bounds write in native code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { badRequest, oneLine } from '../../../shared/errors';
import { packageRoot } from '../files/package-root';
import type { EieIndexBits, EieLayout, MultiplyOptions, PackOptions, SparseFormat, SparseKernels, SparseKernelsStatus, SparseMatrix } from './types';

/** EDGESCOPE_SPARSE_ADDON=off makes the kernels unavailable (tests of the degraded path). */
export const SPARSE_ADDON_ENV = 'EDGESCOPE_SPARSE_ADDON';
/** Largest column count 16-bit column indices can address. */
export const CSR16_MAX_COLS = 65536;
const MAX_BLOCK_SIDE = 16;
/** 'eie' relative column index widths and codebook index bits the kernels decode. */
export const EIE_INDEX_BITS: readonly EieIndexBits[] = [4, 8];
export const EIE_MAX_CODE_BITS = 8;
const MAX_THREADS = 1024;

/** What the compiled addon exports (native/sparse/src/addon.cc). */
interface NativeBinding {
  pack(dense: Float32Array, rows: number, cols: number, format: SparseFormat, blockRows?: number, blockCols?: number): { handle: unknown; nnz: number; bytes: number };
  packEie(dense: Float32Array, rows: number, cols: number, indexBits: number, codebook: Float32Array): { handle: unknown; nnz: number; bytes: number; entries: number; padding: number; codeBits: number };
  multiply(handle: unknown, x: Float32Array, batch: number, out: Float32Array, threads: number, bias: Float32Array | undefined, simd: string): void;
  buildInfo: Record<string, string>;
}

/** native/sparse in this installation. */
export function defaultAddonDir(): string {
  return join(packageRoot(), 'native', 'sparse');
}

export function addonPath(dir = defaultAddonDir()): string {
  return join(dir, 'build', 'Release', 'edgescope_sparse.node');
}

/** Where scripts/build-native.js writes why the build failed. */
export function buildFailurePath(dir = defaultAddonDir()): string {
  return join(dir, 'build', 'unavailable.txt');
}

/** Loaded kernels by addon path (a native module loads once per process anyway). */
const loaded = new Map<string, SparseKernels>();

/** `addonDir` is for tests of other build trees; everything else uses this installation's. */
export function loadSparseKernels(addonDir = defaultAddonDir()): SparseKernelsStatus {
  if (process.env[SPARSE_ADDON_ENV] === 'off') {
    return { available: false, reason: `sparse kernels unavailable: disabled by ${SPARSE_ADDON_ENV}=off` };
  }
  const path = addonPath(addonDir);
  const cached = loaded.get(path);
  if (cached) return { available: true, kernels: cached };
  if (!existsSync(path)) return { available: false, reason: `sparse kernels unavailable: the native addon was not built (${whyNotBuilt(addonDir)})` };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kernels = wrap(require(path) as NativeBinding);
    loaded.set(path, kernels);
    return { available: true, kernels };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { available: false, reason: `sparse kernels unavailable: the native addon failed to load (${oneLine(message)})` };
  }
}

function whyNotBuilt(addonDir: string): string {
  try {
    const reason = readFileSync(buildFailurePath(addonDir), 'utf8').trim();
    if (reason) return oneLine(reason);
  } catch {
    // no record: the build never ran
  }
  return 'run npm install, or node scripts/build-native.js';
}


function checkCount(name: string, n: number, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) badRequest(`${name} must be an integer >= ${min}, got ${n}`);
}

function checkFloats(name: string, a: unknown, length: number, shape: string): void {
  if (!(a instanceof Float32Array)) badRequest(`${name} must be a Float32Array`);
  if (a.length !== length) badRequest(`${name} has ${a.length} values, expected ${length} (${shape})`);
}

/** The native handle of each matrix this module packed; nothing else is a SparseMatrix here. */
const handles = new WeakMap<SparseMatrix, unknown>();

function wrap(binding: NativeBinding): SparseKernels {
  const buildInfo = Object.freeze({ ...binding.buildInfo });

  function pack(dense: Float32Array, rows: number, cols: number, options: PackOptions): SparseMatrix {
    checkCount('rows', rows, 1);
    checkCount('cols', cols, 1);
    checkFloats('the dense matrix', dense, rows * cols, `${rows} x ${cols}`);
    const { format } = options;
    if (format === 'eie') return packEie(dense, rows, cols, options);
    if (format !== 'csr32' && format !== 'csr16' && format !== 'bsr' && format !== 'sell') badRequest(`unknown sparse format '${String(format)}' (csr32, csr16, bsr, sell, eie)`);
    if (format === 'csr16' && cols > CSR16_MAX_COLS) {
      badRequest(`csr16 stores column indices in 16 bits, so it needs cols <= ${CSR16_MAX_COLS}; this matrix has ${cols} columns (use csr32)`);
    }
    let block: readonly [number, number] | undefined;
    if (format === 'bsr') {
      if (!options.block) badRequest('bsr needs a block shape, e.g. block: [1, 4]');
      const [r, c] = options.block;
      for (const side of [r, c]) {
        if (!Number.isInteger(side) || side < 1 || side > MAX_BLOCK_SIDE) badRequest(`bsr block sides must be integers in [1, ${MAX_BLOCK_SIDE}], got ${r}x${c}`);
      }
      block = Object.freeze([r, c] as const);
    }
    let packed: { handle: unknown; nnz: number; bytes: number };
    try {
      packed = binding.pack(dense, rows, cols, format, block?.[0], block?.[1]);
    } catch (err) {
      badRequest(`cannot pack the matrix as ${format}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const matrix: SparseMatrix = Object.freeze({ rows, cols, format, ...(block ? { block } : {}), nnz: packed.nnz, bytes: packed.bytes });
    handles.set(matrix, packed.handle);
    return matrix;
  }

  function packEie(dense: Float32Array, rows: number, cols: number, options: PackOptions): SparseMatrix {
    const indexBits = options.indexBits ?? 4;
    if (!EIE_INDEX_BITS.includes(indexBits)) badRequest(`eie relative column indices are ${EIE_INDEX_BITS.join(' or ')} bits, got ${String(indexBits)}`);
    const { codebook } = options;
    if (!(codebook instanceof Float32Array)) badRequest('eie needs codebook: a Float32Array of shared weights (e.g. k-means centroids)');
    const codeBits = Math.log2(codebook.length);
    if (!Number.isInteger(codeBits) || codeBits < 1 || codeBits > EIE_MAX_CODE_BITS) {
      badRequest(`the eie codebook must hold 2, 4, 8, ..., ${2 ** EIE_MAX_CODE_BITS} values (2^codeBits), got ${codebook.length}`);
    }
    let packed: ReturnType<NativeBinding['packEie']>;
    try {
      packed = binding.packEie(dense, rows, cols, indexBits, codebook);
    } catch (err) {
      badRequest(`cannot pack the matrix as eie: ${err instanceof Error ? err.message : String(err)}`);
    }
    const eie: EieLayout = Object.freeze({ indexBits, codeBits: packed.codeBits, entries: packed.entries, padding: packed.padding });
    const matrix: SparseMatrix = Object.freeze({ rows, cols, format: 'eie' as const, nnz: packed.nnz, bytes: packed.bytes, eie });
    handles.set(matrix, packed.handle);
    return matrix;
  }

  function multiply(a: SparseMatrix, x: Float32Array, batch: number, out: Float32Array, options: MultiplyOptions): void {
    const handle = handles.get(a);
    if (handle === undefined) badRequest('multiply needs a matrix returned by pack()');
    checkCount('batch', batch, 1);
    checkCount('threads', options.threads, 1);
    if (options.threads > MAX_THREADS) badRequest(`threads must be at most ${MAX_THREADS}, got ${options.threads}`);
    checkFloats('x', x, batch * a.cols, `batch ${batch} x ${a.cols} columns`);
    checkFloats('out', out, batch * a.rows, `batch ${batch} x ${a.rows} rows`);
    if (options.bias !== undefined) checkFloats('bias', options.bias, a.rows, `one per row`);
    binding.multiply(handle, x, batch, out, options.threads, options.bias, options.simd ?? 'auto');
  }

  return Object.freeze({ pack, multiply, buildInfo });
}
