/**
 * The demo archives of `npm start` (samples/agency-demo, made by scripts/make-samples.ts):
 * every entry is recognized and parsed without a rejection, the story's traces are
 * there on EXCH01, CAS03 and MBX04 and absent from EXCH02 (which carries the false-positive
 * bait), and the script rewrites the same bytes.
 */
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { peek, readLines, walkInputs } from '../../src/ingest';
import { detectFamily, hostFromPath, parserFor } from '../../src/formats';
import type { TextFamilyParser } from '../../src/formats';
import type { Row, TableName } from '../../src/lake/schema';

const ROOT = path.resolve(__dirname, '../..');
const DEMO = path.join(ROOT, 'samples', 'agency-demo');

interface Parsed {
  readonly families: Record<string, number>;
  readonly rows: { table: TableName; family: string; row: Row; file: string }[];
  readonly rejects: string[];
  readonly unrecognized: string[];
  readonly problems: string[];
}

async function parseArchive(file: string): Promise<Parsed> {
  const out: Parsed = { families: {}, rows: [], rejects: [], unrecognized: [], problems: [] };
  for await (const entry of walkInputs([file], { onProblem: (p) => out.problems.push(`${p.path}: ${p.reason}`) })) {
    const { head, stream } = await peek(entry.open());
    const d = detectFamily(head, entry.path);
    if (!d) {
      out.unrecognized.push(entry.path);
      stream.resume();
      continue;
    }
    out.families[d.family] = (out.families[d.family] ?? 0) + 1;
    const parser = parserFor(d.family) as TextFamilyParser;
    const p = parser.create({
      sourceFile: entry.path,
      hostHint: hostFromPath(entry.path),
      emit: (table, row) => out.rows.push({ table, family: d.family, row, file: entry.path }),
      reject: (n, reason) => out.rejects.push(`${entry.path}:${n}: ${reason}`),
    });
    await readLines(
      stream,
      { maxLineBytes: 1 << 20 },
      (t, n) => p.line(t, n),
      (n) => out.rejects.push(`${entry.path}:${n}: long line`),
    );
    p.end();
  }
  return out;
}

const ARCHIVES = ['EXCH01-compromised.zip', 'EXCH02-clean.zip', 'CAS03-compromised-front-end.zip', 'MBX04-compromised-back-end.zip'];

const iso = (v: unknown) => (typeof v === 'number' ? new Date(v).toISOString() : null);

/**
 * Every leaf file of a zip written by make-samples (local headers, no data descriptors),
 * nested zips and .gz opened, as path -> uncompressed bytes: compares content, not the
 * deflate output of one zlib build.
 */
function leaves(zip: Buffer, prefix = ''): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (zip.readUInt32LE(pos) === 0x04034b50) {
    const method = zip.readUInt16LE(pos + 8);
    const size = zip.readUInt32LE(pos + 18);
    const nameLen = zip.readUInt16LE(pos + 26);
    const extraLen = zip.readUInt16LE(pos + 28);
    const name = zip.toString('utf8', pos + 30, pos + 30 + nameLen);
    const start = pos + 30 + nameLen + extraLen;
    const raw = zip.subarray(start, start + size);
    const data = method === 8 ? zlib.inflateRawSync(raw) : raw;
    const full = `${prefix}${name}`;
    if (name.endsWith('.zip')) for (const [k, v] of leaves(data, `${full}!`)) out.set(k, v);
    else if (name.endsWith('.gz')) out.set(`${full}!`, zlib.gunzipSync(data));
    else out.set(full, data);
    pos = start + size;
  }
  return out;
}

