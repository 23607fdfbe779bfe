/**
 * Sparse execution as the report shows it (src/shared/hybrid-view.ts and report.html's section), on the
 * sample report with a `+sparse` variant in each state (test/fixtures/reports/hybrid-report.ts): split with
 * timed, cached and predicted decisions; an older report without basis or format, with a forced layer; a
 * fallback to onnxruntime; and sparse kernels that did not load.
 */
import { describe, expect, it } from 'vitest';
import { renderHybrid } from '../../../src/main/engine/report/html/hybrid-section';
import { renderReportHtml } from '../../../src/main/engine/report/report-html';
import { BASIS_NOT_RECORDED, hybridViews, sortDecisionRows, type HybridView } from '../../../src/shared/hybrid-view';
import { buildHybridReport, HYBRID_VARIANTS } from '../../fixtures/reports/hybrid-report';
import { HOSTILE_TEXT, buildSampleReport } from '../../fixtures/reports/sample-report';

const views = hybridViews(buildHybridReport());
const view = (id: string): HybridView => views.find((v) => v.variant === id)!;
const [split, oldForced, fallback, notRun] = HYBRID_VARIANTS.map(view);

describe('hybridViews', () => {
  it('has one view per +sparse variant in report order, and none for a report without', () => {
    expect(views.map((v) => v.variant)).toEqual([...HYBRID_VARIANTS]);
    expect(views.map((v) => v.mode)).toEqual(['hybrid', 'hybrid', 'ort-fallback', 'unavailable']);
    expect(hybridViews(buildSampleReport())).toEqual([]);
  });

  it('says how a split variant ran, with the kernels and the execution order', () => {
    expect(split.modeLine).toBe('split: 2 of 3 candidate layers on the sparse kernels, 1 onnxruntime segment for the rest');
    expect(split.reason).toBeNull();
    expect(split.baseVariant).toBe('pruned-0.9');
    expect(split.kernelBuild).toBe('simd avx512 · compiler g++ 12.2.0 · arch x86_64');
    expect(split.steps).toEqual(['sparse /fc1/Gemm + /relu1/Relu', 'sparse /fc2/Gemm + /relu2/Relu', 'onnxruntime segment0 (2 nodes)']);
  });

  it('gives each decision its shape, choice, format, basis, times and the speedup dense / sparse', () => {
    expect(split.decisions.map((d) => [d.node, d.shape, d.density, d.batch, d.choiceLabel, d.format, d.basisLabel, d.denseUs, d.sparseUs])).toEqual([
      ['/fc1/Gemm', '4096 × 9216', 0.1, 1, 'sparse', 'csr16', 'timed', 6128, 1532],
      ['/fc2/Gemm', '4096 × 4096', 0.1, 1, 'sparse', 'sell', 'cached', 2352, 588],
      ['/fc3/Gemm', '1000 × 4096', 0.3, 1, 'dense', null, 'predicted', null, null],
    ]);
    expect(split.decisions.map((d) => d.speedup)).toEqual([4, 4, null]); // 6128 / 1532, 2352 / 588; predicted: not timed
    expect(split.decisions[2].reason).toMatch(/^dense predicted at batch 1, density 30\.0%.*break-even 12\.5%/);
    expect(split.rejected).toEqual([{ node: '/head/Gemm', opType: 'Gemm', reason: 'transA=1 (the activations transposed) is not supported' }]);
  });

  it('gives the whole-model check as a speedup of the cut and whether it was kept, and the output check', () => {
    expect(split.wholeModelCheck).toMatchObject({ hybridUs: 2950, ortUs: 9440, kept: true, verdict: 'the cut model is faster: kept' });
    expect(split.wholeModelCheck!.speedup).toBeCloseTo(9440 / 2950, 12);
    expect(split.wholeModelCheckMissing).toBeNull();
    expect(split.outputCheck).toEqual({ maxAbsError: 2.38e-7, maxRelError: 4.1e-8, comparedOutputs: ['probs'] });
    expect(split.outputCheckMissing).toBeNull();
  });

  it('reads a report written before basis and format, and marks the forced layer', () => {
    const [fc1, fc2] = oldForced.decisions;
    expect(fc1).toMatchObject({ choice: 'sparse', forced: true, choiceLabel: 'sparse (forced)', basis: null, basisLabel: BASIS_NOT_RECORDED, format: null });
    expect(fc1.speedup).toBeCloseTo(6150 / 7700, 12); // forced although it loses alone
    expect(fc2).toMatchObject({ choiceLabel: 'dense', basisLabel: 'not recorded', format: null });
    expect(oldForced.kernelBuild).toBe('simd avx2 · compiler g++ 12.2.0');
    expect(oldForced.wholeModelCheck).toBeNull();
    expect(oldForced.wholeModelCheckMissing).toBe('not compared: a layer was forced sparse');
    expect(oldForced.steps[1]).toBe('onnxruntime segment0 (5 nodes)');
  });

  it('says a fallback variant ran whole on onnxruntime, and why', () => {
    expect(fallback.modeLine).toBe('ran whole on onnxruntime instead of split (fallback)');
    expect(fallback.reason).toBe('the cut model failed its first run: segment0: Non-zero status code returned while running Gemm node');
    expect(fallback.decisions).toEqual([]);
    expect(fallback.wholeModelCheckMissing).toBe('not compared: no layer was chosen sparse');
    expect(fallback.outputCheck!.maxRelError).toBe(0);
  });

  it('says an unavailable variant did not run, with the reason and no checks', () => {
    expect(notRun.modeLine).toBe('not run on the sparse kernels');
    expect(notRun.reason).toMatch(/^sparse kernels unavailable: the native addon is not built/);
    expect(notRun.kernelBuild).toBeNull();
    expect(notRun.steps).toEqual([]);
    expect([notRun.wholeModelCheckMissing, notRun.outputCheckMissing]).toEqual(['not run', 'not run']);
  });

  it('says when the whole-model check made a split plan run whole on onnxruntime', () => {
    const report = buildHybridReport();
    const hybrid = report.variants.find((v) => v.id === HYBRID_VARIANTS[0])!.hybrid!;
    // As plan.ts leaves it when the cut loses overall: every layer dense, one segment, the check kept.
    hybrid.steps = [{ kind: 'ort', name: 'segment0', nodes: ['/fc1/Gemm', '/relu1/Relu', '/fc2/Gemm', '/relu2/Relu', '/fc3/Gemm', '/softmax/Softmax'] }];
    hybrid.decisions = hybrid.decisions.map((d) => ({ ...d, choice: 'dense' as const, format: undefined, reason: `the cut model loses overall; alone: ${d.reason}` }));
    hybrid.wholeModelCheck = { hybridUs: 9900, ortUs: 9440 };
    hybrid.reason = 'no layer runs sparse: the policy kept every layer on ORT (see decisions and rejected)';
    const [lost] = hybridViews(report);
    expect(lost.modeLine).toBe('ran whole on onnxruntime: no layer runs sparse (3 candidate layers)');
    expect(lost.wholeModelCheck).toMatchObject({ kept: false, verdict: 'the cut model loses overall: the variant runs whole on onnxruntime' });
    expect(lost.wholeModelCheck!.speedup).toBeLessThan(1);
  });
});

