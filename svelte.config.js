// Svelte options shared by both renderer builds (each passes this file's path to vite-plugin-svelte, because
// with the renderer root at src/renderer the plugin would not find it) and by svelte-check.
//
// CommonJS on purpose: package.json has no "type": "module", and an ESM file here makes Node warn on every
// load. No preprocessor is needed: Svelte 5 strips TypeScript types in <script lang="ts"> itself, and the
// components use plain CSS.
module.exports = {
  compilerOptions: {
    runes: true,
  },
};
