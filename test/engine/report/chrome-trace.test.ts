import { describe, expect, it } from 'vitest';
import {
  toChromeTrace,
  type ChromeTrace,
  type ChromeTraceCompleteEvent,
  type ChromeTraceEvent,
  type ChromeTraceMetadataEvent,
} from '../../../src/main/engine/report/chrome-trace';
import type { Report } from '../../../src/shared/report';
import { PROFILED_RUNS, buildSampleReport } from '../../fixtures/reports/sample-report';

const isComplete = (event: ChromeTraceEvent): event is ChromeTraceCompleteEvent => event.ph === 'X';
const isMetadata = (event: ChromeTraceEvent): event is ChromeTraceMetadataEvent => event.ph === 'M';

function metadataName(event: ChromeTraceMetadataEvent): string | undefined {
  return 'name' in event.args ? event.args.name : undefined;
}

function runsOf(report: Report) {
  return report.variants.flatMap((variant) => variant.runs.map((run) => ({ variant, run })));
}

function pidOf(trace: ChromeTrace, processName: string): number {
  const event = trace.traceEvents.filter(isMetadata).find((e) => e.name === 'process_name' && metadataName(e) === processName);
  if (!event) throw new Error(`no process named ${processName}`);
  return event.pid;
}

function threadName(trace: ChromeTrace, pid: number, tid: number): string | undefined {
  const event = trace.traceEvents.filter(isMetadata).find((e) => e.name === 'thread_name' && e.pid === pid && e.tid === tid);
  return event && metadataName(event);
}

/** Whole nanoseconds, as the trace quantises them (ts and dur are microseconds). */
const ns = (us: number) => Math.round(us * 1e3);

/** Complete events on one thread must nest like brackets: never overlap partially. */
function expectProperNesting(events: readonly ChromeTraceCompleteEvent[]): void {
  const byThread = new Map<string, ChromeTraceCompleteEvent[]>();
  for (const event of events) {
    const key = `${event.pid}/${event.tid}`;
    byThread.set(key, [...(byThread.get(key) ?? []), event]);
  }
  for (const [thread, list] of byThread) {
    const open: number[] = [];
    for (const event of list) {
      const start = ns(event.ts);
      while (open.length > 0 && open[open.length - 1] <= start) open.pop();
      const end = start + ns(event.dur);
      if (open.length > 0) expect(end, `${event.name} on ${thread} overlaps its parent`).toBeLessThanOrEqual(open[open.length - 1]);
      open.push(end);
    }
  }
}

