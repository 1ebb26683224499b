/**
 * `sweep normalize <path>... --lake DIR`: archives and log files -> the lake
 * (DIR/lake/...) and a manifest (DIR/manifests/...), with a summary.
 * Composition root only: flags -> options -> normalizeUpload -> summary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Command, type CommanderError, Option } from 'commander';
import { FAMILY_LABELS, type Family, parseZone, ZoneError } from '../../formats';
import { InvalidLimitError, resolveLimits } from '../../ingest';
import type { IngestLimits } from '../../ingest';
import { LayoutError, formatBytes, parseSize as parseSizeText, SizeFormatError } from '../../core';
import { createRunStaging, sweepStaleStaging } from '../../lake';
import type { Manifest } from '../../lake';
import { localTimeExports } from '../../upload';
import { NormalizeError, normalizeUpload } from '../../pipeline';
import { CliError, CliErrorCode } from '../errors';
import { createProgressBar, formatCount } from '../progress';

/**
 * Parses a size flag: `20GiB`, `512MB`, `1.5G`, `65536`. KB/MB/GB are decimal,
 * KiB/MiB/GiB (and K/M/G) binary.
 * @throws CliError (BAD_ARGUMENT) naming the flag and the bad value
 */
export function parseSize(flag: string, value: string): number {
  let n: number;
  try {
    n = parseSizeText(value);
  } catch (err) {
    if (!(err instanceof SizeFormatError)) throw err;
    throw new CliError(CliErrorCode.BadArgument, `${flag} must be a size like 512MB, 20GiB or 1048576, got "${value}"`, undefined, {
      cause: err,
    });
  }
  if (n < 1) throw new CliError(CliErrorCode.BadArgument, `${flag} must be at least 1 byte, got "${value}"`);
  return n;
}

/** Parses a positive number flag (integer unless `fractional`). */
export function parseCount(flag: string, value: string, fractional = false): number {
  const n = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(n) && n >= 1 && (fractional || Number.isInteger(n));
  if (!ok)
    throw new CliError(
      CliErrorCode.BadArgument,
      `${flag} must be ${fractional ? 'a number of at least 1' : 'a positive integer'}, got "${value}"`,
    );
  return n;
}

/** Commander errors (unknown flag, missing value) become BAD_ARGUMENT; help exits 0 as usual. */
export function badArgumentsOnError(cmd: Command): Command {
  return cmd.configureOutput({ outputError: () => undefined }).exitOverride((err: CommanderError) => {
    if (err.exitCode === 0) return;
    throw new CliError(CliErrorCode.BadArgument, err.message.replace(/^error: /, ''), `see: sweep ${cmd.name()} --help`, { cause: err });
  });
}

/** The ingest limit flags, as commander gives them (strings). */
export interface LimitFlags {
  maxEntries?: string;
  maxEntryBytes?: string;
  maxTotalBytes?: string;
  maxRatio?: string;
  maxDepth?: string;
  maxLineBytes?: string;
}

interface NormalizeFlags extends LimitFlags {
  lake?: string;
  agency: string;
  host?: string;
  localTz?: string;
  uploadId?: string;
  json?: boolean;
}

/** Limit flags -> validated limits. */
export function limitsFromFlags(f: LimitFlags): IngestLimits {
  const partial: Partial<Record<keyof IngestLimits, number>> = {};
  if (f.maxEntries !== undefined) partial.maxEntries = parseCount('--max-entries', f.maxEntries);
  if (f.maxEntryBytes !== undefined) partial.maxEntryBytes = parseSize('--max-entry-bytes', f.maxEntryBytes);
  if (f.maxTotalBytes !== undefined) partial.maxTotalBytes = parseSize('--max-total-bytes', f.maxTotalBytes);
  if (f.maxRatio !== undefined) partial.maxRatio = parseCount('--max-ratio', f.maxRatio, true);
  if (f.maxDepth !== undefined) partial.maxDepth = parseCount('--max-depth', f.maxDepth);
  if (f.maxLineBytes !== undefined) partial.maxLineBytes = parseSize('--max-line-bytes', f.maxLineBytes);
  try {
    return resolveLimits(partial);
  } catch (err) {
    if (err instanceof InvalidLimitError) throw new CliError(CliErrorCode.BadArgument, err.message, undefined, { cause: err });
    throw err;
  }
}

/** Adds the ingest limit flags to a command (shared with `sweep scan`). */
export function addLimitOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--max-entries <n>', 'most entries in one archive, all levels (default 100000)'))
    .addOption(new Option('--max-entry-bytes <size>', 'largest inflated entry (default 20GiB)'))
    .addOption(new Option('--max-total-bytes <size>', 'most inflated bytes per input (default 200GiB)'))
    .addOption(new Option('--max-ratio <n>', 'highest inflated/compressed ratio of an entry (default 200)'))
    .addOption(new Option('--max-depth <n>', 'deepest archive nesting (default 4)'))
    .addOption(new Option('--max-line-bytes <size>', 'longest text line accepted (default 1MiB)'));
}

