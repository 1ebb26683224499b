/**
 * Runs every hunt's fixture cases (queries/**\/<stem>.test.yml) on the real DuckDB engine: one `it` per case,
 * the same runner as `sweep test-queries`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadQueries, type Hunt } from '../../src/hunt/query-file';
import { fixturePathFor, loadFixtureFile, runCase, type FixtureCase } from '../../src/local-engine/fixtures';
import { DuckDbQueryEngine } from '../../src/local-engine/duckdb-query-engine';
import { loadPack } from '../../src/hunt/pack';
import { defaultRawNormalizer } from '../../src/local-engine/raw-normalizer';

const repoRoot = path.resolve(__dirname, '..', '..');
const queriesDir = path.join(repoRoot, 'queries');
const { hunts, broken } = loadQueries(queriesDir);
// The template pair is run too: it is what analysts copy, so it must stay green.
const templates = loadQueries(path.join(queriesDir, 'templates'));
const all: Hunt[] = [...hunts, ...templates.hunts];

let engine: DuckDbQueryEngine;
let indicators: Awaited<ReturnType<typeof loadPack>>['indicators'] = [];

beforeAll(async () => {
  engine = await DuckDbQueryEngine.open();
  indicators = (await loadPack(queriesDir, path.join(repoRoot, 'indicators'))).indicators;
});
afterAll(async () => {
  await engine?.close();
});

describe('hunt query files', () => {
  it('all load (header and SQL)', () => {
    // Assess
    expect([...broken, ...templates.broken].map((b) => b.error.message)).toEqual([]);
  });
});

for (const hunt of all) {
  const file = fixturePathFor(hunt.path);
  const cases: FixtureCase[] = fs.existsSync(file) ? [...loadFixtureFile(file).cases] : [];
  describe(`${hunt.meta.id}: ${hunt.meta.name}`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        // Act
        const r = await runCase(hunt, file, c, { engine, indicators, normalizeRaw: defaultRawNormalizer() });
        // Assess: the message says which expectation failed and what the query returned.
        if (!r.ok) throw new Error(`${path.relative(repoRoot, hunt.path)} / ${c.name}:\n${r.message}`);
      });
    }
  });
}
