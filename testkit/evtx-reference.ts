/**
 * The python-evtx side of the record-for-record comparison: finds the
 * reference (evtx_dump.py from the Debian package python3-evtx) and the shared
 * corpus, runs testkit/evtx-reference-dump.py over the files on N processes, and
 * compares its records with ours.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EvtxRecord } from '../src/formats/evtx';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const CORPUS_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'data', 'evtx-attack-samples');

/** One record as the reference printed it (see evtx-reference-dump.py). */
export interface RefRecord {
  file: string;
  chunk: number;
  record?: number;
  event_id?: string | null;
  qualifiers?: string | null;
  provider?: string | null;
  level?: string | null;
  time?: string | null;
  record_id?: string | null;
  channel?: string | null;
  computer?: string | null;
  user_sid?: string | null;
  pid?: string | null;
  tid?: string | null;
  data?: Record<string, string>;
  /** python-evtx could not render this record. */
  error?: string;
  /** Its XML did not parse back (e.g. a NUL inside a value). */
  xml_error?: string;
  chunk_error?: string;
  file_error?: string;
}

/** All .evtx files under the corpus, sorted; empty when the corpus is absent. */
export function corpusFiles(dir = CORPUS_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.toLowerCase().endsWith('.evtx')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The Python interpreter that has python-evtx (the one named in evtx_dump.py's
 * shebang, which may differ from `python3` on PATH), or null with the reason.
 */
export function findReferencePython(): { python: string } | { missing: string } {
  let dump: string;
  try {
    dump = execFileSync('sh', ['-c', 'command -v evtx_dump.py'], { encoding: 'utf8' }).trim();
  } catch {
    return { missing: 'evtx_dump.py (python3-evtx) is not installed: apt-get install -y python3-evtx' };
  }
  const first = fs.readFileSync(dump, 'utf8').split('\n')[0];
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
  const python = m ? (m[1].endsWith('/env') && m[2] ? m[2] : m[1]) : 'python3';
  try {
    execFileSync(python, ['-c', 'import Evtx.Evtx'], { stdio: 'ignore' });
  } catch {
    return { missing: `${python} cannot import Evtx (python-evtx)` };
  }
  return { python };
}

const live = new Set<ChildProcess>();

/** Stops reference processes still running (a test that timed out must not leave them behind). */
export function stopReference(): void {
  for (const c of live) c.kill();
  live.clear();
}

/**
 * Identity of the reference code: python-evtx's sources and evtx-reference-dump.py.
 * Cached reference output is only reused for the same files under the same code.
 */
function referenceIdentity(python: string): string {
  const dir = execFileSync(python, ['-c', 'import Evtx, os; print(os.path.dirname(Evtx.__file__))'], { encoding: 'utf8' }).trim();
  const h = createHash('sha256');
  for (const f of fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.py'))
    .sort())
    h.update(f).update(fs.readFileSync(path.join(dir, f)));
  h.update(fs.readFileSync(path.join(__dirname, 'evtx-reference-dump.py')));
  return h.digest('hex').slice(0, 16);
}

/** Where reference output is kept between runs on this machine (outside the repository). */
export const REFERENCE_CACHE = path.join(os.tmpdir(), 'hafnium-sweep-evtx-reference');

/**
 * Runs the reference over `files` on `procs` processes; records grouped by
 * file, in file order. Output per file is cached under {@link REFERENCE_CACHE}
 * keyed by the file's SHA-256 and the reference's identity, so a second run on
 * the same machine does not wait for Python again (`cache: false` to force).
 */
export async function runReference(python: string, files: string[], procs = 2, cache = true): Promise<Map<string, RefRecord[]>> {
  const byFile = new Map<string, RefRecord[]>(files.map((f) => [f, []]));
  const ident = cache ? referenceIdentity(python) : '';
  const keyOf = (f: string) =>
    path.join(REFERENCE_CACHE, `${ident}-${createHash('sha256').update(fs.readFileSync(f)).digest('hex')}.jsonl`);
  const todo: string[] = [];
  for (const f of files) {
    const key = cache ? keyOf(f) : '';
    if (cache && fs.existsSync(key)) {
      for (const line of fs.readFileSync(key, 'utf8').split('\n'))
        if (line) byFile.get(f)!.push({ ...(JSON.parse(line) as RefRecord), file: f });
    } else {
      todo.push(f);
    }
  }
  if (!todo.length) return byFile;
  const script = path.join(__dirname, 'evtx-reference-dump.py');
  // Deal files by size so the processes get similar work.
  const sized = todo.map((f) => ({ f, s: fs.statSync(f).size })).sort((a, b) => b.s - a.s);
  const groups: string[][] = Array.from({ length: procs }, () => []);
  const load = new Array(procs).fill(0);
  for (const { f, s } of sized) {
    const i = load.indexOf(Math.min(...load));
    groups[i].push(f);
    load[i] += s;
  }
  const outputs = await Promise.all(
    groups
      .filter((g) => g.length)
      .map(
        (g) =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(python, ['-W', 'ignore', script], { stdio: ['pipe', 'pipe', 'pipe'] });
            live.add(child);
            const chunks: Buffer[] = [];
            let err = '';
            child.stdout.on('data', (b: Buffer) => chunks.push(b));
            child.stderr.on('data', (b: Buffer) => (err += b.toString()));
            child.on('error', reject);
            child.on('close', (code) => {
              live.delete(child);
              if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
              else reject(new Error(`evtx-reference-dump.py exited ${code}: ${err}`));
            });
            child.stdin.end(g.join('\n') + '\n');
          }),
      ),
  );
  const fresh = new Map<string, string[]>(todo.map((f) => [f, []]));
  for (const out of outputs) {
    for (const line of out.split('\n')) {
      if (!line) continue;
      const r = JSON.parse(line) as RefRecord;
      byFile.get(r.file)?.push(r);
      fresh.get(r.file)?.push(line);
    }
  }
  if (cache) {
    fs.mkdirSync(REFERENCE_CACHE, { recursive: true });
    for (const [f, lines] of fresh) fs.writeFileSync(keyOf(f), lines.map((l) => `${l}\n`).join(''));
  }
  return byFile;
}

