/**
 * `npm run bench -- formats [--mb=100] [--e2e] [--corpus]`: the IIS and HttpProxy parsers alone, on
 * generated realistic lines (varied IPs, URLs, agents, times), against a
 * reference in the same process: a Buffer line splitter that only counts lines.
 *
 * Times are CPU time of the process, best of three. Three figures per family: the reference splitter, "split + decode each line
 * to a string" (what the ingest decoder hands over), and "split + decode +
 * parse into full rows" (the parser's share is the difference); for IIS and HttpProxy also the web log kernel
 * (WebAssembly) alone, and with its batches made into lake columns (what the pipeline runs).
 *
 * Windows event exports (evtx_dump JSON and JSONL, event XML, Winlogbeat ECS NDJSON, Splunk CSV / JSON, Event Viewer
 * CSV; `--exports` alone) are timed
 * end to end on a gzip file, beside `zcat | wc -l` on the same file.
 */
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { TextFamilyParser } from '../src/formats/types';
import { readLines } from '../src/ingest';
import { detectFamily, parserFor } from '../src/formats';
import { WebLogKernel, readBlock } from '../src/formats/iis-kernel';
import { generateWebCorpus } from '../testkit/gen/web-corpus';
import type { EvtxRecord } from '../src/formats/evtx';
import { ecsDocument, eventViewerTable, evtxDumpJson, evtxDumpJsonl, splunkCsv, splunkJson, wevtutilXml } from '../testkit/event-exports';
import {
  HTTPPROXY_FIELDS_2016_CU23,
  convertToJson,
  sysmon1Message,
  winEventObject,
  httpProxyHeader,
  httpProxyLine,
  httpProxyRequest,
  iisHeader,
  iisLine,
  IIS_EXCHANGE_FIELDS,
} from '../testkit/raw-generators';

const STEMS = [
  '/owa/',
  '/owa/service.svc',
  '/ecp/',
  '/EWS/Exchange.asmx',
  '/Microsoft-Server-ActiveSync/default.eas',
  '/autodiscover/autodiscover.xml',
  '/mapi/emsmdb/',
  '/owa/auth/logon.aspx',
  '/ecp/DDI/DDIService.svc/GetList',
];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.190 Safari/537.36',
  'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.13801; Pro)',
  'Apple-iPhone12C1/1803.1',
  'ExchangeServicesClient/15.01.2176.002',
];

