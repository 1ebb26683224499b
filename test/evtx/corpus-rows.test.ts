/**
 * The rows the `evtx` family parser emits for the shared corpus of real .evtx
 * files: the promoted process/file columns must be filled for the events the
 * hunts read (Sysmon, Security, classic Application sources). Needs only the
 * corpus (not python-evtx); skipped with the reason when it is absent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { evtxParser } from '../../src/formats/evtx';
import type { Row } from '../../src/lake/schema';
import { CORPUS_DIR, corpusFiles } from '../../testkit/evtx-reference';

const files = corpusFiles();
if (!files.length) {
  console.warn(`EVTX corpus row checks skipped: no corpus at ${CORPUS_DIR}`);
}
const describeIf = files.length ? describe : describe.skip;

describeIf(`evtxParser on the real corpus${files.length ? '' : ' (skipped: no corpus)'}`, () => {
  const rows: Row[] = [];
  const rejects: string[] = [];

  beforeAll(async () => {
    for (const f of files) {
      await evtxParser.parse(fs.createReadStream(f), {
        sourceFile: path.relative(CORPUS_DIR, f),
        hostHint: null,
        emit: (_table, row) => rows.push(row),
        reject: (n, reason) => rejects.push(`${f} ${n}: ${reason}`),
      });
    }
  }, 120_000);

  const of = (channel: string, id: number) => rows.filter((r) => r.channel === channel && r.event_id === id);
  const SYSMON = 'Microsoft-Windows-Sysmon/Operational';

  it('emits one row per record with time, host and record id, and rejects nothing', () => {
    // Assess
    expect(rejects).toEqual([]);
    expect(rows.length).toBe(8255);
    expect(rows.filter((r) => r.event_time === null || r.host === null || r.record_id === null)).toEqual([]);
    expect(
      rows.every((r) => typeof r.event_time === 'number' && r.event_time > Date.UTC(2015, 0, 1) && r.event_time < Date.UTC(2030, 0, 1)),
    ).toBe(true);
  });

  it('fills image, command line, parent and hashes for Sysmon process creation (1)', () => {
    // Prepare
    const proc = of(SYSMON, 1);

    // Assess
    expect(proc.length).toBeGreaterThan(1000);
    expect(proc.filter((r) => !r.image || !r.command_line || r.process_id === null || !r.process_user)).toEqual([]);
    expect(proc.filter((r) => r.parent_image).length).toBeGreaterThan(proc.length * 0.95);
    const withSha = proc.filter((r) => /SHA256=/.test(String(r.hashes)));
    expect(withSha.length).toBeGreaterThan(0);
    expect(withSha.every((r) => /^[0-9a-f]{64}$/.test(String(r.sha256)))).toBe(true);
  });

  it('fills target_filename for Sysmon file creation (11) and the network address for Sysmon 3', () => {
    // Assess
    expect(of(SYSMON, 11).length).toBeGreaterThan(100);
    expect(of(SYSMON, 11).filter((r) => !r.target_filename || !r.image)).toEqual([]);
    expect(of(SYSMON, 3).length).toBeGreaterThan(100);
    expect(of(SYSMON, 3).filter((r) => !r.ip_address)).toEqual([]);
  });

  it('fills the Security process, share, object and directory columns', () => {
    // Assess
    expect(of('Security', 4688).filter((r) => !r.image || r.process_id === null)).toEqual([]);
    expect(of('Security', 5145).length).toBeGreaterThan(500);
    expect(of('Security', 5145).filter((r) => !r.share_name || !r.target_filename || !r.access_mask?.toString().startsWith('0x'))).toEqual(
      [],
    );
    expect(of('Security', 4663).filter((r) => !r.object_name || !r.image)).toEqual([]);
    expect(of('Security', 5136).filter((r) => !r.attribute_ldap_name)).toEqual([]);
    expect(of('Security', 4624).filter((r) => typeof r.logon_type !== 'number')).toEqual([]);
  });

  it('keeps classic Application insertion strings as param1, param2, ...', () => {
    // Prepare
    const msi = of('Application', 1040);

    // Assess
    expect(msi.length).toBeGreaterThan(100);
    for (const r of msi) {
      const data = JSON.parse(String(r.event_data)) as Record<string, string>;
      expect(Object.keys(data).slice(0, 2)).toEqual(['param1', 'param2']);
      expect(data.param1).not.toContain('<string>');
    }
  });
});
