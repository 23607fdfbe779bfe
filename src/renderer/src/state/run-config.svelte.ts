/**
 * The run configuration form. Fields hold what the inputs hold (number inputs give undefined when empty);
 * build() turns them into a ProfileRequest and checks it with the same validator the engine applies, so a
 * bad value is reported before anything is sent.
 */
import type { ProfileRequest, SparseCacheMode } from '../../../shared/api';
import { validateProfileRequest } from '../../../shared/api-validate';
import type { BackendStatus, GraphOptimizationLevel, PruneScope } from '../../../shared/report';
import { parseSparsities } from './parse-sparsities';

export const GRAPH_OPTIMIZATION_LEVELS: readonly GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];

export const PRUNE_SCOPES: readonly { scope: PruneScope; label: string; title: string }[] = [
  { scope: 'layer', label: 'per layer', title: 'Every prunable layer reaches the sparsity' },
  { scope: 'global', label: 'global', title: 'One magnitude threshold across all prunable layers' },
];

export type BuiltRequest = { ok: true; request: ProfileRequest } | { ok: false; problem: string };

export class RunConfig {
  eps = $state<string[]>(['cpu']);
  /** undefined: the engine's default (all physical cores). */
  threads = $state<number | undefined>(undefined);
  batch = $state<number | undefined>(1);
  warmup = $state<number | undefined>(5);
  runs = $state<number | undefined>(30);
  profiledRuns = $state<number | undefined>(10);
  prune = $state('0.9');
  pruneScope = $state<PruneScope>('layer');
  graphOptimizationLevel = $state<GraphOptimizationLevel>('all');
  /** Also run each pruned variant on onnxruntime + the native sparse kernels (`pruned-S+sparse`). */
  sparse = $state(false);
  /** The break-even cache of the sparse runs' per-layer timings (docs/hybrid-execution.md, section 6). */
  sparseCache = $state<SparseCacheMode>('use');
  /** Flush the last-level cache before each timed run: cold vs warm per op. */
  coldCache = $state(false);

  setEp(ep: string, enabled: boolean): void {
    this.eps = enabled ? [...new Set([...this.eps, ep])] : this.eps.filter((e) => e !== ep);
  }

  /** Drops EPs the machine cannot run, once the engine has said which those are. */
  keepAvailable(backends: readonly BackendStatus[]): void {
    const available = new Set(backends.filter((b) => b.available).map((b) => b.ep));
    const kept = this.eps.filter((ep) => available.has(ep));
    this.eps = kept.length > 0 ? kept : backends.some((b) => b.ep === 'cpu' && b.available) ? ['cpu'] : kept;
  }

  build(modelPath: string): BuiltRequest {
    if (this.eps.length === 0) return { ok: false, problem: 'choose at least one execution provider' };
    const prune = parseSparsities(this.prune);
    if (typeof prune === 'string') return { ok: false, problem: prune };
    const draft: ProfileRequest = {
      modelPath,
      eps: this.eps,
      threads: this.threads,
      batch: this.batch,
      warmup: this.warmup,
      runs: this.runs,
      profiledRuns: this.profiledRuns,
      prune,
      pruneScope: this.pruneScope,
      graphOptimizationLevel: this.graphOptimizationLevel,
      ...(this.sparse ? { sparse: true } : {}),
      ...(this.sparse && this.sparseCache !== 'use' ? { sparseCache: this.sparseCache } : {}),
      ...(this.coldCache ? { coldCache: true } : {}),
    };
    try {
      return { ok: true, request: validateProfileRequest(draft) };
    } catch (err) {
      return { ok: false, problem: err instanceof Error ? err.message.replace(/^startProfile: /, '') : String(err) };
    }
  }
}
