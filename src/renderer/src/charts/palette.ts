/**
 * The colours of every chart and legend. Phases keep one hue each everywhere (timeline, tables, lane
 * summaries): memory blue, compute orange, overhead grey, so a glance at any view reads the same.
 */
export type Phase = 'memory' | 'compute' | 'overhead';

export const PHASES: readonly Phase[] = ['memory', 'compute', 'overhead'];

export const PHASE_COLORS: Readonly<Record<Phase, string>> = {
  memory: '#3d7fc1',
  compute: '#ea8a2e',
  overhead: '#a3a9b3',
};

/** Counter series colours, chosen away from the phase hues so a counter is never read as a phase. */
export const COUNTER_COLORS: readonly string[] = ['#2a9d8f', '#8e5bb5', '#c0577b', '#5a8f29', '#b08a1e', '#4d6a8c'];

/**
 * Lanes are told apart in counter tracks by dash pattern (SVG stroke-dasharray), since colour already
 * names the counter: first lane solid, then dashed, dotted, dash-dot.
 */
const LANE_DASHES: readonly string[] = ['', '5 3', '1.5 2.5', '7 2.5 1.5 2.5'];

export function laneDash(lane: number): string {
  return LANE_DASHES[lane % LANE_DASHES.length];
}

export const SPAN_LABEL_COLOR = '#ffffff';
export const RUN_BAND_COLORS: readonly [string, string] = ['#f1f3f6', '#e8ebf0'];
export const HIGHLIGHT_COLOR = '#1b1f24';
/** Variants on the roofline (dense first), away from the phase hues; each also has its own marker shape. */
export const VARIANT_COLORS: readonly string[] = ['#1f5f99', '#c0392b', '#2a9d8f', '#8e5bb5', '#b08a1e', '#5a8f29'];

/** Outline of the spans of the op selected in the op table or the roofline. */
export const SELECTED_COLOR = '#d6336c';

/**
 * Ops that ran on another execution provider than the CPU EP carry a thin stripe on top of their span, in
 * the provider's colour; the phase colours below it stay as they are. Known providers keep one colour in
 * every report; others take the fallbacks in the order they occur. All are darker and more saturated than
 * the phase hues, so a stripe never reads as a phase.
 */
const PROVIDER_COLORS: Readonly<Record<string, string>> = {
  WebGpuExecutionProvider: '#7a35c9',
  CUDAExecutionProvider: '#4f8a00',
  TensorrtExecutionProvider: '#1d6b4a',
  DmlExecutionProvider: '#b3176a',
  CoreMLExecutionProvider: '#c2410c',
};
const FALLBACK_PROVIDER_COLORS: readonly string[] = ['#1f2933', '#8a6d00', '#0e7490'];

/** The stripe colour of each of `providers` (those off the CPU EP), in their order. */
export function providerColors(providers: readonly string[]): Map<string, string> {
  const colors = new Map<string, string>();
  let fallback = 0;
  for (const provider of providers) {
    if (colors.has(provider)) continue;
    colors.set(provider, PROVIDER_COLORS[provider] ?? FALLBACK_PROVIDER_COLORS[fallback++ % FALLBACK_PROVIDER_COLORS.length]);
  }
  return colors;
}
