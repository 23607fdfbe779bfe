/**
 * Frames per second of the timeline with 100,000 spans, in headless Chromium.
 *
 * The built renderer (dist/renderer) is served by the loopback bridge in front of the fake engine,
 * whose job ends with a synthetic report: the sample report's two lanes, each with its ops repeated
 * over enough profiled runs to make SPAN_COUNT spans in all. The app profiles, the timeline is fitted
 * to all runs, and then, for PHASE_MS per phase, every animation frame sends the timeline one input
 * event the way a user would (wheel zoom in and out at the pointer; drag pans at 8x and 200x zoom).
 * d3-zoom turns each event into a new scale, the layout runs and the canvas repaints within the frame
 * or delays the next one. Frames are counted with requestAnimationFrame inside the page.
 *
 * Needs Debian's chromium and a built renderer (npm run build:renderer).
 * Run: npx tsc -p tsconfig.node.json && node dist/node/bench/timeline-fps.js
 * Prints one JSON line, then one line for people. Target: >= 30 frames per second in every phase.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { startBridge } from '../src/main/bridge/bridge';
import { SeededRandom } from '../src/shared/random';
import type { CounterSeries, Report, RunReport, TimelineSpan } from '../src/shared/report';
import { FakeEngine } from '../test/bridge/fake-engine';
import { buildSampleReport } from '../test/fixtures/reports/sample-report';
import { openApp } from '../test/renderer/browser-app';

/** The repository: this file runs compiled from dist/node/bench. */
const ROOT = resolve(__dirname, __dirname.split(/[\\/]/).includes('dist') ? '../../..' : '..');
const STATIC_DIR = join(ROOT, 'dist/renderer');
const CHROMIUM = '/usr/bin/chromium';

const SPAN_COUNT = 100_000;
const PHASE_MS = 3000;
const TARGET_FPS = 30;
/** Gap between ops, and between profiled runs, as the ORT trace of a small model shows them. */
const OP_GAP_MS = 0.002;
const RUN_GAP_MS = 0.05;
const COUNTER_PERIOD_MS = 10;

/** `run` profiled over as many runs as it takes to make `spanCount` spans; counters resampled to cover them. */
function repeatRuns(run: RunReport, spanCount: number, rng: SeededRandom): RunReport {
  const originMs = run.profiledRuns[0]?.startMs ?? 0;
  const spans: TimelineSpan[] = [];
  const windows: RunReport['profiledRuns'] = [];
  let t = originMs;
  for (let r = 0; spans.length < spanCount; r++) {
    const startMs = t;
    for (let op = 0; op < run.ops.length && spans.length < spanCount; op++) {
      const durMs = (run.ops[op].durUs / 1000) * rng.uniform(0.9, 1.1);
      spans.push({ op, run: r, startMs: t, durMs });
      t += durMs + OP_GAP_MS;
    }
    windows.push({ startMs, endMs: t });
    t += RUN_GAP_MS;
  }
  const counters: CounterSeries[] = run.counters.map((c) => {
    if (!c.available || !c.samples || c.samples.length === 0) return c;
    const values = c.samples.map(([, v]) => v);
    const samples: [number, number][] = [];
    for (let s = originMs, i = 0; s <= t; s += COUNTER_PERIOD_MS, i++) samples.push([s, values[i % values.length]]);
    return { ...c, samples };
  });
  return { ...run, spans, profiledRuns: windows, counters };
}

/** The sample report with `spanCount` spans spread evenly over its runs (lanes). Deterministic. */
export function syntheticTimelineReport(spanCount = SPAN_COUNT, seed = 1): Report {
  const report = buildSampleReport();
  const runCount = report.variants.reduce((n, v) => n + v.runs.length, 0);
  const rng = new SeededRandom(seed);
  let left = spanCount;
  let lanesLeft = runCount;
  const variants = report.variants.map((v) => ({
    ...v,
    runs: v.runs.map((run) => {
      const share = Math.ceil(left / lanesLeft--);
      left -= share;
      return repeatRuns(run, share, rng);
    }),
  }));
  return { ...report, variants };
}

interface PhaseResult {
  phase: string;
  frames: number;
  fps: number;
  p50FrameMs: number;
  p95FrameMs: number;
  maxFrameMs: number;
}

/**
 * Runs in the page (a string: this program is type-checked without the DOM's types): for durationMs,
 * on every animation frame, sends the timeline's viewport the next input event of the gesture, and
 * resolves with the frame intervals it saw.
 */
