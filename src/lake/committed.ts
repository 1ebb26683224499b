/**
 * The committed lake: the files that committed manifests list, each checked against the manifest (present, same
 * size, same SHA-256), and the gaps where a check failed.
 *
 * The manifest is the commit point of an upload (src/lake/publish.ts writes it last). Readers go through this module
 * instead of globbing `lake/**`, so that
 * - an upload still being published (files there, manifest not yet) is invisible, whole or not at all;
 * - a damaged or missing file is named, left out, and reported as a gap (host, log family, day) instead of failing
 *   every query that touches it.
 * Works over any {@link ObjectStore}: a local lake (hunts, `sweep verify --lake`) or the S3 bucket (`--bucket`).
 */
import { commitRecordKey, readText, type ObjectStore } from '../core';
import { sha256Stream } from './checksum';
import type { Manifest, ManifestFile } from './manifest';
import { TABLE_NAMES, type TableName } from './schema';

/** One committed lake file that passed its checks. */
export interface CommittedFile {
  readonly key: string;
  readonly table: TableName;
  readonly agency: string;
  readonly dt: string;
  readonly uploadId: string;
  readonly bytes: number;
  /** null: the manifest predates checksums (size checked only). */
  readonly sha256: string | null;
  /** Whose logs it holds (for the gap, should a reader fail on it later). */
  readonly sources: readonly GapSource[];
}

/** Hosts and log families whose rows a lake file held. */
export interface GapSource {
  readonly host: string | null;
  readonly family: string;
}

/** A committed file that cannot be read as committed: left out of every query. */
export interface LakeGap {
  readonly key: string;
  readonly agency: string;
  readonly uploadId: string;
  readonly table: TableName;
  readonly dt: string;
  readonly problem: 'missing' | 'size' | 'checksum' | 'unreadable';
  /** Human reason: `checksum mismatch (manifest 3f2a..., file 91bc...)`. */
  readonly reason: string;
  /** From the manifest's entries and coverage: whose logs of that table and day are missing from the hunt. */
  readonly sources: readonly GapSource[];
}

/** A manifest that cannot be read: its upload is left out whole. */
export interface BadManifest {
  readonly key: string;
  readonly reason: string;
}

/**
 * An upload whose commit record (S3: `commits/...`, what Athena's views read) is missing or does not list exactly
 * its manifest's files: Athena would read it otherwise than the manifest says.
 */
export interface BadCommitRecord {
  readonly key: string;
  readonly agency: string;
  readonly uploadId: string;
  readonly reason: string;
}

export interface CommittedLake {
  readonly manifests: number;
  readonly files: readonly CommittedFile[];
  readonly gaps: readonly LakeGap[];
  readonly badManifests: readonly BadManifest[];
  /** Stores whose engines read commit records (S3, `uriOf`): records that differ from their manifest. Else empty. */
  readonly badRecords: readonly BadCommitRecord[];
  /** Lake files no committed manifest lists: uploads being published, or what a crashed run left. Never read. */
  readonly unlisted: readonly string[];
  /** Bytes hashed (0 without checksums). */
  readonly bytesHashed: number;
}

export interface ReadCommittedOptions {
  /** Hash every file and compare with the manifest; else sizes only. @default true */
  readonly checksums?: boolean;
  /** Only these agencies. @default - all */
  readonly agencies?: readonly string[];
}

const MANIFEST_RE = /^manifests\/agency=([^/]+)\/([^/]+)\.json$/;

/** Reads every committed manifest of the store and checks the files they list. */
export async function readCommittedLake(store: ObjectStore, opts: ReadCommittedOptions = {}): Promise<CommittedLake> {
  const checksums = opts.checksums ?? true;
  // Manifests first, then the files: a manifest is written after its files, so every file of a manifest listed here
  // is in the file listing below (listing the files first would miss those of an upload committed in between).
  const manifestList = await store.list('manifests/');
  const sizes = new Map<string, number>();
  for (const t of TABLE_NAMES) for (const o of await store.list(`lake/${t}/`)) sizes.set(o.key, o.size);
  const listed = new Set<string>();
  const files: CommittedFile[] = [];
  const gaps: LakeGap[] = [];
  const badManifests: BadManifest[] = [];
  const badRecords: BadCommitRecord[] = [];
  let manifests = 0;
  let bytesHashed = 0;
  for (const m of manifestList) {
    const match = MANIFEST_RE.exec(m.key);
    if (!match) continue;
    const [, agency, uploadId] = match;
    if (opts.agencies && !opts.agencies.includes(agency)) continue;
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readText(store, m.key)) as Manifest;
      if (!Array.isArray(manifest.files)) throw new Error('no "files" list');
    } catch (err) {
      badManifests.push({ key: m.key, reason: `unreadable manifest: ${(err as Error).message}` });
      continue;
    }
    manifests++;
    if (store.uriOf) {
      const problem = await checkCommitRecord(store, agency, uploadId, manifest.files);
      if (problem) badRecords.push({ key: commitRecordKey(agency, uploadId), agency, uploadId, reason: problem });
    }
    for (const f of manifest.files) {
      listed.add(f.key);
      const problem = await checkFile(store, f, sizes.get(f.key), checksums);
      if (problem.hashed) bytesHashed += problem.hashed;
      if (problem.gap) {
        gaps.push({
          key: f.key,
          agency,
          uploadId,
          table: f.table,
          dt: f.dt,
          problem: problem.gap.problem,
          reason: problem.gap.reason,
          sources: gapSources(manifest, f.table, f.dt),
        });
      } else {
        files.push({
          key: f.key,
          table: f.table,
          agency,
          dt: f.dt,
          uploadId,
          bytes: f.bytes,
          sha256: f.sha256 ?? null,
          sources: gapSources(manifest, f.table, f.dt),
        });
      }
    }
  }
  const unlisted = [...sizes.keys()]
    .filter((k) => !listed.has(k) && (!opts.agencies || opts.agencies.some((a) => k.includes(`/agency=${a}/`))))
    .sort();
  return { manifests, files, gaps, badManifests, badRecords, unlisted, bytesHashed };
}

