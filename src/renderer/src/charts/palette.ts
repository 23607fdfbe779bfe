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
