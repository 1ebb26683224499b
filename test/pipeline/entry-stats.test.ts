import { EntryStats } from '../../src/pipeline/entry-stats';

const base = {
  path: 'u_ex210301.log',
  declaredSize: null,
  mtime: null,
  family: 'iis',
  detection: 'header',
  hostHint: null,
  untimedReason: 'none',
};

describe('EntryStats.rowsOf (a kernel batch counted per distinct host)', () => {
  it('gives the manifest entry and host spans that row() gives row by row', () => {
    // Hosts as a batch gives them: ids over entries, -1 for no host, two entries naming the same host, a null entry.
    const entries = ['EXCH01', 'EXCH02', 'EXCH01', null];
    const ids = Int32Array.from([0, 1, -1, 2, 3, 0, 1, 1, -1, 2]);
    const times = Float64Array.from([50, 10, 70, 5, 40, 90, 30, 20, 60, 80]);
    const one = new EntryStats();
    const batch = new EntryStats();
    one.row('web_requests', 'EXCH01', 1);
    batch.row('web_requests', 'EXCH01', 1);
    for (let r = 0; r < ids.length; r++) one.row('web_requests', ids[r] < 0 ? null : entries[ids[r]], times[r]);
    batch.rowsOf('web_requests', ids.length, times, ids, entries);
    expect(batch.toEntry(base)).toEqual(one.toEntry(base));
    expect(Object.fromEntries(batch.hosts)).toEqual(Object.fromEntries(one.hosts));
    expect(batch.hosts.get('EXCH01')).toEqual({ rows: 5, first: 1, last: 90 });
    expect(batch.hosts.get(null)).toEqual({ rows: 3, first: 40, last: 70 });
  });

  it('counts every row under no host when the batch has no host column', () => {
    const s = new EntryStats();
    s.rowsOf('web_requests', 3, Float64Array.from([3, 1, 2]), null, []);
    expect(s.totalRows).toBe(3);
    expect(s.hosts.get(null)).toEqual({ rows: 3, first: 1, last: 3 });
    expect(s.toEntry(base).rows_without_host).toBe(3);
  });
});
