/**
 * Indicator feeds -> rows of the `indicators` table.
 *
 * Reads every feed file of a directory in the shape its publisher uses, so that
 * analysts can drop in a newer download unchanged:
 * - MSTIC CSV `DateAdded,FirstSeen,Indicator,IndicatorType,TLP` (and the renamed
 *   `DateAdded,IoC,Type,TLP,Release`), and its JSON twin (array of objects);
 * - Volexity CSV `value,type,notes`;
 * - the project's canonical CSV `type,value,source,reference,first_seen,description`;
 * - STIX 2.1 bundles (`*.stix.json` or any JSON whose `type` is `bundle`): indicator
 *   objects whose pattern is one or more `[object:property = 'value']` comparisons
 *   joined by OR.
 *
 * Values are normalized (lower-case hashes, paths, names, domains; refanged IPs and
 * domains; user agents in the IIS `+` form) so hunts can join with `=`. Anything that
 * cannot be used (unknown type, malformed hash, unsupported STIX pattern, unknown
 * file shape) is returned as a reject with its file, place and reason: never dropped
 * silently. One bad file never stops the others.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { normalizeIp } from '../core';

/** Indicator types of the `indicators` table (schema INDICATORS_TABLE). */
export const INDICATOR_TYPES = ['ip', 'sha256', 'md5', 'sha1', 'filepath', 'filename', 'domain', 'user_agent', 'url_path'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

/** One row of the `indicators` table. */
export interface IndicatorRow {
  type: IndicatorType;
  value: string;
  source: string;
  reference: string | null;
  first_seen: string | null;
  description: string | null;
}

/** An entry that could not be loaded, with where it was and why. */
export interface IndicatorReject {
  file: string;
  /** `line 12` for CSV, `object indicator--...` for STIX, `file` for the whole file. */
  location: string;
  reason: string;
}

export type FeedFormat = 'mstic_csv' | 'mstic_json' | 'volexity_csv' | 'canonical_csv' | 'stix21';

/** What one file gave. */
export interface IndicatorFileResult {
  file: string;
  format: FeedFormat | null;
  rows: IndicatorRow[];
  rejects: IndicatorReject[];
}

/** Everything loaded from a directory: deduplicated rows, every reject, and per-file counts. */
export interface IndicatorSet {
  rows: IndicatorRow[];
  rejects: IndicatorReject[];
  files: { file: string; format: FeedFormat | null; rows: number; rejects: number }[];
}

/** The directory could not be read at all (missing, not a directory). Keeps the cause. */
export class IndicatorLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IndicatorLoadError';
  }
}

const MSTIC_REFERENCE =
  'https://github.com/Azure/Azure-Sentinel/blob/master/Sample%20Data/Feeds/MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv';
const VOLEXITY_REFERENCE =
  'https://github.com/volexity/threat-intel/blob/main/2021/2021-03-02%20-%20Operation%20Exchange%20Marauder/indicators/indicators.csv';

/** Publisher type names -> table type. */
const TYPE_ALIASES: Record<string, IndicatorType> = {
  ip: 'ip',
  ipaddress: 'ip',
  ipv4: 'ip',
  ipv6: 'ip',
  'ipv4-addr': 'ip',
  'ipv6-addr': 'ip',
  'ip-dst': 'ip',
  'ip-src': 'ip',
  ip_address: 'ip',
  sha256: 'sha256',
  'sha-256': 'sha256',
  filehash_sha256: 'sha256',
  md5: 'md5',
  sha1: 'sha1',
  'sha-1': 'sha1',
  filepath: 'filepath',
  file_path: 'filepath',
  path: 'filepath',
  filename: 'filename',
  file_name: 'filename',
  domain: 'domain',
  domainname: 'domain',
  'domain-name': 'domain',
  hostname: 'domain',
  fqdn: 'domain',
  user_agent: 'user_agent',
  useragent: 'user_agent',
  'user-agent': 'user_agent',
  url_path: 'url_path',
  urlpath: 'url_path',
  uri: 'url_path',
  url: 'url_path',
};

/** Undoes the usual defanging: `1.2.3[.]4`, `example(.)com`, `hxxp://`, `[:]`. */
export function refang(value: string): string {
  return value
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]/gi, '.')
    .replace(/\[:\]/g, ':')
    .replace(/^hxxp/i, 'http');
}

const HEX_LENGTH: Partial<Record<IndicatorType, number>> = { sha256: 64, sha1: 40, md5: 32 };

/**
 * Maps a publisher's type and value to the table's (type, value), or explains why not.
 * Pure; used by every feed reader.
 */
