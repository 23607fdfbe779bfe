/**
 * Inputs for a run: every declared dimension resolved to a number, and seeded random
 * (or constant) data of the declared dtype.
 *
 * Resolution order for one dimension: --shape INPUT=... (whole shape) > --dim NAME=N >
 * a batch-like name or the leading unnamed dimension -> batch > a fixed value.
 * Anything else is an error naming the input, the dimension and the flags that fix it.
 */
import { EdgescopeError } from '../../../shared/errors';
import { SeededRandom } from '../../../shared/random';
import type { TensorInfo } from '../../../shared/report';

export interface InputOptions {
  batch: number;
  dims: Record<string, number>;
  shapes: Record<string, number[]>;
  values: Record<string, number>;
  seed: number;
}

export interface ResolvedInput {
  name: string;
  dtype: string;
  dims: number[];
  /** Constant fill value, when the user gave one. */
  constant?: number;
}

const BATCH_NAMES = /^(batch|batch_size|batchsize|n|bs|b|unk__\d+|dynamic_batch|num_samples)$/i;

export function resolveInputs(declared: TensorInfo[], options: InputOptions): ResolvedInput[] {
  const declaredNames = new Set(declared.map((d) => d.name));
  for (const name of [...Object.keys(options.shapes), ...Object.keys(options.values)]) {
    if (!declaredNames.has(name)) {
      throw new EdgescopeError('E_INPUT_INVALID', `the model has no input named '${name}' (inputs: ${[...declaredNames].join(', ')})`);
    }
  }
  return declared.map((input) => {
    const constant = options.values[input.name];
    const given = options.shapes[input.name];
    if (given) {
      if (given.length !== input.shape.length) {
        throw new EdgescopeError(
          'E_INPUT_INVALID',
          `--shape ${input.name} has ${given.length} dimensions but the model declares ${input.shape.length} (${formatShape(input.shape)})`,
        );
      }
      given.forEach((d, i) => {
        const declaredDim = input.shape[i];
        if (typeof declaredDim === 'number' && declaredDim !== d) {
          throw new EdgescopeError('E_INPUT_INVALID', `--shape ${input.name}: dimension ${i} is fixed to ${declaredDim} in the model, got ${d}`);
        }
      });
      return { name: input.name, dtype: input.dtype, dims: [...given], constant };
    }
    const dims = input.shape.map((d, i) => resolveDim(input, d, i, options));
    return { name: input.name, dtype: input.dtype, dims, constant };
  });
}

function resolveDim(input: TensorInfo, dim: number | string | null, index: number, options: InputOptions): number {
  if (typeof dim === 'number') return dim;
  if (typeof dim === 'string' && options.dims[dim] !== undefined) return options.dims[dim];
  if (typeof dim === 'string' && BATCH_NAMES.test(dim)) return options.batch;
  if (index === 0) return options.batch;
  const label = typeof dim === 'string' ? `'${dim}'` : '(unnamed)';
  const hint = typeof dim === 'string' ? `--dim ${dim}=N or --shape ${input.name}=...` : `--shape ${input.name}=${input.shape.map((d) => (typeof d === 'number' ? d : 'N')).join(',')}`;
  throw new EdgescopeError(
    'E_INPUT_UNRESOLVED',
    `input '${input.name}' has an unresolved dimension ${label} at index ${index} of ${formatShape(input.shape)}: pass ${hint}`,
  );
}

export function formatShape(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

export type InputData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | BigUint64Array;

/**
 * Data for one input. Floats are uniform in [-1, 1); integers in [0, 10) (valid as small
 * class ids or token ids for most models; use --input for anything else); bool is 0/1.
 */
export function generateInputData(input: ResolvedInput, rng: SeededRandom): InputData {
  const n = input.dims.reduce((a, b) => a * b, 1);
  const c = input.constant;
  const fill = <T extends { length: number; fill(v: never): T }>(array: T, random: () => number, cast: (v: number) => unknown): T => {
    // Typed loops: inputs can be 10^8 elements (calibration), where Array.from with a callback is far too slow.
    if (c !== undefined) return array.fill(cast(c) as never);
    const a = array as unknown as Record<number, unknown>;
    for (let i = 0; i < array.length; i++) a[i] = cast(random());
    return array;
  };
  const float = () => rng.uniform(-1, 1);
  const small = () => rng.int(10);
  const int = (v: number) => Math.trunc(v);
  const big = (v: number) => BigInt(Math.trunc(v));
  switch (input.dtype) {
    case 'float32':
      return fill(new Float32Array(n), float, Number);
    case 'float64':
      return fill(new Float64Array(n), float, Number);
    case 'int32':
      return fill(new Int32Array(n), small, int);
    case 'int64':
      return fill(new BigInt64Array(n), small, big);
    case 'uint64':
      return fill(new BigUint64Array(n), small, (v) => BigInt(Math.max(0, Math.trunc(v))));
    case 'int8':
      return fill(new Int8Array(n), small, int);
    case 'uint8':
      return fill(new Uint8Array(n), small, int);
    case 'int16':
      return fill(new Int16Array(n), small, int);
    case 'uint16':
      return fill(new Uint16Array(n), small, int);
    case 'uint32':
      return fill(new Uint32Array(n), small, int);
    case 'bool':
      return fill(new Uint8Array(n), () => rng.int(2), (v) => (v ? 1 : 0));
    default:
      throw new EdgescopeError(
        'E_INPUT_INVALID',
        `input '${input.name}' has dtype ${input.dtype}, for which edgescope cannot generate data (supported: float32, float64, int8-64, uint8-64, bool)`,
      );
  }
}
