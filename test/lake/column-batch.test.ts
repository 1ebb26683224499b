/**
 * ColumnBuffer.addBatch: a batch whose string columns come as ASCII bytes (`ascii`, the web log kernel's) must leave
 * exactly what the same values as strings (`str`) and what row-by-row `add` leave: dictionary ids and entries, the
 * switch to plain values, plain bytes, coercion counts and the characters held.
 */
import fc from 'fast-check';
import { ColumnBuffer, MAX_STRING_CHARS, type BatchColumn, type RowBatch } from '../../src/lake/column-buffer';
import { TABLES } from '../../src/lake/schema';
import type { Row } from '../../src/lake/schema';

/** Values of one string column: null, or a string of printable ASCII. */
type Cell = string | null;

/** The cells as a batch column, `ascii` (bytes in one buffer, with starts and lengths) or `str`. */
function column(cells: readonly Cell[], t: 'ascii' | 'str'): BatchColumn {
  const distinct = [...new Set(cells.filter((c): c is string => c !== null))];
  const index = new Map(distinct.map((v, i) => [v, i]));
  const ids = Int32Array.from(cells.map((c) => (c === null ? -1 : index.get(c)!)));
  if (t === 'str') return { t, ids, entries: distinct };
  // A few bytes of junk before, between and after the values: only [start, start + len) may be read.
  const parts: Buffer[] = [Buffer.from('#junk#')];
  const starts: number[] = [];
  let at = parts[0].length;
  for (const v of distinct) {
    starts.push(at);
    parts.push(Buffer.from(v, 'latin1'), Buffer.from(','));
    at += v.length + 1;
  }
  parts.push(Buffer.from('trailing junk'));
  const bytes = Buffer.concat(parts);
  return { t, ids, count: distinct.length, bytes, starts: Int32Array.from(starts), lens: Int32Array.from(distinct.map((v) => v.length)) };
}

/** What a buffer holds after the rows: every column's snapshot, coercions, characters held. */
function state(buf: ColumnBuffer) {
  const cols = buf.snapshot().map((c) => {
    if (c.t === 'dict') return { t: c.t, ids: [...c.ids.subarray(0, c.rows)], entries: [...c.entries] };
    if (c.t === 'plain')
      return {
        t: c.t,
        present: [...c.present.subarray(0, c.rows)],
        ends: [...c.ends.subarray(0, c.rows)],
        bytes: Buffer.from(c.bytes).toString('latin1'),
      };
    if (c.t === 'num') return { t: c.t, present: [...c.present.subarray(0, c.rows)] };
    return c;
  });
  return { rows: buf.rows, chars: buf.chars, coercions: Object.fromEntries(buf.coercions), cols };
}

const TABLE = TABLES.web_requests;
const COLUMNS = ['uri_query', 'request_id', 'user_agent'] as const;

/**
 * Appends `n` rows three ways (row by row; batches of `str` columns; batches of `ascii` columns), in batches cut at
 * `cuts`, with the lake writer's per-call limits `maxRows` and `maxChars2` (which send a batch row by row when a
 * flush could fall inside it), and returns the three states.
 */
function appendThreeWays(
  values: Record<string, Cell[]>,
  n: number,
  cuts: number[],
  maxRows: number,
  maxChars2: number,
  charsBound: number | undefined,
) {
  const byRow = new ColumnBuffer(TABLE);
  for (let r = 0; r < n; r++) {
    const row: Row = {};
    for (const c of COLUMNS) row[c] = values[c][r];
    byRow.add(row);
  }
  const viaBatches = (t: 'ascii' | 'str') => {
    const buf = new ColumnBuffer(TABLE);
    const bounds = [0, ...cuts.filter((x) => x > 0 && x < n).sort((a, b) => a - b), n];
    for (let b = 0; b + 1 < bounds.length; b++) {
      const [lo, hi] = [bounds[b], bounds[b + 1]];
      const cols = new Map<string, BatchColumn>(COLUMNS.map((c) => [c, column(values[c].slice(lo, hi), t)]));
      const batch: RowBatch = { rows: hi - lo, cols, charsBound };
      let from = 0;
      // As LakeWriter.writeBatch: appendBatch returns the rows taken; the rest follows (no flush here).
      while (from < batch.rows) from += buf.addBatch(batch, from, batch.rows, buf.rows + maxRows, maxChars2);
    }
    return buf;
  };
  return { rows: state(byRow), str: state(viaBatches('str')), ascii: state(viaBatches('ascii')) };
}

