import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoverageFileError, parseCoverage, renderCoverageDoc, renderHuntsDoc, sourceTag } from '../../scripts/gen-query-docs';
import { loadQueries, parseQueryFile } from '../../src/hunt/query-file';

const ROOT = path.resolve(__dirname, '..', '..');

describe('renderHuntsDoc', () => {
  it('lists a hunt with severity, CVEs, ATT&CK, the families it needs and its sources', () => {
    // Prepare
    const sql = [
      '/* ---',
      'id: 11111111-2222-4333-8444-555555555555',
      'name: Example hunt',
      'status: stable',
      'severity: high',
      'cves: [CVE-2021-26855]',
      'mitre: ["TA0001:T1190"]',
      'log_families: [httpproxy, evtx, winevent_json, winevent_csv]',
      'description: An example hunt for the generator.',
      'false_positives: [Scanners]',
      'references:',
      '  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1',
      '  - https://github.com/SigmaHQ/sigma/blob/master/rules/x.yml',
      '--- */',
      'SELECT agency, host FROM web_requests WHERE dt BETWEEN ? AND ?',
    ].join('\n');
    const hunt = parseQueryFile(path.join(ROOT, 'queries/x/web/initial_access_example_hunt_x.sql'), sql);
    // Act
    const doc = renderHuntsDoc([hunt], ROOT);
    // Assess
    expect(doc).toContain(
      '| [`11111111`](#11111111-2222-4333-8444-555555555555) | Example hunt | high | CVE-2021-26855 | TA0001:T1190 | HttpProxy logs, Windows events (.evtx or an export) | Test-ProxyLogon, Sigma |',
    );
    expect(doc).toContain('- needs: HttpProxy logs, Windows events (.evtx or an export)');
    expect(doc).toContain('file: `queries/x/web/initial_access_example_hunt_x.sql`');
    expect(doc).toContain('False positives:\n- Scanners');
  });

  it('tags reference URLs with their publisher', () => {
    // Act / Assess
    expect(sourceTag('https://www.volexity.com/blog/2021/03/02/x/')).toBe('Volexity');
    expect(sourceTag('https://github.com/Azure/Azure-Sentinel/blob/master/x.yaml')).toBe('Sentinel');
    expect(sourceTag('https://example.org/a')).toBe('example.org');
  });

  it('matches the committed docs/hunts.md (regenerate with node bin/run-ts.js scripts/gen-query-docs.ts)', () => {
    // Prepare
    const { hunts } = loadQueries(path.join(ROOT, 'queries'));
    // Act
    const doc = renderHuntsDoc(hunts, ROOT);
    // Assess
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'hunts.md'), 'utf8')).toBe(doc);
    for (const h of hunts) expect(doc).toContain(`(#${h.meta.id})`);
  });
});

describe('parseCoverage / renderCoverageDoc', () => {
  const { hunts } = loadQueries(path.join(ROOT, 'queries'));

  it('matches the committed docs/coverage.md (regenerate with node bin/run-ts.js scripts/gen-query-docs.ts)', () => {
    // Prepare
    const checks = parseCoverage(fs.readFileSync(path.join(ROOT, 'queries', 'coverage.yml'), 'utf8'), hunts);
    // Act
    const doc = renderCoverageDoc(checks, hunts);
    // Assess
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'coverage.md'), 'utf8')).toBe(doc);
    expect(checks.length).toBeGreaterThan(50);
    expect(doc).toContain('| Test-ProxyLogon | HttpProxy AnchorMailbox like');
  });

  it('links each check to its hunts and lists the hunts no check names', () => {
    // Prepare
    const yml = [
      'checks:',
      '  - { source: Sigma, check: "the web rule", hunts: ["0b6c8f4e"], status: covered }',
      '  - { source: CISA, check: "the alert", hunts: [], status: excluded, note: "not imported" }',
    ].join('\n');
    // Act
    const doc = renderCoverageDoc(parseCoverage(yml, hunts), hunts);
    // Assess
    expect(doc).toContain('2 published checks: 1 covered, 0 partial, 1 excluded.');
    expect(doc).toContain('| Sigma | the web rule | [`0b6c8f4e`](hunts.md#0b6c8f4e-2d1a-4c57-9a0e-6f3b1d2a7c41) | covered |  |');
    expect(doc).toContain('| CISA | the alert | - | excluded | not imported |');
    expect(doc).toContain('(hunts.md#6bf787d7-50dd-4810-91fb-9e6b7653a7af)');
  });

  it('rejects unknown hunts, unquoted ids read as numbers, a missing reason and an excluded check naming hunts', () => {
    // Prepare
    const one = (c: string): string => `checks:\n  - ${c}\n`;
    // Act / Assess
    expect(() => parseCoverage(one('{ source: a, check: b, hunts: ["00000000"], status: covered }'), hunts)).toThrow(CoverageFileError);
    expect(() => parseCoverage(one('{ source: a, check: b, hunts: [965e6752], status: covered }'), hunts)).toThrow(/matches 0 hunts/);
    expect(() => parseCoverage(one('{ source: a, check: b, hunts: ["0b6c8f4e"], status: partial }'), hunts)).toThrow(/needs a note/);
    expect(() => parseCoverage(one('{ source: a, check: b, hunts: ["0b6c8f4e"], status: excluded, note: x }'), hunts)).toThrow(
      /names no hunt/,
    );
    expect(() => parseCoverage(one('{ source: a, check: b, hunts: ["0b6c8f4e"], status: done }'), hunts)).toThrow(/status must be/);
    expect(() => parseCoverage('checks: [', hunts)).toThrow(/not valid YAML/);
  });
});