function iisText(targetBytes: number): Buffer {
  const lines = [...iisHeader(IIS_EXCHANGE_FIELDS, '2021-03-02 00:00:00')];
  let size = 0;
  let t = Date.parse('2021-03-02T00:00:00Z');
  for (let i = 0; size < targetBytes; i++) {
    t += 37;
    const d = new Date(t).toISOString();
    const line = iisLine({
      date: d.slice(0, 10),
      time: d.slice(11, 19),
      's-ip': '203.0.113.5',
      'cs-method': i % 5 === 0 ? 'POST' : 'GET',
      'cs-uri-stem': STEMS[i % STEMS.length],
      'cs-uri-query': i % 3 === 0 ? `&CorrelationID=<empty>;&cafeReqId=${i.toString(16)}-aaaa-bbbb;` : null,
      's-port': 443,
      'cs-username': i % 4 === 0 ? null : `CORP\\user${i % 500}`,
      'c-ip': `198.51.100.${i % 250}`,
      'cs(User-Agent)': AGENTS[i % AGENTS.length],
      'cs(Referer)': null,
      'sc-status': i % 17 === 0 ? 401 : 200,
      'sc-substatus': 0,
      'sc-win32-status': 0,
      'time-taken': i % 900,
    });
    lines.push(line);
    size += line.length + 2;
  }
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

function httpProxyText(targetBytes: number): Buffer {
  const lines = [...httpProxyHeader(HTTPPROXY_FIELDS_2016_CU23, '2021-03-02T10:00:00.000Z')];
  let size = 0;
  let t = Date.parse('2021-03-02T10:00:00Z');
  for (let i = 0; size < targetBytes; i++) {
    t += 41;
    const line = httpProxyLine(
      httpProxyRequest({
        DateTime: new Date(t).toISOString(),
        RequestId: `${i.toString(16).padStart(8, '0')}-1f2d-4c6b-9a8e-00000000abcd`,
        UrlStem: STEMS[i % STEMS.length],
        UserAgent: AGENTS[i % AGENTS.length],
        ClientIpAddress: `198.51.100.${i % 250}`,
        AuthenticatedUser: `CORP\\user${i % 500}`,
        TotalRequestTime: i % 900,
        GenericInfo: i % 7 === 0 ? ';ActivityContextLifeTime=42;, "quoted"' : ';ActivityContextLifeTime=42;',
        UrlQuery: i % 3 === 0 ? '?action=GetItem&EP=1' : '',
      }),
    );
    lines.push(line);
    size += line.length + 2;
  }
  return Buffer.from(lines.join('\r\n') + '\r\n');
}

/** A Windows PowerShell 5.1 ConvertTo-Json export of Sysmon 1 events (pretty, many short lines). */
function winEventJsonText(targetBytes: number): Buffer {
  const one = (i: number) => {
    const m = sysmon1Message({
      utc: '2021-03-03 03:26:01.447',
      pid: 1000 + i,
      image: 'C:\\Windows\\System32\\cmd.exe',
      commandLine: `cmd.exe /c echo ${i}`,
      user: 'NT AUTHORITY\\SYSTEM',
      parentPid: 4480,
      parentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      parentCommandLine: 'w3wp.exe -ap "MSExchangeOWAAppPool"',
      hashes: 'SHA256=FF79D3C4A0B7EB191783C323AB8363EBD1FD10BE58D8BCC96B07067743CA81D5',
      originalFileName: 'Cmd.Exe',
    });
    return winEventObject({
      id: 1,
      provider: 'Microsoft-Windows-Sysmon',
      log: 'Microsoft-Windows-Sysmon/Operational',
      machine: 'EXCH01.corp.example.gov',
      time: new Date(Date.parse('2021-03-03T00:00:00Z') + i * 1000).toISOString(),
      level: 4,
      recordId: i,
      message: m.message,
      properties: m.properties,
      userId: 'S-1-5-18',
    });
  };
  const sample = convertToJson([one(0), one(1)]);
  const per = sample.length / 2;
  const n = Math.max(2, Math.round(targetBytes / per));
  return Buffer.from(`${convertToJson(Array.from({ length: n }, (_, i) => one(i))).replace(/\n/g, '\r\n')}\r\n`);
}

/** Sysmon 1 and Security 4624 records as our EVTX parser gives them, for rendering in each export shape. */
function eventRecords(n: number): EvtxRecord[] {
  const out: EvtxRecord[] = [];
  for (let i = 0; i < n; i++) {
    const sysmon = i % 2 === 0;
    out.push({
      chunk: 0,
      recordNumber: i + 1,
      writtenMs: 0,
      timeCreated: null,
      timeMs: Date.parse('2021-03-03T00:00:00Z') + i * 1000,
      provider: sysmon ? 'Microsoft-Windows-Sysmon' : 'Microsoft-Windows-Security-Auditing',
      providerGuid: '5770385F-C22A-43E0-BF4C-06F5698FFBD9',
      eventId: sysmon ? 1 : 4624,
      qualifiers: null,
      version: 5,
      level: sysmon ? 4 : 0,
      task: 1,
      opcode: 0,
      keywords: '0x8000000000000000',
      recordId: i + 1,
      channel: sysmon ? 'Microsoft-Windows-Sysmon/Operational' : 'Security',
      computer: 'EXCH01.corp.example.gov',
      userSid: 'S-1-5-18',
      processId: 2204,
      threadId: 3324,
      data: sysmon
        ? {
            RuleName: '',
            UtcTime: '2021-03-03 03:26:01.447',
            ProcessGuid: '{747F3D96-661E-5C9D-0000-0010E8B90400}',
            ProcessId: String(1000 + i),
            Image: 'C:\\Windows\\System32\\cmd.exe',
            CommandLine: `cmd.exe /c echo ${i}`,
            CurrentDirectory: 'C:\\Windows\\system32\\inetsrv\\',
            User: 'NT AUTHORITY\\SYSTEM',
            Hashes: 'SHA256=FF79D3C4A0B7EB191783C323AB8363EBD1FD10BE58D8BCC96B07067743CA81D5',
            ParentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
            ParentCommandLine: 'c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "MSExchangeOWAAppPool"',
          }
        : {
            SubjectUserSid: 'S-1-5-18',
            SubjectUserName: 'EXCH01$',
            SubjectDomainName: 'CORP',
            TargetUserName: `user${i % 500}`,
            TargetDomainName: 'CORP',
            LogonType: '3',
            LogonProcessName: 'NtLmSsp ',
            AuthenticationPackageName: 'NTLM',
            IpAddress: `198.51.100.${i % 250}`,
            IpPort: '49823',
          },
    });
  }
  return out;
}

/** The Windows export shapes, `targetBytes` each (name, file name, text). */
function exportTexts(targetBytes: number): [string, string, Buffer][] {
  const shapes: [string, string, (r: EvtxRecord[]) => string][] = [
    ['evtx_dump -o json', 'Security.json', evtxDumpJson],
    ['evtx_dump -o jsonl', 'Security.jsonl', evtxDumpJsonl],
    ['event XML (wevtutil)', 'Security.xml', wevtutilXml],
    ['Winlogbeat ECS NDJSON', 'winlogbeat.ndjson', (rs) => rs.map((r) => JSON.stringify(ecsDocument(r)) + '\n').join('')],
    ['Splunk CSV (XmlWinEventLog)', 'export.csv', (rs) => splunkCsv(rs, 'xml')],
    ['Splunk JSON (WinEventLog)', 'export.json', (rs) => splunkJson(rs, 'classic')],
    ['Event Viewer CSV', 'Security.csv', (rs) => eventViewerTable(rs, ',').toString()],
  ];
  return shapes.map(([name, file, render]) => {
    const per = render(eventRecords(20)).length / 20;
    return [name, file, Buffer.from(render(eventRecords(Math.max(20, Math.round(targetBytes / per)))))];
  });
}

/** Reference: counts lines with indexOf(0x0a), no decoding. */
function countLines(buf: Buffer): number {
  let n = 0;
  let pos = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) break;
    n++;
    pos = nl + 1;
  }
  return n;
}

