/**
 * The compression panel's state: a recipe built from a small form (default target, per-layer overrides,
 * keep first/last dense, thinning, weight sharing, quantization), its live preview (debounced
 * previewCompression calls, the newest answer wins), the variant made from it (compressModel), and the
 * recipe saved to or loaded from JSON in the recipe file format (docs/compression.md). The layer selected in
 * the table gets its views (zero-pattern heat map, weight histogram) for the previewed recipe, fetched per layer
 * (compressionLayerViews) so a preview stays small.
 *
 * The recipe's contents are checked by the engine, whose one-line message names the entry at fault: the
 * form passes what the user typed (a number where it reads as one) rather than checking it twice.
 */
import type { CompressionPreview, CompressModelResult, LayerViews, RecipeJson } from '../../../shared/api';
import type { ApiClient } from '../api/client';
import type { ErrorLine } from './error-line.svelte';

export const GRANULARITY_KINDS = ['element', 'row', 'column', 'kernel', 'filter', 'channel', 'block', 'nm'] as const;
export type GranularityKind = (typeof GRANULARITY_KINDS)[number];

/** Modes that need no calibration samples (int8-static does: the CLI's --calibration). */
export const PANEL_QUANTIZE_MODES = ['int8-dynamic', 'int8-weight', 'int4-weight'] as const;
export const SHARE_BITS = [2, 3, 4, 5, 6, 7, 8] as const;

const PREVIEW_DEBOUNCE_MS = 250;

export interface LayerOverride {
  /** As typed; empty: the default target. */
  sparsity: string;
  /** A granularity in recipe syntax (filter, block:4x4, nm:2:4); empty: the default's. */
  granularity: string;
}

/** A typed number as a number, anything else as typed, for the engine to name. */
function numberOrText(text: string): number | string {
  const t = text.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
}

export class CompressionForm {
  sparsity = $state('0.5');
  granularity = $state<GranularityKind>('element');
  blockRows = $state(4);
  blockCols = $state(4);
  nmN = $state(2);
  nmM = $state(4);
  norm = $state<'l1' | 'l2'>('l1');
  keepFirst = $state(false);
  keepLast = $state(false);
  thin = $state(false);
  /** '' none. */
  quantize = $state<string>('');
  /** 0 none. */
  shareBits = $state(0);
  /** By layer (initializer) name. */
  overrides = $state<Record<string, LayerOverride>>({});
  /** Loaded entries that name no single layer of this model (globs, node names): kept as they are. */
  extraEntries = $state.raw<NonNullable<RecipeJson['layers']>>([]);

  /** The default granularity in recipe syntax. */
  get granularitySpec(): string {
    if (this.granularity === 'block') return `block:${this.blockRows}x${this.blockCols}`;
    if (this.granularity === 'nm') return `nm:${this.nmN}:${this.nmM}`;
    return this.granularity;
  }

  override(layer: string): LayerOverride {
    return this.overrides[layer] ?? { sparsity: '', granularity: '' };
  }

  setOverride(layer: string, change: Partial<LayerOverride>): void {
    const next = { ...this.override(layer), ...change };
    const rest = Object.fromEntries(Object.entries(this.overrides).filter(([name]) => name !== layer));
    this.overrides = next.sparsity.trim() === '' && next.granularity === '' ? rest : { ...rest, [layer]: next };
  }

  /** The recipe as JSON: what is previewed, made, and saved. */
  get recipe(): RecipeJson {
    const nm = this.granularity === 'nm';
    const sparsity = numberOrText(this.sparsity);
    // A default of 0 prunes nothing: leave the layers dense rather than listing a no-op target (N:M implies its own).
    const hasDefault = nm || (this.sparsity.trim() !== '' && sparsity !== 0);
    const defaultSpec = hasDefault ? { ...(nm ? {} : { sparsity: sparsity as number }), granularity: this.granularitySpec, norm: this.norm } : undefined;
    const layers = Object.entries(this.overrides).map(([name, o]) => {
      const granularity = o.granularity || this.granularitySpec;
      // Untyped: N:M implies its sparsity; otherwise the default's, or 0 without one.
      const target = o.sparsity.trim() !== '' ? numberOrText(o.sparsity) : granularity.startsWith('nm:') ? undefined : hasDefault && !nm ? sparsity : 0;
      return { name, ...(target !== undefined ? { sparsity: target as number } : {}), granularity, norm: this.norm };
    });
    return {
      ...(defaultSpec ? { default: defaultSpec } : {}),
      layers: [...this.extraEntries, ...layers],
      ...(this.keepFirst ? { keepFirst: true } : {}),
      ...(this.keepLast ? { keepLast: true } : {}),
      ...(this.thin ? { thin: true } : {}),
      ...(this.shareBits > 0 ? { shareWeights: { bits: this.shareBits } } : {}),
      ...(this.quantize ? { quantize: this.quantize } : {}),
    };
  }

  /** Fill the form from a recipe file's JSON; per-layer entries naming one of `layerNames` become overrides. */
  load(value: unknown, layerNames: readonly string[]): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('a recipe is a JSON object');
    const r = value as RecipeJson;
    const d = r.default;
    this.sparsity = d?.sparsity !== undefined ? String(d.sparsity) : d ? '' : '0';
    this.norm = d?.norm === 'l2' ? 'l2' : 'l1';
    this.setGranularity(d?.granularity ?? 'element');
    this.keepFirst = r.keepFirst === true;
    this.keepLast = r.keepLast === true;
    this.thin = r.thin === true;
    const bits = typeof r.shareWeights === 'object' && r.shareWeights !== null ? r.shareWeights.bits : r.shareWeights;
    this.shareBits = typeof bits === 'number' ? bits : 0;
    const q = typeof r.quantize === 'object' && r.quantize !== null ? r.quantize.mode : r.quantize;
    this.quantize = typeof q === 'string' ? q : '';
    const overrides: Record<string, LayerOverride> = {};
    const extra: NonNullable<RecipeJson['layers']> = [];
    for (const entry of Array.isArray(r.layers) ? r.layers : []) {
      if (layerNames.includes(entry?.name)) {
        overrides[entry.name] = { sparsity: entry.sparsity !== undefined ? String(entry.sparsity) : '', granularity: entry.granularity ?? '' };
      } else extra.push(entry);
    }
    this.overrides = overrides;
    this.extraEntries = extra;
  }

  private setGranularity(spec: string): void {
    const block = /^block:(\d+)x(\d+)$/.exec(spec);
    const nm = /^nm:(\d+):(\d+)$/.exec(spec);
    if (block) {
      this.granularity = 'block';
      this.blockRows = Number(block[1]);
      this.blockCols = Number(block[2]);
    } else if (nm) {
      this.granularity = 'nm';
      this.nmN = Number(nm[1]);
      this.nmM = Number(nm[2]);
    } else {
      this.granularity = (GRANULARITY_KINDS as readonly string[]).includes(spec) ? (spec as GranularityKind) : 'element';
    }
  }

  reset(): void {
    this.overrides = {};
    this.extraEntries = [];
  }
}

export type VariantPhase = 'idle' | 'creating' | 'created';

/** Preview and variant of one model's recipe. */
export class Compression {
  readonly form = new CompressionForm();
  /** Raw: replaced whole. The last good preview stays while a newer recipe is bad, so its table can be fixed. */
  preview = $state.raw<CompressionPreview | null>(null);
  /** The preview is of an older recipe than the form's (one is pending or the newest failed). */
  stale = $state(false);
  variant = $state.raw<CompressModelResult | null>(null);
  variantPhase = $state<VariantPhase>('idle');
  /** The layer whose views are shown (a weight initializer name), and its views for the previewed recipe. */
  selectedLayer = $state<string | null>(null);
  layerViews = $state.raw<LayerViews | null>(null);

  private previewedRecipe: RecipeJson | null = null;
  private viewsSequence = 0;

  private timer: ReturnType<typeof setTimeout> | null = null;
  private queued: { modelPath: string; recipe: RecipeJson } | null = null;
  private inFlight = false;
  private sequence = 0;
  private modelPath: string | null = null;

