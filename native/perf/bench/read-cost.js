#!/usr/bin/env node
/**
 * What one poll of the perf_event_open route costs the engine process.
 *
 * A child with THREADS busy worker threads stands in for the run worker with ORT's spinning
 * intra-op pool (reading a counter of a thread running on another CPU costs an IPI, so busy
 * threads are the expensive case). The counters are opened on it as the sampler opens them,
 * then polled POLLS times back to back; the median poll is reported, with the share of one
 * core it would cost at a 10 ms and a 20 ms period (poll / period). process.cpuUsage() over
 * the loop is printed too, as a cross-check of the wall-clock medians.
 *
 * Run: npm run build:node && node native/perf/bench/read-cost.js [threads]
 */
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..', '..', '..');
const { loadPerfEventAddon } = require(join(root, 'dist/node/src/main/engine/trace/counters/perf-event-addon.js'));
const { readCpuFacts } = require(join(root, 'dist/node/src/main/engine/trace/counters/perf-event-catalog.js'));
const { PerfEventCounters } = require(join(root, 'dist/node/src/main/engine/trace/counters/perf-event-counters.js'));

const THREADS = Number(process.argv[2] ?? 4);
const POLLS = 2000;

const CHILD = `
const { Worker } = require('node:worker_threads');
for (let i = 0; i < ${THREADS}; i++) new Worker('for (;;);', { eval: true });
setInterval(() => {}, 1000);
setTimeout(() => process.stdout.write('ready'), 300);
`;

async function main() {
  const addon = loadPerfEventAddon();
  if (!addon.available) {
    console.log(JSON.stringify({ available: false, reason: addon.reason }));
    return;
  }
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  try {
    const facts = readCpuFacts('/proc', '/sys');
    const t0 = process.hrtime.bigint();
    const counters = new PerfEventCounters({ binding: addon.binding, pid: child.pid, facts, openMs: 0, routeReason: 'bench' });
    const openMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const pollUs = [];
    const cpu0 = process.cpuUsage();
    for (let i = 1; i <= POLLS; i++) {
      const start = process.hrtime.bigint();
      counters.poll(i); // one "ms" apart on the job clock, so no poll is skipped
      pollUs.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
    const cpu = process.cpuUsage(cpu0);
    const series = counters.series();
    counters.close();
    pollUs.sort((a, b) => a - b);
    const median = pollUs[Math.floor(pollUs.length / 2)];
    const result = {
      threadsInChild: THREADS,
      countedEvents: series.filter((s) => s.available).map((s) => s.name),
      openMs: Number(openMs.toFixed(2)),
      pollMedianUs: Number(median.toFixed(1)),
      pollP90Us: Number(pollUs[Math.floor(pollUs.length * 0.9)].toFixed(1)),
      cpuPerPollUs: Number(((cpu.user + cpu.system) / POLLS).toFixed(1)),
      pctOfCoreAt10ms: Number(((100 * median) / 10000).toFixed(3)),
      pctOfCoreAt20ms: Number(((100 * median) / 20000).toFixed(3)),
    };
    console.log(JSON.stringify(result));
    console.log(`perf_event_open route: one poll of ${result.countedEvents.length} events on a ${THREADS + 1}+ thread process: median ${result.pollMedianUs} us (p90 ${result.pollP90Us}), ${result.pctOfCoreAt10ms}% of a core at 10 ms`);
  } finally {
    child.kill('SIGKILL');
  }
}

main().catch((err) => {
  console.error(`read-cost: ${err.message}`);
  process.exit(1);
});
