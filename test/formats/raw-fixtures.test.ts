/**
 * The committed raw fixtures (test/fixtures/raw/<family>/...), which hunt tests may use
 * through `raw:` cases: each is detected as its folder's family and parsed as bytes,
 * through the ingest line decoder, into the values the hunts rely on.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { readLines } from '../../src/ingest';
import { detectFamily, hostFromPath, parserFor } from '../../src/formats';
import type { TextFamilyParser } from '../../src/formats';
import type { Row } from '../../src/lake/schema';

const RAW = path.resolve(__dirname, '../fixtures/raw');

async function parseFixture(rel: string): Promise<{ family: string | undefined; rows: Row[]; rejects: string[] }> {
  const bytes = fs.readFileSync(path.join(RAW, rel));
  const d = detectFamily(bytes.subarray(0, 65536), rel);
  if (!d) return { family: undefined, rows: [], rejects: [] };
  const rows: Row[] = [];
  const rejects: string[] = [];
  const p = (parserFor(d.family) as TextFamilyParser).create({
    sourceFile: `fixtures.zip!${rel}`,
    hostHint: hostFromPath(rel),
    emit: (_t, r) => rows.push(r),
    reject: (n, r) => rejects.push(`${n}: ${r}`),
  });
  await readLines(
    Readable.from([bytes]),
    { maxLineBytes: 1 << 20 },
    (t, n) => p.line(t, n),
    (n) => rejects.push(`${n}: long`),
  );
  p.end();
  return { family: d.family, rows, rejects };
}

const iso = (v: unknown) => (typeof v === 'number' ? new Date(v).toISOString() : null);

/** Fixtures that hold deliberate garbage lines (tested in their family's test file). */
const WITH_GARBAGE = new Set(['iis/W3SVC1/u_ex210302.log', 'file_inventory/filehashes-exch01.csv']);

function fixtures(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(RAW, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else if (dir && !e.name.endsWith('.ts') && !e.name.endsWith('.md')) out.push(rel);
    }
  };
  walk('');
  return out.sort();
}

describe('raw fixtures', () => {
  it.each(fixtures())('%s is detected as its folder family and parses', async (rel) => {
    // Act
    const r = await parseFixture(rel);
    // Assess
    expect(r.family).toBe(rel.split('/')[0]);
    expect(r.rows.length).toBeGreaterThan(0);
    if (!WITH_GARBAGE.has(rel)) expect(r.rejects).toEqual([]);
  });

  it('carries the traces the hunts look for', async () => {
    // Act
    const ecp = await parseFixture('ecp_server/ECPServer20210303-1.LOG');
    const proxy = await parseFixture('httpproxy/Autodiscover/HttpProxy_2021030405-1.LOG');
    const backEnd = await parseFixture('iis/W3SVC2/u_ex210303.log');
    const app = await parseFixture('winevent_json/Application-ps51-utf16.json');
    const sysmon = await parseFixture('winevent_json/Sysmon-ps7.json');
    const sec = await parseFixture('winevent_csv/Security-4688.csv');
    const nx = await parseFixture('winevent_jsonl/nxlog-security.json');
    const beat = await parseFixture('winevent_jsonl/winlogbeat-sysmon.ndjson');
    // Assess
    expect(ecp.rows.map((r) => String(r.cmd).slice(0, 36))).toEqual([
      'Get-InboxRule',
      'Set-OabVirtualDirectory.ExternalUrl=',
      "Set-OabVirtualDirectory.Identity='EX",
    ]);
    expect(proxy.rows.map((r) => [r.anchor_mailbox, r.status, r.site])).toEqual([
      ['ServerInfo~a]@EXCH02.corp.example.gov:444/autodiscover/autodiscover.xml?#', 500, 'Autodiscover'],
      ['ServerInfo~localhost/owa/auth/logon.aspx?~3', 200, 'Autodiscover'],
      ['Smtp~jdoe@corp.example.gov', 200, 'Autodiscover'],
    ]);
    expect(proxy.rows[2].backend_cookie).toBe('Server~exch02.corp.example.gov~1942061011~2021-03-04T05:31:40');
    expect(backEnd.rows[2]).toMatchObject({
      site: 'W3SVC2',
      server_port: 444,
      username: 'CORP\\EXCH01$',
      uri_query: 'msExchEcpCanary=Jp0&schema=ResetOABVirtualDirectory',
      status: 200,
    });
    expect(app.rows.map((r) => [r.provider, r.level, iso(r.event_time)])).toEqual([
      ['MSExchange ADAccess', 4, '2021-03-03T01:00:00.000Z'],
      ['MSExchange Unified Messaging', 2, '2021-03-03T03:19:44.671Z'],
      ['MSExchange Unified Messaging', 2, '2021-03-04T11:02:09.004Z'],
    ]);
    expect(sysmon.rows.map((r) => [r.event_id, iso(r.event_time), r.target_filename ?? r.command_line])).toEqual([
      [11, '2021-03-03T03:21:33.420Z', 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx'],
      [1, '2021-03-03T03:31:02.118Z', 'cmd /c whoami'],
    ]);
    expect(sec.rows.map((r) => [r.image, r.parent_image, r.process_user])).toEqual([
      ['C:\\Windows\\System32\\cmd.exe', 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', 'CORP\\EXCH01$'],
      ['C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe', 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', 'CORP\\EXCH01$'],
    ]);
    expect(nx.rows[0]).toMatchObject({
      host: 'EXCH02',
      event_id: 4688,
      level: 0,
      image: 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe',
    });
    expect(beat.rows[0]).toMatchObject({
      host: 'EXCH01',
      command_line: 'rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump 652 C:\\windows\\temp\\lsass.dmp full',
      original_file_name: 'RUNDLL32.EXE',
    });
  });
});
