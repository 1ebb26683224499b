'use strict';
/**
 * Bundles a TypeScript entry with esbuild into .cache/ and requires it.
 * Project files are bundled (fast start, no ts-node); npm packages are left
 * external so native modules (DuckDB) load from node_modules as usual.
 */
const path = require('node:path');
const fs = require('node:fs');

function runTs(entryAbs) {
  const root = path.resolve(__dirname, '..');
  const rel = path.relative(root, entryAbs).replace(/[\\/]/g, '_').replace(/\.ts$/, '');
  const outfile = path.join(root, '.cache', 'bin', `${rel}.cjs`);
  const prebuilt = path.join(root, 'dist', 'bin', `${rel}.cjs`);
  if (!fs.existsSync(path.join(root, 'node_modules', 'esbuild')) && fs.existsSync(prebuilt)) {
    return require(prebuilt);
  }
  const esbuild = require('esbuild');
  esbuild.buildSync({
    entryPoints: [entryAbs],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    packages: 'external',
    logLevel: 'error',
  });
  return require(outfile);
}

module.exports = { runTs };
