/**
 * `npm run bench -- evtx`: python-evtx (the reference) against our reader over
 * the shared corpus of real .evtx files, in the same run.
 *
 * Reference: one Python process renders every record to XML (record.xml(),
 * exactly what evtx_dump.py does per record, without 277 interpreter starts).
 * Ours: readEvtx over a file stream per file, to records (the work comparable
 * to python-evtx rendering XML): first run in the process (cold) and best of
 * 3; then also with each record turned into its windows_events row through
 * windowsEventRow (what ingestion does). Ratios are on CPU time (wall time on
 * a shared machine depends on what else runs at that moment), wall shown too.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { readEvtx, toWindowsEvent } from '../src/formats/evtx';
import { windowsEventRow } from '../src/formats/windows/event-row';
import { CORPUS_DIR, corpusFiles, findReferencePython } from '../testkit/evtx-reference';

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

interface Run {
  records: number;
  seconds: number;
  cpu: number;
  bytes: number;
}

async function ours(files: string[], rows: boolean): Promise<Run> {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let records = 0;
  let bytes = 0;
  for (const f of files) {
    bytes += fs.statSync(f).size;
    await readEvtx(fs.createReadStream(f, { highWaterMark: 1 << 16 }), (r) => {
      if (rows) windowsEventRow(toWindowsEvent(r), null);
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
  const bestOf = async (rows: boolean, first?: Run) => {
    let best = first ?? (await ours(files, rows));
    for (let i = 1; i < runs; i++) {
      const r = await ours(files, rows);
      if (r.cpu < best.cpu) best = r;
    }
    return best;
  };
  const cold = await ours(files, false);
  const best = await bestOf(false, cold);
  const rows = await bestOf(true);
  const mb = cold.bytes / 1048576;
  const fmt = (r: Run) => `${r.seconds.toFixed(2)} s (cpu ${r.cpu.toFixed(2)} s, ${(mb / r.seconds).toFixed(0)} MiB/s)`;
  process.stdout.write(`ours:      ${cold.records} records from ${files.length} files (${mb.toFixed(1)} MiB)\n`);
  process.stdout.write(`  records:       cold ${fmt(cold)}, best of ${runs} ${fmt(best)}\n`);
  process.stdout.write(`  + rows:        best of ${runs} ${fmt(rows)} (windowsEventRow per record)\n`);

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
  process.stdout.write(
    `reference: python-evtx ${n} records in ${secs.toFixed(2)} s (cpu ${cpu.toFixed(2)} s; ${wall.toFixed(2)} s with interpreter start)\n`,
  );
  const ratio = (r: Run) => `${(cpu / r.cpu).toFixed(0)}x cpu, ${(secs / r.seconds).toFixed(0)}x wall`;
  process.stdout.write(
    `ratio:     records cold ${ratio(cold)}; records best ${ratio(best)}; records+rows best ${ratio(rows)} (faster than python-evtx)\n`,
  );
  if (n !== cold.records) process.stdout.write(`WARNING: record counts differ (${cold.records} vs ${n})\n`);
}
