#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled from src/main/cli by `npm run build:node` (run at `npm install`).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'node', 'src', 'main', 'cli', 'index.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('edgescope: the CLI is not built yet; run `npm install` (or `npm run build:node`) in the repository\n');
  process.exit(1);
}
require(entry).runCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });
