#!/usr/bin/env node
'use strict';
// Writes docs/report.schema.json from src/main/engine/report/report-schema.ts (run after build:node).
const { join } = require('node:path');
const { writeFileSync } = require('node:fs');
const root = join(__dirname, '..');
const { REPORT_JSON_SCHEMA } = require(join(root, 'dist/node/src/main/engine/report/report-schema.js'));
writeFileSync(join(root, 'docs', 'report.schema.json'), `${JSON.stringify(REPORT_JSON_SCHEMA, null, 2)}\n`);
