/**
 * Athena-strict casts on DuckDB. `CAST(x AS bigint)` of a text like ' 12' or '1.5' succeeds on DuckDB (it trims and
 * rounds) but raises on Trino, and `CAST('2021-03-02T10:00:00' AS timestamp)` too: a hunt that casts a log field
 * would pass every local fixture and fail the Athena query. A cast is syntax, not a function, so no macro can shadow
 * it: this rewrite sends `CAST(x AS <type>)` for the types in STRICT_CAST_TYPES to the `trino_cast_<type>(x)` macros
 * of the shims, which raise where Trino raises. `TRY_CAST` becomes `try(trino_cast_<type>(x))`: NULL where Trino's is
 * NULL (DuckDB's own TRY_CAST('1.5' AS integer) answers 2).
 */
import { STRICT_CAST_TYPES } from './trino-shims';

interface Tok {
  readonly text: string; // lower-cased for words
  readonly start: number;
  readonly end: number;
  readonly word: boolean;
}

/** Words and punctuation of the SQL outside string literals, quoted identifiers and comments. */
function scan(sql: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (/\s/.test(ch)) i++;
    else if (ch === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (ch === "'" || ch === '"') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      toks.push({ text: sql.slice(i, j + 1), start: i, end: j + 1, word: false });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j])) j++;
      toks.push({ text: sql.slice(i, j).toLowerCase(), start: i, end: j, word: true });
      i = j;
    } else {
      toks.push({ text: ch, start: i, end: i + 1, word: false });
      i++;
    }
  }
  return toks;
}

const STRICT = new Set(STRICT_CAST_TYPES);

/** Rewrites the SQL so that casts to integer, date and timestamp types raise on the texts Trino rejects. */
export function strictCasts(sql: string): string {
  const toks = scan(sql);
  const edits: { start: number; end: number; text: string }[] = [];
  for (let k = 0; k + 1 < toks.length; k++) {
    const isTry = toks[k].text === 'try_cast';
    if (!(toks[k].word && (toks[k].text === 'cast' || isTry) && toks[k + 1].text === '(')) continue;
    if (k > 0 && toks[k - 1].text === '.') continue;
    // Find the top-level AS and the closing parenthesis.
    let depth = 0;
    let as = -1;
    let close = -1;
    for (let m = k + 1; m < toks.length; m++) {
      const t = toks[m].text;
      if (t === '(') depth++;
      else if (t === ')' && --depth === 0) {
        close = m;
        break;
      } else if (depth === 1 && toks[m].word && t === 'as') as = m;
    }
    // Only a plain one-word type: `timestamp(3)`, `timestamp with time zone`, `varchar` etc. keep DuckDB's cast.
    if (as < 0 || close !== as + 2 || !STRICT.has(toks[as + 1].text)) continue;
    const fn = `trino_cast_${toks[as + 1].text}`;
    edits.push({ start: toks[k].start, end: toks[k].end, text: isTry ? `try(${fn}` : fn });
    edits.push({ start: toks[as].start, end: toks[close].start, text: isTry ? ')' : '' });
  }
  let out = sql;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
