import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  IndicatorLoadError,
  loadIndicators,
  normalizeIndicator,
  parseCsv,
  parseIndicatorFile,
  parseStixPattern,
} from '../../src/hunt/indicators';

const REPO_INDICATORS = path.resolve(__dirname, '..', '..', 'indicators');

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes, CRLF and a BOM', () => {
    // Prepare
    const text = '\ufeffa,b,c\r\n1,"x, ""y""",3\r\n"multi\nline",,z\n';
    // Act
    const recs = parseCsv(text);
    // Assess
    expect(recs).toEqual([
      { fields: ['a', 'b', 'c'], line: 1 },
      { fields: ['1', 'x, "y"', '3'], line: 2 },
      { fields: ['multi\nline', '', 'z'], line: 3 },
    ]);
  });

  it('reads a feed mixing CRLF, LF and CR, counting every line break, and keeps going past an unclosed quote', () => {
    // Prepare
    const text = 'a,b\r\n\r\n"x\r\ny",1\n  \n2,"q"""\r3,4\n5,"never closed\n6,7\n';
    const errors: [number, string][] = [];
    // Act
    const recs = parseCsv(text, (line, reason) => errors.push([line, reason]));
    // Assess
    expect(recs).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x\ny', '1'], line: 3 },
      { fields: ['  '], line: 5 },
      { fields: ['2', 'q"'], line: 6 },
      { fields: ['3', '4'], line: 7 },
    ]);
    expect(errors).toEqual([[expect.any(Number), expect.stringMatching(/^unreadable CSV record: Quote Not Closed/)]]);
  });
});

describe('normalizeIndicator', () => {
  it('lower-cases hashes, paths and names and refangs IPs and domains', () => {
    // Act / Assess
    expect(normalizeIndicator('sha256', 'B75F163CA9B9240BF4B37AD92BC7556B40A17E27C2B8ED5C8991385FE07D17D0')).toEqual({
      type: 'sha256', value: 'b75f163ca9b9240bf4b37ad92bc7556b40a17e27c2b8ed5c8991385fe07d17d0',
    });
    expect(normalizeIndicator('filepath', 'C:\\inetpub\\wwwroot\\aspnet_client\\Server.aspx')).toEqual({
      type: 'filepath', value: 'c:\\inetpub\\wwwroot\\aspnet_client\\server.aspx',
    });
    expect(normalizeIndicator('ipaddress', '86.105.18[.]116')).toEqual({ type: 'ip', value: '86.105.18.116' });
    expect(normalizeIndicator('ip', '010.001.002.003')).toEqual({ type: 'ip', value: '10.1.2.3' });
    // The logs' matching form (src/core/ip-address.ts), so that the join with client_ip / ip_address is an equality.
    expect(normalizeIndicator('ipv6', '2001:0DB8:0000:0000:0000:0000:0000:0001')).toEqual({ type: 'ip', value: '2001:db8::1' });
    expect(normalizeIndicator('ip', '::ffff:165.232.154.116')).toEqual({ type: 'ip', value: '165.232.154.116' });
    expect(normalizeIndicator('ip-dst', '[2001:db8::5][:]443')).toEqual({ type: 'ip', value: '2001:db8::5' });
    expect(normalizeIndicator('domainname', 'Lab.SymantecSafe[.]org')).toEqual({ type: 'domain', value: 'lab.symantecsafe.org' });
    expect(normalizeIndicator('user_agent', 'python-requests/2.25.1 (x)')).toEqual({ type: 'user_agent', value: 'python-requests/2.25.1+(x)' });
    expect(normalizeIndicator('url', 'hxxps://evil[.]example/OWA/auth/X.js?a=1')).toEqual({ type: 'url_path', value: '/owa/auth/x.js' });
  });

  it('fails on unknown types and malformed values with a reason', () => {
    // Act / Assess
    expect(normalizeIndicator('mutex', 'x')).toEqual({ error: 'unknown indicator type "mutex"' });
    expect(normalizeIndicator('sha256', 'abc')).toEqual({ error: 'sha256 must be 64 hex digits, got "abc"' });
    expect(normalizeIndicator('ip', '300.1.1.1')).toEqual({ error: 'bad IP address "300.1.1.1"' });
    expect(normalizeIndicator('ip', '2001:db8::1::2')).toEqual({ error: 'bad IP address "2001:db8::1::2"' });
    expect(normalizeIndicator('md5', '')).toEqual({ error: 'empty md5 value' });
  });
});

