import { fingerprint, rowsToFindings, sortFindings } from '../../src/hunt/findings';
import { makeHunt } from './helpers';

const hunt = makeHunt('SELECT 1');

const row = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  agency: 'dhs',
  host: 'EXCH01',
  first_seen: '2021-03-02T10:15:30.000Z',
  last_seen: '2021-03-02T11:00:00.000Z',
  hits: 3,
  anchor_mailbox: 'ServerInfo~a]@EXCH01:444/ecp/proxyLogon.ecp?#',
  client_ip: '192.0.2.10',
  ...over,
});

describe('rowsToFindings', () => {
  it('maps contract columns and keeps every other column as evidence', () => {
    // Act
    const [f] = rowsToFindings(hunt, [row()]);
    // Assess
    expect(f).toEqual({
      hunt_id: hunt.meta.id,
      title: hunt.meta.name,
      severity: 'critical',
      cves: ['CVE-2021-26855'],
      attack: ['T1190'],
      agency: 'dhs',
      host: 'EXCH01',
      first_seen: '2021-03-02T10:15:30.000Z',
      last_seen: '2021-03-02T11:00:00.000Z',
      count: 3,
      evidence: { anchor_mailbox: 'ServerInfo~a]@EXCH01:444/ecp/proxyLogon.ecp?#', client_ip: '192.0.2.10' },
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('uses the per-row severity column over the hunt default', () => {
    // Act
    const [f] = rowsToFindings(hunt, [row({ severity: 'info' })]);
    // Assess
    expect(f.severity).toBe('info');
    expect(f.evidence).not.toHaveProperty('severity');
  });

  it('keeps the fingerprint when only counts and times change (a re-run reports nothing new)', () => {
    // Act
    const a = rowsToFindings(hunt, [row()])[0];
    const b = rowsToFindings(hunt, [row({ hits: 40, last_seen: '2021-03-05T00:00:00.000Z', client_ip: '198.51.100.7' })])[0];
    // Assess: client_ip is not a key field, so the same anchor mailbox on the same host is the same finding.
    expect(b.fingerprint).toBe(a.fingerprint);
  });

  it('gives another fingerprint for another host, agency or key value', () => {
    // Act
    const fps = new Set([
      rowsToFindings(hunt, [row()])[0].fingerprint,
      rowsToFindings(hunt, [row({ host: 'EXCH02' })])[0].fingerprint,
      rowsToFindings(hunt, [row({ agency: 'doe' })])[0].fingerprint,
      rowsToFindings(hunt, [row({ anchor_mailbox: 'ServerInfo~b]@EXCH01:444/ecp/x.js' })])[0].fingerprint,
    ]);
    // Assess
    expect(fps.size).toBe(4);
  });

  it('merges rows of one finding: earliest first seen, latest last seen, summed count, distinct evidence', () => {
    // Act
    const fs = rowsToFindings(hunt, [
      row({ first_seen: '2021-03-03T00:00:00.000Z', last_seen: '2021-03-04T00:00:00.000Z', hits: 2, client_ip: '192.0.2.11' }),
      row(),
      row({ client_ip: '192.0.2.11', hits: 1 }),
    ]);
    // Assess
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ first_seen: '2021-03-02T10:15:30.000Z', last_seen: '2021-03-04T00:00:00.000Z', count: 6 });
    expect(fs[0].evidence.client_ip).toEqual(['192.0.2.10', '192.0.2.11']);
  });

  it('gives the same finding whatever order the engine returns the rows in', () => {
    // Prepare
    const rows = [
      row({ client_ip: '192.0.2.11', hits: 1 }),
      row({ first_seen: '2021-03-03T00:00:00.000Z', last_seen: '2021-03-04T00:00:00.000Z', hits: 2, client_ip: '192.0.2.12' }),
      row(),
    ];

    // Act
    const forward = rowsToFindings(hunt, rows);
    const backward = rowsToFindings(hunt, [...rows].reverse());

    // Assess
    expect(backward).toEqual(forward);
    expect(forward[0].evidence.client_ip).toEqual(['192.0.2.10', '192.0.2.11', '192.0.2.12']);
  });

  it('uses every evidence column as the key when the hunt names no key_fields', () => {
    // Prepare
    const noKeys = makeHunt('SELECT 1', { key_fields: undefined });
    // Act
    const fs = rowsToFindings(noKeys, [row(), row({ client_ip: '192.0.2.99' })]);
    // Assess
    expect(fs).toHaveLength(2);
  });

  it('reads Athena-style timestamps as UTC and null hosts as null', () => {
    // Act
    const [f] = rowsToFindings(hunt, [row({ host: null, first_seen: '2019-04-02 08:00:00.000', last_seen: '2019-04-02 09:00:00.000' })]);
    // Assess
    expect(f).toMatchObject({ host: null, first_seen: '2019-04-02T08:00:00.000Z', last_seen: '2019-04-02T09:00:00.000Z' });
  });
});

describe('fingerprint', () => {
  it('does not depend on the order of key fields', () => {
    expect(fingerprint('h', 'a', 'X', { b: 1, a: 2 })).toBe(fingerprint('h', 'a', 'X', { a: 2, b: 1 }));
  });
});

describe('sortFindings', () => {
  it('puts the most severe first', () => {
    // Prepare
    const fs = rowsToFindings(hunt, [
      row({ severity: 'low', anchor_mailbox: 'x' }),
      row({ anchor_mailbox: 'y' }),
      row({ severity: 'medium', anchor_mailbox: 'z' }),
    ]);
    // Act
    const sorted = sortFindings(fs).map((f) => f.severity);
    // Assess
    expect(sorted).toEqual(['critical', 'medium', 'low']);
  });
});
