/**
 * normalizeUpload with a tiny fake parser (so the accounting rules are tested
 * independently of the real families) and the real archive walker and lake.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FamilyParser, ParseContext } from '../../src/formats/types';
import { normalizeUpload, type FormatSeam } from '../../src/pipeline';
import { buildZip, gzip } from '../support/archive-builders';
import { lakeScan, query } from '../lake/duckdb-read';

/**
 * Fake "oab_generator" family: files starting with "FAKE".
 * Line grammar: `#...` or blank -> skipped; `T <iso> <text>` -> one row; `N <text>` -> a row without time;
 * `BAD ...` -> rejected; `TWO <iso>` -> two rows; `THROW` -> the parser throws; end() rejects a pending `OPEN` line.
 */
const fakeParser: FamilyParser = {
  family: 'oab_generator',
  kind: 'text',
  facts: { label: 'Fake logs', tables: ['exchange_logs'], whereOnServer: 'nowhere', localTime: false },
  create(ctx: ParseContext) {
    let open = 0;
    return {
      line(text: string, lineNo: number) {
        if (text === '' || text.startsWith('#') || text.startsWith('FAKE')) return;
        const [kind, a, ...rest] = text.split(' ');
        if (kind === 'T') ctx.emit('exchange_logs', { event_time: Date.parse(a), message: rest.join(' ') });
        else if (kind === 'N') ctx.emit('exchange_logs', { event_time: null, message: [a, ...rest].join(' ') });
        else if (kind === 'TWO') {
          ctx.emit('exchange_logs', { event_time: Date.parse(a), message: 'one' });
          ctx.emit('exchange_logs', { event_time: Date.parse(a), message: 'two', host: 'OTHER01' });
        } else if (kind === 'THROW') throw new Error('boom');
        else if (kind === 'OPEN') open = lineNo;
        else ctx.reject(lineNo, `bad line kind "${kind}"`);
      },
      end() {
        if (open) ctx.reject(open, 'record never closed');
      },
    };
  },
};

const fakeFormats: FormatSeam = {
  detectFamily: (head) => (head.toString('utf8', 0, 4) === 'FAKE' ? { family: 'oab_generator', reason: 'FAKE magic' } : null),
  describeUnrecognized: (head, _name, size) =>
    size === 0 || head.length === 0 ? 'empty file' : `starts with ${JSON.stringify(head.toString('latin1', 0, 8))}`,
  parserFor: () => fakeParser,
  hostFromPath: (p) => /EXCH0\d/.exec(p)?.[0] ?? null,
};