export function normalizeIndicator(rawType: string, rawValue: string): { type: IndicatorType; value: string } | { error: string } {
  const type = TYPE_ALIASES[rawType.trim().toLowerCase()];
  if (!type) return { error: `unknown indicator type "${rawType}"` };
  let v = rawValue.trim();
  if (!v) return { error: `empty ${type} value` };
  switch (type) {
    case 'sha256':
    case 'sha1':
    case 'md5': {
      v = v.toLowerCase();
      const n = HEX_LENGTH[type]!;
      if (!new RegExp(`^[0-9a-f]{${n}}$`).test(v)) return { error: `${type} must be ${n} hex digits, got "${rawValue}"` };
      return { type, value: v };
    }
    case 'ip': {
      v = refang(v);
      // Drop leading zeros of a published IPv4 (010.1.2.3 is meant as 10.1.2.3), then the logs' matching form
      // (src/core/ip-address.ts): 2001:DB8:0::1 joins with 2001:db8::1 as logged, ::ffff:a.b.c.d with a.b.c.d.
      const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
      if (v4)
        v = v4
          .slice(1)
          .map((o) => String(Number(o)))
          .join('.');
      const ip = normalizeIp(v);
      return ip === null ? { error: `bad IP address "${rawValue}"` } : { type, value: ip };
    }
    case 'domain': {
      v = refang(v).toLowerCase().replace(/\.$/, '');
      if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/.test(v)) return { error: `bad domain "${rawValue}"` };
      return { type, value: v };
    }
    case 'filepath':
    case 'filename':
      return { type, value: v.toLowerCase() };
    case 'user_agent':
      // Published UA IOCs are in the IIS log form, spaces written as '+'; hunts compare replace(user_agent, ' ', '+').
      return { type, value: v.replace(/ /g, '+') };
    case 'url_path': {
      v = refang(v);
      if (/^https?:\/\//i.test(v)) {
        try {
          v = new URL(v).pathname;
        } catch (cause) {
          return { error: `bad URL "${rawValue}": ${(cause as Error).message}` };
        }
      }
      return { type, value: v.toLowerCase() };
    }
  }
}

/**
 * RFC 4180 CSV records (quoted fields, doubled quotes, CR/LF, BOM), each with the
 * line it starts on (1-based), read by csv-parse. Line breaks are made `\n` first so that a feed mixing CRLF and LF
 * reads the same and line numbers count every break. A record csv-parse cannot read (a quote never closed) goes to
 * `onError` with its line and reason; the other records are kept.
 */
