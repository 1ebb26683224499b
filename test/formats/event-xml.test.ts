/**
 * The event_xml family: Windows event XML as python-evtx's evtx_dump.py, `wevtutil qe /f:xml`, Event Viewer's
 * "Save As XML" and `evtx_dump -o xml` write it (fixtures written from the event schema and each tool's output
 * rules: root or none, quote style, SystemTime form, RenderingInfo), and its damaged variants.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { normalizeUpload } from '../../src/pipeline';
import { EventXmlSplitter } from '../../src/formats/windows/event-xml';
import { iso, runDetectedParser } from './run-parser';

const NS = 'http://schemas.microsoft.com/win/2004/08/events/event';

/** Sysmon 1 (w3wp spawning cmd) as python-evtx prints it: one element per line, SystemTime without T and Z. */
const PYTHON_EVTX = `<?xml version="1.1" encoding="utf-8" standalone="yes" ?>

<Events>
<Event xmlns="${NS}"><System><Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"></Provider>
<EventID Qualifiers="">1</EventID>
<Version>5</Version>
<Level>4</Level>
<Task>1</Task>
<Opcode>0</Opcode>
<Keywords>0x8000000000000000</Keywords>
<TimeCreated SystemTime="2021-03-03 02:20:01.482316"></TimeCreated>
<EventRecordID>88231</EventRecordID>
<Correlation ActivityID="" RelatedActivityID=""></Correlation>
<Execution ProcessID="2204" ThreadID="3324"></Execution>
<Channel>Microsoft-Windows-Sysmon/Operational</Channel>
<Computer>EXCH01.corp.example.gov</Computer>
<Security UserID="S-1-5-18"></Security>
</System>
<EventData><Data Name="RuleName"></Data>
<Data Name="UtcTime">2021-03-03 02:20:01.479</Data>
<Data Name="ProcessId">4242</Data>
<Data Name="Image">C:\\Windows\\System32\\cmd.exe</Data>
<Data Name="CommandLine">cmd /c "whoami &amp; echo &lt;done&gt;"</Data>
<Data Name="User">NT AUTHORITY\\SYSTEM</Data>
<Data Name="Hashes">SHA1=99AE9C73E9BEE6F9C76D6F4093A9882DF06832CF,MD5=A6177D080759CF4A03EF837A9F4D2E8A,SHA256=B99D114B267FFD068C3289199B6DF95A9F9E64872D6C2B666D63974BBCE75BF2</Data>
<Data Name="ParentImage">c:\\windows\\system32\\inetsrv\\w3wp.exe</Data>
<Data Name="ParentCommandLine">c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "MSExchangeECPAppPool"</Data>
</EventData>
</Event>

</Events>
`;

/** wevtutil qe Security /f:xml: single quotes, no root, two events on one line, SystemTime with 7 digits and Z. */
const WEVTUTIL =
  `<Event xmlns='${NS}'><System><Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-a5ba-3e3b0328c30d}'/>` +
  `<EventID>4624</EventID><Version>2</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords>` +
  `<TimeCreated SystemTime='2021-03-03T02:13:15.1031250Z'/><EventRecordID>19813</EventRecordID><Correlation/>` +
  `<Execution ProcessID='664' ThreadID='2964'/><Channel>Security</Channel><Computer>EXCH01.corp.example.gov</Computer><Security/></System>` +
  `<EventData><Data Name='TargetUserName'>svc-backup</Data><Data Name='LogonType'>3</Data><Data Name='IpAddress'>203.0.113.7</Data></EventData></Event>` +
  `<Event xmlns='${NS}'><System><Provider Name='Microsoft-Windows-Eventlog' Guid='{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}'/>` +
  `<EventID>1102</EventID><Level>4</Level><TimeCreated SystemTime='2021-03-05T23:59:01.0004170Z'/><EventRecordID>20411</EventRecordID>` +
  `<Channel>Security</Channel><Computer>EXCH01.corp.example.gov</Computer><Security/></System>` +
  `<UserData><LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'><SubjectUserSid>S-1-5-21-1-2-3-500</SubjectUserSid>` +
  `<SubjectUserName>Administrator</SubjectUserName><SubjectDomainName>CORP</SubjectDomainName><SubjectLogonId>0x6a1f2</SubjectLogonId></LogFileCleared></UserData></Event>\r\n`;