  constructor(
    private readonly client: ApiClient,
    private readonly errors: ErrorLine,
  ) {}

  /** Another model: its own layers, no overrides or variant of the last one. */
  useModel(modelPath: string): void {
    if (modelPath === this.modelPath) return;
    this.modelPath = modelPath;
    this.form.reset();
    this.preview = null;
    this.variant = null;
    this.variantPhase = 'idle';
    this.selectedLayer = null;
    this.layerViews = null;
    this.previewedRecipe = null;
  }

  /** Show `layer`'s views (for the recipe last previewed); selecting it again hides them. */
  selectLayer(layer: string): void {
    this.selectedLayer = this.selectedLayer === layer ? null : layer;
    this.layerViews = null;
    void this.fetchViews();
  }

  /** The selected layer's views for the previewed recipe; the newest request wins. */
  private async fetchViews(): Promise<void> {
    const mine = ++this.viewsSequence;
    const { modelPath, selectedLayer: layer, previewedRecipe: recipe } = this;
    if (!modelPath || !layer || !recipe) {
      this.layerViews = null;
      return;
    }
    try {
      const views = await this.client.call('compressionLayerViews', { modelPath, recipe, layer });
      if (mine === this.viewsSequence) this.layerViews = views;
    } catch (err) {
      if (mine === this.viewsSequence) this.errors.show(`Showing the views of ${layer} failed`, err);
    }
  }

  /**
   * Preview `recipe` after a quiet moment; a newer call replaces a pending one. One preview is in flight at a
   * time (a large model's takes seconds): edits made meanwhile are previewed once it returns, only the newest.
   */
  schedulePreview(recipe: RecipeJson): void {
    const modelPath = this.modelPath;
    if (!modelPath) return;
    this.stale = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.queued = { modelPath, recipe };
      if (!this.inFlight) void this.drainPreviews();
    }, PREVIEW_DEBOUNCE_MS);
  }

  private async drainPreviews(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.queued) {
        const { modelPath, recipe } = this.queued;
        this.queued = null;
        await this.runPreview(modelPath, recipe);
      }
    } finally {
      this.inFlight = false;
    }
  }

  private async runPreview(modelPath: string, recipe: RecipeJson): Promise<void> {
    const mine = ++this.sequence;
    try {
      const preview = await this.client.call('previewCompression', { modelPath, recipe });
      // Superseded: a newer edit is waiting, or the model changed.
      if (mine !== this.sequence || this.queued || this.timer || modelPath !== this.modelPath) return;
      this.preview = preview;
      this.stale = false;
      this.errors.clear();
      this.previewedRecipe = recipe;
      // A layer the new preview does not have (another model's, or a loaded recipe's) is no longer selected.
      if (this.selectedLayer && !preview.layers.some((l) => l.name === this.selectedLayer)) this.selectedLayer = null;
      void this.fetchViews();
    } catch (err) {
      if (mine !== this.sequence || this.queued || this.timer) return;
      this.errors.show('Previewing the compression failed', err);
    }
  }

  async createVariant(): Promise<void> {
    const modelPath = this.modelPath;
    if (!modelPath || this.variantPhase === 'creating') return;
    this.variantPhase = 'creating';
    this.variant = null;
    try {
      this.variant = await this.client.call('compressModel', { modelPath, recipe: this.form.recipe });
      this.variantPhase = 'created';
      this.errors.clear();
    } catch (err) {
      this.variantPhase = 'idle';
      this.errors.show('Creating the variant failed', err);
    }
  }

  /** The recipe file's text. */
  recipeJson(): string {
    return `${JSON.stringify(this.form.recipe, null, 2)}\n`;
  }

  loadRecipe(text: string, fileName: string): void {
    try {
      this.form.load(JSON.parse(text), this.preview?.layers.map((l) => l.name) ?? []);
    } catch (err) {
      this.errors.show(`Loading the recipe ${fileName} failed`, err);
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.queued = null;
    this.sequence++;
    this.viewsSequence++;
  }
}
