/**
 * The same Windows events, raw (.evtx through our EVTX parser) and exported by other tools (evtx_dump JSON and
 * JSONL, python-evtx XML, wevtutil XML, Event Viewer XML, Winlogbeat ECS, Splunk XmlWinEventLog CSV and JSON), give
 * the same rows: event id, time, channel, provider, computer, record id, event data and every promoted column. The
 * renderings without event data (Splunk classic WinEventLog, Event Viewer CSV / Text) give the same System columns
 * to the second. The exports are rendered from the parsed records in each tool's documented shape
 * (testkit/event-exports.ts).
 *
 * Uses real .evtx files from ../shared/data/evtx-attack-samples (not in the repository); skipped when absent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { detectFamily, parserFor, type Family, type TextFamilyParser } from '../../src/formats';
import { readEvtx, toWindowsEvent, type EvtxRecord } from '../../src/formats/evtx';
import { windowsEventRow } from '../../src/formats/windows/event-row';
import { readLines } from '../../src/ingest';
import type { Row } from '../../src/lake/schema';
import {
  ecsDocument,
  eventViewerTable,
  eventViewerXml,
  evtxDumpJson,
  evtxDumpJsonl,
  pythonEvtxXml,
  splunkCsv,
  splunkJson,
  wevtutilXml,
} from '../../testkit/event-exports';

const CORPUS = path.resolve(__dirname, '../../../shared/data/evtx-attack-samples');
/** Security (named data), Sysmon, System 7045, Application classic sources (unnamed data), UserData (1102). */
const FILES = [
  'Lateral Movement/LM_Remote_Service02_7045.evtx',
  'Credential Access/CA_4624_4625_LogonType2_LogonProc_chrome.evtx',
  'Privilege Escalation/sysmon_1_13_UACBypass_AppPath_Control.evtx',
  'Defense Evasion/DE_1102_security_log_cleared.evtx',
  'Credential Access/dc_applog_ntdsutil_dfir_325_326_327.evtx',
  'Lateral Movement/LM_5145_Remote_FileCopy.evtx',
];
const present = fs.existsSync(CORPUS) ? FILES.filter((f) => fs.existsSync(path.join(CORPUS, f))) : [];
const describeCorpus = present.length > 0 ? describe : describe.skip;
if (present.length === 0) console.warn(`windows-exports-differential: ${CORPUS} not found, differential test skipped`);

async function records(file: string): Promise<EvtxRecord[]> {
  const out: EvtxRecord[] = [];
  await readEvtx(fs.createReadStream(file), (r) => out.push(r));
  return out;
}

/** Parses export bytes as the pipeline does: detection on the head, then the family's parser line by line. */
async function parseExport(bytes: Buffer, name: string): Promise<{ family: Family | null; rows: Row[]; rejects: string[] }> {
  const det = detectFamily(bytes.subarray(0, 64 * 1024), name);
  if (!det) return { family: null, rows: [], rejects: [] };
  const rows: Row[] = [];
  const rejects: string[] = [];
  const ctx = {
    sourceFile: name,
    hostHint: null,
    emit: (_t: string, row: Row) => rows.push(row),
    reject: (n: number, reason: string) => rejects.push(`${n}: ${reason}`),
  };
  const parser = parserFor(det.family);
  if (parser.kind === 'binary') {
    await parser.parse(Readable.from([bytes]), ctx);
    return { family: det.family, rows, rejects };
  }
  const p = (parser as TextFamilyParser).create(ctx);
  await readLines(
    Readable.from([bytes]),
    { maxLineBytes: 64 << 20 },
    (t, n) => p.line(t, n),
    (n) => rejects.push(`${n}: long line`),
  );
  p.end();
  return { family: det.family, rows, rejects };
}

/** The columns every export must reproduce (the row's own line number and rendered message aside). */
function comparable(row: Row, opts: { level?: boolean } = {}): Row {
  const { source_line: _l, message: _m, ...rest } = row;
  if (opts.level === false) delete rest.level;
  return rest;
}

