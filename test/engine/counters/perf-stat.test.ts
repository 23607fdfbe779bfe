import { describe, expect, it } from 'vitest';
import {
  baseEventName,
  parsePerfStatLine,
  PerfStatParser,
} from '../../../src/main/engine/trace/counters/perf-stat';
import { fixtureText } from './helpers';

function parseAll(text: string): PerfStatParser {
  const parser = new PerfStatParser();
  parser.feed(text);
  parser.end();
  return parser;
}

const EVENTS = ['cycles', 'instructions', 'cache-references', 'cache-misses', 'LLC-load-misses'];

describe('parsePerfStatLine', () => {
  it('reads a counted row with its metric columns', () => {
    expect(parsePerfStatLine('     0.010082412,57622810,,instructions,10046377,100.00,1.70,insn per cycle')).toEqual({
      timeSec: 0.010082412,
      aggregation: null,
      count: 57622810,
      unit: '',
      event: 'instructions',
      runNs: 10046377,
      pcntRunning: 100,
    });
  });

  it('reads the markers and the --per-thread aggregation column', () => {
    expect(parsePerfStatLine('     0.100215335,node-8509,<not supported>,,cycles,0,100.00,,')).toMatchObject({
      aggregation: 'node-8509',
      count: 'not supported',
      event: 'cycles',
    });
    expect(parsePerfStatLine('     0.100200137,node-8540,<not counted>,msec,task-clock,0,100.00,,')).toMatchObject({
      aggregation: 'node-8540',
      count: 'not counted',
      unit: 'msec',
      event: 'task-clock',
    });
    expect(parsePerfStatLine('     0.100200137,node-8538,100.25,msec,task-clock,100244216,100.00,1.002,CPUs utilized'))
      .toMatchObject({ aggregation: 'node-8538', count: 100.25, pcntRunning: 100 });
  });

  it.each([
    ['', 'empty'],
    ['Error:', 'perf error text'],
    ['perf_event_paranoid setting is 4:', 'error text with a colon'],
    ['>= 2: Disallow kernel profiling', 'error text starting with a comparison'],
    ['  -1: Allow use of (almost) all events by all users', 'error text starting with a number'],
    ['# started on Sat Nov 29 01:58:58 2025', 'comment'],
    ['     0.010082412,lots,,cycles,1,100.00,,', 'a value that is not a count'],
  ])('returns null for %j (%s)', (line) => {
    expect(parsePerfStatLine(line)).toBeNull();
  });
});

describe('baseEventName', () => {
  it.each([
    ['cycles', 'cycles'],
    ['cycles:u', 'cycles'],
    ['LLC-load-misses:u', 'LLC-load-misses'],
    ['instructions:uk', 'instructions'],
    ['cpu_core/cycles/', 'cycles'],
    ['cpu_atom/cache-misses/u', 'cache-misses'],
    ['cpu/LLC-load-misses/', 'LLC-load-misses'],
  ])('%s -> %s', (raw, base) => {
    expect(baseEventName(raw)).toBe(base);
  });
});

