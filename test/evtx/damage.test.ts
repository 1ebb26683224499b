import { ChunkWriter, buildEvtx, evtxFile, recordOffsets, resealChunk } from '../support/evtx-builder';
import { decode, sysmon1 } from './fixtures';

/** A file with two chunks: records 1-3 in chunk 0, 4-5 in chunk 1. */
function twoChunks(): Buffer {
  return buildEvtx({
    chunks: [
      [sysmon1(1), sysmon1(2), sysmon1(3)],
      [sysmon1(4), sysmon1(5)],
    ],
  });
}
const CHUNK0 = 0x1000;
const CHUNK1 = 0x1000 + 0x10000;

describe('EvtxDecoder on damaged files', () => {
  it('keeps the records of a chunk whose data checksum is wrong, and warns about that chunk', () => {
    // Prepare: one byte of record 2's data changed, checksums left as they were.
    const file = twoChunks();
    const rec2 = recordOffsets(file, 0)[1];
    const at = file.indexOf(Buffer.from('cmd.exe', 'utf16le'), rec2);
    file[at] = 'C'.charCodeAt(0);

    // Act
    const { records, problems, summary } = decode(file);

    // Assess
    expect(records.map((r) => r.recordId)).toEqual([1, 2, 3, 4, 5]);
    expect(records[1].data.Image).toBe('C:\\Windows\\System32\\Cmd.exe');
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        chunk: 0,
        reason: 'chunk 0: record data checksum mismatch (records read anyway; check them)',
      }),
    ]);
    expect(summary).toMatchObject({ errors: 0, warnings: 1, records: 5 });
  });

  it('warns about a chunk whose header checksum is wrong and still reads it', () => {
    // Prepare
    const file = twoChunks();
    file.writeUInt32LE(99, CHUNK1 + 8); // first record number in the chunk header

    // Act
    const { records, problems } = decode(file);

    // Assess
    expect(records).toHaveLength(5);
    expect(problems.map((p) => [p.severity, p.chunk, p.reason])).toEqual([
      ['warning', 1, 'chunk 1: chunk header checksum mismatch (records read anyway; check them)'],
    ]);
  });

  it('keeps every complete record of a file truncated mid-record and reports the rest as lost', () => {
    // Prepare: cut inside record 3.
    const file = twoChunks();
    const rec3 = recordOffsets(file, 0)[2];
    const cut = file.subarray(0, rec3 + 100);

    // Act
    const { records, problems, summary } = decode(cut);

    // Assess
    expect(records.map((r) => r.recordId)).toEqual([1, 2]);
    expect(problems.map((p) => p.reason)).toEqual([
      `chunk 0: file truncated, only ${rec3 + 100 - CHUNK0} of 65536 bytes present; the records that are complete are read`,
      expect.stringMatching(/^chunk 0: record 3: file ends inside the record \(100 of \d+ bytes present\)$/),
      'file truncated: the header counts 2 chunks, 1 present',
    ]);
    expect(problems[1]).toMatchObject({ severity: 'error', chunk: 0, recordNumber: 3, offset: rec3 });
    expect(summary.errors).toBe(3);
  });

  it('reads every chunk of a dirty file whose header has not counted the last chunk yet, without errors', () => {
    // Prepare
    const file = buildEvtx({ chunks: [[sysmon1(1)], [sysmon1(2)]], dirty: true, headerChunkCount: 1 });

    // Act
    const { records, problems, summary } = decode(file);

    // Assess
    expect(records.map((r) => r.recordId)).toEqual([1, 2]);
    expect(summary.header).toMatchObject({ dirty: true, chunkCount: 1 });
    expect(summary.errors + summary.warnings).toBe(0);
    expect(problems).toEqual([
      expect.objectContaining({ severity: 'notice', chunk: null, reason: expect.stringContaining('dirty flag set') }),
    ]);
  });

  it('reads records written after the chunk header was last updated (file copied while in use)', () => {
    // Prepare: the chunk header still says the data ends before record 3.
    const file = twoChunks();
    const rec3 = recordOffsets(file, 0)[2];
    file.writeUInt32LE(rec3 - CHUNK0, CHUNK0 + 0x30);
    resealChunk(file, 0);

    // Act
    const { records, problems } = decode(file);

    // Assess
    expect(records.map((r) => r.recordId)).toEqual([1, 2, 3, 4, 5]);
    expect(problems.map((p) => [p.severity, p.reason])).toEqual([
      ['notice', 'chunk 0: records found past the recorded end of data (chunk being written when the file was copied); read them too'],
    ]);
  });

  it('skips garbage between two records, names where it was, and reads the records after it', () => {
    // Prepare
    const w = new ChunkWriter();
    const r1 = sysmon1(1);
    const r2 = sysmon1(2);
    w.record(1, r1.template, r1.values);
    const gapAt = w.pos;
    w.gap(Buffer.from('this is not a record, just bytes left behind........'));
    w.record(2, r2.template, r2.values);
    const file = evtxFile([w.finish()]);

    // Act
    const { records, problems } = decode(file);

    // Assess
    expect(records.map((r) => r.recordId)).toEqual([1, 2]);
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        chunk: 0,
        offset: CHUNK0 + gapAt,
        reason: `chunk 0: no record signature at offset 0x${gapAt.toString(16)}; 52 bytes skipped up to the next record`,
      }),
    ]);
  });

  it('rejects a record with damaged Binary XML by number and keeps its neighbours', () => {
    // Prepare: record 2's template instance token overwritten; checksums resealed so only that shows.
    const file = twoChunks();
    const rec2 = recordOffsets(file, 0)[1];
    file[rec2 + 24 + 4] = 0x06;
    resealChunk(file, 0);

    // Act
    const { records, problems } = decode(file);

    // Assess
    expect(records.map((r) => r.recordId)).toEqual([1, 3, 4, 5]);
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        chunk: 0,
        recordNumber: 2,
        reason: expect.stringMatching(/^chunk 0: record 2: unexpected Binary XML token 0x6 at 0x/),
      }),
    ]);
  });

  it('rejects a record whose two size fields disagree and goes on with the next one', () => {
    // Prepare
    const file = twoChunks();
    const [, rec2, rec3] = recordOffsets(file, 0);
    file.writeUInt32LE(12345, rec3 - 4);
    resealChunk(file, 0);

    // Act
    const { records, problems } = decode(file);

    // Assess
    expect(records.map((r) => r.recordId)).toEqual([1, 3, 4, 5]);
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        recordNumber: 2,
        reason: `chunk 0: record 2: its two size fields disagree (damaged); ${rec3 - rec2} bytes skipped`,
      }),
    ]);
  });

  it('skips a 64 KiB block that is not a chunk and reads the chunks around it', () => {
    // Prepare
    const good = twoChunks();
    const junk = Buffer.alloc(0x10000, 0x5a);
    const file = Buffer.concat([good.subarray(0, CHUNK1), junk, good.subarray(CHUNK1)]);

    // Act
    const { records, problems } = decode(file);

    // Assess
    expect(records.map((r) => [r.chunk, r.recordId])).toEqual([
      [0, 1],
      [0, 2],
      [0, 3],
      [2, 4],
      [2, 5],
    ]);
    expect(problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        chunk: 1,
        offset: CHUNK1,
        reason: 'chunk 1: no ElfChnk signature: not a chunk, its 64 KiB were skipped',
      }),
    ]);
  });

  it('ignores unused all-zero chunks', () => {
    // Prepare
    const file = buildEvtx({ records: [sysmon1(1)], emptyChunks: 3 });

    // Act
    const { records, problems, summary } = decode(file);

    // Assess
    expect(records).toHaveLength(1);
    expect(problems).toEqual([]);
    expect(summary.chunks).toBe(4);
  });

  it('fails cleanly on a file that is not EVTX', () => {
    // Prepare
    const file = Buffer.from('#Software: Microsoft Internet Information Services 10.0\r\n'.repeat(200));

    // Act
    const { records, problems } = decode(file);

    // Assess
    expect(records).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({ severity: 'error', chunk: null, reason: 'not an EVTX file: no ElfFile signature' }),
    ]);
  });

  it('fails cleanly on an empty file and on one cut inside the file header', () => {
    // Act
    const empty = decode(Buffer.alloc(0));
    const short = decode(twoChunks().subarray(0, 300));

    // Assess
    expect(empty.problems.map((p) => p.reason)).toEqual(['empty file: no EVTX file header']);
    expect(short.problems.map((p) => p.reason)).toEqual(['file truncated inside the file header (300 bytes): no records']);
  });
});
