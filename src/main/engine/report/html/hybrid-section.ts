/**
 * The report's "Sparse execution" section: for each `pruned-S+sparse` variant, how it ran (split into
 * onnxruntime segments and sparse-kernel layers, whole on onnxruntime, or not at all, with the reason),
 * each candidate layer's sparse-or-dense decision with the times and the basis behind it, the layers that
 * were never candidates, and the whole-model and output checks. The same model as the app's panel
 * (src/shared/hybrid-view.ts); static HTML, empty when the report has no `+sparse` variant.
 */
import { BASIS_LABELS, hybridViews, type HybridDecisionRow, type HybridView } from '../../../../shared/hybrid-view';
import type { Report } from '../../../../shared/report';
import { MISSING, formatDurationUs, formatInteger, formatPercent, formatRatio, formatScientific } from './format';
import { html, type SafeHtml } from './safe-html';
import { table } from './table';

function choice(row: HybridDecisionRow): SafeHtml {
  return html`<strong class="${row.choice === 'sparse' ? 'yes' : ''}">${row.choice}</strong>${row.forced ? html` <span class="forced">forced</span>` : ''}`;
}

function decisionTable(rows: readonly HybridDecisionRow[]): SafeHtml {
  return table<HybridDecisionRow>(
    [
      { header: 'layer', className: 'name', cell: (r) => r.node },
      { header: 'op', cell: (r) => r.opType },
      { header: 'shape', unit: 'rows × cols', numeric: true, cell: (r) => r.shape },
      { header: 'density', numeric: true, cell: (r) => formatPercent(r.density) },
      { header: 'batch', unit: 'product rows', numeric: true, cell: (r) => formatInteger(r.batch) },
      { header: 'choice', className: 'nowrap', cell: choice },
      { header: 'format', cell: (r) => r.format ?? MISSING },
      { header: 'basis', cell: (r) => r.basisLabel },
      { header: 'dense', unit: 'alone, median', numeric: true, cell: (r) => formatDurationUs(r.denseUs) },
      { header: 'sparse', unit: 'alone, median', numeric: true, cell: (r) => formatDurationUs(r.sparseUs) },
      { header: 'speedup', unit: 'dense / sparse', numeric: true, cell: (r) => formatRatio(r.speedup) },
      { header: 'reason', className: 'flags', cell: (r) => r.reason },
    ],
    rows,
  );
}

function checks(view: HybridView): SafeHtml {
  const whole = view.wholeModelCheck;
  const output = view.outputCheck;
  return html`<dl class="kv">
  <dt>whole-model check</dt><dd>${
    whole
      ? `cut ${formatDurationUs(whole.hybridUs)} vs onnxruntime whole ${formatDurationUs(whole.ortUs)} per inference (${formatRatio(whole.speedup)}): ${whole.verdict}`
      : view.wholeModelCheckMissing
  }</dd>
  <dt>output check</dt><dd>${
    output
      ? `max relative error ${formatScientific(output.maxRelError)} (max abs ${formatScientific(output.maxAbsError)}) against onnxruntime on the same pruned model, over ${output.comparedOutputs.join(', ')}`
      : view.outputCheckMissing
  }</dd>
  ${view.kernelBuild ? html`<dt>sparse kernels</dt><dd>${view.kernelBuild}</dd>` : ''}
  ${view.steps.length > 0 ? html`<dt>execution order</dt><dd class="mono">${view.steps.join(' → ')}</dd>` : ''}
</dl>`;
}

function variantBlock(view: HybridView): SafeHtml {
  return html`<h3>${view.variant}: ${view.modeLine}</h3>
<p class="muted">Runs the model of ${view.baseVariant}.${view.reason ? html` <span class="hybrid-reason">${view.mode === 'hybrid' ? 'Why' : 'Reason'}: ${view.reason}</span>` : ''}</p>
${view.mode === 'unavailable' ? '' : checks(view)}
${view.decisions.length > 0 ? decisionTable(view.decisions) : view.mode === 'hybrid' ? html`<p class="muted">No candidate layer: no MatMul, Gemm, 1×1 Conv or LSTM with a constant float32 weight at most 50% nonzero.</p>` : ''}
${
  view.rejected.length > 0
    ? html`<h4>Not candidates</h4>${table(
        [
          { header: 'layer', className: 'name', cell: (r) => r.node },
          { header: 'op', cell: (r) => r.opType },
          { header: 'why not', className: 'flags', cell: (r) => r.reason },
        ],
        view.rejected,
      )}`
    : ''
}`;
}

export function renderHybrid(report: Report): SafeHtml {
  const views = hybridViews(report);
  if (views.length === 0) return html``;
  const bases = Object.values(BASIS_LABELS).map(({ label, meaning }) => html`<strong>${label}</strong>: ${meaning}`);
  return html`<section id="sparse-execution">
  <h2>Sparse execution</h2>
  <p class="lede">Each <code>+sparse</code> variant runs its pruned model with the chosen layers on edgescope's native sparse kernels and the rest on onnxruntime. A layer goes sparse when the sparse kernel beats onnxruntime dense on it alone by at least 5%, unless the user forced it; then the cut model is timed against the whole model on onnxruntime. Times are the layer alone, median, at the run's batch. Basis — ${bases.map((b, i) => html`${i > 0 ? '; ' : ''}${b}`)}.</p>
  ${views.map(variantBlock)}
</section>`;
}
