/**
 * The Trino grammar of dt-sql-parser, loaded for the lint. Its build is ESM-only, which neither jest (CommonJS) nor the
 * CLI bundle can require, so the Trino part is bundled once with esbuild into a CommonJS cache file
 * (`node_modules/.cache/hafnium-sweep/`, ~1 s the first time, ~0.5 s to load afterwards). Results are cached by SQL
 * hash in the same folder.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A syntax error as dt-sql-parser reports it (1-based lines and columns). */
export interface SyntaxProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

interface TrinoModule {
  TrinoSQL: new () => { validate(sql: string): { startLine: number; startColumn: number; message: string }[] };
  TrinoSqlLexer: { literalNames: (string | null)[] };
}

let loaded: TrinoModule | null = null;
let parser: { validate(sql: string): { startLine: number; startColumn: number; message: string }[] } | null = null;

function load(): TrinoModule {
  if (loaded) return loaded;
  const pkgJson = require.resolve('dt-sql-parser/package.json');
  const base = path.dirname(pkgJson);
  const version = (JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const cacheDir = path.join(base, '..', '.cache', 'hafnium-sweep');
  const out = path.join(cacheDir, `dt-sql-parser-trino-${version}.cjs`);
  if (!fs.existsSync(out)) {
    fs.mkdirSync(cacheDir, { recursive: true });
    // Written under a unique name then renamed: parallel jest workers may build it at the same time.
    const tmp = `${out}.${process.pid}.${Date.now()}.tmp`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require('esbuild') as typeof import('esbuild');
    esbuild.buildSync({
      stdin: {
        contents:
          "export { TrinoSQL } from './dist/parser/trino/index.js'; export { TrinoSqlLexer } from './dist/lib/trino/TrinoSqlLexer.js';",
        resolveDir: base,
        loader: 'js',
      },
      outfile: tmp,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      minify: true,
      logLevel: 'error',
    });
    fs.renameSync(tmp, out);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded = require(out) as TrinoModule;
  return loaded;
}

/** Runs `fn` with console output swallowed: ANTLR reports some errors on the console besides the listener. */
function quietly<T>(fn: () => T): T {
  const saved = { log: console.log, error: console.error, warn: console.warn };
  const noop = (): void => undefined;
  console.log = noop;
  console.error = noop;
  console.warn = noop;
  try {
    return fn();
  } finally {
    Object.assign(console, saved);
  }
}

let cacheFile: string | null = null;
let cache: Record<string, SyntaxProblem[]> | null = null;

/**
 * Results by SQL hash, on disk beside the parser bundle: parsing a large hunt costs up to seconds (ANTLR), and the
 * same unchanged files are linted by jest, `sweep test-queries` and `cdk synth` again and again.
 */
function syntaxCache(): Record<string, SyntaxProblem[]> {
  if (cache) return cache;
  cache = {};
  try {
    const pkgJson = require.resolve('dt-sql-parser/package.json');
    const version = (JSON.parse(fs.readFileSync(pkgJson, 'utf8')) as { version: string }).version;
    cacheFile = path.join(path.dirname(pkgJson), '..', '.cache', 'hafnium-sweep', `trino-syntax-${version}.json`);
    if (fs.existsSync(cacheFile)) cache = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Record<string, SyntaxProblem[]>;
  } catch {
    // An unreadable or torn cache only costs time: start empty.
  }
  return cache;
}

function saveCache(): void {
  if (!cacheFile || !cache) return;
  try {
    fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(cache));
    fs.renameSync(tmp, cacheFile);
  } catch {
    // Read-only node_modules: no cache, same results.
  }
}

/** Syntax errors of `sql` against the Trino grammar (empty when it parses). */
export function trinoSyntaxProblems(sql: string): SyntaxProblem[] {
  const c = syntaxCache();
  const key = createHash('sha256').update(sql).digest('hex');
  const hit = c[key];
  if (hit) return hit;
  const mod = load();
  parser ??= new mod.TrinoSQL();
  const p = parser;
  const problems = quietly(() => p.validate(sql)).map((e) => ({ line: e.startLine, column: e.startColumn, message: e.message }));
  c[key] = problems;
  saveCache();
  return problems;
}

let keywords: Set<string> | null = null;

/** Trino keywords (reserved and non-reserved), lower case, from the grammar's lexer. */
export function trinoKeywords(): ReadonlySet<string> {
  if (keywords) return keywords;
  const names = load().TrinoSqlLexer.literalNames;
  keywords = new Set(names.filter((n): n is string => !!n && /^'[A-Z_]+'$/.test(n)).map((n) => n.slice(1, -1).toLowerCase()));
  return keywords;
}
