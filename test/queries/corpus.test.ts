/**
 * Corpus meta-tests over queries/: names, ids, headers, MITRE format, lint (syntax, window, columns, portability) and
 * paired positive/negative fixtures. The linter of the hunt pack.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MITRE_TACTICS, listQueryFiles, loadQueries } from '../../src/hunt/query-file';
import { fixturePathFor, loadFixtureFile } from '../../src/local-engine/fixtures';
import { lintHunt } from '../../src/hunt/lint';

const repoRoot = path.resolve(__dirname, '..', '..');
const queriesDir = path.join(repoRoot, 'queries');
const { hunts, broken } = loadQueries(queriesDir);
const templates = loadQueries(path.join(queriesDir, 'templates'));

/** MITRE ATT&CK tactic ids -> the snake_case names file names start with. */
const TACTIC_IDS: Record<string, (typeof MITRE_TACTICS)[number]> = {
  TA0043: 'reconnaissance', TA0042: 'resource_development', TA0001: 'initial_access', TA0002: 'execution',
  TA0003: 'persistence', TA0004: 'privilege_escalation', TA0005: 'defense_evasion', TA0006: 'credential_access',
  TA0007: 'discovery', TA0008: 'lateral_movement', TA0009: 'collection', TA0011: 'command_and_control',
  TA0010: 'exfiltration', TA0040: 'impact',
};

describe('query corpus', () => {
  it('loads every query file (header schema, unique ids)', () => {
    // Assess: the message names each broken file and why.
    expect(broken.map((b) => b.error.message)).toEqual([]);
  });

  it('keeps every hunt at queries/<pack>/<log_source>/<name>.sql with a valid name', () => {
    // Prepare
    const files = listQueryFiles(queriesDir).map((f) => path.relative(queriesDir, f));
    // Act
    const bad = files.filter((rel) => {
      const parts = rel.split(path.sep);
      const name = parts[parts.length - 1];
      return parts.length !== 3 || !/^[a-z0-9_]{10,90}\.sql$/.test(name) || !MITRE_TACTICS.some((t) => name.startsWith(`${t}_`));
    });
    // Assess
    expect(bad).toEqual([]);
  });

  it('never reuses the template id', () => {
    expect(hunts.filter((h) => h.meta.id === templates.hunts[0]?.meta.id).map((h) => h.path)).toEqual([]);
  });

  it('has raw-log cases in the pack (parsers and hunts tested together)', () => {
    // Prepare
    const rawCases = hunts
      .flatMap((h) => (fs.existsSync(fixturePathFor(h.path)) ? loadFixtureFile(fixturePathFor(h.path)).cases : []))
      .filter((c) => c.raw);
    // Assess
    if (hunts.length > 0) expect(rawCases.length).toBeGreaterThan(0);
  });
});

for (const hunt of [...hunts, ...templates.hunts]) {
  const rel = path.relative(repoRoot, hunt.path);
  describe(rel, () => {
    it('passes the lint (Trino syntax, window predicate, columns, portability)', () => {
      // Act
      const problems = lintHunt(hunt).map((p) => `${rel}:${p.line} [${p.rule}] ${p.message}`);
      // Assess
      expect(problems).toEqual([]);
    });

    it('starts its file name with a tactic of its MITRE ids', () => {
      // Prepare
      const tactics = hunt.meta.mitre.map((m) => TACTIC_IDS[m.split(':')[0]]);
      // Assess
      expect(tactics.some((t) => t && hunt.stem.startsWith(`${t}_`))).toBe(true);
    });

    it('has fixtures with a case that fires and a case that must not', () => {
      // Prepare
      const file = fixturePathFor(hunt.path);
      // Act
      const cases = fs.existsSync(file) ? loadFixtureFile(file).cases : [];
      // Assess
      const file_ = path.relative(repoRoot, file);
      const positive = cases.some((c) => c.expect.rows >= 1);
      const negative = cases.some((c) => c.expect.rows === 0);
      expect({ file: file_, positive, negative }).toEqual({
        file: path.relative(repoRoot, file),
        positive: true,
        negative: true,
      });
    });
  });
}
