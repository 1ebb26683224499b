/**
 * `npm run bench -- ingest [--size=500MB] [--archive] [--keep]`
 *
 * Normalizing gzip'd IIS and HttpProxy logs end to end (read, inflate, parse,
 * write Parquet) against `zcat FILES | wc -l` on the same files, in the same
 * run (the machine is shared and noisy: the reference runs before and after,
 * and the ratio uses their mean). Prints the ratio (goal <= 3x), rows/s, peak
 * RSS (goal <= 512 MB), CPU seconds (how much of the second core compression used),
 * and the lake size against the raw and gzip sizes.
 *
 * --size=N     raw (uncompressed) log bytes to generate, half IIS, half HttpProxy (default 500MB; try 4GB)
 * --archive    pack the .gz files into one .tar upload (a single multi-GB archive) instead of a folder
 * --rowgroup=N rows per Parquet row group (default: the writer's default)
 * --compression=snappy|gzip|zstd  Parquet page codec (default: the writer's default; zstd needs Node >= 22.15)
 * --gzip=N     zlib level of GZIP pages (default: the writer's default)
 * --zstd=N     ZSTD level of ZSTD pages (default: the writer's default)
 * --clients=N  client addresses from a population of N clients (default: a random address per request)
 * --no-iis-kernel  read IIS logs with the JS parser alone (to compare with the WebAssembly kernel)
 * --one-core   run the whole benchmark (zcat and wc too) pinned to one CPU with taskset: the issue's "on one core"
 *              figure (without it, the page worker and inflating use the second core)
 * Generated logs are cached under .cache/bench-ingest/ (deterministic, reused).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { normalizeUpload } from '../src/pipeline';
import { parseSize } from '../src/cli/commands/normalize';
import { writeTar } from '../testkit/gen/write-gz';
import { benchArg as arg, clientsArg, generateWebCorpus } from '../testkit/gen/web-corpus';

async function timeZcat(files: string[]): Promise<{ secs: number; lines: number; cpu: number }> {
  const t0 = process.hrtime.bigint();
  const out = await new Promise<string>((resolve, reject) => {
    // bash's `time` on the pipeline gives the CPU seconds of zcat and wc (user + sys) on stdout's last line.
    const script = 'TIMEFORMAT="%3U %3S"; { time zcat -- "$@" | wc -l; } 2>&1';
    const child = spawn('bash', ['-c', script, '_', ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    child.stdout.on('data', (d: Buffer) => (s += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(s) : reject(new Error(`zcat | wc -l exited ${code}`))));
  });
  const [linesText, times] = out.trim().split('\n');
  const [user, sys] = (times ?? '0 0').split(' ').map(Number);
  return { secs: Number(process.hrtime.bigint() - t0) / 1e9, lines: Number(linesText.trim()), cpu: user + sys };
}

function duBytes(dir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const st = fs.statSync(path.join(dir, f));
    if (st.isFile()) n += st.size;
  }
  return n;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** Env var set on the re-run pinned to one CPU by --one-core. */
const PINNED_ENV = 'SWEEP_BENCH_PINNED_CPU';

/**
 * --one-core: runs this same command again under `taskset -c <cpu>` (the first CPU this process may use), so that
 * every thread (JS, page worker, zlib's pool) and the zcat reference share one core. Resolves when it has finished.
 */
async function rerunOnOneCore(args: string[]): Promise<void> {
  const allowed = /Cpus_allowed_list:\s*(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  const cpu = allowed ? allowed[1] : '0';
  if (spawnSync('taskset', ['-c', cpu, 'true']).status !== 0)
    throw new Error('--one-core needs taskset (util-linux) and Linux CPU affinity');
  await new Promise<void>((resolve, reject) => {
    // `npm run bench -- ingest <the same flags>`, whatever other benchmarks this run was given.
    const command = [process.execPath, path.resolve('bin/run-ts.js'), path.resolve('bench/run.ts'), 'ingest', ...args];
    const child = spawn('taskset', ['-c', cpu, ...command], { stdio: 'inherit', env: { ...process.env, [PINNED_ENV]: cpu } });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`the run pinned to CPU ${cpu} exited ${code}`))));
  });
}

