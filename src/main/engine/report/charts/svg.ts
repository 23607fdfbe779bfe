/**
 * A small toolkit for standalone SVG charts written in Node (no DOM, no d3): escaping, linear
 * and log scales with round ticks, axes, and the document wrapper. Every chart module builds
 * its markup from these, so every exported file is well-formed XML with its styles inline
 * (it opens alone, in a browser, an editor or a paper's figure).
 */

/** The report's colours (html/styles.ts), one hue per phase. */
export const COLORS = {
  memory: '#3d74b6',
  compute: '#e3862b',
  overhead: '#a7abb1',
  text: '#1d2127',
  muted: '#5f6873',
  rule: '#dde1e6',
  accent: '#1f5fa8',
  good: '#1d7a45',
  bad: '#b3261e',
} as const;

/** Series colours for charts with one line per backend or batch. */
export const SERIES_COLORS = ['#1f5fa8', '#e3862b', '#1d7a45', '#8e5bb5', '#b3261e', '#2a9d8f', '#b08a1e', '#4d6a8c'] as const;

const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';
export const CHAR_PX = 6.4;

export function esc(text: string | number): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Numbers in attributes: short, and never NaN or Infinity (which would make a broken file). */
export function n(value: number): string {
  if (!Number.isFinite(value)) return '0';
  return String(Math.round(value * 100) / 100);
}

export function truncate(text: string, maxChars: number): string {
  if (maxChars < 2) return '';
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}\u2026`;
}

export interface Scale {
  (value: number): number;
  domain: [number, number];
  range: [number, number];
  ticks(count: number): number[];
}

/** Round tick spacing: 1, 2 or 5 times a power of ten. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1;
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

/** A linear scale; the domain is widened to round ends (and to a span when both ends are equal). */
export function linearScale(domain: [number, number], range: [number, number], nice = true, tickCount = 6): Scale {
  let [d0, d1] = domain;
  if (!(d1 > d0)) [d0, d1] = d0 === 0 ? [0, 1] : [Math.min(0, d0 * 0.9), Math.max(d0 * 1.1, 0)];
  if (nice) {
    const step = niceStep(d1 - d0, tickCount);
    d0 = Math.floor(d0 / step) * step;
    d1 = Math.ceil(d1 / step) * step;
  }
  const f = ((v: number) => range[0] + ((v - d0) / (d1 - d0)) * (range[1] - range[0])) as Scale;
  f.domain = [d0, d1];
  f.range = range;
  f.ticks = (count) => {
    const step = niceStep(d1 - d0, count);
    const out: number[] = [];
    for (let v = Math.ceil(d0 / step) * step; v <= d1 + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  };
  return f;
}

/** A base-10 log scale (for latency and size spans of orders of magnitude); ticks at powers of ten and their 2x, 5x. */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  const lo = Math.log10(Math.max(domain[0], 1e-12));
  let hi = Math.log10(Math.max(domain[1], 1e-12));
  const l0 = Math.floor(lo);
  if (hi <= l0) hi = l0 + 1;
  const l1 = Math.ceil(hi);
  const f = ((v: number) => range[0] + ((Math.log10(Math.max(v, 1e-12)) - l0) / (l1 - l0)) * (range[1] - range[0])) as Scale;
  f.domain = [10 ** l0, 10 ** l1];
  f.range = range;
  f.ticks = () => {
    const out: number[] = [];
    for (let p = l0; p <= l1; p++) for (const m of l1 - l0 > 3 ? [1] : [1, 2, 5]) if (p < l1 || m === 1) out.push(Number((m * 10 ** p).toPrecision(12)));
    return out;
  };
  return f;
}

/** Tick labels: no trailing zeros, thousands as k. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e9) return `${Number((v / 1e9).toPrecision(3))}G`;
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

export function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${n(x)}" y="${n(y)}" ${attrs}>${esc(content)}</text>`;
}

