/**
 * The sparse kernels as the hybrid executor gets them: the native addon through the kernel
 * loader, or why not. One place, so the message says the same thing everywhere.
 */
import { loadSparseKernels } from '../native';
import type { SparseKernelsStatus } from '../types';

const PREFIX = 'sparse kernels unavailable';

export function sparseKernels(): SparseKernelsStatus {
  const status = loadSparseKernels();
  return status.available ? status : { available: false, reason: unavailableReason(status.reason) };
}

/** `sparse kernels unavailable: <why>`; the loader's reasons already start so, others may not. */
export function unavailableReason(reason: string): string {
  return reason.startsWith(PREFIX) ? reason : `${PREFIX}: ${reason}`;
}
