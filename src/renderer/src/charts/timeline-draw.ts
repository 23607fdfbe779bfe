/**
 * Paints laid-out timeline rectangles (./timeline-layout.ts) on a 2D canvas. Fills are batched by colour:
 * one fillStyle change per phase, and per provider stripe, for the whole frame, however many spans there are.
 */
import { HIGHLIGHT_COLOR, PHASE_COLORS, PHASES, RUN_BAND_COLORS, SELECTED_COLOR, SPAN_LABEL_COLOR } from './palette';
import type { RunBandRect, SpanRect } from './timeline-layout';

export interface TimelineFrame {
  widthPx: number;
  heightPx: number;
  devicePixelRatio: number;
  runBands: readonly RunBandRect[];
  rects: readonly SpanRect[];
  highlighted: SpanRect | null;
  /** Rectangles of the op selected in the op table or the roofline: outlined. */
  selected?: readonly SpanRect[];
  /** Stripe colour of each provider other than the CPU EP (see providerColors in ./palette.ts). */
  providerColors: ReadonlyMap<string, string>;
}

const LABEL_FONT = '10px system-ui, -apple-system, "Segoe UI", sans-serif';
const LABEL_PAD_PX = 3;
/** Spans at least this wide get a hairline gap on their right, so back-to-back ops stay distinguishable. */
const GAP_MIN_WIDTH_PX = 4;
/** Height of the stripe on top of an op that ran off the CPU EP: visible, yet most of the span shows phases. */
export const PROVIDER_STRIPE_PX = 3;

/** The longest prefix of `text` (with an ellipsis when cut) that fits in `maxWidthPx`, or null. */
function fitLabel(ctx: CanvasRenderingContext2D, text: string, maxWidthPx: number): string | null {
  if (ctx.measureText(text).width <= maxWidthPx) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidthPx) lo = mid;
    else hi = mid - 1;
  }
  return lo >= 2 ? `${text.slice(0, lo)}…` : null;
}

export function drawTimeline(ctx: CanvasRenderingContext2D, frame: TimelineFrame): void {
  const { widthPx, heightPx, devicePixelRatio: dpr } = frame;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, widthPx, heightPx);

  for (const band of frame.runBands) {
    ctx.fillStyle = RUN_BAND_COLORS[band.run % 2];
    ctx.fillRect(band.xPx, band.yPx, band.widthPx, band.heightPx);
  }

  for (const phase of PHASES) {
    ctx.fillStyle = PHASE_COLORS[phase];
    for (const rect of frame.rects) {
      for (const segment of rect.segments) {
        if (segment.phase === phase) ctx.fillRect(segment.xPx, rect.yPx, segment.widthPx, rect.heightPx);
      }
    }
  }

  for (const [provider, color] of frame.providerColors) {
    ctx.fillStyle = color;
    for (const rect of frame.rects) {
      if (rect.offCpuProvider === provider) ctx.fillRect(rect.xPx, rect.yPx, rect.widthPx, PROVIDER_STRIPE_PX);
    }
  }

  ctx.fillStyle = '#ffffff';
  for (const rect of frame.rects) {
    // Not after a merged rectangle: its right edge is a level-of-detail cut, not the end of an op.
    if (rect.widthPx >= GAP_MIN_WIDTH_PX && rect.count === 1) ctx.fillRect(rect.xPx + rect.widthPx - 1, rect.yPx, 1, rect.heightPx);
  }

  ctx.font = LABEL_FONT;
  ctx.textBaseline = 'middle';
  ctx.fillStyle = SPAN_LABEL_COLOR;
  ctx.shadowColor = 'rgba(0, 0, 0, 0.45)';
  ctx.shadowBlur = 2;
  for (const rect of frame.rects) {
    if (rect.label === null) continue;
    const text = fitLabel(ctx, rect.label, rect.widthPx - 2 * LABEL_PAD_PX);
    if (text !== null) ctx.fillText(text, rect.xPx + LABEL_PAD_PX, rect.yPx + rect.heightPx / 2);
  }
  ctx.shadowColor = 'transparent';
  ctx.shadowBlur = 0;

  if (frame.selected && frame.selected.length > 0) {
    ctx.strokeStyle = SELECTED_COLOR;
    ctx.lineWidth = 2;
    for (const r of frame.selected) ctx.strokeRect(r.xPx + 1, r.yPx + 1, Math.max(0, r.widthPx - 2), r.heightPx - 2);
  }

  if (frame.highlighted) {
    const h = frame.highlighted;
    ctx.strokeStyle = HIGHLIGHT_COLOR;
    ctx.lineWidth = 1.5;
    ctx.strokeRect(h.xPx + 0.75, h.yPx + 0.75, Math.max(0, h.widthPx - 1.5), h.heightPx - 1.5);
  }
}
