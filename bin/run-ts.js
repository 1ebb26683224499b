#!/usr/bin/env node
'use strict';
/**
 * Runs a TypeScript entry point from a checkout without a separate build step:
 * esbuild bundles the entry (project sources only; npm packages stay external)
 * into .cache/ in a few hundred milliseconds, then Node requires the bundle.
 *
 * Usage: node bin/run-ts.js <entry.ts> [args...]
 */
const path = require('node:path');
const { runTs } = require('./ts-loader');

const entry = process.argv[2];
if (!entry) {
  process.stderr.write('usage: node bin/run-ts.js <entry.ts> [args...]\n');
  process.exit(2);
}
process.argv.splice(2, 1);
runTs(path.resolve(entry));