/** Event Viewer "Save As XML": RenderingInfo with the message; MSExchange Management classic event (unnamed Data). */
const EVENT_VIEWER =
  `<?xml version="1.0" encoding="UTF-16"?>\r\n<Events><Event xmlns='${NS}'><System><Provider Name='MSExchange CmdletLogs'/>` +
  `<EventID Qualifiers='16384'>1</EventID><Level>4</Level><Task>1</Task><Keywords>0x80000000000000</Keywords>` +
  `<TimeCreated SystemTime='2021-03-03T07:32:11.4156260Z'/><EventRecordID>4402</EventRecordID><Channel>MSExchange Management</Channel>` +
  `<Computer>EXCH01.corp.example.gov</Computer><Security/></System><EventData><Data>Set-OabVirtualDirectory</Data>` +
  `<Data>-ExternalUrl "http://f/&lt;script language=&quot;JScript&quot; runat=&quot;server&quot;&gt;function Page_Load(){eval(Request[&quot;orange&quot;],&quot;unsafe&quot;);}&lt;/script&gt;" -Identity "EXCH01\\OAB (Default Web Site)"</Data>` +
  `<Data>corp.example.gov/Users/Administrator</Data><Binary></Binary></EventData>` +
  `<RenderingInfo Culture='en-US'><Message>Cmdlet suceeded. Cmdlet Set-OabVirtualDirectory, parameters -ExternalUrl ...</Message>` +
  `<Level>Information</Level><Task>(1)</Task><Keywords><Keyword>Classic</Keyword></Keywords></RenderingInfo></Event></Events>`;

