/**
 * Weight-only block-wise quantization to com.microsoft MatMulNBits (bits 4 or 8).
 *
 * The K x N weight is cut, per output column, into blocks of `blockSize` consecutive
 * values along K (the last block padded with zeros). Each block gets an asymmetric
 * range widened to contain 0, so pruned zeros stay exactly zero:
 *   scale = (max - min) / (2^bits - 1), zero_point = round(-min / scale),
 *   q = clamp(round(w / scale) + zero_point, 0, 2^bits - 1), w ~ (q - zero_point) * scale.
 *
 * Layout, as the contrib op's schema (onnxruntime docs/ContribOperators.md) expects:
 *   B           uint8 [N, k_blocks, blockSize * bits / 8], column n's values in K order;
 *               4-bit: value 2i in the low nibble of byte i, value 2i+1 in the high nibble
 *   scales      float [N * k_blocks]
 *   zero_points uint8 [N * ceil(k_blocks * bits / 8)], packed like B within each column's row
 *   attributes  K, N, bits, block_size, accuracy_level
 *
 * accuracy_level 4 lets ORT quantize A to int8 per block and run an integer dot product.
 * Measured here (docs: ../shared/notes/anchors.md) it decides whether this pays at all:
 * 8-bit at level 0 takes a slow dequantize-everything path (24x slower than fp32), at level 4
 * it is several times faster than fp32. The cost is A's own int8 rounding.
 */
import { DataType, onnx } from '../../model/onnx-io';
import { node } from '../../model/graph-builder';
import { fcWeight } from './fc-weight';
import { GraphEditor, layerName, MS_DOMAIN, WEIGHT_OPS, type LayerOutcome } from './graph-edit';

export const DEFAULT_BLOCK_SIZE = 32;
/** "int8 activations, int32 accumulation": ORT's fast CPU path for MatMulNBits. */
export const ACCURACY_LEVEL_INT8 = 4;

export interface BlockQuantized {
  /** [N, kBlocks, blockSize * bits / 8] */
  packed: Uint8Array;
  /** [N * kBlocks] */
  scales: Float32Array;
  /** [N * ceil(kBlocks * bits / 8)] */
  zeroPoints: Uint8Array;
  kBlocks: number;
}

/** Columns transposed per pass: 64 write streams stay in L1 while rows are read contiguously. */
const COLUMN_TILE = 64;

/** Quantize a row-major K x N weight column by column in blocks along K. */
export function quantizeBlockwise(weight: Float32Array, k: number, n: number, bits: 4 | 8, blockSize: number): BlockQuantized {
  const kBlocks = Math.ceil(k / blockSize);
  const kPadded = kBlocks * blockSize;
  const blobBytes = (blockSize * bits) / 8;
  const zpRowBytes = Math.ceil((kBlocks * bits) / 8);
  const qmax = 2 ** bits - 1;
  const packed = new Uint8Array(n * kBlocks * blobBytes);
  const scales = new Float32Array(n * kBlocks);
  const zeroPoints = new Uint8Array(n * zpRowBytes);
  // A tile of columns in K order, zero padded to whole blocks (the padding is never written).
  const tile = new Float32Array(COLUMN_TILE * kPadded);
  for (let c0 = 0; c0 < n; c0 += COLUMN_TILE) {
    const width = Math.min(COLUMN_TILE, n - c0);
    for (let r = 0; r < k; r++) {
      const row = r * n + c0;
      for (let j = 0; j < width; j++) tile[j * kPadded + r] = weight[row + j];
    }
    for (let j = 0; j < width; j++) {
      const c = c0 + j;
      for (let b = 0; b < kBlocks; b++) {
        const start = j * kPadded + b * blockSize;
        const end = start + blockSize;
        let lo = 0;
        let hi = 0;
        for (let i = start; i < end; i++) {
          const v = tile[i];
          if (v < lo) lo = v;
          else if (v > hi) hi = v;
        }
        const scale = hi > lo ? Math.fround((hi - lo) / qmax) : 1;
        const zp = Math.min(qmax, Math.max(0, Math.round(-lo / scale)));
        const inverse = 1 / scale;
        scales[c * kBlocks + b] = scale;
        const out = (c * kBlocks + b) * blobBytes;
        if (bits === 4) {
          zeroPoints[c * zpRowBytes + (b >> 1)] |= zp << ((b & 1) * 4);
          for (let i = start, o = out; i < end; i += 2, o++) {
            const q0 = Math.min(qmax, Math.max(0, Math.round(tile[i] * inverse) + zp));
            const q1 = Math.min(qmax, Math.max(0, Math.round(tile[i + 1] * inverse) + zp));
            packed[o] = q0 | (q1 << 4);
          }
        } else {
          zeroPoints[c * zpRowBytes + b] = zp;
          for (let i = start, o = out; i < end; i++, o++) packed[o] = Math.min(qmax, Math.max(0, Math.round(tile[i] * inverse) + zp));
        }
      }
    }
  }
  return { packed, scales, zeroPoints, kBlocks };
}

