/**
 * `sweep dump <file>`: what the parser saw. Runs detection and the family
 * parser on a file (or on every entry of an archive) and prints each row as
 * one JSON line on stdout (`table`, `time` ISO, then the row's columns);
 * rejections and unrecognized entries go to stderr, so stdout stays JSON lines.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import type { Command } from 'commander';
import {
  detectFamily,
  detectionHint,
  describeUnrecognized,
  hostFromPath,
  parserFor,
  FAMILIES,
  type Family,
  parseZone,
} from '../../formats';
import type { Detection, ParseContext } from '../../formats';
import { IngestError, peek, readLines, walkInputs } from '../../ingest';
import type { Row, TableName } from '../../lake';
import { CliError, CliErrorCode } from '../errors';
import { addLimitOptions, badArgumentsOnError, limitsFromFlags, LOCAL_TZ_HELP, localTzFromFlag, type LimitFlags } from './normalize';

interface DumpFlags extends LimitFlags {
  family?: string;
  host?: string;
  localTz?: string;
  entry?: string;
}

/** Row -> the JSON line printed (time first, then every non-null column). */
export function dumpLine(table: TableName, row: Row): string {
  const t = row.event_time;
  const time = typeof t === 'number' && Number.isFinite(t) ? new Date(t).toISOString() : null;
  const out: Record<string, unknown> = { table, time };
  for (const [k, v] of Object.entries(row)) if (v !== null && v !== undefined) out[k] = v;
  return JSON.stringify(out);
}

/** `sweep dump`: debugging aid. */
export function registerDump(program: Command): void {
  const cmd = program
    .command('dump')
    .description('Print the parsed records of one file as JSON lines (what the parser saw).')
    .argument('<file>', 'a log file, an .evtx, or an archive (every entry is dumped)')
    .option('--family <family>', `skip detection and use this parser (${FAMILIES.join(', ')})`)
    .option('--host <name>', 'host hint for records that name none')
    .option('--local-tz <zone>', LOCAL_TZ_HELP)
    .option('--entry <text>', 'in an archive, only entries whose path contains this text');
  addLimitOptions(cmd);
  badArgumentsOnError(cmd);
  cmd.action(async (file: string, flags: DumpFlags) => {
    if (flags.family !== undefined && !(FAMILIES as readonly string[]).includes(flags.family)) {
      throw new CliError(CliErrorCode.BadArgument, `--family must be one of ${FAMILIES.join(', ')}, got "${flags.family}"`);
    }
    if (!fs.existsSync(file)) throw new CliError(CliErrorCode.NotFound, `file not found: ${file}`);
    const limits = limitsFromFlags(flags);
    const tz = localTzFromFlag(flags.localTz);
    const localZone = tz === undefined ? null : parseZone(tz);
    const err = (s: string) => process.stderr.write(s + '\n');
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-dump-'));
    let matched = 0;
    try {
      for await (const entry of walkInputs([file], {
        limits,
        tmpDir,
        onProblem: (p) => err(`refused: ${p.path}: ${p.code}: ${p.reason}`),
      })) {
        if (flags.entry && !entry.path.includes(flags.entry)) {
          entry.open().destroy();
          continue;
        }
        matched++;
        // Pauses reading while stdout is full: a dump of a GB log stays in bounded memory.
        const gate = new Transform({
          transform(chunk, _enc, cb) {
            if (process.stdout.writableNeedDrain) process.stdout.once('drain', () => cb(null, chunk));
            else cb(null, chunk);
          },
        });
        const source = entry.open();
        source.on('error', (e) => gate.destroy(e));
        source.pipe(gate);
        let rows = 0;
        let rejected = 0;
        try {
          const { head, stream } = await peek(gate);
          const detection: Detection | null = flags.family
            ? { family: flags.family as Family, reason: '--family' }
            : detectFamily(head, detectionHint(entry.path, entry.name));
          if (!detection) {
            err(`unrecognized: ${entry.path}: ${describeUnrecognized(head, entry.name, entry.size)}`);
            stream.destroy();
            continue;
          }
          err(`${entry.path}: ${detection.family} (${detection.reason})`);
          const ctx: ParseContext = {
            sourceFile: entry.path,
            hostHint: hostFromPath(entry.path) ?? (flags.host ? flags.host.toUpperCase() : null),
            localZone: localZone?.isUtc ? null : localZone,
            emit(table, row) {
              rows++;
              process.stdout.write(dumpLine(table, row) + '\n');
            },
            reject(lineNo, reason) {
              rejected++;
              err(`rejected: ${entry.path}:${lineNo}: ${reason}`);
            },
          };
          const parser = parserFor(detection.family);
          if (parser.kind === 'text') {
            const p = parser.create(ctx);
            try {
              await readLines(
                stream,
                { maxLineBytes: limits.maxLineBytes },
                (t, n) => p.line(t, n),
                (n, bytes) => ctx.reject(n, `line longer than ${limits.maxLineBytes} bytes (${bytes} bytes)`),
              );
            } finally {
              p.end();
            }
          } else {
            await parser.parse(stream, ctx);
          }
        } catch (e) {
          // The walker already reported its own stream errors (truncated gzip...); a parser failure is named here.
          if (!(e instanceof IngestError)) err(`failed: ${entry.path}: ${e instanceof Error ? e.message : String(e)}`);
          source.destroy();
        }
        err(`${entry.path}: ${rows} rows, ${rejected} rejected`);
      }
    } finally {
      fs.rmSync(tmpDir, { recursive: true, force: true });
    }
    if (flags.entry && matched === 0) throw new CliError(CliErrorCode.NotFound, `no entry of ${file} contains "${flags.entry}"`);
  });
}
