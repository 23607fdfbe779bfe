/**
 * A RunSpec for reading a model's outputs (or profiling it once) rather than timing it: no warm-up,
 * no timed loop, outputs returned, on the CPU EP with one thread and full optimization unless the
 * caller says otherwise. Verification, calibration and sweeps' agreement checks all run models this way.
 */
import type { RunSpec } from './messages';

export function oneShotSpec(spec: Pick<RunSpec, 'modelPath' | 'inputs' | 'profileDir'> & Partial<RunSpec>): RunSpec {
  return {
    ep: 'cpu',
    threads: 1,
    graphOptimizationLevel: 'all',
    seed: 0,
    warmupRuns: 0,
    timedRuns: 0,
    minTimeMs: 0,
    profiledRuns: 0,
    returnOutputs: true,
    clockOriginNs: process.hrtime.bigint().toString(),
    ...spec,
  };
}