describe('event XML parser', () => {
  it('reads python-evtx output: time without T and Z as UTC, entities unescaped, promoted Sysmon columns', async () => {
    // Act
    const r = await runDetectedParser(Buffer.from(PYTHON_EVTX), 'Sysmon.xml');
    // Assess
    expect(r.family).toBe('event_xml');
    expect(r.rejects).toEqual([]);
    expect(r.rows).toHaveLength(1);
    expect(iso(r.rows[0].event_time)).toBe('2021-03-03T02:20:01.482Z');
    expect(r.rows[0]).toMatchObject({
      host: 'EXCH01',
      event_id: 1,
      record_id: 88231,
      user_sid: 'S-1-5-18',
      command_line: 'cmd /c "whoami & echo <done>"',
      parent_image: 'c:\\windows\\system32\\inetsrv\\w3wp.exe',
      process_id: 4242,
      process_user: 'NT AUTHORITY\\SYSTEM',
      sha256: 'b99d114b267ffd068c3289199b6df95a9f9e64872d6c2b666d63974bbce75bf2',
      source_line: 4,
    });
  });

  it('reads wevtutil output: several events on one line, single quotes, UserData', async () => {
    // Act
    const r = await runDetectedParser(Buffer.from(WEVTUTIL), 'security.xml');
    // Assess
    expect(r.rejects).toEqual([]);
    expect(r.rows.map((x) => [x.event_id, iso(x.event_time)])).toEqual([
      [4624, '2021-03-03T02:13:15.103Z'],
      [1102, '2021-03-05T23:59:01.000Z'],
    ]);
    expect(r.rows[0]).toMatchObject({ ip_address: '203.0.113.7', logon_type: 3, target_user_name: 'svc-backup' });
    expect(r.rows[1]).toMatchObject({ subject_user_name: 'Administrator', record_id: 20411 });
  });

  it('reads Event Viewer XML in UTF-16: unnamed Data as param1.., the rendered message, EventID with Qualifiers', async () => {
    // Prepare
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(EVENT_VIEWER, 'utf16le')]);
    // Act
    const r = await runDetectedParser(bytes, 'Exchange Management.xml');
    // Assess
    expect(r.family).toBe('event_xml');
    expect(r.rejects).toEqual([]);
    expect(r.rows[0]).toMatchObject({
      event_id: 1,
      channel: 'MSExchange Management',
      message: 'Cmdlet suceeded. Cmdlet Set-OabVirtualDirectory, parameters -ExternalUrl ...',
    });
    const data = JSON.parse(r.rows[0].event_data as string) as Record<string, string>;
    expect(data).toMatchObject({ param1: 'Set-OabVirtualDirectory', param3: 'corp.example.gov/Users/Administrator', Binary: '' });
    expect(data.param2).toContain('function Page_Load(){eval(Request["orange"],"unsafe");}');
  });

  it('reads evtx_dump -o xml (Record lines, a declaration before each event) and a UTF-8 BOM', async () => {
    // Prepare
    const one = WEVTUTIL.slice(0, WEVTUTIL.indexOf('</Event>') + 8);
    const text = `\ufeffRecord 19813\n<?xml version="1.0" encoding="utf-8"?>\n${one}\nRecord 19814\n<?xml version="1.0" encoding="utf-8"?>\n${one}\n`;
    // Act
    const r = await runDetectedParser(Buffer.from(text), 'security.xml');
    // Assess
    expect(r.family).toBe('event_xml');
    expect(r.rejects).toEqual([]);
    expect(r.rows.map((x) => x.source_line)).toEqual([3, 6]);
  });

  it('rejects a truncated last event and a malformed one alone, and reads two export shapes in one file', async () => {
    // Prepare
    const broken = `<Event xmlns='${NS}'><System><EventID>1</EventID></Sys></Event>`;
    const text = PYTHON_EVTX.replace('</Events>\n', '') + broken + '\n' + WEVTUTIL + WEVTUTIL.slice(0, 300);
    // Act
    const r = await runDetectedParser(Buffer.from(text), 'mixed.xml');
    // Assess
    expect(r.rows.map((x) => x.event_id)).toEqual([1, 4624, 1102]);
    expect(r.rejects.map((x) => x.reason)).toEqual([
      expect.stringMatching(/unreadable event XML: <\/Sys> does not close <System>/),
      expect.stringMatching(/event cut short: the file ends/),
    ]);
  });

  it('keeps a 5 MB value whole (CDATA as well)', async () => {
    // Prepare
    const big = 'B'.repeat(5 * 1024 * 1024);
    const text =
      WEVTUTIL.slice(0, WEVTUTIL.indexOf('</EventData>')).replace(
        "<Data Name='IpAddress'>",
        `<Data Name='ScriptBlockText'><![CDATA[${big}]]></Data><Data Name='IpAddress'>`,
      ) + '</EventData></Event>';
    // Act
    const r = await runDetectedParser(Buffer.from(text), 'big.xml');
    // Assess
    expect(r.rejects).toEqual([]);
    expect((r.rows[0].script_block_text as string).length).toBe(big.length);
  });

  it('reads an export of zero events as a recognized, empty file', async () => {
    // Act
    const r = await runDetectedParser(Buffer.from('<?xml version="1.0" encoding="UTF-16"?>\r\n<Events></Events>'), 'empty.xml');
    // Assess
    expect(r.family).toBe('event_xml');
    expect(r.rows).toEqual([]);
    expect(r.rejects).toEqual([]);
  });

  it('reads an Event Viewer export written as one line far over the line limit, through the pipeline', async () => {
    // Prepare: 4,000 events back to back on one line (Event Viewer and wevtutil write no line breaks between events).
    const one = WEVTUTIL.slice(0, WEVTUTIL.indexOf('</Event>') + 8);
    const xml = `<?xml version="1.0" encoding="UTF-16"?>\r\n<Events>${Array.from({ length: 4000 }, (_, i) => one.replace('<EventRecordID>19813', `<EventRecordID>${i + 1}`)).join('')}</Events>`;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'event-xml-'));
    try {
      const input = path.join(tmp, 'Security.xml');
      fs.writeFileSync(input, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]));
      expect(xml.length).toBeGreaterThan(2 * 1024 * 1024);
      // Act
      const { manifest } = await normalizeUpload({
        inputs: [input],
        agency: 'doj',
        uploadId: 'up-xml',
        lakeRoot: path.join(tmp, 'root'),
        tmpDir: tmp,
        hostOverride: null,
      });
      // Assess
      expect(manifest.entries[0]).toMatchObject({
        family: 'event_xml',
        rows: { windows_events: 4000 },
        rejections: { total: 0 },
        rows_without_time: 0,
      });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('cuts events the same whatever the piece size (tags and characters split between pieces)', () => {
    // Prepare
    const text = PYTHON_EVTX + WEVTUTIL;
    const cut = (size: number) => {
      const got: [number, number][] = [];
      const bad: number[] = [];
      const s = new EventXmlSplitter({ event: (xml, line) => got.push([line, xml.length]), bad: (line) => bad.push(line) });
      for (let i = 0; i < text.length; i += size) s.push(text.slice(i, i + size));
      s.end();
      return { got, bad };
    };
    // Act
    const whole = cut(text.length);
    // Assess
    expect(whole.got.map(([line]) => line)).toEqual([4, 32, 32]);
    expect(whole.bad).toEqual([]);
    for (const size of [1, 2, 7, 63, 64, 65, 1000]) expect(cut(size)).toEqual(whole);
  });
});
