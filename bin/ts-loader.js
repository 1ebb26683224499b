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
  const result = esbuild.buildSync({
    entryPoints: [entryAbs],
    outfile,
    write: false,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    packages: 'external',
    logLevel: 'error',
  });
  // Several sweep processes may start at once (tests, scripts): each writes its own
  // temporary file and renames it into place, so none ever loads a half-written bundle.
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  const tmp = `${outfile}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, result.outputFiles[0].contents);
  fs.renameSync(tmp, outfile);
  return require(outfile);
}

module.exports = { runTs };