describe('parseStixPattern', () => {
  it('reads single and OR-ed comparisons inside and between observations', () => {
    // Act
    const one = parseStixPattern("[ipv4-addr:value = '198.51.100.7']");
    const ors = parseStixPattern("[file:hashes.'SHA-256' = 'AB' OR file:name = 'it\\'s.aspx'] OR [domain-name:value = 'x.example']");
    // Assess
    expect(one).toEqual({ comparisons: [{ path: 'ipv4-addr:value', value: '198.51.100.7' }] });
    expect(ors).toEqual({
      comparisons: [
        { path: "file:hashes.'SHA-256'", value: 'AB' },
        { path: 'file:name', value: "it's.aspx" },
        { path: 'domain-name:value', value: 'x.example' },
      ],
    });
  });

  it('rejects AND, other operators, FOLLOWEDBY and qualifiers with the reason', () => {
    // Act / Assess
    expect(parseStixPattern("[ipv4-addr:value = '1.2.3.4' AND ipv4-addr:value = '1.2.3.5']")).toEqual({
      error: expect.stringContaining('"AND" inside an observation'),
    });
    expect(parseStixPattern("[url:value MATCHES '^/owa']")).toEqual({ error: expect.stringContaining('unsupported operator "MATCHES"') });
    expect(parseStixPattern("[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.5']")).toEqual({
      error: expect.stringContaining('"FOLLOWEDBY" between observations'),
    });
    expect(parseStixPattern("[ipv4-addr:value = '1.2.3.4'] WITHIN 10 SECONDS")).toEqual({ error: expect.stringContaining('"WITHIN"') });
    expect(parseStixPattern("[ipv4-addr:value = '1.2.3.4'")).toEqual({ error: expect.stringContaining('unterminated observation') });
    expect(parseStixPattern("[ipv4-addr:value = '1.2.3.4]")).toEqual({ error: expect.stringContaining('unterminated string') });
    expect(parseStixPattern('')).toEqual({ error: 'incomplete pattern: ' });
  });
});