describe('ColumnBuffer.addBatch', () => {
  it('leaves the same columns from ascii bytes as from strings and as row by row (property)', () => {
    // Prepare: columns that repeat (dictionary), that are mostly distinct (they turn plain inside a batch), nulls.
    const printable = fc.string({ unit: fc.constantFrom(...'abcXYZ019 /?=&;%+-_.:'.split('')), minLength: 1, maxLength: 24 });
    const cells = (distinct: number) =>
      fc.array(
        fc.oneof(
          fc.constant(null),
          fc.integer({ min: 0, max: distinct }).map((k) => `v${k}`),
          printable,
        ),
        { minLength: 1, maxLength: 300 },
      );
    fc.assert(
      fc.property(
        cells(8),
        cells(100_000),
        cells(3),
        fc.array(fc.nat({ max: 9000 }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 9000 }),
        fc.constantFrom(undefined, 10, 1 << 30),
        (q, id, ua, cuts, maxRows, charsBound) => {
          // Act
          const n = Math.max(q.length, id.length, ua.length);
          const pad = (a: Cell[]) => Array.from({ length: n }, (_, i) => a[i % a.length]);
          const three = appendThreeWays(
            { uri_query: pad(q), request_id: pad(id), user_agent: pad(ua) },
            n,
            cuts,
            maxRows,
            1 << 30,
            charsBound,
          );
          // Assess
          expect(three.ascii).toEqual(three.rows);
          expect(three.str).toEqual(three.rows);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('turns a column plain inside a batch, the same way from ascii bytes', () => {
    // Prepare: 9,000 distinct request ids in two batches (the dictionary gives up past 2,048 entries, more than half
    // of the non-null values), some longer than 48 bytes, a repeating user agent.
    const n = 9000;
    const id = Array.from({ length: n }, (_, i) =>
      i % 10 === 3 ? null : `${i.toString(16).padStart(8, '0')}-1f2d-4c6b-9a8e-00000000abcd${i % 3 ? '' : `;${'x'.repeat(i % 50)}`}`,
    );
    const ua = Array.from({ length: n }, (_, i) => `Agent/${i % 4}`);
    // Act
    const three = appendThreeWays({ uri_query: id.map(() => null), request_id: id, user_agent: ua }, n, [4096], n, 1 << 30, 1 << 20);
    // Assess
    const requestId = three.ascii.cols[TABLE.columns.findIndex((c) => c.name === 'request_id')];
    expect(requestId.t).toBe('plain');
    expect(three.ascii).toEqual(three.rows);
    expect(three.str).toEqual(three.rows);
  });

  it('cuts and counts values over MAX_STRING_CHARS on every row, the same way from ascii bytes', () => {
    // Prepare: a huge query string repeated on three rows of a batch, once in plain mode (the ids column) too.
    const huge = 'a'.repeat(MAX_STRING_CHARS + 5);
    const q = ['x=1', huge, null, huge, 'x=1', huge];
    const id = ['r1', 'r2', huge, 'r4', 'r5', 'r6'];
    // Act
    const three = appendThreeWays({ uri_query: q, request_id: id, user_agent: q.map(() => 'A') }, q.length, [], 10, 1 << 30, 1 << 20);
    // Assess
    expect(three.rows.coercions['uri_query (truncated)']).toBe(3);
    expect(three.ascii).toEqual(three.rows);
    expect(three.str).toEqual(three.rows);
  });
});