export function parseCsv(text: string, onError?: (line: number, reason: string) => void): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  const records = parseCsvSync(text.replace(/\r\n?/g, '\n'), {
    bom: true,
    info: true,
    record_delimiter: '\n',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      onError?.(typeof err?.lines === 'number' ? err.lines : 0, `unreadable CSV record: ${err?.message}`);
      return undefined;
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  for (const { record, info } of records) {
    // csv-parse counts lines up to the record's end; quoted fields may span lines.
    const breaks = record.reduce((n, f) => n + f.split('\n').length - 1, 0);
    out.push({ fields: record, line: info.lines - breaks });
  }
  return out;
}

const nz = (v: string | undefined | null): string | null => (v === undefined || v === null || v.trim() === '' ? null : v.trim());

function headerKey(fields: string[]): string {
  return fields.map((f) => f.trim().toLowerCase()).join(',');
}

/** Reads one CSV feed (format chosen by its header). */
function parseCsvFeed(file: string, text: string): IndicatorFileResult {
  const rows: IndicatorRow[] = [];
  const rejects: IndicatorReject[] = [];
  const records = parseCsv(text, (line, reason) => rejects.push({ file, location: `line ${line}`, reason }));
  if (records.length === 0)
    return { file, format: null, rows, rejects: rejects.length ? rejects : [{ file, location: 'file', reason: 'empty file' }] };
  const header = records[0].fields.map((f) => f.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  let format: FeedFormat;
  let read: (f: string[]) => {
    type: string;
    value: string;
    source: string;
    reference: string | null;
    first_seen: string | null;
    description: string | null;
  };
  if (col('indicator') >= 0 || (col('ioc') >= 0 && col('type') >= 0 && col('tlp') >= 0)) {
    // MSTIC: DateAdded,FirstSeen,Indicator,IndicatorType,TLP (or DateAdded,IoC,Type,TLP,Release).
    format = 'mstic_csv';
    const vi = col('indicator') >= 0 ? col('indicator') : col('ioc');
    const ti = col('indicatortype') >= 0 ? col('indicatortype') : col('type');
    const fi = col('firstseen');
    const di = col('dateadded');
    const tlp = col('tlp');
    read = (f) => ({
      type: f[ti] ?? '',
      value: f[vi] ?? '',
      source: 'MSTIC',
      reference: MSTIC_REFERENCE,
      first_seen: nz(f[fi]) ?? nz(f[di]),
      description:
        [nz(f[tlp]) ? `TLP:${f[tlp].trim()}` : null, nz(f[di]) ? `date added ${f[di].trim()}` : null].filter(Boolean).join('; ') || null,
    });
  } else if (headerKey(records[0].fields).startsWith('value,type,notes')) {
    format = 'volexity_csv';
    read = (f) => ({
      type: f[1] ?? '',
      value: f[0] ?? '',
      source: 'Volexity',
      reference: VOLEXITY_REFERENCE,
      first_seen: null,
      description: nz(f[2]),
    });
  } else if (['type', 'value', 'source', 'reference', 'first_seen', 'description'].every((n) => col(n) >= 0)) {
    format = 'canonical_csv';
    read = (f) => ({
      type: f[col('type')] ?? '',
      value: f[col('value')] ?? '',
      source: (f[col('source')] ?? '').trim(),
      reference: nz(f[col('reference')]),
      first_seen: nz(f[col('first_seen')]),
      description: nz(f[col('description')]),
    });
  } else {
    return {
      file,
      format: null,
      rows,
      rejects: [{ file, location: 'line 1', reason: `unknown CSV header "${records[0].fields.join(',')}"` }],
    };
  }
  for (const rec of records.slice(1)) {
    if (rec.fields.length === 1 && rec.fields[0].trim() === '') continue;
    const r = read(rec.fields);
    if (!r.source) {
      rejects.push({ file, location: `line ${rec.line}`, reason: 'missing source' });
      continue;
    }
    const n = normalizeIndicator(r.type, r.value);
    if ('error' in n) {
      rejects.push({ file, location: `line ${rec.line}`, reason: n.error });
      continue;
    }
    rows.push({
      type: n.type,
      value: n.value,
      source: r.source,
      reference: r.reference,
      first_seen: r.first_seen,
      description: r.description,
    });
  }
  return { file, format, rows, rejects };
}

/** STIX object path (`ipv4-addr:value`, `file:hashes.'SHA-256'`) -> table type. */
function stixPathType(objectPath: string): IndicatorType | null {
  const p = objectPath.replace(/\s+/g, '').toLowerCase().replace(/["']/g, '');
  switch (p) {
    case 'ipv4-addr:value':
    case 'ipv6-addr:value':
      return 'ip';
    case 'domain-name:value':
      return 'domain';
    case 'url:value':
      return 'url_path';
    case 'file:name':
      return 'filename';
    case 'file:hashes.sha-256':
    case 'file:hashes.sha256':
      return 'sha256';
    case 'file:hashes.sha-1':
    case 'file:hashes.sha1':
      return 'sha1';
    case 'file:hashes.md5':
      return 'md5';
    default:
      return null;
  }
}

/**
 * Parses a STIX 2.1 pattern made of `[path = 'v' OR path = 'v' ...]` observation
 * expressions joined by OR. Returns the (path, value) comparisons, or an error naming
 * what is not supported (AND, other operators, qualifiers, FOLLOWEDBY ...).
 */
export function parseStixPattern(pattern: string): { comparisons: { path: string; value: string }[] } | { error: string } {
  const comparisons: { path: string; value: string }[] = [];
  let i = 0;
  const s = pattern;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const keyword = (): string => {
    ws();
    const m = /^[A-Za-z]+/.exec(s.slice(i));
    return m ? m[0] : '';
  };
  let expectObservation = true;
  while (true) {
    ws();
    if (i >= s.length) break;
    if (expectObservation) {
      if (s[i] !== '[') return { error: `unsupported pattern (expected "[" at ${i}): ${pattern}` };
      i++;
      let expectComparison = true;
      while (true) {
        ws();
        if (expectComparison) {
          const m =
            /^([a-z0-9-]+:[A-Za-z0-9_.'"-]+)\s*(=|!=|>=|<=|>|<|\bMATCHES\b|\bLIKE\b|\bIN\b|\bISSUBSET\b|\bISSUPERSET\b|\bEXISTS\b)\s*/i.exec(
              s.slice(i),
            );
          if (!m) return { error: `unsupported pattern (expected a comparison at ${i}): ${pattern}` };
          if (m[2] !== '=') return { error: `unsupported operator "${m[2]}" (only = is supported): ${pattern}` };
          i += m[0].length;
          if (s[i] !== "'") return { error: `unsupported pattern (expected a quoted string at ${i}): ${pattern}` };
          i++;
          let v = '';
          while (i < s.length && s[i] !== "'") {
            if (s[i] === '\\' && i + 1 < s.length) {
              v += s[i + 1];
              i += 2;
            } else v += s[i++];
          }
          if (s[i] !== "'") return { error: `unterminated string in pattern: ${pattern}` };
          i++;
          comparisons.push({ path: m[1], value: v });
          expectComparison = false;
          continue;
        }
        if (i >= s.length) return { error: `unterminated observation (missing "]"): ${pattern}` };
        if (s[i] === ']') {
          i++;
          break;
        }
        const k = keyword();
        if (k.toUpperCase() === 'OR') {
          i += 2;
          expectComparison = true;
          continue;
        }
        return { error: `unsupported pattern ("${k || s[i]}" inside an observation; only OR is supported): ${pattern}` };
      }
      expectObservation = false;
      continue;
    }
    const k = keyword();
    if (k.toUpperCase() === 'OR') {
      i += 2;
      expectObservation = true;
      continue;
    }
    return { error: `unsupported pattern ("${k || s[i]}" between observations; only OR is supported): ${pattern}` };
  }
  if (expectObservation || comparisons.length === 0) return { error: `incomplete pattern: ${pattern}` };
  return { comparisons };
}

interface StixObject {
  type?: string;
  id?: string;
  [k: string]: unknown;
}

function parseStixBundle(file: string, bundle: { objects?: unknown }): IndicatorFileResult {
  const rows: IndicatorRow[] = [];
  const rejects: IndicatorReject[] = [];
  const objects = Array.isArray(bundle.objects) ? (bundle.objects as StixObject[]) : [];
  const identities = new Map<string, string>();
  for (const o of objects)
    if (o && o.type === 'identity' && typeof o.id === 'string' && typeof o.name === 'string') identities.set(o.id, o.name);
  for (const o of objects) {
    if (!o || o.type !== 'indicator') continue;
    const where = `object ${String(o.id ?? '(no id)')}`;
    if (o.revoked === true) {
      rejects.push({ file, location: where, reason: 'revoked indicator skipped' });
      continue;
    }
    if (o.pattern_type !== undefined && o.pattern_type !== 'stix') {
      rejects.push({ file, location: where, reason: `unsupported pattern_type "${String(o.pattern_type)}"` });
      continue;
    }
    if (typeof o.pattern !== 'string') {
      rejects.push({ file, location: where, reason: 'indicator without a pattern' });
      continue;
    }
    const parsed = parseStixPattern(o.pattern);
    if ('error' in parsed) {
      rejects.push({ file, location: where, reason: parsed.error });
      continue;
    }
    const refs = Array.isArray(o.external_references)
      ? (o.external_references as { url?: string; source_name?: string; external_id?: string }[])
      : [];
    const ref = refs.find((r) => r.url)?.url ?? (refs[0] ? [refs[0].source_name, refs[0].external_id].filter(Boolean).join(' ') : null);
    const source = (typeof o.created_by_ref === 'string' && identities.get(o.created_by_ref)) || `STIX ${path.basename(file)}`;
    const description = (typeof o.description === 'string' && o.description) || (typeof o.name === 'string' && o.name) || null;
    for (const c of parsed.comparisons) {
      const t = stixPathType(c.path);
      if (!t) {
        rejects.push({ file, location: where, reason: `unsupported object path "${c.path}"` });
        continue;
      }
      const n = normalizeIndicator(t, c.value);
      if ('error' in n) {
        rejects.push({ file, location: where, reason: n.error });
        continue;
      }
      rows.push({
        type: n.type,
        value: n.value,
        source,
        reference: ref || `${path.basename(file)}#${String(o.id)}`,
        first_seen: typeof o.valid_from === 'string' ? o.valid_from : null,
        description,
      });
    }
  }
  return { file, format: 'stix21', rows, rejects };
}

/** MSTIC JSON twin: array of {DateAdded, FirstSeen, Indicator, IndicatorType, TLP, AdditionalMetadata{FileMd5, FileSha1}}. */
function parseMsticJson(file: string, items: unknown[]): IndicatorFileResult {
  const rows: IndicatorRow[] = [];
  const rejects: IndicatorReject[] = [];
  items.forEach((raw, idx) => {
    const o = (raw ?? {}) as Record<string, unknown>;
    const where = `item ${idx + 1}`;
    const base = {
      source: 'MSTIC',
      reference: MSTIC_REFERENCE,
      first_seen: nz(o.FirstSeen as string) ?? nz(o.DateAdded as string),
      description:
        [o.TLP ? `TLP:${String(o.TLP)}` : null, o.DateAdded ? `date added ${String(o.DateAdded)}` : null].filter(Boolean).join('; ') ||
        null,
    };
    const n = normalizeIndicator(String(o.IndicatorType ?? o.Type ?? ''), String(o.Indicator ?? o.IoC ?? ''));
    if ('error' in n) rejects.push({ file, location: where, reason: n.error });
    else rows.push({ ...n, ...base });
    const meta = (o.AdditionalMetadata ?? {}) as Record<string, unknown>;
    for (const [k, t] of [
      ['FileMd5', 'md5'],
      ['FileSha1', 'sha1'],
    ] as const) {
      if (!nz(meta[k] as string)) continue;
      const m = normalizeIndicator(t, String(meta[k]));
      if ('error' in m) rejects.push({ file, location: where, reason: `${k}: ${m.error}` });
      else rows.push({ ...m, ...base, description: [base.description, `${k} of ${String(o.Indicator ?? '')}`].filter(Boolean).join('; ') });
    }
  });
  return { file, format: 'mstic_json', rows, rejects };
}

/**
 * Reads one feed file's text. `file` names it in rejects and picks CSV or JSON by
 * extension. Pure: no I/O.
 */
export function parseIndicatorFile(file: string, text: string): IndicatorFileResult {
  const lower = file.toLowerCase();
  if (lower.endsWith('.json')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (cause) {
      return { file, format: null, rows: [], rejects: [{ file, location: 'file', reason: `invalid JSON: ${(cause as Error).message}` }] };
    }
    if (doc && typeof doc === 'object' && (doc as StixObject).type === 'bundle') return parseStixBundle(file, doc as { objects?: unknown });
    if (Array.isArray(doc)) return parseMsticJson(file, doc);
    return {
      file,
      format: null,
      rows: [],
      rejects: [{ file, location: 'file', reason: 'JSON is neither a STIX bundle nor an MSTIC feed array' }],
    };
  }
  return parseCsvFeed(file, text);
}

/** Keeps one row per (type, value, source); merges distinct descriptions. */
export function dedupeIndicators(rows: readonly IndicatorRow[]): IndicatorRow[] {
  const byKey = new Map<string, IndicatorRow>();
  for (const r of rows) {
    const key = `${r.type}\u0000${r.value}\u0000${r.source}`;
    const seen = byKey.get(key);
    if (!seen) {
      byKey.set(key, { ...r });
      continue;
    }
    if (r.description && !(seen.description ?? '').split('; ').includes(r.description)) {
      seen.description = seen.description ? `${seen.description}; ${r.description}` : r.description;
    }
    seen.first_seen = seen.first_seen ?? r.first_seen;
    seen.reference = seen.reference ?? r.reference;
  }
  return [...byKey.values()];
}

/**
 * Loads every `*.csv` and `*.json` feed in `dir` (not recursive; README and other
 * files are ignored) into deduplicated `indicators` rows, in file-name order.
 * Throws {@link IndicatorLoadError} only when the directory itself cannot be read.
 */
export async function loadIndicators(dir: string): Promise<IndicatorSet> {
  let names: string[];
  try {
    names = (await fs.readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isFile())
      .map((d) => d.name)
      .sort();
  } catch (cause) {
    throw new IndicatorLoadError(`cannot read indicator directory "${dir}": ${(cause as Error).message}`, { cause });
  }
  const all: IndicatorRow[] = [];
  const rejects: IndicatorReject[] = [];
  const files: IndicatorSet['files'] = [];
  for (const name of names) {
    if (!/\.(csv|json)$/i.test(name)) continue;
    let result: IndicatorFileResult;
    try {
      result = parseIndicatorFile(name, await fs.readFile(path.join(dir, name), 'utf8'));
    } catch (cause) {
      result = {
        file: name,
        format: null,
        rows: [],
        rejects: [{ file: name, location: 'file', reason: `unreadable: ${(cause as Error).message}` }],
      };
    }
    all.push(...result.rows);
    rejects.push(...result.rejects);
    files.push({ file: name, format: result.format, rows: result.rows.length, rejects: result.rejects.length });
  }
  return { rows: dedupeIndicators(all), rejects, files };
}