/** Why an upload's commit record does not list exactly its manifest's files (as `"$path"` gives them), or null. */
async function checkCommitRecord(
  store: ObjectStore,
  agency: string,
  uploadId: string,
  files: readonly ManifestFile[],
): Promise<string | null> {
  let text: string;
  try {
    text = await readText(store, commitRecordKey(agency, uploadId));
  } catch (err) {
    return `commit record missing or unreadable (${(err as Error).message}): Athena's views read none of the upload`;
  }
  let listed: string[];
  try {
    listed = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => String((JSON.parse(l) as { path?: unknown }).path));
  } catch (err) {
    return `commit record unreadable (${(err as Error).message})`;
  }
  const want = new Set(files.map((f) => store.uriOf!(f.key)));
  const extra = listed.filter((p) => !want.has(p)).length;
  const missing = [...want].filter((p) => !listed.includes(p)).length;
  if (extra === 0 && missing === 0 && listed.length === want.size) return null;
  return `commit record lists ${listed.length} file(s), the manifest ${want.size} (${missing} not in the record, ${extra} not in the manifest)`;
}

async function checkFile(
  store: ObjectStore,
  f: ManifestFile,
  size: number | undefined,
  checksums: boolean,
): Promise<{ gap?: { problem: LakeGap['problem']; reason: string }; hashed?: number }> {
  if (size === undefined) return { gap: { problem: 'missing', reason: 'file missing' } };
  if (size !== f.bytes) return { gap: { problem: 'size', reason: `size ${size} bytes, manifest says ${f.bytes}` } };
  if (!checksums || !f.sha256) return {};
  try {
    const got = await sha256Stream(await store.get(f.key));
    if (got.sha256 !== f.sha256)
      return {
        hashed: got.bytes,
        gap: {
          problem: 'checksum',
          reason: `checksum mismatch (manifest ${f.sha256.slice(0, 12)}..., file ${got.sha256.slice(0, 12)}...)`,
        },
      };
    return { hashed: got.bytes };
  } catch (err) {
    return { gap: { problem: 'unreadable', reason: `cannot read: ${(err as Error).message}` } };
  }
}

/**
 * Whose logs a file of (table, day) held: the entries that wrote rows to the table, narrowed to the host and family
 * coverage lines spanning the day (or the entries whose rows without time were filed under it). When nothing
 * narrows, every source of the table is named: a gap is better over-named than hidden.
 */
export function gapSources(m: Manifest, table: TableName, dt: string): GapSource[] {
  const all = new Map<string, GapSource>();
  const onDay = new Map<string, GapSource>();
  for (const e of m.entries ?? []) {
    if (!((e.rows?.[table] ?? 0) > 0)) continue;
    const hosts = e.hosts?.length ? e.hosts : [null];
    for (const host of hosts) {
      const s = { host, family: e.family };
      const k = JSON.stringify([host, e.family]);
      all.set(k, s);
      const cov = (m.coverage ?? []).find((c) => c.host === host && c.family === e.family);
      const spans = cov?.first_event && cov.last_event && cov.first_event.slice(0, 10) <= dt && dt <= cov.last_event.slice(0, 10);
      if (spans || (e.dt_fallback?.dt === dt && e.rows_without_time > 0)) onDay.set(k, s);
    }
  }
  const pick = onDay.size ? onDay : all;
  return [...pick.values()].sort((a, b) => (a.host ?? '').localeCompare(b.host ?? '') || a.family.localeCompare(b.family));
}