describe('parseIndicatorFile', () => {
  it('reads the MSTIC CSV as published, keeping FirstSeen and TLP', () => {
    // Prepare
    const text = 'DateAdded,FirstSeen,Indicator,IndicatorType,TLP\n'
      + '2021-03-10,2021-03-05T10:07:29.0421232Z,8E90ED33C7EE82C0B64078EA36EC95F7420BA435C693B3B3DD728B494ABF7DFC,sha256,White\n'
      + '2021-03-11,,C:\\inetpub\\wwwroot\\aspnet_client\\Server.aspx,filepath,White\n'
      + '2021-03-11,,whatever,mutex,White\n';
    // Act
    const r = parseIndicatorFile('mstic.csv', text);
    // Assess
    expect(r.format).toBe('mstic_csv');
    expect(r.rows).toEqual([
      expect.objectContaining({ type: 'sha256', value: '8e90ed33c7ee82c0b64078ea36ec95f7420ba435c693b3b3dd728b494abf7dfc', source: 'MSTIC', first_seen: '2021-03-05T10:07:29.0421232Z', description: 'TLP:White; date added 2021-03-10' }),
      expect.objectContaining({ type: 'filepath', value: 'c:\\inetpub\\wwwroot\\aspnet_client\\server.aspx', first_seen: '2021-03-11' }),
    ]);
    expect(r.rejects).toEqual([{ file: 'mstic.csv', location: 'line 4', reason: 'unknown indicator type "mutex"' }]);
  });

  it('reads the renamed MSTIC header and the MSTIC JSON twin with its extra MD5/SHA-1', () => {
    // Prepare
    const renamed = 'DateAdded,IoC,Type,TLP,Release\n2021-03-10,203.0.113.9,ip,White,1\n';
    const json = JSON.stringify([{ DateAdded: '2021-03-09', FirstSeen: '2021-03-04T08:05:00Z', Indicator: 'b75f163ca9b9240bf4b37ad92bc7556b40a17e27c2b8ed5c8991385fe07d17d0', IndicatorType: 'sha256', TLP: 'White', AdditionalMetadata: { FileMd5: '4B3039CF227C611C45D2242D1228A121', FileSha1: 'nothex' } }]);
    // Act
    const a = parseIndicatorFile('renamed.csv', renamed);
    const b = parseIndicatorFile('mstic.json', json);
    // Assess
    expect(a.rows).toEqual([expect.objectContaining({ type: 'ip', value: '203.0.113.9', source: 'MSTIC' })]);
    expect(b.format).toBe('mstic_json');
    expect(b.rows.map((r) => [r.type, r.value])).toEqual([
      ['sha256', 'b75f163ca9b9240bf4b37ad92bc7556b40a17e27c2b8ed5c8991385fe07d17d0'],
      ['md5', '4b3039cf227c611c45d2242d1228a121'],
    ]);
    expect(b.rejects).toEqual([{ file: 'mstic.json', location: 'item 1', reason: 'FileSha1: sha1 must be 40 hex digits, got "nothex"' }]);
  });

  it('reads the Volexity CSV and the canonical CSV', () => {
    // Prepare
    const vol = 'value,type,notes\n103.77.192.219,ipaddress,"IP addresses attempting to exploit Exchange servers in March 2021"\n';
    const canon = 'type,value,source,reference,first_seen,description\nuser_agent,"Mozilla/5.0+(X11;+Linux+x86_64)+AppleWebKit/537.36+(KHTML,+like+Gecko)",Volexity,https://example.org/vol,2021-03-02,ua\nip,5.2.69.14,,x,,no source\n';
    // Act
    const v = parseIndicatorFile('vol.csv', vol);
    const c = parseIndicatorFile('canon.csv', canon);
    // Assess
    expect(v.rows).toEqual([{ type: 'ip', value: '103.77.192.219', source: 'Volexity', reference: expect.stringContaining('volexity/threat-intel'), first_seen: null, description: 'IP addresses attempting to exploit Exchange servers in March 2021' }]);
    expect(c.rows).toEqual([{ type: 'user_agent', value: 'Mozilla/5.0+(X11;+Linux+x86_64)+AppleWebKit/537.36+(KHTML,+like+Gecko)', source: 'Volexity', reference: 'https://example.org/vol', first_seen: '2021-03-02', description: 'ua' }]);
    expect(c.rejects).toEqual([{ file: 'canon.csv', location: 'line 3', reason: 'missing source' }]);
  });

  it('reads STIX 2.1 indicators, names the publisher from created_by_ref and reports unsupported patterns', () => {
    // Prepare
    const bundle = {
      type: 'bundle', id: 'bundle--1',
      objects: [
        { type: 'identity', id: 'identity--v', name: 'Volexity' },
        { type: 'indicator', id: 'indicator--a', created_by_ref: 'identity--v', pattern_type: 'stix', valid_from: '2021-03-02T00:00:00Z', pattern: "[ipv4-addr:value = '103.77.192.219' OR ipv4-addr:value = '5.254.43.18']", external_references: [{ source_name: 'Volexity', url: 'https://example.org/vol' }] },
        { type: 'indicator', id: 'indicator--b', pattern_type: 'stix', pattern: "[file:hashes.MD5 = '0FD9BFFA49C76EE12E51E3B8AE0609AC']", description: 'iisstart.aspx' },
        { type: 'indicator', id: 'indicator--c', pattern_type: 'stix', pattern: "[process:name = 'cmd.exe']" },
        { type: 'indicator', id: 'indicator--d', pattern_type: 'sigma', pattern: 'title: x' },
        { type: 'indicator', id: 'indicator--e', pattern_type: 'stix', pattern: "[ipv4-addr:value = '1.2.3.4' AND network-traffic:dst_port = 443]" },
      ],
    };
    // Act
    const r = parseIndicatorFile('feed.stix.json', JSON.stringify(bundle));
    // Assess
    expect(r.format).toBe('stix21');
    expect(r.rows).toEqual([
      { type: 'ip', value: '103.77.192.219', source: 'Volexity', reference: 'https://example.org/vol', first_seen: '2021-03-02T00:00:00Z', description: null },
      { type: 'ip', value: '5.254.43.18', source: 'Volexity', reference: 'https://example.org/vol', first_seen: '2021-03-02T00:00:00Z', description: null },
      { type: 'md5', value: '0fd9bffa49c76ee12e51e3b8ae0609ac', source: 'STIX feed.stix.json', reference: 'feed.stix.json#indicator--b', first_seen: null, description: 'iisstart.aspx' },
    ]);
    expect(r.rejects).toEqual([
      { file: 'feed.stix.json', location: 'object indicator--c', reason: 'unsupported object path "process:name"' },
      { file: 'feed.stix.json', location: 'object indicator--d', reason: 'unsupported pattern_type "sigma"' },
      { file: 'feed.stix.json', location: 'object indicator--e', reason: expect.stringContaining('"AND" inside an observation') },
    ]);
  });

  it('rejects an unknown CSV header and broken JSON as a whole file', () => {
    // Act
    const a = parseIndicatorFile('x.csv', 'foo,bar\n1,2\n');
    const b = parseIndicatorFile('x.json', '{not json');
    // Assess
    expect(a.rejects).toEqual([{ file: 'x.csv', location: 'line 1', reason: 'unknown CSV header "foo,bar"' }]);
    expect(b.rows).toEqual([]);
    expect(b.rejects[0]).toEqual(expect.objectContaining({ location: 'file', reason: expect.stringContaining('invalid JSON') }));
  });
});