// What survives python-evtx's XML escaping and an XML parser: control characters
// are dropped, line ends normalized; attribute values also have tabs/newlines as spaces.
const RESTRICTED = /[\x01-\x08\x0B\x0C\x0E-\x1F\x7F]/g;
export function asXmlText(s: string | null): string | null {
  return s === null ? null : s.replace(RESTRICTED, '').replace(/\r\n?/g, '\n');
}
export function asXmlAttr(s: string | null): string | null {
  const t = asXmlText(s);
  return t === null ? null : t.replace(/[\t\n]/g, ' ');
}

const str = (n: number | null) => (n === null ? null : String(n));
const emptyToNull = (s: string | null | undefined) => (s === undefined || s === null || s === '' ? null : s);

/** The differences between one of our records and the reference's, as "field: ours !== theirs" lines. */
export function diffRecord(mine: EvtxRecord, ref: RefRecord): string[] {
  const out: string[] = [];
  const cmp = (field: string, ours: string | null, theirs: string | null | undefined) => {
    if (emptyToNull(ours) !== emptyToNull(theirs)) out.push(`${field}: ${JSON.stringify(ours)} !== ${JSON.stringify(theirs)}`);
  };
  cmp('record', str(mine.recordNumber), ref.record === undefined ? null : String(ref.record));
  if (ref.error || ref.xml_error) return out; // the reference has no fields for this record
  cmp('event_id', str(mine.eventId), ref.event_id);
  cmp('qualifiers', str(mine.qualifiers), ref.qualifiers);
  cmp('provider', asXmlAttr(mine.provider), ref.provider);
  cmp('level', str(mine.level), ref.level);
  cmp('time', mine.timeCreated, ref.time);
  cmp('record_id', str(mine.recordId), ref.record_id);
  cmp('channel', asXmlText(mine.channel), ref.channel);
  cmp('computer', asXmlText(mine.computer), ref.computer);
  cmp('user_sid', mine.userSid, ref.user_sid);
  cmp('pid', str(mine.processId), ref.pid);
  cmp('tid', str(mine.threadId), ref.tid);
  const ours: Record<string, string> = {};
  for (const [k, v] of Object.entries(mine.data)) ours[asXmlAttr(k)!] = asXmlText(v)!;
  const theirs = ref.data ?? {};
  for (const k of new Set([...Object.keys(ours), ...Object.keys(theirs)])) {
    if (ours[k] !== theirs[k])
      out.push(`data.${k}: ${JSON.stringify(ours[k])?.slice(0, 200)} !== ${JSON.stringify(theirs[k])?.slice(0, 200)}`);
  }
  return out;
}
