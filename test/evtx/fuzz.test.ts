import { Readable } from 'node:stream';
import fc from 'fast-check';
import { EvtxDecoder, readEvtx } from '../../src/formats/evtx';
import { T, buildEvtx, eventTemplate, template, el, sub, v } from '../support/evtx-builder';
import { cmdlet, sys, sysmon1 } from './fixtures';

/** A small file with most structures in it: several templates, nested BinXml, arrays, two chunks. */
function seedFile(): Buffer {
  const inner = template(el('Rule', [['Name', sub(0, T.WSTRING)]], el('Action', [], sub(1, T.UINT32))));
  const mixed = eventTemplate(['Payload', 'Sid', 'Guid', 'When', 'List'], [T.BINXML, T.SID, T.GUID, T.FILETIME, T.ARRAY | T.WSTRING]);
  const mixedRecord = (n: number) => ({
    template: mixed,
    values: [
      ...sys({ recordId: n }),
      v.bxml(inner, [v.wstr('r'), v.u32(n)]),
      v.sid('S-1-5-21-1-2-3-500'),
      v.guid('{365abb72-7acc-5cc4-0000-0010b2470300}'),
      v.filetime(new Date(0)),
      v.wstrArray(['a', 'b']),
    ],
  });
  return buildEvtx({
    chunks: [
      [sysmon1(1), mixedRecord(2), cmdlet(3, 'Get-Mailbox', '-Identity x')],
      [mixedRecord(4), sysmon1(5)],
    ],
  });
}

function decodeAll(buf: Buffer): { records: number; problems: number } {
  let records = 0;
  let problems = 0;
  const dec = new EvtxDecoder(
    () => records++,
    () => problems++,
  );
  for (let i = 0; i < buf.length; i += 8192) dec.push(buf.subarray(i, i + 8192));
  dec.end();
  return { records, problems };
}

const SEED = seedFile();
const DATA_END = 0x1000 + 0x10000 + 0x600; // mutations where the records are, not in empty space

describe('EvtxDecoder (property tests)', () => {
  it('never throws or hangs on a file with random bytes changed', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(DATA_END - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 24 }), (edits) => {
        // Prepare
        const buf = Buffer.from(SEED);
        for (const [at, b] of edits) buf[at] = b;

        // Act
        const t0 = Date.now();
        const { records } = decodeAll(buf);

        // Assess
        expect(records).toBeLessThanOrEqual(5 + 2);
        expect(Date.now() - t0).toBeLessThan(10_000); // a hang guard, not a speed test: a small file parses in milliseconds
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on a file cut anywhere, and reads fewer records the earlier it is cut', () => {
    fc.assert(
      fc.property(fc.nat(SEED.length), (len) => {
        // Act
        const { records, problems } = decodeAll(SEED.subarray(0, len));

        // Assess
        expect(records).toBeLessThanOrEqual(5);
        if (len < SEED.length) expect(problems).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on random bytes spliced into the record area', () => {
    fc.assert(
      fc.property(fc.nat(DATA_END), fc.uint8Array({ minLength: 1, maxLength: 300 }), (at, junk) => {
        // Prepare
        const buf = Buffer.concat([SEED.subarray(0, at), Buffer.from(junk), SEED.subarray(at)]);

        // Act
        const { records } = decodeAll(buf);

        // Assess
        expect(records).toBeLessThanOrEqual(7);
      }),
      { numRuns: 200 },
    );
  });

  it('reads a 100 MiB stream in bounded memory', async () => {
    // Prepare: one chunk with a few large records, repeated 1600 times as fresh buffers.
    const big = eventTemplate(['Blob'], [T.BINARY]);
    const one = buildEvtx({
      chunks: [[0, 1, 2].map((i) => ({ template: big, values: [...sys({ recordId: i }), v.bin(Buffer.alloc(20000, i))] }))],
    });
    const header = one.subarray(0, 0x1000);
    const chunk = one.subarray(0x1000);
    const chunks = 1600;
    const source = Readable.from(
      (function* () {
        yield Buffer.from(header);
        for (let i = 0; i < chunks; i++) yield Buffer.from(chunk);
      })(),
    );
    const before = process.memoryUsage();
    let peak = 0;
    let records = 0;

    // Act
    const summary = await readEvtx(source, () => {
      if (++records % 500 === 0) {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.heapUsed + m.arrayBuffers - (before.heapUsed + before.arrayBuffers));
      }
    });

    // Assess
    expect(summary.records).toBe(3 * chunks);
    expect(summary.errors).toBe(0);
    expect(peak).toBeLessThan(48 * 1024 * 1024); // the stream is 100 MiB
  });
});