describe('normalizeUpload (accounting, with a fake parser)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'norm-acc-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  function archive(): string {
    const good = [
      'FAKE v1',
      '# comment',
      '',
      'T 2021-03-02T10:00:00Z first',
      'BAD thing',
      'TWO 2021-03-03T01:00:00Z',
      'THROW',
      'x'.repeat(300),
      'N no time',
      'OPEN',
      'T 2021-03-02T09:00:00Z earlier',
    ].join('\r\n');
    const zip = buildZip([
      { name: 'EXCH01/Logging/fake1.log', data: good, mtime: new Date(2021, 0, 15, 12, 0, 0) },
      { name: 'misc/unknown.bin', data: Buffer.from([0, 1, 2, 3, 0xff, 0xfe]) },
      { name: 'misc/empty.log', data: '' },
      { name: '../../etc/x.log', data: 'FAKE\nT 2021-03-02T10:00:00Z evil' },
      { name: 'nohost/fake2.log.gz', data: gzip('FAKE\nT 2021-03-05T00:00:00Z b\nN x') },
    ]);
    const file = path.join(tmp, 'upload.zip');
    fs.writeFileSync(file, zip);
    return file;
  }

  it('accounts for every line: read = with rows + rejected + skipped, per entry and in total', async () => {
    // Prepare
    const input = archive();
    // Act
    const { manifest } = await normalizeUpload({
      inputs: [input],
      agency: 'dhs',
      lakeRoot: path.join(tmp, 'root'),
      tmpDir: tmp,
      formats: fakeFormats,
      limits: { maxLineBytes: 200 },
      hostOverride: 'FALLBACK1',
    });
    // Assess
    const e1 = manifest.entries.find((e) => e.path.endsWith('EXCH01/Logging/fake1.log'))!;
    expect(e1.lines).toEqual({ read: 11, with_rows: 4, rejected: 3, skipped: 4 });
    expect(e1.lines.read).toBe(e1.lines.with_rows + e1.lines.rejected + e1.lines.skipped);
    expect(e1.rows).toEqual({ exchange_logs: 5 });
    expect(e1.rejections.total).toBe(4);
    expect(e1.rejections.by_reason).toEqual({
      'bad line kind "BAD"': 1,
      'line longer than 200 bytes (300 bytes)': 1,
      'parser failed on this line: boom': 1,
      'record never closed': 1,
    });
    expect(e1.rejections.samples.map((s) => s.line)).toEqual([5, 7, 8, 10]);
    expect(e1.hosts).toEqual(['EXCH01', 'OTHER01']);
    for (const e of manifest.entries) expect(e.lines.read).toBe(e.lines.with_rows + e.lines.rejected + e.lines.skipped);
    const t = manifest.totals;
    expect(t.lines_read).toBe(t.lines_with_rows + t.lines_rejected + t.lines_skipped);
    expect(t.rows).toBe(7);
    expect(manifest.rows_per_table.exchange_logs).toBe(7);
  });

  it('lists unrecognized, empty and refused entries next to the good ones of the same archive', async () => {
    // Prepare
    const input = archive();
    // Act
    const { manifest } = await normalizeUpload({
      inputs: [input],
      agency: 'dhs',
      lakeRoot: path.join(tmp, 'root'),
      tmpDir: tmp,
      formats: fakeFormats,
    });
    // Assess
    expect(manifest.entries.map((e) => path.basename(e.path))).toEqual(['fake1.log', 'fake2.log.gz']);
    expect(manifest.unrecognized).toEqual([
      { path: `${input}!misc/unknown.bin`, size: 6, hint: 'starts with "\\u0000\\u0001\\u0002\\u0003ÿþ"' },
      { path: `${input}!misc/empty.log`, size: 0, hint: 'empty file' },
    ]);
    expect(manifest.problems).toHaveLength(1);
    expect(manifest.problems[0]).toMatchObject({ code: 'zip-slip' });
    expect(manifest.problems[0].path).toContain('../../etc/x.log');
    expect(manifest.totals).toMatchObject({ entries: 4, entries_parsed: 2, entries_unrecognized: 2, problems: 1 });
    // No host in the records, the path or --host: the rows keep a NULL host, listed as unknown (last).
    expect(manifest.coverage[manifest.coverage.length - 1]).toEqual({
      host: null,
      family: 'oab_generator',
      first_event: '2021-03-05T00:00:00.000Z',
      last_event: '2021-03-05T00:00:00.000Z',
      files: 1,
      rows: 2,
    });
    expect(manifest.entries[1].hosts).toEqual([]);
  });

  it('fills the common columns and files rows without time under the entry mtime day', async () => {
    // Prepare
    const input = archive();
    const root = path.join(tmp, 'root');
    // Act
    const { manifest } = await normalizeUpload({
      inputs: [input],
      agency: 'dhs',
      uploadId: 'up-test',
      lakeRoot: root,
      tmpDir: tmp,
      formats: fakeFormats,
      hostOverride: 'FALLBACK1',
    });
    // Assess
    const rows = await query(
      `SELECT strftime(event_time, '%Y-%m-%dT%H:%M:%S') AS t, host, source_family, source_file, source_line::INT AS line, upload_id, message, agency, dt FROM ${lakeScan(root, 'exchange_logs')} ORDER BY source_file, line, message`,
    );
    const f1 = `${input}!EXCH01/Logging/fake1.log`;
    const f2 = `${input}!nohost/fake2.log.gz`;
    expect(rows).toEqual([
      {
        t: '2021-03-02T10:00:00',
        host: 'EXCH01',
        source_family: 'oab_generator',
        source_file: f1,
        line: 4,
        upload_id: 'up-test',
        message: 'first',
        agency: 'dhs',
        dt: '2021-03-02',
      },
      {
        t: '2021-03-03T01:00:00',
        host: 'EXCH01',
        source_family: 'oab_generator',
        source_file: f1,
        line: 6,
        upload_id: 'up-test',
        message: 'one',
        agency: 'dhs',
        dt: '2021-03-03',
      },
      {
        t: '2021-03-03T01:00:00',
        host: 'OTHER01',
        source_family: 'oab_generator',
        source_file: f1,
        line: 6,
        upload_id: 'up-test',
        message: 'two',
        agency: 'dhs',
        dt: '2021-03-03',
      },
      {
        t: null,
        host: 'EXCH01',
        source_family: 'oab_generator',
        source_file: f1,
        line: 9,
        upload_id: 'up-test',
        message: 'no time',
        agency: 'dhs',
        dt: '2021-01-15',
      },
      {
        t: '2021-03-02T09:00:00',
        host: 'EXCH01',
        source_family: 'oab_generator',
        source_file: f1,
        line: 11,
        upload_id: 'up-test',
        message: 'earlier',
        agency: 'dhs',
        dt: '2021-03-02',
      },
      {
        t: '2021-03-05T00:00:00',
        host: 'FALLBACK1',
        source_family: 'oab_generator',
        source_file: f2,
        line: 2,
        upload_id: 'up-test',
        message: 'b',
        agency: 'dhs',
        dt: '2021-03-05',
      },
      {
        t: null,
        host: 'FALLBACK1',
        source_family: 'oab_generator',
        source_file: f2,
        line: 3,
        upload_id: 'up-test',
        message: 'x',
        agency: 'dhs',
        dt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      },
    ]);
    const e1 = manifest.entries[0];
    expect(e1.rows_without_time).toBe(1);
    expect(e1.dt_fallback).toEqual({ source: 'entry-mtime', dt: '2021-01-15' });
    expect(e1.rows_without_time_reason).toBe('OABGenerator lines without a leading timestamp carry no time of their own');
    expect(e1.rows_without_host).toBe(0);
    expect(manifest.coverage).toEqual([
      {
        host: 'EXCH01',
        family: 'oab_generator',
        first_event: '2021-03-02T09:00:00.000Z',
        last_event: '2021-03-03T01:00:00.000Z',
        files: 1,
        rows: 4,
      },
      {
        host: 'FALLBACK1',
        family: 'oab_generator',
        first_event: '2021-03-05T00:00:00.000Z',
        last_event: '2021-03-05T00:00:00.000Z',
        files: 1,
        rows: 2,
      },
      {
        host: 'OTHER01',
        family: 'oab_generator',
        first_event: '2021-03-03T01:00:00.000Z',
        last_event: '2021-03-03T01:00:00.000Z',
        files: 1,
        rows: 1,
      },
    ]);
  });

  it('derives the same upload id from the same files, and another one when a file changes', async () => {
    // Prepare
    const input = archive();
    const opts = { agency: 'dhs', lakeRoot: path.join(tmp, 'root'), tmpDir: tmp, formats: fakeFormats };
    // Act
    const a = await normalizeUpload({ ...opts, inputs: [input] });
    const b = await normalizeUpload({ ...opts, inputs: [path.relative(process.cwd(), input)] });
    fs.appendFileSync(input, Buffer.from([0]));
    const c = await normalizeUpload({ ...opts, inputs: [input] });
    // Assess
    expect(a.manifest.upload_id).toMatch(/^up-[0-9a-f]{16}$/);
    expect(b.manifest.upload_id).toBe(a.manifest.upload_id);
    expect(c.manifest.upload_id).not.toBe(a.manifest.upload_id);
  });

  it('throws for an agency id that cannot be a key segment', async () => {
    await expect(normalizeUpload({ inputs: ['x'], agency: '../evil', lakeRoot: tmp, formats: fakeFormats })).rejects.toThrow(
      /invalid agency id "..\/evil"/,
    );
  });
});