/** Runs the benchmark. */
export async function run(args: string[]): Promise<void> {
  if (args.includes('--one-core') && !process.env[PINNED_ENV]) return rerunOnOneCore(args);
  const pinned = process.env[PINNED_ENV];
  if (pinned) process.stdout.write(`pinned to CPU ${pinned} (--one-core): every thread and the zcat reference share it\n`);
  const sizeArg = arg(args, 'size') ?? '500MB';
  const rawTotal = parseSize('--size', sizeArg);
  const clients = clientsArg(args);
  const cacheDir = path.resolve('.cache', 'bench-ingest', `${sizeArg.toLowerCase()}${clients ? `-clients${clients}` : ''}`);
  const corpus = await generateWebCorpus(cacheDir, rawTotal, { seedBase: 1000, clients });
  let inputs = corpus.files;
  if (args.includes('--archive')) {
    const tar = path.join(cacheDir, 'upload.tar');
    if (!fs.existsSync(tar))
      await writeTar(
        tar,
        corpus.files.map((f) => ({ name: path.relative(cacheDir, f), path: f })),
      );
    inputs = [tar];
  }
  const rowGroup = arg(args, 'rowgroup');
  const gzipLevel = arg(args, 'gzip');
  const zstdLevel = arg(args, 'zstd');
  const compression = arg(args, 'compression');
  if (compression !== undefined && compression !== 'snappy' && compression !== 'gzip' && compression !== 'zstd')
    throw new Error(`--compression must be snappy, gzip or zstd, got ${compression}`);
  process.stdout.write(
    `corpus: ${corpus.files.length} files, ${mb(corpus.rawBytes)} raw, ${mb(corpus.gzBytes)} gzip; input: ${inputs.length === 1 ? 'one .tar archive' : 'the .gz files'}\n`,
  );

  const ref1 = await timeZcat(corpus.files);
  process.stdout.write(`zcat | wc -l: ${ref1.secs.toFixed(2)} s wall, ${ref1.cpu.toFixed(2)} s CPU (${ref1.lines} lines)\n`);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-'));
  let peakRss = process.memoryUsage().rss;
  let peakHeap = 0;
  let peakExternal = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapTotal);
    peakExternal = Math.max(peakExternal, m.external);
  };
  const sampler = setInterval(sample, 50);
  try {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const { manifest, stats } = await normalizeUpload({
      inputs,
      agency: 'bench',
      uploadId: 'up-bench',
      lakeRoot: path.join(work, 'root'),
      tmpDir: path.join(work, 'tmp'),
      iisKernel: !args.includes('--no-iis-kernel'),
      writer: {
        ...(rowGroup ? { rowGroupRows: Number(rowGroup) } : {}),
        ...(gzipLevel ? { gzipLevel: Number(gzipLevel) } : {}),
        ...(zstdLevel ? { zstdLevel: Number(zstdLevel) } : {}),
        ...(compression ? { compression } : {}),
      },
      onProgress: sample,
    });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    const ref2 = await timeZcat(corpus.files);
    const ref = (ref1.secs + ref2.secs) / 2;
    const lake = duBytes(path.join(work, 'root', 'lake'));
    const t = manifest.totals;
    process.stdout.write(`zcat | wc -l (again): ${ref2.secs.toFixed(2)} s wall, ${ref2.cpu.toFixed(2)} s CPU\n`);
    process.stdout.write(
      `normalize: ${secs.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU (all threads: JS, the page worker, inflating)\n`,
    );
    process.stdout.write(
      `  rows ${t.rows} (${Math.round(t.rows / secs)} rows/s, ${mb(corpus.rawBytes / secs)}/s raw), lines read ${t.lines_read}, rejected ${t.lines_rejected}, files ${t.entries_parsed}, partial ${t.entries_partial}, problems ${t.problems}\n`,
    );
    process.stdout.write(
      `  lake files: ${manifest.files.length}; row groups: ${stats.rowGroups}, handing them to the page worker took the JS thread ${(stats.encodeMs / 1000).toFixed(2)} s\n`,
    );
    const refCpu = (ref1.cpu + ref2.cpu) / 2;
    process.stdout.write(
      `RESULT ratio normalize / zcat|wc -l: ${(secs / ref).toFixed(2)}x wall${pinned ? ' on one core' : ''} (goal <= 3x); CPU seconds ${((cpu.user + cpu.system) / 1e6 / refCpu).toFixed(2)}x (zcat+wc ${refCpu.toFixed(2)} s)\n`,
    );
    process.stdout.write(
      `RESULT peak RSS: ${mb(peakRss)} sampled, ${mb(process.resourceUsage().maxRSS * 1024)} process max (goal <= 512 MB); JS heap peak ${mb(peakHeap)}, external ${mb(peakExternal)}; the rest is native (zlib, file buffers, code)\n`,
    );
    process.stdout.write(
      `RESULT lake size: ${mb(lake)} = ${((lake / corpus.rawBytes) * 100).toFixed(1)}% of raw, ${((lake / corpus.gzBytes) * 100).toFixed(1)}% of gzip\n`,
    );
    if (t.lines_read !== ref1.lines) process.stdout.write(`WARNING: lines read ${t.lines_read} != zcat lines ${ref1.lines}\n`);
  } finally {
    clearInterval(sampler);
    if (!args.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
    else process.stdout.write(`kept: ${work}\n`);
  }
}
