import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalDedupStore } from '../../src/hunt/local-dedup-store';
import { LocalTriageStore } from '../../src/hunt/local-triage-store';
import { findByFingerprint, makeDecision, openFindings, triageLabel, triageStates, TriageError, withTriage } from '../../src/hunt/triage';
import { sampleFinding } from '../aws/fixtures';

const at = new Date('2026-12-01T09:00:00Z');
const shell = sampleFinding({ fingerprint: 'a'.repeat(64), host: 'EXCH01', last_seen: '2021-03-03T02:01:12.000Z' });
const other = sampleFinding({ fingerprint: 'b'.repeat(64), host: 'EXCH01', last_seen: '2021-03-04T00:00:00.000Z' });
const elsewhere = sampleFinding({ fingerprint: 'c'.repeat(64), host: 'EXCH02' });

describe('triage decisions', () => {
  it('closes a benign finding and keeps it closed on a re-run with the same evidence', () => {
    // Prepare
    const d = makeDecision(shell, [shell, other, elsewhere], { status: 'benign', note: 'red team exercise', by: 'ana', at });

    // Act
    const states = triageStates([d], [shell, other, elsewhere]);

    // Assess
    expect(d.known).toEqual(['a'.repeat(64), 'b'.repeat(64)]);
    expect(states.get(shell.fingerprint)).toMatchObject({ closed: true, reopenedBy: [] });
    expect(openFindings([shell, other, elsewhere], states).map((f) => f.fingerprint)).toEqual([other.fingerprint, elsewhere.fingerprint]);
    expect(triageLabel(states.get(shell.fingerprint))).toBe('benign');
  });

  it('re-opens on a new finding of the same hunt and host, not on other hosts or hunts', () => {
    // Prepare
    const d = makeDecision(shell, [shell], { status: 'false-positive', note: 'scanner', by: 'ana', at });
    const newOnSameHost = sampleFinding({
      fingerprint: 'd'.repeat(64),
      host: 'EXCH01',
      evidence: { uri_stem: '/aspnet_client/shell.aspx' },
    });
    const otherHunt = sampleFinding({ fingerprint: 'e'.repeat(64), host: 'EXCH01', hunt_id: 'another-hunt' });

    // Act
    const quiet = triageStates([d], [shell, elsewhere, otherHunt]);
    const reopened = triageStates([d], [shell, newOnSameHost]);

    // Assess
    expect(quiet.get(shell.fingerprint)!.closed).toBe(true);
    expect(reopened.get(shell.fingerprint)).toMatchObject({ closed: false, reopenedBy: ['d'.repeat(64)] });
    expect(triageLabel(reopened.get(shell.fingerprint))).toBe('false-positive, re-opened by new evidence');
  });

  it('re-opens on later hits of the decided finding itself', () => {
    // Prepare
    const d = makeDecision(shell, [shell], { status: 'benign', note: '', by: 'ana', at });

    // Act
    const states = triageStates([d], [{ ...shell, last_seen: '2021-04-01T00:00:00.000Z', count: 20 }]);

    // Assess
    expect(states.get(shell.fingerprint)).toMatchObject({ closed: false, reopenedBy: [shell.fingerprint] });
  });

  it('keeps the latest decision per fingerprint and never closes a true positive', () => {
    // Prepare
    const first = makeDecision(shell, [shell], { status: 'benign', note: 'looked fine', by: 'ana', at });
    const later = makeDecision(shell, [shell], {
      status: 'true-positive',
      note: 'web shell confirmed',
      by: 'bo',
      at: new Date('2026-12-02T00:00:00Z'),
    });

    // Act
    const states = triageStates([later, first], [shell]);

    // Assess
    expect(states.get(shell.fingerprint)).toMatchObject({ closed: false, decision: { status: 'true-positive', by: 'bo' } });
  });

  it('refuses an unknown status, a short, unknown or ambiguous fingerprint', () => {
    expect(() => makeDecision(shell, [shell], { status: 'ignore', note: '', by: 'x', at })).toThrow(
      /--status must be one of true-positive, benign, false-positive/,
    );
    expect(() => findByFingerprint([shell], 'aaaa')).toThrow(TriageError);
    expect(() => findByFingerprint([shell], 'f'.repeat(12))).toThrow(/no finding with fingerprint/);
    expect(() => findByFingerprint([shell, sampleFinding({ fingerprint: 'a'.repeat(12) + 'b'.repeat(52) })], 'a'.repeat(10))).toThrow(
      /matches 2 findings/,
    );
    expect(findByFingerprint([shell, other], 'AAAAAAAAAA').fingerprint).toBe(shell.fingerprint);
  });
});

describe('LocalTriageStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triage-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps every decision as a line, survives a torn line, and lists the latest per fingerprint', async () => {
    // Prepare
    const store = LocalTriageStore.under(dir);
    await store.record(makeDecision(shell, [shell], { status: 'benign', note: 'first', by: 'ana', at }));
    fs.appendFileSync(store.file, '{"fingerprint":"torn');

    // Act
    await store.record(
      makeDecision(shell, [shell], { status: 'false-positive', note: 'second', by: 'bo', at: new Date('2026-12-03T00:00:00Z') }),
    );
    const list = await new LocalTriageStore(store.file).list();

    // Assess
    expect(store.file).toBe(path.join(dir, 'findings', 'triage.jsonl'));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: 'false-positive', note: 'second', by: 'bo' });
    const reread = new LocalTriageStore(store.file);
    expect(reread.history()).toHaveLength(2);
    expect(reread.unreadable).toBe(1);
  });

  it('stops alerts for closed fingerprints even when the dedup record is lost', async () => {
    // Prepare
    const triage = LocalTriageStore.under(dir);
    await triage.record(makeDecision(shell, [shell, other], { status: 'benign', note: 'admin tool', by: 'ana', at }));
    const dedup = withTriage(LocalDedupStore.under(dir), triage);

    // Act
    const fresh = await dedup.filterNew([shell, other]);

    // Assess
    expect(fresh.map((f) => f.fingerprint)).toEqual([other.fingerprint]);
  });
});
