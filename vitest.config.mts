import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // onnxruntime-node works in forks (the default) but not in the vm pools.
    pool: 'forks',
    // Runs are real (ORT sessions, child processes, Chromium): allow them time, and keep the
    // two cores from being oversubscribed by many heavy files at once.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
