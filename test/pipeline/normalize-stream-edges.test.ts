/**
 * normalizeUpload at the edges of an entry stream: the lines just before a
 * truncated gzip's cut, and folder names of the display path as family hints.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { normalizeUpload } from '../../src/pipeline';
import { buildZip } from '../support/archive-builders';
import { lakeScan, query } from '../lake/duckdb-read';

const IIS_HEADER = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Version: 1.0',
  '#Date: 2021-03-02 00:00:00',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
];
function iisLine(i: number): string {
  const t = new Date(Date.UTC(2021, 2, 2) + i * 1000).toISOString();
  return `${t.slice(0, 10)} ${t.slice(11, 19)} 10.0.0.5 POST /ecp/DDIService.svc/SetObject id=${i}&x=${(i * 7919).toString(36)} 443 - 198.51.100.${i % 250} Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 ${i % 97}`;
}

describe('normalizeUpload (stream edges)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'norm-edges-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('ingests every complete line before the cut of a truncated gzip', async () => {
    // Prepare: ~60 000 lines, cut at 70 %; what zlib can still inflate from the prefix is the reference.
    const text = [...IIS_HEADER, ...Array.from({ length: 60000 }, (_, i) => iisLine(i))].join('\r\n') + '\r\n';
    const gz = zlib.gzipSync(text, { level: 6 });
    const cut = gz.subarray(0, Math.floor(gz.length * 0.7));
    const recovered = zlib.gunzipSync(cut, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString('utf8');
    const completeLines = recovered.split('\r\n').length - 1;
    const completeData = completeLines - IIS_HEADER.length;
    const input = path.join(tmp, 'u_ex210302.log.gz');
    fs.writeFileSync(input, cut);
    const root = path.join(tmp, 'root-cut');
    // Act
    // Small row groups: compression falls behind and the byte counter waits while the inflater has already failed.
    const { manifest } = await normalizeUpload({
      inputs: [input],
      agency: 'dhs',
      uploadId: 'up-cut',
      lakeRoot: root,
      tmpDir: tmp,
      writer: { rowGroupRows: 512, maxPendingRowGroups: 1 },
    });
    // Assess
    const entry = manifest.entries[0];
    expect(entry.status).toBe('partial');
    expect(entry.error?.code).toBe('truncated-gzip');
    expect(completeData).toBeGreaterThan(30000);
    const rows = await query(
      `SELECT count(*)::INT AS n, max(source_line)::INT AS last, max(uri_query) FILTER (WHERE source_line = ${completeLines}) AS q FROM ${lakeScan(root, 'web_requests')}`,
    );
    // Every complete data line is a row (the cut last line may add one more, or be rejected).
    expect(rows[0].n).toBeGreaterThanOrEqual(completeData);
    expect(rows[0].n).toBeLessThanOrEqual(completeData + 1);
    expect(rows[0].last).toBeGreaterThanOrEqual(completeLines);
    const lastFull = completeData - 1;
    expect(rows[0].q).toBe(`id=${lastFull}&x=${(lastFull * 7919).toString(36)}`);
    expect(entry.lines.read).toBeGreaterThanOrEqual(completeLines);
  });

  it('keeps every line of a source stream that fails after many small chunks (connection reset)', async () => {
    // Prepare: 4 KiB chunks, then an error, as an S3 body cut by the network.
    const text = Buffer.from([...IIS_HEADER, ...Array.from({ length: 20000 }, (_, i) => iisLine(i))].join('\r\n') + '\r\n');
    async function* chunks(): AsyncGenerator<Buffer> {
      for (let o = 0; o < text.length; o += 4096) yield text.subarray(o, o + 4096);
      throw new Error('connection reset');
    }
    const root = path.join(tmp, 'root-reset');
    // Act
    const { manifest } = await normalizeUpload({
      inputs: [{ path: 's3://bucket/dhs/W3SVC1/u_ex210302.log', open: () => Readable.from(chunks(), { objectMode: false }) }],
      agency: 'dhs',
      uploadId: 'up-reset',
      lakeRoot: root,
      tmpDir: tmp,
      writer: { rowGroupRows: 512 },
    });
    // Assess
    expect(manifest.entries[0].status).toBe('partial');
    expect(manifest.entries[0].bytes).toBe(text.length);
    expect(manifest.entries[0].lines).toEqual({ read: 20004, with_rows: 20000, rejected: 0, skipped: 4 });
    const rows = await query(
      `SELECT count(*)::INT AS n, max(uri_query) FILTER (WHERE source_line = 20004) AS q FROM ${lakeScan(root, 'web_requests')}`,
    );
    expect(rows[0]).toEqual({ n: 20000, q: `id=19999&x=${(19999 * 7919).toString(36)}` });
  });

  it('uses folder names of the display path as hints for header-less fragments', async () => {
    // Prepare: W3C lines without header under W3SVC1 with a rotated name; an OAB log with no known layout.
    const iisFragment = [iisLine(5), iisLine(6)].join('\r\n') + '\r\n';
    const oab = '2021-03-03T04:00:00.000Z Some free text that names no known layout\r\n';
    const zip = buildZip([
      { name: 'EXCH01/inetpub/logs/LogFiles/W3SVC1/rotated-0001.log', data: iisFragment },
      { name: 'EXCH01/Logging/OABGeneratorLog/log-0001.txt', data: oab },
      { name: 'EXCH01/elsewhere/rotated-0002.log', data: iisFragment },
    ]);
    const input = path.join(tmp, 'hints.zip');
    fs.writeFileSync(input, zip);
    const root = path.join(tmp, 'root-hints');
    // Act
    const { manifest } = await normalizeUpload({ inputs: [input], agency: 'dhs', uploadId: 'up-hints', lakeRoot: root, tmpDir: tmp });
    // Assess
    const fam = Object.fromEntries(manifest.entries.map((e) => [e.path.slice(e.path.indexOf('!') + 1), e.family]));
    expect(fam).toEqual({
      'EXCH01/inetpub/logs/LogFiles/W3SVC1/rotated-0001.log': 'iis',
      'EXCH01/Logging/OABGeneratorLog/log-0001.txt': 'oab_generator',
    });
    // Content first: the same lines outside a site folder are not guessed.
    expect(manifest.unrecognized.map((u) => u.path)).toEqual([`${input}!EXCH01/elsewhere/rotated-0002.log`]);
    const iis = await query(`SELECT uri_query, host FROM ${lakeScan(root, 'web_requests')} ORDER BY source_line`);
    expect(iis).toEqual([
      { uri_query: `id=5&x=${(5 * 7919).toString(36)}`, host: 'EXCH01' },
      { uri_query: `id=6&x=${(6 * 7919).toString(36)}`, host: 'EXCH01' },
    ]);
  });
});
