/**
 * The report's roofline, as static SVG (no script: it prints and opens anywhere): each op a point at
 * (FLOP per byte, FLOP / median time) on log-log axes, one colour and marker per variant so dense and
 * compressed sit side by side, under the roofs of the runs' ceilings, min(peak, bandwidth x intensity),
 * DRAM solid and last-level cache dashed. The app draws the same chart interactively
 * (src/renderer/src/charts/Roofline.svelte); both take their geometry from src/shared/roofline.ts.
 */
import type { Report } from '../../../../shared/report';
import { opPosition, roofAt, rooflineDomains, roofsOf, type Roof } from '../../../../shared/roofline';
import { formatBandwidth, formatFlopRate } from './format';
import { html, SafeHtml } from './safe-html';
import { variantRuns } from './variant-runs';

const WIDTH_PX = 760;
const HEIGHT_PX = 320;
const MARGIN = { top: 12, right: 20, bottom: 36, left: 86 };
/** Away from the phase hues, as in the app. */
const VARIANT_COLORS = ['#1f5f99', '#c0392b', '#2a9d8f', '#8e5bb5', '#b08a1e', '#5a8f29'];
/** Marker paths centred on 0,0, about 9 px across: circle, triangle, diamond, square. */
const MARKERS = ['M4.5,0A4.5,4.5,0,1,1,-4.5,0A4.5,4.5,0,1,1,4.5,0Z', 'M0,-5.5L5,3.2L-5,3.2Z', 'M0,-5.5L4,0L0,5.5L-4,0Z', 'M-4,-4H4V4H-4Z'];

interface Point {
  variant: number;
  label: string;
  intensity: number;
  flopsPerSec: number;
}

/** A log10 scale from `domain` onto `range`. */
function logScale(domain: [number, number], range: [number, number]): (v: number) => number {
  const [d0, d1] = domain.map(Math.log10);
  return (v) => range[0] + ((Math.log10(v) - d0) / (d1 - d0)) * (range[1] - range[0]);
}

export function renderRoofline(report: Report): SafeHtml {
  const runs = variantRuns(report);
  const variants = [...new Set(runs.map((r) => r.variant.id))];
  const roofs = new Map<string, Roof>();
  const points: Point[] = [];
  for (const { label, variant, run } of runs) {
    for (const roof of roofsOf(run.ceilings)) roofs.set(`${roof.ep}/${roof.threads}/${roof.level}`, roof);
    for (const op of run.ops) {
      const position = opPosition(op);
      if (position) points.push({ variant: variants.indexOf(variant.id), label: `${op.name} (${op.opType}), ${label}`, ...position });
    }
  }
  if (points.length === 0) return html``;
  const roofList = [...roofs.values()];
  const { xDomain, yDomain } = rooflineDomains(points, roofList);
  const x = logScale(xDomain, [MARGIN.left, WIDTH_PX - MARGIN.right]);
  const y = logScale(yDomain, [HEIGHT_PX - MARGIN.bottom, MARGIN.top]);
  const fixed = (v: number) => v.toFixed(1);

  const decadesOf = ([lo, hi]: [number, number]) => Array.from({ length: Math.round(Math.log10(hi / lo)) + 1 }, (_, i) => lo * 10 ** i);
  const xTicks = decadesOf(xDomain).map(
    (t) => html`<line class="rl-grid" x1="${fixed(x(t))}" x2="${fixed(x(t))}" y1="${MARGIN.top}" y2="${HEIGHT_PX - MARGIN.bottom}"/><text class="rl-tick" x="${fixed(x(t))}" y="${HEIGHT_PX - MARGIN.bottom + 14}" text-anchor="middle">${t >= 1000 || t < 0.01 ? `1e${Math.round(Math.log10(t))}` : String(t)}</text>`,
  );
  const yTicks = decadesOf(yDomain).map(
    (t) => html`<line class="rl-grid" x1="${MARGIN.left}" x2="${WIDTH_PX - MARGIN.right}" y1="${fixed(y(t))}" y2="${fixed(y(t))}"/><text class="rl-tick" x="${MARGIN.left - 6}" y="${fixed(y(t) + 3)}" text-anchor="end">${formatFlopRate(t)}</text>`,
  );
  const roofPaths = roofList.map((roof) => {
    const start = Math.max(xDomain[0], yDomain[0] / roof.bandwidthBytesPerSec);
    const ridge = Math.min(Math.max(roof.peakFlopsPerSec / roof.bandwidthBytesPerSec, start), xDomain[1]);
    const d = [start, ridge, xDomain[1]].map((i, k) => `${k === 0 ? 'M' : 'L'}${fixed(x(i))},${fixed(y(roofAt(roof, i)))}`).join('');
    const name = roof.level === 'dram' ? 'DRAM' : 'last-level cache';
    return html`<path class="rl-roof${roof.level === 'cache' ? ' rl-cache' : ''}" d="${d}"><title>${name} ${formatBandwidth(roof.bandwidthBytesPerSec)}, peak ${formatFlopRate(roof.peakFlopsPerSec)} (${roof.ep}, ${roof.threads} threads)</title></path>`;
  });
  const marks = points.map(
    (p) =>
      html`<path class="rl-point" d="${MARKERS[p.variant % MARKERS.length]}" fill="${VARIANT_COLORS[p.variant % VARIANT_COLORS.length]}" transform="translate(${fixed(x(p.intensity))},${fixed(y(p.flopsPerSec))})"><title>${p.label}: ${p.intensity.toFixed(2)} FLOP/B, ${formatFlopRate(p.flopsPerSec)}</title></path>`,
  );
  const legend = variants.map(
    (v, i) =>
      html`<span class="rl-legend"><svg width="12" height="12" viewBox="-6 -6 12 12"><path d="${MARKERS[i % MARKERS.length]}" fill="${VARIANT_COLORS[i % VARIANT_COLORS.length]}"/></svg> ${v}</span>`,
  );
  return html`<section id="roofline">
  <h2>Roofline</h2>
  <p class="lede">Each op with a FLOP model at its arithmetic intensity (FLOP per byte moved) and the FLOP/s it reached (FLOPs over its median time), under this machine's roofs: min(peak FLOP/s, bandwidth × intensity), DRAM solid, last-level cache dashed. An op above the DRAM roof had its bytes served from cache.</p>
  <div>${legend}</div>
  <svg class="rl" width="${WIDTH_PX}" height="${HEIGHT_PX}" role="img" aria-label="Roofline">
    ${xTicks}${yTicks}
    <text class="rl-tick" x="${(MARGIN.left + WIDTH_PX - MARGIN.right) / 2}" y="${HEIGHT_PX - 4}" text-anchor="middle">arithmetic intensity (FLOP / byte)</text>
    ${roofPaths}${marks}
  </svg>
</section>`;
}