/** A horizontal axis at y with grid lines up to top, and its label at the right end. */
export function bottomAxis(x: Scale, y: number, top: number, label: string, tickCount = 6, format = tickLabel): string {
  const parts = [`<line x1="${n(x.range[0])}" x2="${n(x.range[1])}" y1="${n(y)}" y2="${n(y)}" stroke="${COLORS.muted}"/>`];
  for (const t of x.ticks(tickCount)) {
    const px = x(t);
    parts.push(`<line x1="${n(px)}" x2="${n(px)}" y1="${n(top)}" y2="${n(y)}" stroke="${COLORS.rule}"/>`);
    parts.push(`<line x1="${n(px)}" x2="${n(px)}" y1="${n(y)}" y2="${n(y + 4)}" stroke="${COLORS.muted}"/>`);
    parts.push(text(px, y + 15, format(t), `text-anchor="middle" font-size="10" fill="${COLORS.muted}"`));
  }
  parts.push(text(x.range[1], y + 32, label, `text-anchor="end" font-size="11" fill="${COLORS.text}"`));
  return `<g class="axis x">${parts.join('')}</g>`;
}

/** A vertical axis at x with grid lines across to right, and its label rotated along it. */
export function leftAxis(y: Scale, x: number, right: number, label: string, tickCount = 5, format = tickLabel): string {
  const parts = [`<line x1="${n(x)}" x2="${n(x)}" y1="${n(y.range[0])}" y2="${n(y.range[1])}" stroke="${COLORS.muted}"/>`];
  for (const t of y.ticks(tickCount)) {
    const py = y(t);
    parts.push(`<line x1="${n(x)}" x2="${n(right)}" y1="${n(py)}" y2="${n(py)}" stroke="${COLORS.rule}"/>`);
    parts.push(text(x - 6, py + 3.5, format(t), `text-anchor="end" font-size="10" fill="${COLORS.muted}"`));
  }
  const mid = (y.range[0] + y.range[1]) / 2;
  parts.push(`<text transform="translate(${n(x - 42)},${n(mid)}) rotate(-90)" text-anchor="middle" font-size="11" fill="${COLORS.text}">${esc(label)}</text>`);
  return `<g class="axis y">${parts.join('')}</g>`;
}

/** A legend row of coloured swatches. */
export function legend(x: number, y: number, items: { label: string; color: string; shape?: 'rect' | 'line' }[]): string {
  let cx = x;
  const parts: string[] = [];
  for (const item of items) {
    parts.push(
      item.shape === 'line'
        ? `<line x1="${n(cx)}" x2="${n(cx + 14)}" y1="${n(y - 4)}" y2="${n(y - 4)}" stroke="${item.color}" stroke-width="2"/>`
        : `<rect x="${n(cx)}" y="${n(y - 9)}" width="10" height="10" fill="${item.color}"/>`,
    );
    parts.push(text(cx + 18, y, item.label, `font-size="11" fill="${COLORS.text}"`));
    cx += 30 + item.label.length * CHAR_PX;
  }
  return `<g class="legend">${parts.join('')}</g>`;
}

/** Reproducibility lines ([label, value]) printed small under every exported chart. */
export type Provenance = readonly (readonly [string, string])[];

const FOOTER_LINE_PX = 12;

/**
 * The standalone document: XML declaration, size, white background, title, description and, when
 * given, the reproducibility block as small text under the chart (so it survives into the PNG) and
 * as <metadata>.
 */
export function svgDocument(width: number, height: number, title: string, body: string, description = '', provenance: Provenance = []): string {
  const footerTop = height + 4;
  const total = height + (provenance.length > 0 ? provenance.length * FOOTER_LINE_PX + 10 : 0);
  const maxChars = Math.floor((width - 24) / 5.2);
  const footer = provenance.map(([k, v], i) => text(12, footerTop + (i + 1) * FOOTER_LINE_PX, truncate(`${k}: ${v}`, maxChars), `font-size="8.5" fill="${COLORS.muted}"`));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(total)}" viewBox="0 0 ${n(width)} ${n(total)}" ${FONT}>`,
    `<title>${esc(title)}</title>`,
    description ? `<desc>${esc(description)}</desc>` : '',
    provenance.length > 0 ? `<metadata>${esc(JSON.stringify(Object.fromEntries(provenance)))}</metadata>` : '',
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    text(12, 20, title, `font-size="13" font-weight="600" fill="${COLORS.text}"`),
    body,
    ...footer,
    '</svg>',
    '',
  ].join('\n');
}

/** A chart with nothing to draw still makes a valid file that says so. */
export function emptyChart(title: string, why: string): string {
  return svgDocument(520, 80, title, text(12, 50, why, `font-size="12" fill="${COLORS.muted}"`));
}