describeCorpus('Windows event exports vs raw .evtx (differential)', () => {
  let recs: EvtxRecord[] = [];
  let want: Row[] = [];
  beforeAll(async () => {
    for (const f of present) recs.push(...(await records(path.join(CORPUS, f))));
    recs = recs.filter((r) => r.timeMs !== null);
    want = recs.map((r) => comparable(windowsEventRow(toWindowsEvent(r), null)));
  });

  const cases: [string, string, () => Buffer, Family][] = [
    ['evtx_dump -o json', 'Security.json', () => Buffer.from(evtxDumpJson(recs)), 'evtx_dump_json'],
    ['evtx_dump -o jsonl', 'Security.jsonl', () => Buffer.from(evtxDumpJsonl(recs)), 'evtx_dump_json'],
    ['python-evtx evtx_dump.py', 'Security.xml', () => Buffer.from(pythonEvtxXml(recs)), 'event_xml'],
    ['wevtutil qe /f:xml', 'Security.xml', () => Buffer.from(wevtutilXml(recs)), 'event_xml'],
    ['Event Viewer Save As XML (UTF-16)', 'Security.xml', () => eventViewerXml(recs), 'event_xml'],
    ['Splunk CSV export of XmlWinEventLog', 'export.csv', () => Buffer.from(splunkCsv(recs, 'xml')), 'splunk_export'],
    ['Splunk JSON export of XmlWinEventLog', 'export.json', () => Buffer.from(splunkJson(recs, 'xml')), 'splunk_export'],
  ];
  it.each(cases)('%s gives the rows of the raw records', async (_name, file, render, family) => {
    // Prepare
    expect(recs.length).toBeGreaterThan(20);
    // Act
    const got = await parseExport(render(), file);
    // Assess
    expect(got.family).toBe(family);
    expect(got.rejects).toEqual([]);
    expect(got.rows.map((r) => comparable(r))).toEqual(want);
  });

  it('Winlogbeat / Elastic Agent ECS NDJSON gives the rows of the raw records (level aside: ECS keeps its name)', async () => {
    // Act
    const got = await parseExport(Buffer.from(recs.map((r) => JSON.stringify(ecsDocument(r)) + '\n').join('')), 'winlogbeat.ndjson');
    // Assess
    expect(got.family).toBe('winevent_jsonl');
    expect(got.rejects).toEqual([]);
    expect(got.rows.map((r) => comparable(r, { level: false }))).toEqual(want.map((r) => comparable(r, { level: false })));
  });

  it('Elasticsearch hits (_source) as export tools write them give the same rows', async () => {
    // Prepare
    const hits = recs
      .map(
        (r, i) =>
          JSON.stringify({ _index: '.ds-winlogbeat-8.11.0-2021.03.03-000001', _id: `id${i}`, _score: 1, _source: ecsDocument(r) }) + '\n',
      )
      .join('');
    // Act
    const got = await parseExport(Buffer.from(hits), 'export.json');
    // Assess
    expect(got.rejects).toEqual([]);
    expect(got.rows.map((r) => comparable(r, { level: false }))).toEqual(want.map((r) => comparable(r, { level: false })));
  });

  /** The System columns a rendering without event data keeps (classic text and Event Viewer tables carry no data). */
  function system(row: Row, keep: readonly string[]): Record<string, unknown> {
    const out: Record<string, unknown> = { event_time_s: Math.floor((row.event_time as number) / 1000) };
    for (const k of keep) out[k] = row[k];
    return out;
  }

  it.each([
    ['CSV', (): Buffer => Buffer.from(splunkCsv(recs, 'classic')), 'export.csv'],
    ['JSON', (): Buffer => Buffer.from(splunkJson(recs, 'classic')), 'export.json'],
  ])('Splunk %s export of classic WinEventLog gives the System columns of the raw records (to the second)', async (_n, render, file) => {
    // Prepare
    const keep = ['event_id', 'channel', 'provider', 'computer', 'record_id', 'host'];
    // Act
    const got = await parseExport(render(), file);
    // Assess
    expect(got.family).toBe('splunk_export');
    expect(got.rejects).toEqual([]);
    expect(got.rows.map((r) => system(r, keep))).toEqual(want.map((r) => system(r, keep)));
  });

  it.each([
    ['CSV', ',', 'Security.csv'],
    ['Text', '\t', 'Security.txt'],
  ] as const)('Event Viewer Save As %s of the Security log gives the event ids, times, channel and provider', async (_n, sep, file) => {
    // Prepare: level aside, Event Viewer shows "Audit Success" instead of the level of audit events.
    const security = recs.filter((r) => r.channel === 'Security');
    const keep = ['event_id', 'channel', 'provider'];
    const wantSecurity = want.filter((r) => r.channel === 'Security');
    // Act
    const got = await parseExport(eventViewerTable(security, sep), file);
    // Assess
    expect(security.length).toBeGreaterThan(5);
    expect(got.family).toBe('eventviewer_text');
    expect(got.rejects).toEqual([]);
    expect(got.rows.map((r) => system(r, keep))).toEqual(wantSecurity.map((r) => system(r, keep)));
  });
});