describe('loadIndicators', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'ind-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads every feed of a directory, dedupes per (type, value, source) and keeps going past a bad file', async () => {
    // Prepare
    writeFileSync(path.join(dir, 'a.csv'), 'value,type,notes\n103.77.192.219,ipaddress,first\n');
    writeFileSync(path.join(dir, 'b.stix.json'), JSON.stringify({ type: 'bundle', objects: [
      { type: 'identity', id: 'identity--v', name: 'Volexity' },
      { type: 'indicator', id: 'indicator--a', created_by_ref: 'identity--v', pattern_type: 'stix', pattern: "[ipv4-addr:value = '103.77.192.219']", description: 'second' },
    ] }));
    writeFileSync(path.join(dir, 'c.csv'), 'nonsense\n');
    writeFileSync(path.join(dir, 'README.md'), '# not a feed');
    // Act
    const set = await loadIndicators(dir);
    // Assess
    expect(set.rows).toEqual([expect.objectContaining({ type: 'ip', value: '103.77.192.219', source: 'Volexity', description: 'first; second' })]);
    expect(set.rejects).toEqual([{ file: 'c.csv', location: 'line 1', reason: 'unknown CSV header "nonsense"' }]);
    expect(set.files.map((f) => [f.file, f.format, f.rows])).toEqual([['a.csv', 'volexity_csv', 1], ['b.stix.json', 'stix21', 1], ['c.csv', null, 0]]);
  });

  it('throws IndicatorLoadError for a missing directory', async () => {
    // Act / Assess
    await expect(loadIndicators(path.join(dir, 'nope'))).rejects.toBeInstanceOf(IndicatorLoadError);
  });

  it('loads the shipped indicators/ with no rejects and every list of the spec', async () => {
    // Act
    const set = await loadIndicators(REPO_INDICATORS);
    // Assess
    expect(set.rejects).toEqual([]);
    const count = (t: string, s?: string) => set.rows.filter((r) => r.type === t && (!s || r.source === s)).length;
    expect(count('sha256', 'MSTIC')).toBe(14);
    expect(count('filepath', 'MSTIC')).toBe(42); // 47 rows, 5 paths repeat
    expect(count('ip', 'Volexity')).toBe(13); // CSV and STIX bundle merge
    expect(count('ip', 'FireEye')).toBe(4);
    expect(count('sha256', 'Microsoft (MSBLOG)')).toBe(8);
    expect(count('user_agent', 'Volexity')).toBe(14); // 15 published, Baiduspider listed twice
    expect(set.rows).toContainEqual(expect.objectContaining({ type: 'domain', value: 'yolkish.com', source: 'ESET' }));
    expect(set.rows).toContainEqual(expect.objectContaining({ type: 'filepath', value: 'c:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx', source: 'MSTIC' }));
    expect(count('ip', 'CISA AA21-062A')).toBe(2); // the two beyond Volexity's 13, which CISA lists too
    expect(count('sha256', 'CISA AA21-062A')).toBe(6);
    expect(count('md5', 'CISA AA21-062A')).toBe(4);
    expect(count('sha1', 'CISA AA21-062A')).toBe(3);
    expect(set.rows).toContainEqual(
      expect.objectContaining({ type: 'ip', value: '5.2.69.14', source: 'CISA AA21-062A', first_seen: '2021-03-03' }),
    );
    expect(set.rows.filter((r) => r.source === 'SCS-Labs (community)' && r.type === 'ip').map((r) => r.description)).toEqual([
      expect.stringContaining('CISA Alert AA21-062A'),
      expect.stringContaining('CISA Alert AA21-062A'),
    ]);
    for (const r of set.rows) expect(r.reference).toBeTruthy();
  });
});
