/**
 * The renderer on its own, for the loopback bridge and the browser tests: `npm run build:renderer` writes
 * dist/renderer with relative asset URLs, so any static server (the bridge) can serve it from its root.
 * electron.vite.config.ts builds the same root with the same Svelte plugin for the app (out/renderer).
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: resolve(here, 'src/renderer'),
  base: './',
  // The config path must be given: with the root at src/renderer the plugin would not look in the repo root.
  plugins: [svelte({ configFile: resolve(here, 'svelte.config.js') })],
  build: {
    outDir: resolve(here, 'dist/renderer'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
