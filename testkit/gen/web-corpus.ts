/**
 * A deterministic corpus of gzip'd IIS and HttpProxy logs for the benchmarks, cached on disk: one 64 MiB (raw)
 * file at a time, alternating IIS and HttpProxy and two hosts, each file covering its own stretch of days
 * (~4 requests/s for IIS and ~1.5/s for HttpProxy per server).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { httpProxyLog, iisLog } from './exchange-logs';
import { writeGz } from './write-gz';

const FILE_RAW = 64 * 1024 * 1024;

export interface WebCorpus {
  files: string[];
  rawBytes: number;
  gzBytes: number;
}

export interface WebCorpusOptions {
  /** Seed of the first file (file i uses seedBase + i). */
  readonly seedBase: number;
  /** Subfolder of `dir` that holds the logs. @default - `dir` itself */
  readonly logsSubdir?: string;
  /** First day of the logs (UTC). @default '2021-01-03' */
  readonly start?: string;
  /** Client population of every file (see GenOptions.clients). @default - a random address per request */
  readonly clients?: number;
}

/** Generates (or reuses, from `dir/corpus.json`) about `rawTotal` bytes of raw logs under `dir`. */
export async function generateWebCorpus(dir: string, rawTotal: number, opts: WebCorpusOptions): Promise<WebCorpus> {
  const metaFile = path.join(dir, 'corpus.json');
  if (fs.existsSync(metaFile)) return JSON.parse(fs.readFileSync(metaFile, 'utf8')) as WebCorpus;
  fs.rmSync(dir, { recursive: true, force: true });
  const files: string[] = [];
  let raw = 0;
  const start = Date.parse(`${opts.start ?? '2021-01-03'}T00:00:00Z`);
  for (let i = 0; raw < rawTotal; i++) {
    const host = i % 4 < 2 ? 'EXCH01' : 'EXCH02';
    const kind = i % 2 === 0 ? 'iis' : 'httpproxy';
    const want = Math.min(FILE_RAW, rawTotal - raw);
    const gen = {
      seed: opts.seedBase + i,
      host,
      start: start + Math.floor(i / 4) * 3 * 86_400_000,
      stepMs: kind === 'iis' ? 250 : 650,
      clients: opts.clients,
    };
    const rel =
      kind === 'iis'
        ? `${host}/inetpub/logs/LogFiles/W3SVC1/u_ex_${String(i).padStart(4, '0')}.log.gz`
        : `${host}/Logging/HttpProxy/Owa/HttpProxy_${String(i).padStart(4, '0')}.LOG.gz`;
    const file = path.join(dir, opts.logsSubdir ?? '', rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    raw += await writeGz(file, kind === 'iis' ? iisLog(gen, want) : httpProxyLog(gen, want));
    files.push(file);
    process.stdout.write(`\rgenerating: ${(raw / 1e6).toFixed(0)} / ${(rawTotal / 1e6).toFixed(0)} MB`);
  }
  process.stdout.write('\n');
  const corpus = { files, rawBytes: raw, gzBytes: files.reduce((s, f) => s + fs.statSync(f).size, 0) };
  fs.writeFileSync(metaFile, JSON.stringify(corpus));
  return corpus;
}

/** `--clients=N` among the benchmark's arguments (a positive integer), or undefined. */
export function clientsArg(args: string[]): number | undefined {
  const v = benchArg(args, 'clients');
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--clients must be a positive integer, got ${v}`);
  return n;
}

/** The value of `--name=value` among the benchmark's arguments. */
export function benchArg(args: string[], name: string): string | undefined {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : undefined;
}