describe('PerfStatParser on recorded output', () => {
  it('Intel, every event counted: one sample per interval, the SIGINT partial interval included', () => {
    const parser = parseAll(fixtureText('perf-intel-counted.txt'));
    expect(parser.completedIntervals).toBe(4);
    expect(parser.event('cycles')?.samples).toEqual([
      [0.010082412, 33812455],
      [0.020169031, 34001872],
      [0.030245577, 33954120],
      [0.036910204, 22487315],
    ]);
    expect(parser.event('LLC-load-misses')?.samples.map(([, v]) => v)).toEqual([95310, 91422, 93870, 62031]);
    for (const event of EVENTS) expect(parser.event(event)?.minPcntRunning).toBe(100);
    expect(parser.allEventsUnsupported()).toBe(false);
    expect(parser.otherLines).toEqual([]);
  });

  it('multiplexed: keeps the scaled values, notes the lowest pcnt_running, and gives no sample for <not counted>', () => {
    const parser = parseAll(fixtureText('perf-intel-multiplexed.txt'));
    expect(parser.event('cache-references')?.samples.map(([, v]) => v)).toEqual([1238804, 1196452, 1221093]);
    expect(parser.event('cache-references')?.minPcntRunning).toBe(50);
    expect(parser.event('cycles')?.minPcntRunning).toBe(100);
    const llc = parser.event('LLC-load-misses');
    expect(llc?.samples).toEqual([
      [0.02015894, 97611],
      [0.030240218, 102204],
    ]);
    expect(llc?.notCountedRows).toBe(1);
    expect(llc?.minPcntRunning).toBeCloseTo(33.33);
  });

  it('Intel hybrid: sums cpu_core and cpu_atom rows of one interval, skipping <not counted> atom rows', () => {
    const parser = parseAll(fixtureText('perf-intel-hybrid.txt'));
    expect(parser.event('cycles')?.samples).toEqual([
      [0.010091544, 41207733],
      [0.020183012, 30911402 + 6120455],
    ]);
    expect(parser.event('instructions')?.samples.map(([, v]) => v)).toEqual([92330185, 69120338 + 7344901]);
    expect(parser.event('cpu_core/cycles/')).toBeUndefined();
    expect(parser.event('cycles')?.notCountedRows).toBe(1);
  });

  it('AMD Zen as a user: strips :u, and LLC-load-misses alone is unsupported', () => {
    const parser = parseAll(fixtureText('perf-amd-zen-user.txt'));
    expect(parser.event('cycles')?.samples.map(([, v]) => v)).toEqual([30551207, 30612944]);
    expect(parser.event('LLC-load-misses')).toMatchObject({ samples: [], countedRows: 0, notSupportedRows: 2 });
    expect(parser.allEventsUnsupported()).toBe(false);
  });

  it('this VM (no PMU): every event <not supported>', () => {
    const parser = parseAll(fixtureText('perf-vm-not-supported.txt'));
    for (const event of EVENTS) expect(parser.event(event)).toMatchObject({ samples: [], notSupportedRows: 2 });
    expect(parser.allEventsUnsupported()).toBe(true);
  });

  it('as a user on this VM: task-clock:u counted, cycles:u unsupported', () => {
    const parser = parseAll(fixtureText('perf-user-suffix.txt'));
    expect(parser.event('task-clock')?.samples.map(([, v]) => v)).toEqual([93.8, 99.33, 100.28, 37.63]);
    expect(parser.event('cycles')?.samples).toEqual([]);
    expect(parser.allEventsUnsupported()).toBe(false);
  });

  it('this VM, software events: counted values with units, and the SIGINT partial interval', () => {
    const parser = parseAll(fixtureText('perf-software-aggregated.txt'));
    expect(parser.event('task-clock')?.samples).toEqual([
      [0.100213743, 100.29],
      [0.200600974, 100.37],
      [0.229968164, 29.38],
    ]);
    expect(parser.event('page-faults')?.samples.map(([, v]) => v)).toEqual([0, 0, 0]);
  });

  it('--per-thread: sums the thread rows; idle threads are <not counted>, not zero', () => {
    const parser = parseAll(fixtureText('perf-software-per-thread.txt'));
    expect(parser.event('task-clock')?.samples.map(([, v]) => v)).toEqual([100.25, 100.57, 100.51, 32.65]);
    expect(parser.event('context-switches')?.samples.map(([, v]) => v)).toEqual([2, 0, 0, 0]);
    expect(parser.event('task-clock')?.notCountedRows).toBe(24);
  });

  it('a process that never ran: <not counted> throughout gives no samples at all', () => {
    const parser = parseAll(fixtureText('perf-idle-not-counted.txt'));
    expect(parser.event('task-clock')).toMatchObject({ samples: [], notCountedRows: 3, countedRows: 0 });
    expect(parser.allEventsUnsupported()).toBe(false);
  });

  it('keeps perf error text apart from data', () => {
    const parser = parseAll(fixtureText('perf-permission-denied.txt'));
    expect(parser.completedIntervals).toBe(0);
    expect(parser.otherLines[0]).toBe('Error:');
    expect(parser.otherLines.join('\n')).toContain('perf_event_paranoid setting is 4');
  });

  it('gives the same result however the stream is chunked', () => {
    const text = fixtureText('perf-intel-hybrid.txt') + fixtureText('perf-intel-counted.txt').replace(/^ +0\.0/gm, '  1.0');
    const whole = parseAll(text);
    for (const chunkSize of [1, 7, 64, 333]) {
      const parser = new PerfStatParser();
      for (let i = 0; i < text.length; i += chunkSize) parser.feed(text.slice(i, i + chunkSize));
      parser.end();
      for (const event of EVENTS) expect(parser.event(event)?.samples).toEqual(whole.event(event)?.samples);
    }
    expect(whole.event('cycles')?.samples).toHaveLength(6);
  });

  it('holds an interval open until its last row can no longer arrive', () => {
    const parser = new PerfStatParser();
    parser.feed('     0.010091544,41207733,,cpu_core/cycles/,10052211,100.00,,\n');
    expect(parser.completedIntervals).toBe(0);
    parser.feed('     0.010091544,1000,,cpu_atom/cycles/,10052211,100.00,,\n     0.02');
    expect(parser.completedIntervals).toBe(0);
    parser.feed('0183012,5,,cpu_core/cycles/,7561034,75.21,,\n');
    expect(parser.completedIntervals).toBe(1);
    expect(parser.event('cycles')?.samples).toEqual([[0.010091544, 41208733]]);
    expect(parser.latestTimeSec).toBe(0.020183012);
  });
});