/** The float weight the packed form stands for (K x N), for tests and error bounds. */
export function dequantizeBlockwise(q: BlockQuantized, k: number, n: number, bits: 4 | 8, blockSize: number): Float32Array {
  const blobBytes = (blockSize * bits) / 8;
  const zpRowBytes = Math.ceil((q.kBlocks * bits) / 8);
  const out = new Float32Array(k * n);
  for (let c = 0; c < n; c++) {
    for (let r = 0; r < k; r++) {
      const b = Math.floor(r / blockSize);
      const i = r % blockSize;
      const at = (c * q.kBlocks + b) * blobBytes;
      const value = bits === 4 ? (q.packed[at + (i >> 1)] >> ((i & 1) * 4)) & 15 : q.packed[at + i];
      const zpByte = q.zeroPoints[c * zpRowBytes + (bits === 4 ? b >> 1 : b)];
      const zp = bits === 4 ? (zpByte >> ((b & 1) * 4)) & 15 : zpByte;
      out[r * n + c] = (value - zp) * q.scales[c * q.kBlocks + b];
    }
  }
  return out;
}

export function quantizeWeightOnly(proto: onnx.IModelProto, bits: 4 | 8, blockSize: number): { model: onnx.ModelProto; layers: LayerOutcome[] } {
  const editor = new GraphEditor(proto);
  const layers: LayerOutcome[] = [];
  const replaced: string[] = [];
  const mode = `int${bits}-weight`;
  for (const n of [...editor.graph.node!]) {
    const opType = n.opType ?? '';
    if (!WEIGHT_OPS.has(opType) || (n.domain && n.domain !== 'ai.onnx')) continue;
    const name = layerName(n);
    if (opType !== 'MatMul' && opType !== 'Gemm') {
      layers.push({ name, opType, quantized: false, reason: `${mode} (MatMulNBits) covers MatMul and Gemm, not ${opType}` });
      continue;
    }
    const fc = fcWeight(editor, n);
    if ('reason' in fc) {
      layers.push({ name, opType, quantized: false, reason: fc.reason });
      continue;
    }
    const q = quantizeBlockwise(fc.weight, fc.k, fc.n, bits, blockSize);
    const inputs = [
      fc.input,
      editor.addInitializer(`${fc.weightName}_q${bits}`, DataType.UINT8, [fc.n, q.kBlocks, (blockSize * bits) / 8], q.packed),
      editor.addFloat(`${fc.weightName}_scales`, [fc.n * q.kBlocks], q.scales),
      editor.addInitializer(`${fc.weightName}_zero_points`, DataType.UINT8, [q.zeroPoints.length], q.zeroPoints),
    ];
    if (fc.bias) inputs.push('', editor.addFloat(`${name}_bias`, [fc.n], fc.bias));
    const attrs = { K: fc.k, N: fc.n, bits, block_size: blockSize, accuracy_level: ACCURACY_LEVEL_INT8 };
    editor.replaceNode(n, [node('MatMulNBits', inputs, [fc.output], editor.freshName(`${name}_q${bits}`), attrs, MS_DOMAIN)]);
    replaced.push(...n.input!.slice(1));
    layers.push({ name, opType, quantized: true });
  }
  editor.useOpset(MS_DOMAIN, 1);
  editor.dropReplaced(replaced);
  return { model: editor.model, layers };
}