describe('toChromeTrace', () => {
  const report = buildSampleReport();
  const trace = toChromeTrace(report);
  const complete = trace.traceEvents.filter(isComplete);

  it('is JSON with millisecond display and events sorted by ts', () => {
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
    expect(trace.displayTimeUnit).toBe('ms');
    const ts = trace.traceEvents.map((e) => e.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });

  it('names one process per variant x EP run, with its threads', () => {
    const names = trace.traceEvents
      .filter(isMetadata)
      .filter((e) => e.name === 'process_name')
      .map(metadataName);
    expect(names).toEqual(['dense @ cpu', 'pruned-0.9 @ cpu']);
    const pid = pidOf(trace, 'dense @ cpu');
    expect(threadName(trace, pid, 1)).toBe('timed runs');
    expect(threadName(trace, pid, 2)).toBe('profiled runs');
    expect(threadName(trace, pid, 3)).toBe('ops');
    expect(threadName(trace, pid, 4)).toBeUndefined();
  });

  it('has one complete event per span, on the job clock in microseconds', () => {
    for (const { variant, run } of runsOf(report)) {
      const pid = pidOf(trace, `${variant.id} @ ${run.ep}`);
      const opEvents = complete.filter((e) => e.pid === pid && e.cat !== 'phase' && e.cat !== 'window');
      expect(opEvents).toHaveLength(run.spans.length);
      expect(run.spans).toHaveLength(run.ops.length * PROFILED_RUNS);
      for (const span of run.spans) {
        const op = run.ops[span.op];
        const event = opEvents.find((e) => ns(e.ts) === Math.round(span.startMs * 1e6));
        expect(event, `span of ${op.name} in run ${span.run}`).toBeDefined();
        expect(event?.name).toBe(op.name);
        expect(event?.cat).toBe(op.opType);
        expect(event?.ts).toBeCloseTo(span.startMs * 1e3, 3);
        expect(event?.dur).toBeCloseTo(span.durMs * 1e3, 3);
        expect(event?.args).toMatchObject({
          provider: 'CPUExecutionProvider',
          profiledRun: span.run + 1,
          inputShapes: op.inputShapes,
          outputShapes: op.outputShapes,
          flops: op.flops,
          bytes: op.bytes,
          phasesUs: { ...op.phases },
        });
      }
    }
  });

  it('splits every span into memory, compute, overhead children that tile it', () => {
    const phaseEvents = complete.filter((e) => e.cat === 'phase');
    const opEvents = complete.filter((e) => e.cat !== 'phase' && e.cat !== 'window');
    let checked = 0;
    for (const span of opEvents) {
      const start = ns(span.ts);
      const end = start + ns(span.dur);
      const children = phaseEvents.filter(
        (e) => e.pid === span.pid && e.tid === span.tid && ns(e.ts) >= start && ns(e.ts) + ns(e.dur) <= end,
      );
      expect(children.length).toBeGreaterThan(0);
      expect(children.every((c) => c.args.op === span.name)).toBe(true);
      const order = ['memory', 'compute', 'overhead'];
      expect(children.map((c) => order.indexOf(c.name))).toEqual([...children.map((c) => order.indexOf(c.name))].sort());
      expect(ns(children[0].ts)).toBe(start);
      expect(children.reduce((sum, c) => sum + ns(c.dur), 0)).toBe(ns(span.dur));
      checked++;
    }
    expect(checked).toBe(runsOf(report).reduce((sum, { run }) => sum + run.spans.length, 0));
  });

  it('sizes the phases in proportion to the median phases, scaled to the span', () => {
    const run = report.variants[0].runs[0];
    const fc1 = run.ops[0];
    const span = run.spans.find((s) => s.op === 0 && s.run === 1)!;
    const start = Math.round(span.startMs * 1e6);
    const children = complete.filter((e) => e.cat === 'phase' && e.args.op === fc1.name && ns(e.ts) >= start && ns(e.ts) < start + Math.round(span.durMs * 1e6));
    const total = fc1.phases.memoryUs + fc1.phases.computeUs + fc1.phases.overheadUs;
    expect(children.map((c) => c.name)).toEqual(['memory', 'compute', 'overhead']);
    expect(children[0].dur / (span.durMs * 1e3)).toBeCloseTo(fc1.phases.memoryUs / total, 4);
    expect(children[1].dur / (span.durMs * 1e3)).toBeCloseTo(fc1.phases.computeUs / total, 4);
  });

  it('marks the timed window and every profiled run', () => {
    for (const { variant, run } of runsOf(report)) {
      const pid = pidOf(trace, `${variant.id} @ ${run.ep}`);
      const windows = complete.filter((e) => e.pid === pid && e.cat === 'window');
      const timed = windows.filter((e) => e.tid === 1);
      expect(timed).toHaveLength(1);
      expect(timed[0].name).toBe('timed runs (40)');
      expect(timed[0].ts).toBeCloseTo(run.timedWindow.startMs * 1e3, 3);
      expect(timed[0].dur).toBeCloseTo((run.timedWindow.endMs - run.timedWindow.startMs) * 1e3, 3);
      const profiled = windows.filter((e) => e.tid === 2);
      expect(profiled.map((e) => e.name)).toEqual(['profiled run 1', 'profiled run 2', 'profiled run 3']);
      profiled.forEach((event, index) => {
        expect(event.ts).toBeCloseTo(run.profiledRuns[index].startMs * 1e3, 3);
        expect(event.ts + event.dur).toBeCloseTo(run.profiledRuns[index].endMs * 1e3, 3);
      });
      // Every op span lies inside its profiled run.
      for (const span of run.spans) {
        expect(span.startMs).toBeGreaterThanOrEqual(run.profiledRuns[span.run].startMs);
        expect(span.startMs + span.durMs).toBeLessThanOrEqual(run.profiledRuns[span.run].endMs);
      }
    }
  });

  it('emits counter events for available series only, and lists the others in metadata', () => {
    const counterEvents = trace.traceEvents.filter((e) => e.ph === 'C');
    const available = runsOf(report).flatMap(({ run }) => run.counters.filter((c) => c.available));
    expect(counterEvents).toHaveLength(available.reduce((sum, c) => sum + (c.samples?.length ?? 0), 0));
    expect(new Set(counterEvents.map((e) => e.name))).toEqual(new Set(['cpu utilization']));
    const first = report.variants[0].runs[0].counters[0].samples![0];
    const event = counterEvents.find((e) => e.pid === pidOf(trace, 'dense @ cpu'))!;
    expect(event.ts).toBeCloseTo(first[0] * 1e3, 3);
    expect(event.args).toEqual({ value: first[1] });

    const unavailable = trace.metadata.counters.filter((c) => !c.available);
    expect(unavailable.map((c) => [c.process, c.name])).toEqual([
      ['dense @ cpu', 'LLC misses'],
      ['pruned-0.9 @ cpu', 'LLC misses'],
    ]);
    expect(unavailable[0].reason).toContain('not supported');
    expect(trace.metadata.counters.find((c) => c.available)).toMatchObject({ unit: '%', samples: expect.any(Number) });
  });

  it('describes the tool, model, clock and method in metadata', () => {
    expect(trace.metadata).toMatchObject({
      tool: 'edgescope 0.1.0',
      onnxruntimeVersion: '1.30.0',
      modelPath: report.model.path,
      modelSha256: report.model.sha256,
    });
    expect(trace.metadata.clock).toMatch(/microseconds/);
    expect(trace.metadata.phaseMethod).toMatch(/T_m/);
  });

  it('nests slices properly on every thread', () => {
    expectProperNesting(complete);
  });

  it('moves overlapping spans to a second ops thread instead of mis-nesting them', () => {
    const overlapping = buildSampleReport();
    const run = overlapping.variants[0].runs[0];
    // Start the second span of run 0 halfway through the first (as a parallel executor would).
    const [first, second] = run.spans;
    second.startMs = first.startMs + first.durMs / 2;
    const shifted = toChromeTrace(overlapping);
    const pid = pidOf(shifted, 'dense @ cpu');
    expect(threadName(shifted, pid, 4)).toBe('ops (overlapping 2)');
    const moved = shifted.traceEvents.filter(isComplete).filter((e) => e.pid === pid && e.tid === 4);
    expect(moved.filter((e) => e.cat !== 'phase').map((e) => e.name)).toEqual([run.ops[second.op].name]);
    expectProperNesting(shifted.traceEvents.filter(isComplete));
  });
});