describe('sortDecisionRows', () => {
  const rows = [...split.decisions, ...oldForced.decisions];

  it('sorts by a number with missing values last either way, ties in report order', () => {
    const bySpeedup = (descending: boolean) => sortDecisionRows(rows, 'speedup', descending).map((r) => `${r.node}@${r.density}`);
    expect(bySpeedup(true)).toEqual(['/fc1/Gemm@0.1', '/fc2/Gemm@0.1', '/fc1/Gemm@0.2', '/fc2/Gemm@0.2', '/fc3/Gemm@0.3']);
    expect(bySpeedup(false)).toEqual(['/fc2/Gemm@0.2', '/fc1/Gemm@0.2', '/fc1/Gemm@0.1', '/fc2/Gemm@0.1', '/fc3/Gemm@0.3']);
  });

  it('sorts the shape by rows x cols and text columns alphabetically', () => {
    expect(sortDecisionRows(split.decisions, 'rows', false).map((r) => r.shape)).toEqual(['1000 × 4096', '4096 × 4096', '4096 × 9216']);
    expect(sortDecisionRows(rows, 'basis', false).map((r) => r.basisLabel)).toEqual(['cached', 'not recorded', 'not recorded', 'predicted', 'timed']);
    expect(rows.map((r) => r.node)).toEqual(['/fc1/Gemm', '/fc2/Gemm', '/fc3/Gemm', '/fc1/Gemm', '/fc2/Gemm']); // not sorted in place
  });
});

