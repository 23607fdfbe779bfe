import { scaleLinear } from 'd3';
import { describe, expect, it } from 'vitest';
import { PHASE_COLORS, providerColors, SELECTED_COLOR } from '../../src/renderer/src/charts/palette';
import { buildTimelineData } from '../../src/renderer/src/charts/timeline-data';
import { drawTimeline, PROVIDER_STRIPE_PX, type TimelineFrame } from '../../src/renderer/src/charts/timeline-draw';
import { laneBands, layoutSpans } from '../../src/renderer/src/charts/timeline-layout';
import { buildSampleReport, CPU_PROVIDER, WEBGPU_PROVIDER } from '../fixtures/reports/sample-report';

interface FilledRect {
  color: string;
  xPx: number;
  yPx: number;
  widthPx: number;
  heightPx: number;
}

/** A 2D context that records every fillRect with the fill colour in effect; the rest does nothing. */
function recordingContext(): { ctx: CanvasRenderingContext2D; fills: FilledRect[] } {
  const fills: FilledRect[] = [];
  const ctx = {
    fillStyle: '',
    fillRect(xPx: number, yPx: number, widthPx: number, heightPx: number) {
      fills.push({ color: String(this.fillStyle), xPx, yPx, widthPx, heightPx });
    },
    measureText: (text: string) => ({ width: 6 * text.length }),
    setTransform() {},
    clearRect() {},
    fillText() {},
    strokeRect() {},
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, fills };
}

/** The sample report with a WebGPU run per variant, laid out over all profiled runs. */
function frameOfGpuSample(): TimelineFrame {
  const data = buildTimelineData(buildSampleReport({ webgpu: true }));
  const rects = layoutSpans(data.lanes, scaleLinear().domain(data.runsExtentMs).range([0, 4000]), laneBands(data.lanes.length, 24, 6));
  return {
    widthPx: 4000,
    heightPx: 200,
    devicePixelRatio: 1,
    runBands: [],
    rects,
    highlighted: null,
    providerColors: providerColors(data.providers.filter((p) => p !== CPU_PROVIDER)),
  };
}

describe('drawTimeline', () => {
  it('draws a thin stripe in the provider colour on top of every op that ran off the CPU EP, and only those', () => {
    const frame = frameOfGpuSample();
    const stripeColor = frame.providerColors.get(WEBGPU_PROVIDER);
    expect(stripeColor).toBeDefined();
    expect(Object.values(PHASE_COLORS)).not.toContain(stripeColor);

    const { ctx, fills } = recordingContext();
    drawTimeline(ctx, frame);
    const stripes = fills.filter((f) => f.color === stripeColor);
    const marked = frame.rects.filter((r) => r.offCpuProvider === WEBGPU_PROVIDER);
    expect(marked.length).toBeGreaterThan(0);
    expect(stripes).toEqual(marked.map((r) => ({ color: stripeColor, xPx: r.xPx, yPx: r.yPx, widthPx: r.widthPx, heightPx: PROVIDER_STRIPE_PX })));
    expect(PROVIDER_STRIPE_PX).toBeLessThan(frame.rects[0].heightPx / 4);
  });

  it('keeps the phase colours of marked ops: their segments are filled over the full height, under the stripe', () => {
    const frame = frameOfGpuSample();
    const { ctx, fills } = recordingContext();
    drawTimeline(ctx, frame);
    const phaseColors = new Set<string>(Object.values(PHASE_COLORS));
    const marked = frame.rects.find((r) => r.offCpuProvider !== null && r.segments.length === 3);
    if (!marked) throw new Error('the sample has no wide marked op');
    const phaseFills = fills.filter((f) => phaseColors.has(f.color) && f.yPx === marked.yPx && f.xPx >= marked.xPx && f.xPx < marked.xPx + marked.widthPx);
    expect(phaseFills.map((f) => f.color)).toEqual(marked.segments.map((s) => PHASE_COLORS[s.phase]));
    for (const fill of phaseFills) expect(fill.heightPx).toBe(marked.heightPx);
    // Stripes are painted after the phases, so they lie on top.
    const lastPhase = fills.findLastIndex((f) => phaseColors.has(f.color));
    const firstStripe = fills.findIndex((f) => f.color === frame.providerColors.get(WEBGPU_PROVIDER));
    expect(firstStripe).toBeGreaterThan(lastPhase);
  });

  it('draws no stripe when every op ran on the CPU EP', () => {
    const data = buildTimelineData(buildSampleReport());
    const rects = layoutSpans(data.lanes, scaleLinear().domain(data.runsExtentMs).range([0, 2000]), laneBands(data.lanes.length, 24, 6));
    const { ctx, fills } = recordingContext();
    drawTimeline(ctx, { widthPx: 2000, heightPx: 80, devicePixelRatio: 1, runBands: [], rects, highlighted: null, providerColors: providerColors([]) });
    expect(fills.filter((f) => f.heightPx === PROVIDER_STRIPE_PX)).toEqual([]);
  });
});

describe('providerColors', () => {
  it('keeps one colour per known provider whatever the order, and gives unknown ones distinct fallbacks', () => {
    const a = providerColors([WEBGPU_PROVIDER, 'CUDAExecutionProvider']);
    const b = providerColors(['CUDAExecutionProvider', WEBGPU_PROVIDER]);
    expect(a.get(WEBGPU_PROVIDER)).toBe(b.get(WEBGPU_PROVIDER));
    const unknown = providerColors(['FooExecutionProvider', 'BarExecutionProvider']);
    expect(new Set(unknown.values()).size).toBe(2);
  });
});

describe('drawTimeline: the selected op', () => {
  it('outlines each rectangle of the selected op in the selection colour, after the fills', () => {
    const frame = frameOfGpuSample();
    const selected = frame.rects.filter((r) => r.lane === 0 && r.count === 1).slice(0, 3);
    const calls: string[] = [];
    const strokes: { color: string; xPx: number; widthPx: number }[] = [];
    const { ctx } = recordingContext();
    const recording = Object.assign(ctx, {
      strokeStyle: '',
      fillRect() {
        calls.push('fill');
      },
      strokeRect(this: { strokeStyle: string }, xPx: number, _y: number, widthPx: number) {
        calls.push('stroke');
        strokes.push({ color: String(this.strokeStyle), xPx, widthPx });
      },
    });
    drawTimeline(recording, { ...frame, selected });
    expect(strokes).toEqual(selected.map((r) => ({ color: SELECTED_COLOR, xPx: r.xPx + 1, widthPx: Math.max(0, r.widthPx - 2) })));
    expect(calls.lastIndexOf('fill')).toBeLessThan(calls.indexOf('stroke'));
  });
});
