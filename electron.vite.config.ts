/**
 * `electron-vite build` -> out/main (host + run worker), out/preload, out/renderer.
 *
 * Main has two entries: the host, and the engine's run worker, which the engine forks as a child process
 * (the host passes out/main/run-worker.js as workerScriptPath). Dependencies stay external: onnxruntime-node
 * is a native addon and must be required from node_modules at run time. The preload is one CommonJS file
 * (sandboxed preloads cannot require anything but 'electron'). The renderer is the same root and plugin as
 * vite.renderer.config.mts, which builds it standalone for the bridge.
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';

const here = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rolldownOptions: {
        input: {
          index: resolve(here, 'src/main/host/index.ts'),
          'run-worker': resolve(here, 'src/main/engine/run/worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      externalizeDeps: true,
      rolldownOptions: {
        input: { index: resolve(here, 'src/preload/index.ts') },
      },
    },
  },
  renderer: {
    root: resolve(here, 'src/renderer'),
    // The config path must be given: with the root at src/renderer the plugin would not look in the repo root.
    plugins: [svelte({ configFile: resolve(here, 'svelte.config.js') })],
    build: {
      rolldownOptions: {
        input: { index: resolve(here, 'src/renderer/index.html') },
      },
    },
  },
});
