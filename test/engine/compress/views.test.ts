/**
 * The compression views against answers worked out by hand: zero-pattern block counts on matrices
 * whose sizes the grid does not divide, histogram counts with zeros apart, and the views of real
 * pruned models (filter pruning empties whole rows of the heat map; the zero count grows by exactly
 * the pruned weights). The SVG files are well-formed and carry what they draw as data attributes.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compressFloatStages } from '../../../src/main/engine/compress/preview';
import { modelLayerViews, recipeLayerViews } from '../../../src/main/engine/compress/views/layer-views';
import { weightHistogram } from '../../../src/main/engine/compress/views/histogram';
import { histogramSvg, shadeColor, shadeLevel, zeroPatternSvg } from '../../../src/main/engine/compress/views/views-svg';
import { cellDensities, cellEdges, emptyCellRows, zeroPattern } from '../../../src/main/engine/compress/views/zero-pattern';
import { buildCnnSmall, buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { readModel, writeModel } from '../../../src/main/engine/model/onnx-io';
import { validateRequest } from '../../../src/shared/api-validate';
import { tempDir } from '../../helpers';
import { checkXml } from '../report/charts-xml';

function matrix(rows: number, cols: number, at: (r: number, c: number) => number) {
  const values = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) values[r * cols + c] = at(r, c);
  return { rows, cols, values };
}

describe('zero pattern', () => {
  it('splits sizes the grid does not divide into spans differing by at most one', () => {
    expect(cellEdges(10, 4)).toEqual([0, 2, 5, 7, 10]);
    expect(cellEdges(5, 2)).toEqual([0, 2, 5]);
    expect(cellEdges(3, 256)).toEqual([0, 1, 2, 3]);
  });

  it('keeps conv kernels whole when it down-samples: edges on multiples of kh*kw', () => {
    // 3 kernels of 4 weights in 2 cells: kernels split [0,1) [1,3) -> columns [0,4) [4,12).
    expect(cellEdges(12, 2, 4)).toEqual([0, 4, 12]);
    // Small enough to draw unscaled: one cell per weight whatever the unit.
    expect(cellEdges(12, 16, 4)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    // 2 filters x (3 channels x 2x2 kernels); the middle kernel of filter 0 and the last of filter 1 pruned.
    const m = matrix(2, 12, (r, c) => ((r === 0 && c >= 4 && c < 8) || (r === 1 && c >= 8) ? 0 : 1));
    expect(zeroPattern(m, 2, { cols: 4 }).nonzeros).toEqual([4, 4, 4, 4]);
    expect(zeroPattern(m, 3, { cols: 4 }).nonzeros).toEqual([4, 0, 4, 4, 4, 0]);
  });

  it('counts every nonzero of each block exactly (5 x 7 in 2 x 2 cells)', () => {
    // All ones but row 0 and column 6. Rows split [0,2) [2,5); columns [0,3) [3,7).
    const m = matrix(5, 7, (r, c) => (r === 0 || c === 6 ? 0 : 1));
    const p = zeroPattern(m, 2);
    expect(p.rowEdges).toEqual([0, 2, 5]);
    expect(p.colEdges).toEqual([0, 3, 7]);
    // (0,0): row 1 x cols 0..2 = 3 of 6; (0,1): row 1 x cols 3..5 = 3 of 8; (1,0): 9 of 9; (1,1): 3 rows x 3 = 9 of 12.
    expect(p.nonzeros).toEqual([3, 3, 9, 9]);
    expect(cellDensities(p)).toEqual([0.5, 3 / 8, 1, 0.75]);
    expect(emptyCellRows(p)).toBe(0);
  });

  it('leaves a small matrix unscaled: one cell per weight, empty rows counted', () => {
    const m = matrix(3, 4, (r, c) => (r === 1 ? 0 : (r + c) % 2));
    const p = zeroPattern(m);
    expect(p.nonzeros).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1]);
    expect(emptyCellRows(p)).toBe(1);
  });

  it('shows 1x4 blocks and 2:4 groups at their own scale', () => {
    // 4 x 16, every other 1x4 block zero: 2 x 4 cells of 2 x 4 weights are alternately full and empty.
    const blocks = zeroPattern(matrix(4, 16, (_r, c) => (Math.floor(c / 4) % 2 === 0 ? 1 : 0)), 4);
    expect(blocks.nonzeros).toEqual([4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0]);
    // 2:4 (keep the first two of every four): every 1x4 cell is exactly half full.
    const nm = zeroPattern(matrix(8, 8, (_r, c) => (c % 4 < 2 ? 0.5 : 0)), 2);
    expect(cellDensities(nm)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it('shades all-zero blocks white and full ones darkest, nothing else at either end', () => {
    expect(shadeColor(shadeLevel(0))).toBe('#ffffff');
    expect(shadeLevel(1e-6)).toBe(1);
    expect(shadeLevel(1 - 1e-6)).toBe(31);
    expect(shadeColor(shadeLevel(1))).toBe('#1f3f7a');
  });
});

describe('weight histogram', () => {
  it('bins nonzero values over [-max|w|, max|w|], the top edge in the last bin, zeros apart', () => {
    const h = weightHistogram(Float32Array.from([-1, -0.5, 0, 0.25, 1]), Float32Array.from([0, -0.5, 0, 0, 1]), 4);
    expect(h.edges).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(h.before).toEqual({ counts: [1, 1, 1, 1], zeros: 1, total: 5 });
    expect(h.after).toEqual({ counts: [0, 1, 0, 1], zeros: 3, total: 5 });
  });

  it('counts weights thinning removed as zeros and clamps values beyond the dense range', () => {
    const h = weightHistogram(Float32Array.from([-2, 1, 0.5, 2]), Float32Array.from([3, -0.1]), 2);
    expect(h.edges).toEqual([-2, 0, 2]);
    expect(h.after).toEqual({ counts: [1, 1], zeros: 2, total: 4 });
  });

  it('draws an all-zero weight (no range) as zeros only', () => {
    const h = weightHistogram(new Float32Array(6), undefined, 4);
    expect(h.before).toEqual({ counts: [0, 0, 0, 0], zeros: 6, total: 6 });
    expect(h.after).toBeUndefined();
    expect(() => weightHistogram(new Float32Array(2), undefined, 0)).toThrow('bins must be a positive integer');
  });
});

describe('layer views of real models', () => {
  let dir: string;
  let cnn: string;
  let lenet: string;

  beforeAll(async () => {
    dir = tempDir('views');
    cnn = join(dir, 'cnn-small.onnx');
    lenet = join(dir, 'lenet.onnx');
    await writeModel(cnn, buildCnnSmall());
    await writeModel(lenet, buildLenet300100());
  });

  it('50% filter pruning empties half the rows of conv1 (16 x 25, unscaled); the zero count grows by the pruned weights', async () => {
    const dense = await recipeLayerViews(cnn, {}, 'conv1.weight');
    expect(dense.zeroPattern.rowEdges.length - 1).toBe(16);
    expect(emptyCellRows(dense.zeroPattern)).toBe(0);
    const v = await recipeLayerViews(cnn, { default: { sparsity: 0.5, granularity: 'filter' } }, 'conv1.weight');
    expect(v).toMatchObject({ name: 'conv1.weight', opType: 'Conv', shape: [16, 1, 5, 5] });
    expect(v.zeroPattern.nonzeros.length).toBe(16 * 25);
    expect(emptyCellRows(v.zeroPattern)).toBe(8);
    // Every row is whole: all 25 of a filter's weights kept, or none.
    for (let r = 0; r < 16; r++) expect([0, 25]).toContain(v.zeroPattern.nonzeros.slice(r * 25, r * 25 + 25).reduce((a, b) => a + b, 0));
    const { before, after } = v.histogram;
    expect(before.zeros).toBe(0);
    expect(after!.zeros).toBe(8 * 25);
    expect(after!.counts.reduce((a, b) => a + b, 0)).toBe(8 * 25);
    // Pruning only removes weights: no bin gains any.
    after!.counts.forEach((c, i) => expect(c).toBeLessThanOrEqual(before.counts[i]));
  });

  it('aligns a down-sampled map with the pruned 1x4 blocks: every cell of fc2 (100 x 300 in 100 x 75 cells) is a whole block', async () => {
    const v = await recipeLayerViews(lenet, { default: { sparsity: 0.5, granularity: 'block:1x4' } }, 'fc2.weight', 128);
    const p = v.zeroPattern;
    expect(p.rowEdges).toEqual(Array.from({ length: 101 }, (_, i) => i));
    expect(p.colEdges).toEqual(Array.from({ length: 76 }, (_, i) => 4 * i));
    // A block is kept whole or pruned whole: 4 nonzeros or none, half of them each.
    expect(new Set(p.nonzeros)).toEqual(new Set([0, 4]));
    expect(p.nonzeros.filter((nz) => nz === 0).length).toBe((100 * 75) / 2);
  });

  it('down-samples a large layer by exact block counts (fc1 of LeNet: 300 x 784 in 128 x 128 cells)', async () => {
    const v = await recipeLayerViews(lenet, { default: { sparsity: 0.9 } }, 'fc1.weight', 128);
    const p = v.zeroPattern;
    expect([p.rows, p.cols, p.rowEdges.length - 1, p.colEdges.length - 1]).toEqual([300, 784, 128, 128]);
    expect(p.nonzeros.reduce((a, b) => a + b, 0)).toBe(Math.round(0.1 * 300 * 784));
    expect(v.histogram.after!.zeros).toBe(300 * 784 - Math.round(0.1 * 300 * 784));
  });

  it('names a layer the model does not have, and the recipe entry at fault', async () => {
    await expect(recipeLayerViews(cnn, {}, 'conv9.weight')).rejects.toThrow(`layer 'conv9.weight' is not a prunable weight of ${cnn}`);
    await expect(recipeLayerViews(cnn, { default: { sparsity: 1.5 } }, 'conv1.weight')).rejects.toThrow('sparsity');
  });

  it('compares a variant file with its dense baseline by initializer name', async () => {
    const { compressed } = await compressFloatStages(cnn, { default: { sparsity: 0.5, granularity: 'filter' } });
    const views = modelLayerViews(compressed.model, { proto: readModel(cnn).proto, path: cnn });
    expect(views.map((v) => v.name)).toEqual(['conv1.weight', 'conv2.weight', 'fc1.weight', 'fc2.weight']);
    expect(views.map((v) => v.histogram.after!.zeros / v.histogram.after!.total)).toEqual([0.5, 0.5, 0.5, 0.5]);
    const other = buildLenet300100();
    expect(() => modelLayerViews(compressed.model, { proto: other, path: 'lenet.onnx' })).toThrow("the baseline lenet.onnx has no prunable weight named 'conv1.weight'");
  });

  it('renders both as well-formed SVG with what they draw as data', async () => {
    const v = await recipeLayerViews(cnn, { default: { sparsity: 0.5, granularity: 'filter' } }, 'conv1.weight');
    const provenance = [['model', cnn]] as const;
    const zeros = zeroPatternSvg(v, provenance);
    expect(checkXml(zeros).problems).toEqual([]);
    expect(zeros).toContain('data-empty-cell-rows="8"');
    expect(zeros).toContain('<metadata>');
    const hist = histogramSvg(v, provenance);
    expect(checkXml(hist).problems).toEqual([]);
    expect(hist).toContain('data-series="dense" data-zeros="0"');
    expect(hist).toContain('data-series="compressed" data-zeros="200"');
  });
});

describe('compressionLayerViews requests', () => {
  it('takes a model, a recipe object, a layer and an optional maxCells in [1, 256]', () => {
    const req = { modelPath: 'm.onnx', recipe: { default: { sparsity: 0.5 } }, layer: 'fc1.weight' };
    expect(validateRequest('compressionLayerViews', req)).toEqual(req);
    expect(validateRequest('compressionLayerViews', { ...req, maxCells: 64 })).toEqual({ ...req, maxCells: 64 });
    expect(() => validateRequest('compressionLayerViews', { ...req, maxCells: 257 })).toThrow("compressionLayerViews: 'maxCells' must be an integer in [1, 256]");
    expect(() => validateRequest('compressionLayerViews', { ...req, layer: '' })).toThrow("compressionLayerViews: 'layer' must be a non-empty string");
    expect(() => validateRequest('compressionLayerViews', { ...req, outPath: 'x' })).toThrow("compressionLayerViews: unknown field 'outPath'");
    expect(() => validateRequest('compressionLayerViews', { ...req, recipe: [] })).toThrow('compressionLayerViews.recipe: request must be an object');
  });
});
