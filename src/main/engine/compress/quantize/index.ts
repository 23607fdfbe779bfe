/**
 * Quantization of a model's weight layers, one mode at a time (docs/quantization.md):
 * - int8-dynamic: MatMul/Gemm -> com.microsoft DynamicQuantizeMatMul (int8 weights per column)
 * - int8-weight / int4-weight: MatMul/Gemm -> com.microsoft MatMulNBits (block-wise, weight only)
 * - int8-static: Conv/MatMul/Gemm in QDQ form, activation ranges from calibration runs
 * Layers a mode cannot handle are left in float and reported with the reason.
 */
import { EdgescopeError } from '../../../../shared/errors';
import type { onnx } from '../../model/onnx-io';
import type { RunWorker } from '../../run/runner';
import { calibrateRanges, checkCalibrationFeeds, type CalibrationFeed } from './calibrate';
import { quantizeDynamicInt8 } from './dynamic-int8';
import { GraphEditor, type LayerOutcome } from './graph-edit';
import { applyStatic, planStatic } from './static-int8';
import { DEFAULT_BLOCK_SIZE, quantizeWeightOnly } from './weight-only';

export type { CalibrationFeed } from './calibrate';
export type { LayerOutcome } from './graph-edit';

export const QUANTIZE_MODES = ['int8-dynamic', 'int8-static', 'int4-weight', 'int8-weight'] as const;
export type QuantizeMode = (typeof QUANTIZE_MODES)[number];

export interface QuantizeOptions {
  mode: QuantizeMode;
  /** Samples for int8-static's min-max calibration. */
  calibration?: CalibrationFeed[];
  /** Block size along K for int8-weight/int4-weight: a power of 2, at least 16 (default 32). */
  blockSize?: number;
}

export interface QuantizeResult {
  model: onnx.ModelProto;
  layers: LayerOutcome[];
}

export interface QuantizeContext {
  /** Only int8-static calls this (calibration runs); the caller owns and disposes the worker. */
  runWorker: () => Promise<RunWorker>;
}

function checkOptions(options: QuantizeOptions): void {
  if (!QUANTIZE_MODES.includes(options.mode)) {
    throw new EdgescopeError('E_BAD_REQUEST', `unknown quantization mode '${options.mode}' (modes: ${QUANTIZE_MODES.join(', ')})`);
  }
  const b = options.blockSize;
  if (b !== undefined) {
    if (options.mode !== 'int4-weight' && options.mode !== 'int8-weight') {
      throw new EdgescopeError('E_BAD_REQUEST', `block size applies to int4-weight and int8-weight, not ${options.mode}`);
    }
    if (!Number.isInteger(b) || b < 16 || (b & (b - 1)) !== 0) {
      throw new EdgescopeError('E_BAD_REQUEST', `block size must be a power of 2 and at least 16, got ${b}`);
    }
  }
  if (options.mode === 'int8-static' && !(options.calibration && options.calibration.length > 0)) {
    throw new EdgescopeError('E_BAD_REQUEST', 'int8-static needs --calibration FILE');
  }
}

export async function quantizeModel(proto: onnx.IModelProto, options: QuantizeOptions, context: QuantizeContext): Promise<QuantizeResult> {
  checkOptions(options);
  switch (options.mode) {
    case 'int8-dynamic':
      return quantizeDynamicInt8(proto);
    case 'int8-weight':
      return quantizeWeightOnly(proto, 8, options.blockSize ?? DEFAULT_BLOCK_SIZE);
    case 'int4-weight':
      return quantizeWeightOnly(proto, 4, options.blockSize ?? DEFAULT_BLOCK_SIZE);
    case 'int8-static': {
      const feeds = options.calibration!;
      checkCalibrationFeeds(proto, feeds);
      const editor = new GraphEditor(proto);
      const plan = planStatic(editor);
      if (plan.targets.length > 0) {
        // Calibrate the unmodified float model; the plan's tensor names are its names.
        const ranges = await calibrateRanges(proto, plan.tensors, feeds, await context.runWorker());
        applyStatic(editor, plan, ranges);
      }
      return { model: editor.model, layers: plan.layers };
    }
  }
}
