/**
 * `sweep verify [--lake DIR | --bucket B]`: checks every lake file against its upload's manifest (present, size,
 * SHA-256) and names the damaged, missing and uncommitted ones.
 * `sweep repair [--lake DIR | --bucket B --upload-bucket U]`: rebuilds the uploads with damaged or missing files from
 * their raw input (local: the paths the manifest records; S3: the raw upload, through the normalizer's own code).
 * Composition root only: flags -> stores -> src/lake/committed.ts, src/pipeline/repair.ts -> summary.
 */
import * as os from 'node:os';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { LocalObjectStore } from '../../core';
import type { ObjectStore } from '../../core';
import { normalizeS3Upload, S3ObjectStore } from '../../aws';
import { readCommittedLake, type CommittedLake } from '../../lake';
import { differingKeys, planLocalRepairs } from '../../pipeline';
import { CliError, CliErrorCode } from '../errors';
import { formatBytes } from '../progress';
import { resolveLakeRoot } from './hunt';
import { badArgumentsOnError, normalizeForCli } from './normalize';

interface StoreFlags {
  lake?: string;
  bucket?: string;
  region?: string;
  agency?: string[];
  json?: boolean;
}

interface RepairFlags extends StoreFlags {
  uploadBucket?: string;
  dryRun?: boolean;
}

function lakeStore(flags: StoreFlags): { store: ObjectStore; root: string | null; where: string } {
  if (flags.lake && flags.bucket) throw new CliError(CliErrorCode.BadArgument, 'give --lake or --bucket, not both');
  if (flags.lake) {
    const root = resolveLakeRoot(flags.lake);
    return { store: new LocalObjectStore(root), root, where: root };
  }
  if (flags.bucket) {
    const client = new S3Client(flags.region ? { region: flags.region } : {});
    return { store: new S3ObjectStore({ client, bucket: flags.bucket }), root: null, where: `s3://${flags.bucket}` };
  }
  throw new CliError(CliErrorCode.BadArgument, 'missing --lake <dir> or --bucket <name>', 'e.g. sweep verify --lake ./lake-root');
}

/** The human report of a verification. */
export function formatVerify(c: CommittedLake, where: string, seconds: number): string {
  const out: string[] = [];
  const bad = c.gaps.length + c.badManifests.length + c.badRecords.length;
  out.push(
    `Checked ${c.files.length + c.gaps.length} lake file(s) of ${c.manifests + c.badManifests.length} upload(s) in ${where} ` +
      `against their manifests (${formatBytes(c.bytesHashed)} hashed, ${seconds.toFixed(1)} s): ${bad === 0 ? 'all match' : `${bad} problem(s)`}.`,
  );
  for (const g of c.gaps) {
    const who = g.sources.map((s) => `${s.host ?? '(unknown host)'} ${s.family}`).join(', ') || 'no rows known';
    out.push(`  ${g.problem.toUpperCase().padEnd(11)} ${g.key}: ${g.reason} (${who}, ${g.dt})`);
  }
  for (const m of c.badManifests) out.push(`  MANIFEST    ${m.key}: ${m.reason}`);
  for (const r of c.badRecords) out.push(`  RECORD      ${r.key}: ${r.reason}`);
  const unchecked = c.files.filter((f) => f.sha256 === null).length;
  if (unchecked)
    out.push(
      `  ${unchecked} file(s) have no checksum in their manifest (written before checksums): sizes checked only; normalize them again to add one.`,
    );
  if (c.unlisted.length) {
    out.push(
      `  ${c.unlisted.length} file(s) in no committed manifest (an upload being published, or left by a crashed run; never read by hunts):`,
    );
    for (const k of c.unlisted.slice(0, 20)) out.push(`    ${k}`);
    if (c.unlisted.length > 20) out.push(`    ... ${c.unlisted.length - 20} more`);
  }
  if (bad) out.push('Rebuild them with: sweep repair (same flags).');
  return out.join('\n') + '\n';
}

