/**
 * What a vendor tool's output says, before it becomes a Report: per-layer average times in
 * the tool's own execution order, and the tool's latency summary. One shape for OpenVINO's
 * benchmark_app and TFLite's benchmark_model.
 */
import { EdgescopeError } from '../../../shared/errors';

export type VendorFormat = 'openvino' | 'tflite';

export interface VendorOp {
  /** The tool's layer/node name (OpenVINO layerName, TFLite [Name] without the ':index'). */
  name: string;
  /** The tool's layer type (OpenVINO layerType, TFLite node type). */
  opType: string;
  /** How the device ran it (OpenVINO execType); absent for TFLite. */
  execType?: string;
  /** Average wall time per inference, as the tool reports it. */
  avgMs: number;
}

export interface VendorLatency {
  meanMs: number;
  medianMs?: number;
  minMs?: number;
  maxMs?: number;
  stddevMs?: number;
  /** Inferences the summary is over. */
  count?: number;
}

export interface VendorProfile {
  format: VendorFormat;
  tool: 'openvino-benchmark_app' | 'tflite-benchmark_model';
  /** The device as the file names it ('MYRIAD', 'CPU'), or null when it does not say. */
  device: string | null;
  /** The model the tool ran, as the file names it. */
  modelPath: string | null;
  ops: VendorOp[];
  /** null when the file has per-layer counters only. */
  latency: VendorLatency | null;
  firstRunMs?: number;
  initMs?: number;
  throughputPerSec?: number;
  files: string[];
  /** What the parser had to assume, said in the report. */
  notes: string[];
}

/** The one error line for input the parser cannot read: file, line, problem. */
export function malformed(file: string, line: number | null, problem: string): never {
  throw new EdgescopeError('E_BAD_REQUEST', `${file}${line === null ? '' : `:${line}`}: ${problem}`);
}

/** A finite, non-negative number from the tool's text (TFLite writes 2.95034e+06). */
export function parseMs(text: string | undefined, file: string, line: number, what: string): number {
  if (text === undefined) malformed(file, line, `no ${what} column`);
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) malformed(file, line, `${what} '${text.trim()}' is not a non-negative number`);
  return n;
}