/** The `--local-tz` flag (normalize, scan, dump). */
export const LOCAL_TZ_HELP =
  'zone of export times written without an offset (Export-Csv TimeCreated, NXLog EventTime, file listings' +
  "' LastWriteTime): UTC, +01:00, or an IANA name such as Europe/Brussels; IIS/HttpProxy/ECP logs are UTC anyway (default UTC)";

/** `--local-tz` -> the zone name, checked (a usage error names the accepted forms). */
export function localTzFromFlag(flag: string | undefined): string | undefined {
  if (flag === undefined) return undefined;
  try {
    return parseZone(flag).name;
  } catch (err) {
    if (err instanceof ZoneError) throw new CliError(CliErrorCode.BadArgument, `--local-tz: ${err.message}`);
    throw err;
  }
}

/** `sweep normalize`: ingest only. */
export function registerNormalize(program: Command): void {
  const cmd = program
    .command('normalize')
    .description('Normalize archives and log files into the lake (ingest only).')
    .argument('<path...>', 'archives, log files or folders')
    .option('--lake <dir>', 'storage root: DIR/lake/<table>/..., DIR/manifests/...')
    .option('--agency <id>', 'agency id (partition and manifest folder)', 'local')
    .option('--host <name>', 'host for records whose content and path name none')
    .option('--local-tz <zone>', LOCAL_TZ_HELP)
    .option('--upload-id <id>', 'upload id (default: derived from the input names, sizes and mtimes)')
    .option('--json', 'print the manifest as JSON instead of the summary');
  addLimitOptions(cmd);
  badArgumentsOnError(cmd);
  cmd.action(async (paths: string[], flags: NormalizeFlags) => {
    if (!flags.lake)
      throw new CliError(CliErrorCode.BadArgument, '--lake <dir> is required', 'e.g. sweep normalize logs.zip --lake ./lake-root');
    const limits = limitsFromFlags(flags);
    const localTimeZone = localTzFromFlag(flags.localTz);
    for (const p of paths) {
      if (!fs.existsSync(p)) throw new CliError(CliErrorCode.NotFound, `input not found: ${p}`);
    }
    const started = Date.now();
    const result = await normalizeForCli({
      paths,
      agency: flags.agency,
      uploadId: flags.uploadId,
      host: flags.host,
      localTimeZone,
      limits,
      lakeRoot: flags.lake,
      scratchParent: flags.lake,
      quiet: flags.json === true,
    });
    const manifestPath = path.join(flags.lake, ...result.manifestKey.split('/'));
    if (flags.json) {
      process.stdout.write(JSON.stringify({ manifest_path: manifestPath, manifest: result.manifest }) + '\n');
    } else {
      process.stdout.write(formatSummary(result.manifest, manifestPath, (Date.now() - started) / 1000));
    }
  });
}

function familyLabel(f: string): string {
  return FAMILY_LABELS[f as Family] ?? f;
}

function day(iso: string | null): string {
  return iso ? iso.replace('T', ' ').slice(0, 19) : '(no event time)';
}