function checkJson(c: CommittedLake): Record<string, unknown> {
  return {
    manifests: c.manifests,
    files_ok: c.files.length,
    bytes_hashed: c.bytesHashed,
    gaps: c.gaps.map((g) => ({
      key: g.key,
      agency: g.agency,
      upload_id: g.uploadId,
      table: g.table,
      dt: g.dt,
      problem: g.problem,
      reason: g.reason,
      sources: g.sources,
    })),
    bad_manifests: c.badManifests,
    bad_records: c.badRecords,
    unlisted: c.unlisted,
  };
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** `sweep verify` and `sweep repair`. */
export function registerVerify(program: Command): void {
  const verify = program
    .command('verify')
    .description('Check every lake file against its manifest (present, size, SHA-256); name damaged, missing and uncommitted files.')
    .option('--lake <dir>', 'local lake root (the folder holding lake/ and manifests/)')
    .option('--bucket <name>', 'the deployed lake bucket (S3), read with your credentials')
    .option('--region <region>', 'region of --bucket (default: AWS_REGION / profile)')
    .option('--agency <id>', 'only this agency (repeatable)', collect)
    .option('--json', 'print a JSON report')
    .addHelpText('after', '\nExit codes: 0 every file matches, 1 damaged or missing files found, 2 usage error, 3 runtime error.');
  badArgumentsOnError(verify);
  verify.action(async (flags: StoreFlags) => {
    const { store, where } = lakeStore(flags);
    const t0 = Date.now();
    const c = await readCommittedLake(store, { agencies: flags.agency });
    if (flags.json) process.stdout.write(JSON.stringify(checkJson(c)) + '\n');
    else process.stdout.write(formatVerify(c, where, (Date.now() - t0) / 1000));
    if (c.gaps.length || c.badManifests.length || c.badRecords.length) process.exitCode = 1;
  });

  const repair = program
    .command('repair')
    .description('Rebuild the uploads whose lake files are damaged or missing, from the raw inputs (never modified), then verify them.')
    .option('--lake <dir>', 'local lake root: inputs are the raw paths its manifests record')
    .option('--bucket <name>', 'the deployed lake bucket (S3): the upload is normalized again from --upload-bucket')
    .option('--upload-bucket <name>', 'the deployed upload bucket (raw uploads), with --bucket')
    .option('--region <region>', 'region of the buckets (default: AWS_REGION / profile)')
    .option('--agency <id>', 'only this agency (repeatable)', collect)
    .option('--dry-run', 'say what would be rebuilt, rebuild nothing')
    .option('--json', 'print a JSON report')
    .addHelpText(
      'after',
      '\nExit codes: 0 lake whole (after repair), 1 some damage could not be repaired, 2 usage error, 3 runtime error.',
    );
  badArgumentsOnError(repair);
  repair.action(async (flags: RepairFlags) => {
    const { store, root, where } = lakeStore(flags);
    if (flags.bucket && !flags.uploadBucket)
      throw new CliError(
        CliErrorCode.BadArgument,
        '--upload-bucket is required with --bucket',
        'the deployment prints it as the UploadBucketName output',
      );
    const before = await readCommittedLake(store, { agencies: flags.agency });
    const plans = await planLocalRepairs(store, before.gaps, before.badManifests, before.badRecords).catch((err) => {
      throw new CliError(CliErrorCode.Internal, `cannot plan the repair: ${(err as Error).message}`, undefined, { cause: err });
    });
    const lines: string[] = [];
    const results: Record<string, unknown>[] = [];
    let failed = 0;
    lines.push(
      `${where}: ${before.gaps.length + before.badManifests.length + before.badRecords.length} damaged or missing file(s) in ${plans.length} upload(s).`,
    );
    for (const p of plans) {
      const label = `upload ${p.uploadId} (agency ${p.agency}, ${p.gaps.length} file(s))`;
      if (flags.bucket) {
        // S3: the raw upload is always kept; the normalizer's own code rebuilds the upload from it.
        if (flags.dryRun) {
          lines.push(`  would normalize again ${label} from s3://${flags.uploadBucket}/uploads/agency=${p.agency}/${p.uploadId}/`);
          continue;
        }
        const client = new S3Client(flags.region ? { region: flags.region } : {});
        const uploads = new S3ObjectStore({ client, bucket: flags.uploadBucket! });
        const prefix = `uploads/agency=${p.agency}/${p.uploadId}/`;
        const first = (await uploads.list(prefix))[0];
        if (!first) {
          failed++;
          lines.push(`  NOT REBUILT ${label}: no raw upload under s3://${flags.uploadBucket}/${prefix}`);
          continue;
        }
        const r = await normalizeS3Upload({ uploads, lake: store, key: first.key, tmpDir: os.tmpdir() });
        const diff = differingKeys(p, r.manifest);
        lines.push(
          `  rebuilt ${label}: ${r.written.length} file(s)${diff.length ? `; ${diff.length} differ from the recorded checksums` : ', byte-identical to the recorded checksums'}`,
        );
        results.push({ agency: p.agency, upload_id: p.uploadId, rebuilt: true, differing: diff });
        continue;
      }
      if (p.refused) {
        failed++;
        lines.push(`  NOT REBUILT ${label}: ${p.refused}`);
        results.push({ agency: p.agency, upload_id: p.uploadId, rebuilt: false, reason: p.refused });
        continue;
      }
      if (flags.dryRun) {
        lines.push(`  would normalize again ${label} from ${p.inputs.join(', ')}`);
        continue;
      }
      const r = await normalizeForCli({
        paths: [...p.inputs],
        agency: p.agency,
        uploadId: p.uploadId,
        host: p.hostOverride ?? undefined,
        localTimeZone: p.localTimeZone,
        limits: p.limits,
        lakeRoot: root!,
        scratchParent: root!,
        quiet: true,
      });
      const diff = differingKeys(p, r.manifest);
      lines.push(
        `  rebuilt ${label} from ${p.inputs.join(', ')}: ${r.written.length} file(s)${diff.length ? `; ${diff.length} differ from the recorded checksums (${diff.slice(0, 3).join(', ')})` : ', byte-identical to the recorded checksums'}`,
      );
      results.push({ agency: p.agency, upload_id: p.uploadId, rebuilt: true, differing: diff });
    }
    const after = flags.dryRun ? before : await readCommittedLake(store, { agencies: flags.agency });
    const left = after.gaps.length + after.badManifests.length + after.badRecords.length;
    lines.push(
      left === 0 ? 'Lake verified: every file matches its manifest.' : `${left} damaged or missing file(s) remain (see sweep verify).`,
    );
    if (flags.json) process.stdout.write(JSON.stringify({ uploads: results, remaining: checkJson(after) }) + '\n');
    else process.stdout.write(lines.join('\n') + '\n');
    if (left > 0 || failed > 0) process.exitCode = 1;
  });
}