/** Split + decode each line (latin1 is not an option for real logs: utf8 as the ingest decoder does). */
function forEachLine(buf: Buffer, fn: (s: string, n: number) => void): number {
  let n = 0;
  let pos = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) break;
    const end = nl > pos && buf[nl - 1] === 0x0d ? nl - 1 : nl;
    fn(buf.toString('utf8', pos, end), ++n);
    pos = nl + 1;
  }
  return n;
}

/** CPU time of this process (user + system), not wall time: the machines here are shared and loaded. */
function timeIt(fn: () => number): { ms: number; result: number } {
  const c0 = process.cpuUsage();
  const result = fn();
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, result };
}

function measure(name: 'iis' | 'httpproxy' | 'winevent_json', buf: Buffer): void {
  const mb = buf.length / 1e6;
  const parser = parserFor(name) as TextFamilyParser;
  let rows = 0;
  let rejects = 0;
  let sink = 0;
  const sourceFile = `bench!EXCH01/${name === 'iis' ? 'inetpub/logs/LogFiles/W3SVC1/u_ex210302.log' : name === 'httpproxy' ? 'Logging/HttpProxy/Owa/HttpProxy_2021030210-1.LOG' : 'Sysmon.json'}`;
  const runs: Record<string, () => number> = {
    reference: () => countLines(buf),
    decode: () =>
      forEachLine(buf, (s) => {
        sink += s.length;
      }),
    parse: () => {
      const p = parser.create({
        sourceFile: `bench!EXCH01/${name === 'iis' ? 'inetpub/logs/LogFiles/W3SVC1/u_ex210302.log' : name === 'httpproxy' ? 'Logging/HttpProxy/Owa/HttpProxy_2021030210-1.LOG' : 'Sysmon.json'}`,
        hostHint: 'EXCH01',
        emit: () => {
          rows++;
        },
        reject: () => {
          rejects++;
        },
      });
      const n = forEachLine(buf, (s, i) => p.line(s, i));
      p.end();
      return n;
    },
  };
  if (name !== 'winevent_json') {
    // The web log kernel (WebAssembly) reads the lines into column batches; the JS parser gets the lines it leaves.
    const viaKernel = (columns: boolean) => () => {
      const kernel = new WebLogKernel(undefined, name);
      const ctx = {
        sourceFile,
        hostHint: 'EXCH01',
        emit: () => {
          rows++;
        },
        reject: () => {
          rejects++;
        },
      };
      const p = parser.create(ctx);
      kernel.configure(null);
      const last = buf.lastIndexOf(0x0a);
      const n = readBlock(
        kernel,
        buf,
        0,
        last + 1,
        1,
        1 << 20,
        (t, i) => {
          kernel.observe(t, i);
          p.line(t, i);
        },
        () => undefined,
        (k) => {
          const batch = columns ? k.takeColumns(ctx, name) : null;
          rows += batch ? batch.rows : 0;
          k.nextBatch();
        },
      );
      p.end();
      return n;
    };
    runs.kernel = viaKernel(false);
    runs.kernelColumns = viaKernel(true);
  }
  // Best of three (the first run also warms up the JIT).
  const out: Record<string, number> = {};
  for (const [k, fn] of Object.entries(runs)) {
    let best = Infinity;
    for (let r = 0; r < 3; r++) {
      rows = 0;
      rejects = 0;
      best = Math.min(best, timeIt(fn).ms);
    }
    out[k] = best;
  }
  const parseOnly = out.parse - out.decode;
  process.stdout.write(
    `${name}: ${mb.toFixed(0)} MB, ${rows} rows, ${rejects} rejected\n` +
      `  reference splitter (count lines)   ${(mb / (out.reference / 1000)).toFixed(0)} MB/s\n` +
      `  split + decode lines               ${(mb / (out.decode / 1000)).toFixed(0)} MB/s  (${(out.decode / out.reference).toFixed(1)}x reference)\n` +
      `  split + decode + parse to rows     ${(mb / (out.parse / 1000)).toFixed(0)} MB/s, ${(rows / (out.parse / 1000) / 1e6).toFixed(2)} M rows/s  (${(out.parse / out.reference).toFixed(1)}x reference)\n` +
      `  parser alone (difference)          ${(mb / (parseOnly / 1000)).toFixed(0)} MB/s, ${(rows / (parseOnly / 1000) / 1e6).toFixed(2)} M rows/s\n` +
      (out.kernel === undefined
        ? ''
        : `  kernel (WebAssembly): split + read ${(mb / (out.kernel / 1000)).toFixed(0)} MB/s  (${(out.kernel / out.reference).toFixed(1)}x reference)\n` +
          `  kernel + batch columns             ${(mb / (out.kernelColumns / 1000)).toFixed(0)} MB/s  (${(out.kernelColumns / out.reference).toFixed(1)}x reference)\n`),
  );
  if (sink < 0) process.stdout.write(String(sink));
}

