#!/usr/bin/env node
/**
 * Builds the native addons with node-gyp; run by npm install:
 *   native/sparse  the sparse kernels (loader src/main/engine/sparse/native.ts)
 *   native/perf    hardware counters through perf_event_open, Linux only
 *                  (loader src/main/engine/trace/counters/perf-event-addon.ts)
 *
 * Each addon is built on its own: one failing does not stop the other. Never fails the
 * install: without a compiler (or on any other failure) it prints one warning line per
 * addon, records the reason in native/<addon>/build/unavailable.txt for its loader, and
 * exits 0; that feature is then unavailable. Nothing is downloaded: node-gyp gets
 * --nodedir pointing at this Node's own headers.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const ADDONS = [
  { dir: 'sparse', target: 'edgescope_sparse', warning: (reason) => `sparse kernels not built (${reason}); sparse variants will be unavailable` },
  {
    dir: 'perf',
    target: 'edgescope_perf',
    onlyOn: 'linux',
    warning: (reason) => `perf counter addon not built (${reason}); hardware counters fall back to \`perf stat\``,
  },
];

function commandExists(command, args = ['--version']) {
  const r = spawnSync(command, args, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

/** node-gyp as [executable, ...leading args]: npm's own, else one on PATH, else the one npm bundles. */
function findNodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm.endsWith('.js') ? [process.execPath, fromNpm] : [fromNpm];
  if (commandExists('node-gyp')) return ['node-gyp'];
  const bundled = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  return undefined;
}

/** Node's headers next to this node binary (official tarballs and distro packages ship them). */
function findNodeDir() {
  const root = dirname(dirname(process.execPath));
  return existsSync(join(root, 'include', 'node', 'node_api.h')) ? root : undefined;
}

function missingPrerequisite() {
  const cxx = process.env.CXX || (process.platform === 'win32' ? undefined : 'c++');
  if (cxx && !commandExists(cxx) && !commandExists('g++') && !commandExists('clang++')) return 'no C++ compiler found (g++ not found; install build-essential or clang)';
  if (process.platform !== 'win32' && !commandExists('make')) return 'make not found (install build-essential)';
  if (!commandExists('python3') && !commandExists('python')) return 'python3 not found (node-gyp needs it)';
  return undefined;
}

/** The most telling line of a failed build's output. */
function firstErrorLine(output) {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  // A compiler's or Python's own error says more than node-gyp's summary of it.
  const own = lines.find((l) => /error\b/i.test(l) && !l.startsWith('gyp ERR!'));
  const gyp = lines.find((l) => l.startsWith('gyp ERR!') && !/^gyp ERR! (stack|cwd|node -v|node-gyp -v|System|command|not ok)/.test(l));
  return own ?? gyp ?? lines[lines.length - 1] ?? 'no output';
}

function build(addonDir, addonPath, buildDir, logPath) {
  const missing = missingPrerequisite();
  if (missing) return missing;
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) return 'node-gyp not found (npm ships one; run the build through npm install)';
  const nodeDir = findNodeDir();
  if (!nodeDir) return `Node's headers not found next to ${process.execPath} (include/node/node_api.h); install Node from nodejs.org or your distribution's Node headers package`;
  const [command, ...lead] = nodeGyp;
  const r = spawnSync(command, [...lead, 'rebuild', `--nodedir=${nodeDir}`], { cwd: addonDir, encoding: 'utf8', env: { ...process.env, npm_config_nodedir: nodeDir } });
  const output = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(logPath, output);
  if (r.error) return `node-gyp could not start: ${r.error.message}`;
  if (r.status !== 0) return `node-gyp failed: ${firstErrorLine(output).slice(0, 300)} (full log: ${logPath})`;
  if (!existsSync(addonPath)) return `node-gyp finished but ${addonPath} is missing`;
  try {
    require(addonPath);
  } catch (err) {
    return `the built addon does not load: ${String(err && err.message).split('\n')[0]}`;
  }
  return undefined;
}

/** Builds one addon; records why it is unavailable, or removes an old record once it builds. */
function buildAddon(addon) {
  const addonDir = join(__dirname, '..', 'native', addon.dir);
  const buildDir = join(addonDir, 'build');
  const reasonPath = join(buildDir, 'unavailable.txt');
  const logPath = join(buildDir, 'build.log');
  const addonPath = join(buildDir, 'Release', `${addon.target}.node`);
  let reason;
  try {
    reason =
      addon.onlyOn && process.platform !== addon.onlyOn
        ? `${addon.onlyOn} only (this is ${process.platform})`
        : build(addonDir, addonPath, buildDir, logPath);
  } catch (err) {
    reason = `build script failed: ${String(err && err.message).split('\n')[0]}`;
  }
  mkdirSync(buildDir, { recursive: true });
  if (reason) {
    writeFileSync(reasonPath, `${reason}\n`);
    console.warn(`edgescope: warning: ${addon.warning(reason)}`);
  } else {
    rmSync(reasonPath, { force: true });
  }
}

// `node scripts/build-native.js perf` builds only the named addons.
const only = process.argv.slice(2);
for (const addon of ADDONS) {
  if (only.length === 0 || only.includes(addon.dir)) buildAddon(addon);
}
process.exit(0);
