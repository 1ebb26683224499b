import { Readable } from 'node:stream';
import { peek, readLines, IngestError } from '../../src/ingest';

/** A stream delivering `data` in chunks of `size` bytes (1 = worst case for split BOMs, CRLFs, UTF-8 sequences). */
function chunked(data: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
    })(),
    { objectMode: false },
  );
}

async function lines(data: Buffer, opts: { chunk?: number; max?: number } = {}) {
  const got: [number, string][] = [];
  const long: [number, number][] = [];
  const result = await readLines(
    chunked(data, opts.chunk ?? 65536),
    { maxLineBytes: opts.max ?? 1024 * 1024 },
    (t, n) => got.push([n, t]),
    (n, b) => long.push([n, b]),
  );
  return { got, long, result };
}

const TEXT = 'TimeCreated,Id,Message\r\n2021-03-02T10:20:30Z,4104,"Set-OabVirtualDirectory ö€𝄞"\r\nlast line without newline';
const EXPECTED: [number, string][] = [
  [1, 'TimeCreated,Id,Message'],
  [2, '2021-03-02T10:20:30Z,4104,"Set-OabVirtualDirectory ö€𝄞"'],
  [3, 'last line without newline'],
];

function utf16be(s: string): Buffer {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  return le;
}

describe('readLines', () => {
  const variants: [string, Buffer, string][] = [
    ['UTF-8', Buffer.from(TEXT, 'utf8'), 'utf8'],
    ['UTF-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT, 'utf8')]), 'utf8-bom'],
    ['UTF-16 LE with BOM (PowerShell Out-File)', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, 'utf16le')]), 'utf16le'],
    ['UTF-16 BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)]), 'utf16be'],
    ['UTF-16 LE without BOM', Buffer.from(TEXT, 'utf16le'), 'utf16le'],
  ];
  for (const [label, bytes, encoding] of variants) {
    for (const chunk of [1, 3, 65536]) {
      it(`decodes ${label} in ${chunk}-byte chunks, stripping BOM and CR`, async () => {
        // Act
        const { got, long, result } = await lines(bytes, { chunk });
        // Assess
        expect(got).toEqual(EXPECTED);
        expect(long).toEqual([]);
        expect(result).toEqual({ lines: 3, bytes: bytes.length, encoding });
      });
    }
  }

  it('keeps empty lines, mixes LF and CRLF, and adds no line after a final newline', async () => {
    // Act
    const { got, result } = await lines(Buffer.from('a\n\r\nb\r\n\nc\n'), { chunk: 2 });
    // Assess
    expect(got).toEqual([
      [1, 'a'],
      [2, ''],
      [3, 'b'],
      [4, ''],
      [5, 'c'],
    ]);
    expect(result.lines).toBe(5);
  });

  it('reads nothing from an empty stream', async () => {
    // Act
    const { got, result } = await lines(Buffer.alloc(0));
    // Assess
    expect(got).toEqual([]);
    expect(result).toEqual({ lines: 0, bytes: 0, encoding: 'utf8' });
  });

  it('rejects a 5 MB line with its line number without buffering it, and reads the following lines', async () => {
    // Prepare
    const data = Buffer.concat([
      Buffer.from('#Fields: date time\r\nbefore\r\n'),
      Buffer.alloc(5 * 1024 * 1024, 0x41),
      Buffer.from('\r\nafter\r\nend'),
    ]);
    for (const chunk of [65536, 256 * 1024, data.length]) {
      // Act
      const { got, long, result } = await lines(data, { chunk, max: 1024 * 1024 });
      // Assess
      expect(long).toEqual([[3, 5 * 1024 * 1024]]);
      expect(got).toEqual([
        [1, '#Fields: date time'],
        [2, 'before'],
        [4, 'after'],
        [5, 'end'],
      ]);
      expect(result.lines).toBe(5);
    }
  });

  it('rejects a too-long last line without a newline', async () => {
    // Act
    const { got, long } = await lines(Buffer.from('ok\n' + 'x'.repeat(100)), { chunk: 7, max: 50 });
    // Assess
    expect(got).toEqual([[1, 'ok']]);
    expect(long).toEqual([[2, 100]]);
  });

  it('accepts a line of exactly maxLineBytes, CRLF or not, and rejects one byte more', async () => {
    // Act
    const { got, long } = await lines(Buffer.from(`${'a'.repeat(10)}\r\n${'b'.repeat(10)}\n${'c'.repeat(11)}\r\n`), { chunk: 4, max: 10 });
    // Assess
    expect(got).toEqual([
      [1, 'a'.repeat(10)],
      [2, 'b'.repeat(10)],
    ]);
    expect(long).toEqual([[3, 11]]);
  });

  it('fails with the stream error after delivering every line read before it', async () => {
    // Prepare
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from('one\ntwo\nthr');
        throw new IngestError('truncated-gzip', 'x.log.gz', 'gzip data is truncated');
      })(),
      { objectMode: false },
    );
    const got: string[] = [];
    // Act
    const run = readLines(
      failing,
      { maxLineBytes: 100 },
      (t) => got.push(t),
      () => undefined,
    );
    // Assess
    await expect(run).rejects.toMatchObject({ code: 'truncated-gzip' });
    expect(got).toEqual(['one', 'two', 'thr']);
  });
});

describe('peek', () => {
  it('returns the first bytes and a stream that still yields everything', async () => {
    // Prepare
    const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 256));
    // Act
    const { head, stream } = await peek(chunked(data, 1000), 64 * 1024);
    const all: Buffer[] = [];
    for await (const c of stream) all.push(c as Buffer);
    // Assess
    expect(head).toEqual(data.subarray(0, 64 * 1024));
    expect(Buffer.concat(all)).toEqual(data);
  });

  it('returns a short head for a short stream', async () => {
    // Act
    const { head, stream } = await peek(chunked(Buffer.from('tiny'), 2));
    const all: Buffer[] = [];
    for await (const c of stream) all.push(c as Buffer);
    // Assess
    expect(head.toString()).toBe('tiny');
    expect(Buffer.concat(all).toString()).toBe('tiny');
  });

  it('fails the returned stream after the head when the source fails while peeking', async () => {
    // Prepare
    const failing = Readable.from(
      (async function* () {
        yield Buffer.from('abc');
        throw new IngestError('truncated-gzip', 'x.gz', 'cut');
      })(),
      { objectMode: false },
    );
    // Act
    const { head, stream } = await peek(failing, 100);
    const got: Buffer[] = [];
    const run = (async () => {
      for await (const c of stream) got.push(c as Buffer);
    })();
    // Assess
    expect(head.toString()).toBe('abc');
    await expect(run).rejects.toMatchObject({ code: 'truncated-gzip' });
    expect(Buffer.concat(got).toString()).toBe('abc');
  });
});
