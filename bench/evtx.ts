/**
 * `npm run bench -- evtx`: python-evtx (the reference) against our reader over
 * the shared corpus of real .evtx files, in the same run.
 *
 * Reference: one Python process renders every record to XML (record.xml(),
 * exactly what evtx_dump.py does per record, without 277 interpreter starts).
 * Ours: readEvtx over a file stream per file, each record turned into its
 * windows_events row (what ingestion does), first run (cold) and best of 3.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { readEvtx, toWindowsEvent } from '../src/formats/evtx';
import { windowsEventRow } from '../src/formats/windows/event-row';
import { CORPUS_DIR, corpusFiles, findReferencePython } from '../test/evtx/reference';

const PY = `
import sys, time
import Evtx.Evtx as evtx
files = [p for p in sys.stdin.read().split('\\n') if p]
t = time.perf_counter()
c = time.process_time()
n = 0
for p in files:
    with evtx.Evtx(p) as log:
        for r in log.records():
            r.xml()
            n += 1
print(n, time.perf_counter() - t, time.process_time() - c)
`;

async function ours(files: string[]): Promise<{ records: number; seconds: number; cpu: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let records = 0;
  let bytes = 0;
  for (const f of files) {
    bytes += fs.statSync(f).size;
    await readEvtx(fs.createReadStream(f, { highWaterMark: 1 << 16 }), (r) => {
      windowsEventRow(toWindowsEvent(r), null);
      records++;
    });
  }
  const c = process.cpuUsage(c0);
  return { records, seconds: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6, bytes };
}

export async function run(args: string[]): Promise<void> {
  const files = corpusFiles();
  if (!files.length) {
    process.stdout.write(`skipped: no corpus at ${CORPUS_DIR}\n`);
    return;
  }
  const runs = Number(args.find((a) => a.startsWith('--runs='))?.slice(7) ?? 3);
  const cold = await ours(files);
  let best = cold;
  for (let i = 1; i < runs; i++) {
    const r = await ours(files);
    if (r.seconds < best.seconds) best = r;
  }
  const mb = cold.bytes / 1048576;
  process.stdout.write(
    `ours:      ${cold.records} records from ${files.length} files (${mb.toFixed(1)} MiB): cold ${cold.seconds.toFixed(2)} s (cpu ${cold.cpu.toFixed(2)} s), ` +
      `best of ${runs} ${best.seconds.toFixed(2)} s (cpu ${best.cpu.toFixed(2)} s, ${(mb / best.seconds).toFixed(0)} MiB/s)\n`,
  );

  const ref = findReferencePython();
  if ('missing' in ref) {
    process.stdout.write(`reference skipped: ${ref.missing}\n`);
    return;
  }
  const t0 = Date.now();
  const res = spawnSync(ref.python, ['-W', 'ignore', '-c', PY], { input: files.join('\n'), encoding: 'utf8', maxBuffer: 1 << 20 });
  const wall = (Date.now() - t0) / 1000;
  if (res.status !== 0) throw new Error(`python-evtx failed: ${res.stderr}`);
  const [n, secs, cpu] = res.stdout.trim().split(/\s+/).map(Number);
  process.stdout.write(`reference: python-evtx ${n} records in ${secs.toFixed(2)} s (cpu ${cpu.toFixed(2)} s; ${wall.toFixed(2)} s with interpreter start)\n`);
  // CPU time is the fairer ratio on a shared machine: wall time depends on what else runs at that moment.
  process.stdout.write(`ratio:     cpu ${(cpu / best.cpu).toFixed(0)}x faster than python-evtx (best run), ${(cpu / cold.cpu).toFixed(0)}x (cold run); wall ${(secs / best.seconds).toFixed(0)}x / ${(secs / cold.seconds).toFixed(0)}x\n`);
  if (n !== cold.records) process.stdout.write(`WARNING: record counts differ (${cold.records} vs ${n})\n`);
}
