/**
 * The `pruned-S+sparse` variants of a profile job: each pruned model once more, run hybrid
 * (ORT + sparse kernels), and what its report says about how it ran.
 */
import { EdgescopeError } from '../../../../shared/errors';
import type { HybridReport, ProfileSettings } from '../../../../shared/report';
import type { onnx } from '../../model/onnx-io';
import type { HybridRunInfo } from './messages';
import { HYBRID_OPS } from './split';

export const HYBRID_SUFFIX = '+sparse';

export function hybridVariantId(prunedId: string): string {
  return `${prunedId}${HYBRID_SUFFIX}`;
}

/** The variant's hybrid section from its first run that produced one, else from its failures. */
export function hybridReport(baseVariant: string, infos: readonly (HybridRunInfo | undefined)[], failures: readonly { ep: string; error: string }[]): HybridReport {
  const info = infos.find((i): i is HybridRunInfo => i !== undefined);
  if (!info) {
    return {
      baseVariant,
      mode: 'unavailable',
      reason: failures[0]?.error ?? 'not run',
      kernelBuildInfo: {},
      steps: [],
      decisions: [],
      rejected: [],
      wholeModelCheck: null,
      check: null,
    };
  }
  const noSparseStep = !info.steps.some((s) => s.kind === 'sparse');
  const reason = info.fallbackReason ?? (noSparseStep ? 'no layer runs sparse: the policy kept every layer on ORT (see decisions and rejected)' : undefined);
  return {
    baseVariant,
    mode: info.fallbackReason ? 'ort-fallback' : 'hybrid',
    ...(reason ? { reason } : {}),
    kernelBuildInfo: info.kernelBuildInfo,
    steps: info.steps,
    decisions: info.decisions,
    rejected: info.rejected,
    wholeModelCheck: info.wholeModelCheck,
    check: info.check,
  };
}

/** Before any output: hybrid runs need pruned variants, and overrides must name the model's layers. */
export function checkSparseRequest(settings: ProfileSettings, proto: onnx.IModelProto): void {
  if (settings.sparseLayers && !settings.sparse) throw new EdgescopeError('E_BAD_REQUEST', 'sparse layer overrides need sparse (hybrid) runs');
  if (!settings.sparse) return;
  if (settings.pruneSparsities.length === 0) throw new EdgescopeError('E_BAD_REQUEST', 'sparse (hybrid) runs need pruned variants: give prune sparsities');
  const nodes = (proto.graph?.node ?? []).filter((n) => HYBRID_OPS.has(n.opType ?? ''));
  const layers = new Set(nodes.map((n) => n.name || n.output?.[0]));
  const unknown = Object.keys(settings.sparseLayers ?? {}).find((node) => !layers.has(node));
  // LSTM is named only for models that have one: the message lists what this model could offer.
  const kinds = nodes.some((n) => n.opType === 'LSTM') ? 'MatMul, Gemm, Conv or LSTM' : 'MatMul, Gemm or Conv';
  if (unknown !== undefined) throw new EdgescopeError('E_BAD_REQUEST', `sparse layer override '${unknown}' names no ${kinds} node of the model`);
}
