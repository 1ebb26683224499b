/**
 * A generated board input: N agencies x M hosts with realistic coverage (HttpProxy back to 2019 on some hosts,
 * from 2021-02-20 on others, gaps), real hunts from queries/, findings with hostile evidence, and triage decisions.
 */
import * as path from 'node:path';
import type { FamilyCoverage } from '../../src/hunt/coverage';
import { loadQueries } from '../../src/hunt/query-file';
import { makeDecision, triageStates } from '../../src/hunt/triage';
import type { Finding, Severity } from '../../src/hunt/types';
import type { BoardInput, UploadSummary } from '../../src/report/board-model';

export const HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>"\'`&\u202Egnp.exe';
const LONG_URL = '/owa/auth/' + 'x'.repeat(300) + '.aspx?' + 'param=' + 'A'.repeat(400);

const fam = (
  agency: string,
  host: string,
  family: string,
  ranges: [string, string, number][],
  channels: Record<string, number> = {},
): FamilyCoverage => ({
  agency,
  host,
  family,
  rows: 1000 * ranges.length,
  files: ranges.length,
  firstEvent: `${ranges[0][0]}T00:00:00.000Z`,
  lastEvent: `${ranges[ranges.length - 1][1]}T23:00:00.000Z`,
  ranges: ranges.map(([from, to, days]) => ({ from, to, days })),
  channels,
});

export function syntheticBoardInput(agencies = 50, hostsPer = 4): BoardInput {
  const { hunts } = loadQueries(path.join(__dirname, '..', '..', 'queries'));
  const live = hunts.filter((h) => h.meta.status !== 'deprecated');
  const coverage: FamilyCoverage[] = [];
  const uploads: UploadSummary[] = [];
  const findings: Finding[] = [];
  const sevs: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
  for (let a = 0; a < agencies; a++) {
    const agency = a === 7 ? `agency-${HOSTILE}` : `agency-${String(a).padStart(2, '0')}`;
    const hosts: string[] = [];
    for (let h = 0; h < hostsPer; h++) {
      const host = `EXCH${String(h + 1).padStart(2, '0')}.${agency.length > 20 ? 'hostile' : agency}.example.gov`;
      hosts.push(host);
      const early = (a + h) % 3 === 0;
      coverage.push(
        fam(
          agency,
          host,
          'httpproxy',
          early
            ? [
                ['2019-03-01', '2019-06-30', 100],
                ['2021-02-20', '2021-03-31', 40],
              ]
            : [['2021-02-20', '2021-03-31', 40]],
        ),
      );
      coverage.push(fam(agency, host, 'iis', [[early ? '2019-01-01' : '2020-11-01', '2021-03-31', 400]]));
      if (h % 2 === 0) coverage.push(fam(agency, host, 'ecp_server', [['2021-03-01', '2021-03-31', 31]]));
      coverage.push(
        fam(
          agency,
          host,
          h === 3 ? 'winevent_json' : 'winevent_jsonl',
          [['2021-02-25', '2021-03-31', 35]],
          h === 3 ? { Application: 900 } : { Security: 5000, 'Microsoft-Windows-Sysmon/Operational': 3000 },
        ),
      );
      coverage.push({
        agency,
        host,
        family: 'file_inventory',
        rows: 1500,
        files: 1,
        firstEvent: null,
        lastEvent: null,
        ranges: [],
        channels: {},
      });
    }
    uploads.push({
      agency,
      upload_id: `up-${a.toString(16).padStart(16, '0')}`,
      normalized_at: `2026-11-${String((a % 28) + 1).padStart(2, '0')}T10:00:00.000Z`,
      rows: 120_000 + a,
      rejected: a % 5,
      hosts,
    });
    if (a % 4 === 0) {
      for (let i = 0; i < 3; i++) {
        const hunt = live[(a + i * 7) % live.length];
        findings.push({
          hunt_id: hunt.meta.id,
          title: hunt.meta.name,
          severity: sevs[(a + i) % 5],
          cves: [...hunt.meta.cves],
          attack: [],
          agency,
          host: hosts[i % hostsPer],
          first_seen: '2021-03-02T10:15:30.000Z',
          last_seen: '2021-03-03T02:01:12.000Z',
          count: 3 + i,
          evidence: { uri: i === 0 ? LONG_URL : HOSTILE, client_ip: '203.0.113.77', user_agent: 'python-requests/2.25.1' },
          fingerprint: `${a.toString(16).padStart(4, '0')}${i}`.padEnd(64, 'f'),
        });
      }
    }
  }
  const decided = findings.slice(0, 4);
  const decisions = decided.map((f, i) =>
    makeDecision(f, findings, {
      status: i === 0 ? 'true-positive' : 'benign',
      note: i === 1 ? `vendor scanner ${HOSTILE}` : 'checked with the agency',
      by: 'analyst',
      at: new Date('2026-12-01T09:00:00Z'),
    }),
  );
  return {
    generatedAt: new Date('2026-12-07T12:00:00Z'),
    since: '2019-01-01',
    until: '2026-12-07',
    uploads,
    coverage,
    hunts: live,
    findings,
    triage: triageStates(decisions, findings),
    lastSweep: {
      swept_at: '2026-12-07T11:00:00.000Z',
      engine: 'duckdb',
      window: { since: '2019-01-01', until: '2026-12-07' },
      pack: { sha256: '3f2a9c1e7b4d', hunts: live.length, files: 140 },
      indicators: [{ file: 'volexity-exchange-marauder-ips.csv', sha256: '0a1b2c3d4e5f', bytes: 2048 }],
      findings: findings.length,
      new_findings: 2,
      errors: 0,
    },
    expectedAgencies: ['agency-never-uploaded'],
  };
}