const DRIVE_IN_PAGE = `async ({ gesture, durationMs }) => {
  const viewport = document.querySelector('[data-testid="timeline"] .tracks');
  const box = viewport.getBoundingClientRect();
  const y = box.top + 20;
  const intervals = [];
  let last = performance.now();
  const start = last;
  let frame = 0;
  let x = box.left + box.width / 2;
  const mouse = (type, clientX) =>
    (type === 'mousedown' ? viewport : window).dispatchEvent(
      new MouseEvent(type, { clientX, clientY: y, button: 0, buttons: 1, bubbles: true, cancelable: true, view: window }),
    );
  if (gesture === 'pan') mouse('mousedown', x);
  return new Promise((resolve) => {
    const tick = (now) => {
      intervals.push(now - last);
      last = now;
      frame++;
      if (gesture === 'zoom') {
        // 40 frames in, 40 out, at a pointer that wanders over the lanes.
        const deltaY = Math.floor(frame / 40) % 2 === 0 ? -60 : 60;
        const clientX = box.left + box.width * (0.2 + (0.6 * ((frame * 7) % 100)) / 100);
        viewport.dispatchEvent(new WheelEvent('wheel', { deltaY, clientX, clientY: y, bubbles: true, cancelable: true, view: window }));
      } else {
        // Back and forth across the viewport, 12 px a frame.
        x += Math.floor(frame / 60) % 2 === 0 ? -12 : 12;
        mouse('mousemove', x);
      }
      if (now - start < durationMs) requestAnimationFrame(tick);
      else {
        if (gesture === 'pan') mouse('mouseup', x);
        resolve(intervals.slice(1));
      }
    };
    requestAnimationFrame(tick);
  });
}`;

async function drive(page: Page, gesture: 'zoom' | 'pan'): Promise<number[]> {
  return (await page.evaluate(`(${DRIVE_IN_PAGE})(${JSON.stringify({ gesture, durationMs: PHASE_MS })})`)) as number[];
}

function summarize(phase: string, intervals: number[], durationMs: number): PhaseResult {
  const sorted = [...intervals].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const totalMs = intervals.reduce((a, b) => a + b, 0) || durationMs;
  return {
    phase,
    frames: intervals.length,
    fps: Number(((intervals.length * 1000) / totalMs).toFixed(1)),
    p50FrameMs: Number(q(0.5).toFixed(1)),
    p95FrameMs: Number(q(0.95).toFixed(1)),
    maxFrameMs: Number(sorted[sorted.length - 1].toFixed(1)),
  };
}

async function main(): Promise<void> {
  for (const [path, fix] of [[CHROMIUM, 'apt-get install -y chromium'], [join(STATIC_DIR, 'index.html'), 'npm run build:renderer']]) {
    if (!existsSync(path)) throw new Error(`${path} is missing: ${fix}`);
  }
  const engine = new FakeEngine({ stepMs: 5, buildReport: () => syntheticTimelineReport() });
  const bridge = await startBridge({ engine, staticDir: STATIC_DIR });
  const app = await openApp(bridge.url);
  const { page } = app;
  try {
    await page.locator('[data-testid="demo-model"]').first().click();
    await page.getByTestId('run-button').click();
    await page.waitForSelector('[data-testid="job-status"][data-phase="done"]', { timeout: 60_000 });
    const timeline = page.getByTestId('timeline');
    await timeline.scrollIntoViewIfNeeded();
    await timeline.getByRole('button', { name: 'All runs' }).click();
    await page.waitForSelector(`[data-testid="timeline"][data-span-count="${SPAN_COUNT}"]`, { timeout: 30_000 });
    const rectsAllRuns = Number(await timeline.getAttribute('data-rect-count'));

    const results: PhaseResult[] = [];
    results.push(summarize('zoom in/out from all runs', await drive(page, 'zoom'), PHASE_MS));
    // Pan zoomed in 8x (about 12,000 spans on screen), then 200x (a few hundred, with labels).
    for (const [label, wheelSteps] of [['pan at 8x', 6], ['pan at 200x', 18]] as const) {
      await timeline.getByRole('button', { name: 'All runs' }).click();
      const box = (await timeline.locator('canvas').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + 20);
      for (let i = 0; i < wheelSteps; i++) await page.mouse.wheel(0, -300);
      await page.waitForTimeout(300);
      const visible = Number(await timeline.getAttribute('data-span-count'));
      const phase = summarize(label, await drive(page, 'pan'), PHASE_MS);
      results.push({ ...phase, phase: `${label} (${visible} spans visible)` });
    }
    const worst = Math.min(...results.map((r) => r.fps));
    const problems = app.problems;
    console.log(JSON.stringify({ spans: SPAN_COUNT, rectsAllRuns, phases: results, worstFps: worst, targetFps: TARGET_FPS, pass: worst >= TARGET_FPS, pageProblems: problems }));
    console.log(
      `timeline, ${SPAN_COUNT} spans (${rectsAllRuns} rectangles when all runs are in view): ` +
        results.map((r) => `${r.phase} ${r.fps} fps (p95 frame ${r.p95FrameMs} ms)`).join('; ') +
        ` -> worst ${worst} fps, target >= ${TARGET_FPS}: ${worst >= TARGET_FPS ? 'met' : 'NOT met'}`,
    );
  } finally {
    await app.browser.close();
    await bridge.close();
    engine.dispose();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  });
}