describe('samples/agency-demo', () => {
  let exch01: Parsed;
  let exch02: Parsed;
  let cas03: Parsed;
  let mbx04: Parsed;

  beforeAll(async () => {
    exch01 = await parseArchive(path.join(DEMO, 'EXCH01-compromised.zip'));
    exch02 = await parseArchive(path.join(DEMO, 'EXCH02-clean.zip'));
    cas03 = await parseArchive(path.join(DEMO, 'CAS03-compromised-front-end.zip'));
    mbx04 = await parseArchive(path.join(DEMO, 'MBX04-compromised-back-end.zip'));
  });

  it('recognizes and parses every entry without a rejection, on the right host', () => {
    for (const [p, host] of [
      [exch01, 'EXCH01'],
      [exch02, 'EXCH02'],
      [cas03, 'CAS03'],
      [mbx04, 'MBX04'],
    ] as const) {
      expect(p.problems).toEqual([]);
      expect(p.unrecognized).toEqual([]);
      expect(p.rejects).toEqual([]);
      expect(new Set(p.rows.map((r) => r.row.host))).toEqual(new Set([host]));
      expect(
        p.rows.every((r) => r.family === 'oab_generator' || r.family === 'file_inventory' || typeof r.row.event_time === 'number'),
      ).toBe(true);
    }
    expect(Object.keys(exch01.families).sort()).toEqual([
      'ecp_server',
      'file_inventory',
      'httpproxy',
      'iis',
      'oab_generator',
      'winevent_csv',
      'winevent_json',
    ]);
    expect(Object.keys(exch02.families).sort()).toEqual([
      'ecp_server',
      'file_inventory',
      'httpproxy',
      'iis',
      'oab_generator',
      'winevent_json',
      'winevent_jsonl',
    ]);
    expect(Object.keys(cas03.families)).toEqual(['httpproxy']);
    expect(Object.keys(mbx04.families)).toEqual(['winevent_jsonl']);
  });

  it('has the CAS03 / MBX04 story: public exploit code against the back end named in the anchor, the shell on MBX04', () => {
    // Prepare
    const anchors = cas03.rows.filter((r) => String(r.row.anchor_mailbox ?? '').startsWith('ServerInfo~')).map((r) => r.row);
    const events = mbx04.rows.map((r) => r.row);
    // Assess
    expect(anchors.map((r) => [r.status, r.target_server, r.user_agent])).toEqual([
      [200, 'mbx04.corp.example.gov', 'ExchangeServicesClient/0.0.0.0'],
      [200, 'mbx04.corp.example.gov', 'ExchangeServicesClient/0.0.0.0'],
      [241, 'mbx04.corp.example.gov', 'ExchangeServicesClient/0.0.0.0'],
      [200, 'mbx04.corp.example.gov', 'ExchangeServicesClient/0.0.0.0'],
      [200, 'mbx04.corp.example.gov', 'ExchangeServicesClient/0.0.0.0'],
      [200, 'mbx04.corp.example.gov', 'ExchangeServicesClient/0.0.0.0'],
    ]);
    expect(anchors.every((r) => /^ServerInfo~Admin@mbx04\.corp\.example\.gov:444\/.*a=~1942062522$/.test(String(r.anchor_mailbox)))).toBe(
      true,
    );
    expect(String(anchors[5].anchor_mailbox)).toContain('schema=ResetOABVirtualDirectory&');
    expect(events.filter((r) => r.event_id === 11).map((r) => [r.target_filename, r.image])).toEqual([
      ['D:\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\Zk3pWq9a.aspx', 'C:\\Windows\\System32\\inetsrv\\w3wp.exe'],
    ]);
    expect(
      events.filter((r) => r.event_id === 1 && String(r.parent_command_line).includes('MSExchangeOWAAppPool')).map((r) => r.image),
    ).toEqual(['C:\\Windows\\System32\\cmd.exe']);
  });

  it('gives EXCH02 the false-positive bait: an EWS python client, routine PsExec, group additions, an eDiscovery export, own zips', () => {
    // Prepare
    const web = exch02.rows.filter((r) => r.table === 'web_requests').map((r) => r.row);
    const events = exch02.rows.filter((r) => r.table === 'windows_events').map((r) => r.row);
    const inv = exch02.rows.filter((r) => r.table === 'file_inventory').map((r) => String(r.row.path));
    // Assess
    expect(web.filter((r) => r.user_agent === 'python-requests/2.25.1' && r.uri_stem === '/EWS/Exchange.asmx')).toHaveLength(2);
    expect(
      events
        .filter(
          (r) => r.event_id === 4688 && /PsExec64|net\.exe|powershell\.exe/.test(String(r.image)) && r.process_user === 'CORP\\exadmin',
        )
        .map((r) => String(r.command_line).split(' ')[0]),
    ).toEqual(expect.arrayContaining(['PsExec64.exe', 'net', 'powershell.exe']));
    expect(inv).toEqual(expect.arrayContaining(['C:\\ProgramData\\logs.zip', 'C:\\Windows\\Temp\\lsass_210302_101502.dmp']));
  });

  it('has the EXCH01 story: 2019 probes, the 2021 chain, the web shell, UM error, Sysmon and the MSTIC hash', () => {
    // Prepare
    const web = exch01.rows.filter((r) => r.table === 'web_requests').map((r) => r.row);
    const anchors = web.filter((r) => String(r.anchor_mailbox ?? '').startsWith('ServerInfo~'));
    const events = exch01.rows.filter((r) => r.table === 'windows_events').map((r) => r.row);
    const logs = exch01.rows.filter((r) => r.table === 'exchange_logs').map((r) => r.row);
    // Assess
    expect(anchors.map((r) => [iso(r.event_time)?.slice(0, 10), r.client_ip, r.status])).toEqual([
      ['2019-04-11', '104.140.114.110', 200],
      ['2019-04-12', '104.140.114.110', 200],
      ['2019-04-13', '104.140.114.110', 200],
      ['2021-03-03', '149.28.14.163', 200],
      ['2021-03-03', '149.28.14.163', 200],
      ['2021-03-03', '149.28.14.163', 241],
      ['2021-03-03', '149.28.14.163', 200],
      ['2021-03-03', '149.28.14.163', 200],
      ['2021-03-03', '149.28.14.163', 200],
    ]);
    expect(anchors[8]).toMatchObject({ site: 'Ecp', username: null, user_agent: 'python-requests/2.25.1' });
    expect(String(anchors[8].anchor_mailbox)).toMatch(
      /^ServerInfo~a\]@EXCH01\.corp\.example\.gov:444\/ecp\/DDI\/DDIService\.svc\/SetObject\?.*schema=ResetOABVirtualDirectory#$/,
    );
    expect(
      web
        .filter((r) => r.method === 'POST' && r.uri_stem === '/owa/auth/Current/themes/resources/logon.css')
        .map((r) => [r.user_agent, r.client_ip, r.site]),
    ).toEqual([['Mozilla/5.0 (compatible; Bingbot/2.0; +http://www.bing.com/bingbot.htm)', '149.28.14.163', 'W3SVC1']]);
    expect(web.filter((r) => r.uri_stem === '/aspnet_client/supp0rt.aspx').length).toBe(4);
    expect(
      web.filter((r) => r.site === 'W3SVC2' && r.username === 'CORP\\EXCH01$' && r.uri_stem === '/ecp/DDI/DDIService.svc/SetObject'),
    ).toHaveLength(1);
    expect(
      logs
        .filter((r) => String(r.cmd ?? '').startsWith("Set-OabVirtualDirectory.ExternalUrl='http://f/<script"))
        .map((r) => iso(r.event_time)),
    ).toEqual(['2021-03-03T03:21:25.431Z']);
    expect(
      logs.filter((r) => String(r.message).includes("temporary file 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx'")),
    ).toHaveLength(1);
    expect(
      events
        .filter(
          (r) =>
            r.provider === 'MSExchange Unified Messaging' && r.level === 2 && String(r.message).includes('System.InvalidCastException'),
        )
        .map((r) => iso(r.event_time)),
    ).toEqual(['2021-03-03T03:19:44.671Z']);
    expect(
      events
        .filter((r) => String(r.parent_image).endsWith('\\w3wp.exe') && r.image === 'C:\\Windows\\System32\\cmd.exe')
        .map((r) => [r.command_line, String(r.parent_command_line).includes('MSExchangeOWAAppPool')]),
    ).toEqual([['cmd /c whoami', true]]);
    expect(events.filter((r) => /comsvcs\.dll, MiniDump/.test(String(r.command_line)))).toHaveLength(1);
    expect(events.filter((r) => r.event_id === 11).map((r) => r.target_filename)).toEqual([
      'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
    ]);
    const inv = exch01.rows.filter((r) => r.table === 'file_inventory').map((r) => r.row);
    expect(inv.filter((r) => r.hash === 'b75f163ca9b9240bf4b37ad92bc7556b40a17e27c2b8ed5c8991385fe07d17d0').map((r) => r.path)).toEqual([
      'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx',
    ]);
  });

  it('leaves the gaps on purpose: EXCH01 HttpProxy covers 2019-04..05 and 2021-02-20..03-05 only', () => {
    // Prepare
    const days = new Set(exch01.rows.filter((r) => r.family === 'httpproxy').map((r) => iso(r.row.event_time)!.slice(0, 7)));
    // Assess
    expect([...days].sort()).toEqual(['2019-04', '2019-05', '2021-02', '2021-03']);
  });

  it('keeps EXCH02 clean but busy: only excluded ServerInfo~ patterns, valid OAB URLs, no published IPs', () => {
    // Prepare
    const web = exch02.rows.filter((r) => r.table === 'web_requests').map((r) => r.row);
    const anchors = web.filter((r) => String(r.anchor_mailbox ?? '').startsWith('ServerInfo~')).map((r) => String(r.anchor_mailbox));
    const logs = exch02.rows.filter((r) => r.table === 'exchange_logs').map((r) => r.row);
    // Assess
    expect(web.length).toBeGreaterThan(
      exch01.rows.filter((r) => r.table === 'web_requests' && String(iso(r.row.event_time)).startsWith('2021')).length,
    );
    expect(anchors.length).toBe(5);
    expect(anchors.every((a) => a.endsWith('/autodiscover/autodiscover.xml?#') || a.startsWith('ServerInfo~localhost'))).toBe(true);
    expect(web.some((r) => ['149.28.14.163', '104.140.114.110'].includes(String(r.client_ip)))).toBe(false);
    expect(web.some((r) => r.method === 'POST' && /^\/owa\/auth\/Current\/themes\/resources\//.test(String(r.uri_stem)))).toBe(false);
    expect(logs.filter((r) => /^Set-OabVirtualDirectory/.test(String(r.cmd))).map((r) => r.cmd)).toEqual([
      "Set-OabVirtualDirectory.Identity='EXCH02\\OAB (Default Web Site)'.ExternalUrl='https://mail.corp.example.gov/OAB'.InternalUrl='https://exch02.corp.example.gov/OAB'",
    ]);
    expect(
      logs
        .filter((r) => String(r.message).includes('Download failed'))
        .every((r) => String(r.message).includes("'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB\\Temp\\")),
    ).toBe(true);
    const events = exch02.rows.filter((r) => r.table === 'windows_events').map((r) => r.row);
    expect(events.some((r) => String(r.message).includes('System.InvalidCastException'))).toBe(false);
    expect(
      events
        .filter((r) => r.event_id === 4688 && String(r.parent_image).endsWith('\\w3wp.exe'))
        .every((r) => String(r.image).endsWith('\\csc.exe')),
    ).toBe(true);
    expect(events.some((r) => r.channel === 'Microsoft-Windows-Sysmon/Operational')).toBe(false);
  });

  it('holds what scripts/make-samples.ts writes (same entries, same bytes once inflated), under ~1 MB', () => {
    // Prepare
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'samples-'));
    try {
      // Act
      cp.execFileSync(process.execPath, [path.join(ROOT, 'bin/run-ts.js'), path.join(ROOT, 'scripts/make-samples.ts'), out], {
        cwd: ROOT,
        stdio: 'pipe',
      });
      // Assess
      for (const f of ARCHIVES) {
        const made = leaves(fs.readFileSync(path.join(out, f)));
        const committed = leaves(fs.readFileSync(path.join(DEMO, f)));
        expect(made.size).toBeGreaterThan(f.startsWith('EXCH') ? 150 : 0);
        expect([...made.keys()]).toEqual([...committed.keys()]);
        for (const [k, v] of made) expect(v.equals(committed.get(k)!)).toBe(true);
      }
      const total = ARCHIVES.reduce((n, f) => n + fs.statSync(path.join(DEMO, f)).size, 0);
      expect(total).toBeLessThan(1.1 * 1024 * 1024);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