/** The human summary printed at the end of `sweep normalize`. */
export function formatSummary(m: Manifest, manifestPath: string, seconds: number): string {
  const out: string[] = [];
  const bytes = m.entries.reduce((s, e) => s + e.bytes, 0);
  out.push(
    `Normalized upload ${m.upload_id} (agency ${m.agency}) in ${seconds.toFixed(1)} s: ${formatBytes(bytes)} read, ${formatCount(m.totals.rows)} rows.`,
  );

  const byFamily = new Map<string, number>();
  for (const e of m.entries) byFamily.set(e.family, (byFamily.get(e.family) ?? 0) + 1);
  const fam = [...byFamily]
    .sort((a, b) => b[1] - a[1])
    .map(([f, n]) => `${familyLabel(f)} ${n}`)
    .join(', ');
  out.push(
    `Files: ${m.totals.entries} read; ${m.entries.length} parsed${fam ? ` (${fam})` : ''}; ${m.unrecognized.length} unrecognized; ${m.problems.length} refused or damaged.`,
  );

  out.push('Rows per table:');
  for (const [t, n] of Object.entries(m.rows_per_table)) if (n > 0) out.push(`  ${t.padEnd(16)} ${formatCount(n)}`);
  if (m.totals.rows === 0) out.push('  (none)');

  if (m.coverage.length) {
    out.push('Coverage (host, log family, first .. last event, files, rows):');
    for (const c of m.coverage) {
      out.push(
        `  ${(c.host ?? '(unknown host)').padEnd(15)} ${familyLabel(c.family).padEnd(34)} ${day(c.first_event)} .. ${day(c.last_event)}  ${c.files} file${c.files === 1 ? '' : 's'}  ${formatCount(c.rows)} rows`,
      );
    }
  }

  const { files: exports, zone } = localTimeExports(m);
  if (exports > 0) {
    out.push(
      zone === 'UTC'
        ? `Export times without an offset (${exports} export file${exports === 1 ? '' : 's'}) were read as UTC; if the servers ran on local time, normalize again with --local-tz <zone>.`
        : `Export times without an offset (${exports} export file${exports === 1 ? '' : 's'}) were read in ${zone}.`,
    );
  }

  const t = m.totals;
  out.push(
    `Lines: ${formatCount(t.lines_read)} read = ${formatCount(t.lines_with_rows)} with rows + ${formatCount(t.lines_rejected)} rejected + ${formatCount(t.lines_skipped)} headers/comments/blank.`,
  );
  if (t.rejections > 0) {
    const reasons = new Map<string, number>();
    for (const e of m.entries) for (const [r, n] of Object.entries(e.rejections.by_reason)) reasons.set(r, (reasons.get(r) ?? 0) + n);
    out.push(`Rejected lines/records: ${formatCount(t.rejections)}; top reasons:`);
    for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5)) out.push(`  ${formatCount(n).padStart(8)}  ${r}`);
    const worst = [...m.entries]
      .filter((e) => e.rejections.total > 0)
      .sort((a, b) => b.rejections.total - a.rejections.total)
      .slice(0, 3);
    for (const e of worst)
      out.push(
        `  in ${e.path}: ${formatCount(e.rejections.total)} (first at line ${e.rejections.samples[0]?.line ?? '?'}: ${e.rejections.samples[0]?.reason ?? ''})`,
      );
  }
  for (const e of m.entries.filter((x) => x.status === 'partial'))
    out.push(
      `Partly read: ${e.path}: ${e.error?.reason ?? 'stream failed'} (${formatCount(Object.values(e.rows).reduce((s, n) => s + (n ?? 0), 0))} rows kept)`,
    );
  if (m.unrecognized.length) {
    out.push('Unrecognized files (not parsed):');
    for (const u of m.unrecognized) out.push(`  ${u.path} (${u.size === null ? 'size unknown' : formatBytes(u.size)}): ${u.hint}`);
  }
  if (m.problems.length) {
    out.push('Refused or damaged:');
    for (const p of m.problems) out.push(`  ${p.path}: ${p.code}: ${p.reason}`);
  }
  const coerced = Object.entries(m.coerced_values);
  if (coerced.length)
    out.push(
      `Values dropped (wrong type for the column): ${coerced
        .map(
          ([tb, cols]) =>
            `${tb}: ${Object.entries(cols)
              .map(([c, n]) => `${c} ${n}`)
              .join(', ')}`,
        )
        .join('; ')}`,
    );
  out.push(`Manifest: ${manifestPath}`);
  return out.join('\n') + '\n';
}

/** What {@link normalizeForCli} needs: the command's inputs and flags. */
export interface CliNormalizeOptions {
  readonly paths: string[];
  readonly agency: string;
  readonly uploadId?: string;
  readonly host?: string;
  /** Checked by {@link localTzFromFlag}. */
  readonly localTimeZone?: string;
  readonly limits: IngestLimits;
  readonly lakeRoot: string;
  /** Folder that receives the scratch folder `.tmp`: this run stages in its own subfolder, removed afterwards. */
  readonly scratchParent: string;
  /** No progress bar (e.g. with --json). */
  readonly quiet: boolean;
}

/**
 * `normalizeUpload` as the commands run it (normalize, scan): a progress bar on a TTY, a scratch folder that is
 * always removed, and a bad upload id or agency reported as a usage error.
 */
export async function normalizeForCli(o: CliNormalizeOptions): Promise<Awaited<ReturnType<typeof normalizeUpload>>> {
  const bar = createProgressBar(process.stderr, { enabled: o.quiet ? false : undefined });
  // Other runs may write into the same lake at once: each stages in its own folder under .tmp, and removes only its
  // own, or one whose owner is provably gone (src/lake/staging.ts).
  const parent = path.join(o.scratchParent, '.tmp');
  await sweepStaleStaging(parent);
  const staging = await createRunStaging(parent);
  const scratch = staging.dir;
  try {
    return await normalizeUpload({
      inputs: o.paths,
      agency: o.agency,
      uploadId: o.uploadId,
      hostOverride: o.host ? o.host.toUpperCase() : null,
      localTimeZone: o.localTimeZone,
      limits: o.limits,
      lakeRoot: o.lakeRoot,
      tmpDir: scratch,
      onProgress: (p) => bar.update(p),
    });
  } catch (err) {
    if (err instanceof NormalizeError && err.cause instanceof LayoutError)
      throw new CliError(CliErrorCode.BadArgument, err.message, undefined, { cause: err });
    throw err;
  } finally {
    bar.done();
    await staging.release();
    // The shared .tmp folder goes too once empty (another run's folder keeps it).
    try {
      fs.rmdirSync(parent);
    } catch {
      // Not empty (another run stages there) or already gone.
    }
  }
}
