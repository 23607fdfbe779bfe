import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // onnxruntime-node works in forks (the default) but not in the vm pools.
    pool: 'forks',
    // Files run one at a time: several tests measure this machine's speed (ceilings,
    // the attribution self-check), and a concurrent test file would be measured with them.
    fileParallelism: false,
    // Runs are real (ORT sessions, child processes, Chromium): allow them time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // A temporary run-history workspace for the whole run.
    globalSetup: ['test/global-setup.ts'],
  },
});