describe("report.html's Sparse execution section", () => {
  const section = renderHybrid(buildHybridReport()).value;

  it('shows each variant with its mode line, checks and decisions', () => {
    expect(section).toContain('<section id="sparse-execution">');
    expect(section).toContain('<h3>pruned-0.9+sparse: split: 2 of 3 candidate layers on the sparse kernels, 1 onnxruntime segment for the rest</h3>');
    expect(section).toContain('cut 2.95 ms vs onnxruntime whole 9.44 ms per inference (3.20×): the cut model is faster: kept');
    expect(section).toContain('max relative error 4.10e-8 (max abs 2.38e-7) against onnxruntime on the same pruned model, over probs');
    expect(section).toContain('sparse /fc1/Gemm + /relu1/Relu → sparse /fc2/Gemm + /relu2/Relu → onnxruntime segment0 (2 nodes)');
    // fc1's row: shape, density, batch, choice, format, basis, dense, sparse, speedup.
    expect(section).toMatch(
      /<td class="name">\/fc1\/Gemm<\/td><td class="">Gemm<\/td><td class="num">4096 × 9216<\/td><td class="num">10\.0%<\/td><td class="num">1<\/td><td class="nowrap"><strong class="yes">sparse<\/strong><\/td><td class="">csr16<\/td><td class="">timed<\/td><td class="num">6\.13 ms<\/td><td class="num">1\.53 ms<\/td><td class="num">4\.00×<\/td>/,
    );
    expect(section).toMatch(/\/fc3\/Gemm<\/td>.*?<strong class="">dense<\/strong><\/td><td class="">—<\/td><td class="">predicted<\/td><td class="num">—<\/td><td class="num">—<\/td><td class="num">—<\/td>/);
    expect(section).toContain('transA=1 (the activations transposed) is not supported');
  });

  it('marks the forced layer and the basis an older report did not record', () => {
    expect(section).toMatch(/<strong class="yes">sparse<\/strong> <span class="forced">forced<\/span><\/td><td class="">—<\/td><td class="">not recorded<\/td>/);
    expect(section).toContain('not compared: a layer was forced sparse');
  });

  it('gives the fallback and unavailable variants their reasons, without tables', () => {
    expect(section).toContain('<h3>pruned-0.7+sparse: ran whole on onnxruntime instead of split (fallback)</h3>');
    expect(section).toContain('Reason: the cut model failed its first run: segment0: Non-zero status code returned while running Gemm node');
    expect(section).toContain('<h3>pruned-0.6+sparse: not run on the sparse kernels</h3>');
    expect(section).toMatch(/Reason: sparse kernels unavailable: the native addon is not built/);
    expect(section.slice(section.indexOf('<h3>pruned-0.6+sparse'))).not.toContain('whole-model check'); // nothing ran to check
    expect(section.split('<table>').length - 1).toBe(3); // split's decisions and rejected, old report's decisions
  });

  it('says so when a model has no candidate layer', () => {
    const report = buildHybridReport();
    const hybrid = report.variants.find((v) => v.id === HYBRID_VARIANTS[0])!.hybrid!;
    Object.assign(hybrid, {
      steps: [{ kind: 'ort', name: 'segment0', nodes: ['/fc1/Gemm'] }],
      decisions: [],
      wholeModelCheck: null,
      reason: 'no layer runs sparse: the policy kept every layer on ORT (see decisions and rejected)',
    });
    const [none] = hybridViews(report);
    expect(none.modeLine).toBe('ran whole on onnxruntime: no layer runs sparse (0 candidate layers)');
    expect(none.wholeModelCheckMissing).toBe('not compared: no layer was chosen sparse');
    const html = renderHybrid(report).value;
    expect(html).toContain('Why: no layer runs sparse: the policy kept every layer on ORT');
    expect(html).toContain('No candidate layer: no MatMul, Gemm, 1×1 Conv or LSTM');
  });

  it('is in report.html when a variant ran hybrid, and absent otherwise', () => {
    expect(renderReportHtml(buildHybridReport())).toContain('<section id="sparse-execution">');
    expect(renderHybrid(buildSampleReport()).value).toBe('');
    expect(renderReportHtml(buildSampleReport())).not.toContain('sparse-execution');
  });

  it('escapes what the model and the engine say (node names, reasons)', () => {
    const hostile = buildHybridReport();
    const hybrid = hostile.variants.find((v) => v.id === HYBRID_VARIANTS[0])!.hybrid!;
    hybrid.decisions[0].node = HOSTILE_TEXT;
    hybrid.decisions[1].reason = HOSTILE_TEXT;
    hybrid.rejected[0].reason = HOSTILE_TEXT;
    hybrid.steps[0].nodes.push(HOSTILE_TEXT);
    const html = renderHybrid(hostile).value;
    expect(html).not.toContain(HOSTILE_TEXT);
    expect(html).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
  });
});
