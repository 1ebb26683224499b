#!/usr/bin/env node
'use strict';
// CLI launcher: bundles bin/sweep.ts on the fly (esbuild, ~0.3 s) and runs it.
require('./ts-loader').runTs(require('node:path').join(__dirname, 'sweep.ts'));