/**
 * Wall time of gunzip (256 KiB chunks) -> ingest readLines -> parser, against `zcat | wc -l` on the
 * same .gz file, run back to back (best of two each). Lake writing is not included: the pipeline's
 * own benchmark covers it.
 */
async function endToEnd(name: 'iis' | 'httpproxy', buf: Buffer): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-formats-'));
  const file = path.join(dir, `${name}.log.gz`);
  try {
    fs.writeFileSync(file, zlib.gzipSync(buf, { level: 6 }));
    const parser = parserFor(name) as TextFamilyParser;
    let zcat = Infinity;
    let ours = Infinity;
    let rows = 0;
    for (let i = 0; i < 2; i++) {
      const t0 = Date.now();
      cp.execSync(`zcat '${file}' | wc -l`, { stdio: 'pipe' });
      zcat = Math.min(zcat, Date.now() - t0);
      const t1 = Date.now();
      rows = 0;
      const p = parser.create({
        sourceFile: `bench!EXCH01/${name === 'iis' ? 'inetpub/logs/LogFiles/W3SVC1/u_ex210302.log' : 'Logging/HttpProxy/Owa/HttpProxy_2021030210-1.LOG'}`,
        hostHint: 'EXCH01',
        emit: () => {
          rows++;
        },
        reject: () => undefined,
      });
      const stream = fs.createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(zlib.createGunzip({ chunkSize: 256 * 1024 }));
      await readLines(
        stream,
        { maxLineBytes: 1 << 20 },
        (t, n) => p.line(t, n),
        () => undefined,
      );
      p.end();
      ours = Math.min(ours, Date.now() - t1);
    }
    const mb = buf.length / 1e6;
    process.stdout.write(
      `${name} end to end (${mb.toFixed(0)} MB, gzip): zcat | wc -l ${(mb / (zcat / 1000)).toFixed(0)} MB/s; gunzip + readLines + parse ${(mb / (ours / 1000)).toFixed(0)} MB/s (${(ours / zcat).toFixed(2)}x zcat | wc -l), ${rows} rows\n`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A Windows export read end to end from gzip (detection, readLines, parser), against `zcat | wc -l` on the same file. */
async function exportEndToEnd(name: string, file: string, buf: Buffer): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-formats-'));
  const gz = path.join(dir, `${file}.gz`);
  try {
    fs.writeFileSync(gz, zlib.gzipSync(buf, { level: 6 }));
    const family = detectFamily(buf.subarray(0, 64 * 1024), file);
    if (!family) throw new Error(`${name}: not recognized`);
    const parser = parserFor(family.family);
    let zcat = Infinity;
    let ours = Infinity;
    let rows = 0;
    let rejects = 0;
    for (let i = 0; i < 2; i++) {
      const t0 = Date.now();
      cp.execSync(`zcat '${gz}' | wc -l`, { stdio: 'pipe' });
      zcat = Math.min(zcat, Date.now() - t0);
      const t1 = Date.now();
      rows = 0;
      rejects = 0;
      const ctx = {
        sourceFile: `bench!EXCH01/${file}`,
        hostHint: 'EXCH01',
        emit: () => {
          rows++;
        },
        reject: () => {
          rejects++;
        },
      };
      const stream = fs.createReadStream(gz, { highWaterMark: 256 * 1024 }).pipe(zlib.createGunzip({ chunkSize: 256 * 1024 }));
      if (parser.kind === 'binary') await parser.parse(stream, ctx);
      else {
        const p = parser.create(ctx);
        await readLines(
          stream,
          { maxLineBytes: 1 << 26 },
          (t, n) => p.line(t, n),
          () => undefined,
        );
        p.end();
      }
      ours = Math.min(ours, Date.now() - t1);
    }
    const mb = buf.length / 1e6;
    process.stdout.write(
      `${name.padEnd(22)} ${family.family.padEnd(15)} ${mb.toFixed(0)} MB: zcat | wc -l ${(mb / (zcat / 1000)).toFixed(0)} MB/s; ` +
        `gunzip + readLines + parse ${(mb / (ours / 1000)).toFixed(0)} MB/s (${(ours / zcat).toFixed(1)}x zcat | wc -l), ${rows} rows, ${rejects} rejected\n`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const exportsMb = args.find((a) => a.startsWith('--mb='));
  const exportsTarget = ((exportsMb ? Number(exportsMb.slice(5)) : 100) * 1e6) / 4;
  if (args.includes('--exports')) {
    for (const [name, file, buf] of exportTexts(exportsTarget)) await exportEndToEnd(name, file, buf);
    return;
  }
  if (args.includes('--corpus')) {
    // The first IIS and the first HttpProxy log of the ingest benchmark's corpus (generated once, cached).
    const corpus = await generateWebCorpus(path.resolve('.cache', 'bench-ingest', '500mb'), 500e6, { seedBase: 1000 });
    const first = (re: RegExp) => zlib.gunzipSync(fs.readFileSync(corpus.files.find((f) => re.test(f))!));
    measure('iis', first(/u_ex_\d+\.log\.gz$/));
    measure('httpproxy', first(/HttpProxy_\d+\.LOG\.gz$/));
    return;
  }
  if (args.includes('--e2e')) {
    const mbArg = args.find((a) => a.startsWith('--mb='));
    const target = (mbArg ? Number(mbArg.slice(5)) : 100) * 1e6;
    await endToEnd('iis', iisText(target));
    await endToEnd('httpproxy', httpProxyText(target));
    return;
  }
  const mbArg = args.find((a) => a.startsWith('--mb='));
  const target = (mbArg ? Number(mbArg.slice(5)) : 100) * 1e6;
  measure('iis', iisText(target));
  measure('httpproxy', httpProxyText(target));
  // Windows exports are not the hot path: a quarter of the size is enough to see the rate.
  measure('winevent_json', winEventJsonText(target / 4));
  for (const [name, file, buf] of exportTexts(exportsTarget)) await exportEndToEnd(name, file, buf);
}
