/**
 * Where a run's operators executed, from the provider field of onnxruntime's trace:
 * time per provider, the ops that fell back from the requested EP to another (usually
 * the CPU), and the host<->device copies (Memcpy nodes) as their own total.
 */
import type { OpReport, Placement } from '../../../shared/report';
import { knownEp } from '../run/ep-names';

export function placementOf(ops: readonly OpReport[], ep: string): Placement {
  const total = ops.reduce((s, o) => s + o.durUs, 0);
  const byProvider = new Map<string, { ops: number; durUs: number }>();
  for (const op of ops) {
    const entry = byProvider.get(op.provider) ?? { ops: 0, durUs: 0 };
    entry.ops++;
    entry.durUs += op.durUs;
    byProvider.set(op.provider, entry);
  }
  const requested = knownEp(ep)?.provider;
  const copies = ops.filter((o) => o.opType.startsWith('Memcpy'));
  return {
    byProvider: [...byProvider.entries()]
      .map(([provider, e]) => ({ provider, ops: e.ops, durUs: e.durUs, share: total > 0 ? e.durUs / total : 0 }))
      .sort((a, b) => b.durUs - a.durUs),
    fallbackOps: requested ? ops.filter((o) => o.provider !== requested && !o.opType.startsWith('Memcpy')).map((o) => o.name) : [],
    copies: {
      ops: copies.length,
      durUs: copies.reduce((s, o) => s + o.durUs, 0),
      bytes: copies.reduce((s, o) => s + o.outputBytes, 0),
    },
  };
}
