/**
 * The lake's scheduled check on AWS and its repair through the normal normalizer path.
 *
 * Every committed file is checked against its manifest (present, size, SHA-256: src/lake/committed.ts), and each
 * upload's commit record (`commits/...`, what Athena's views read) against the manifest's file list. An upload with a
 * damaged or missing file, an unreadable manifest or a wrong commit record is repaired by putting a message on the
 * normalizer queue naming one object of its raw upload (always kept): the normalizer then rebuilds the whole upload
 * from it, byte-identical, and replaces the manifest conditionally (If-Match), as for any redelivery.
 *
 * A hunt query that failed on a lake file (Athena names it, `s3://<lake>/lake/...parquet`) starts the same check for
 * the uploads of the files named.
 */
import { parseManifestKey, type ObjectStore } from '../core';
import { readCommittedLake, type LakeGap } from '../lake';

export interface LakeVerifyPorts {
  /** The lake bucket (read only). */
  readonly lake: ObjectStore;
  /** The upload bucket: listed only, to name one object of the upload to rebuild. */
  readonly uploads: ObjectStore;
  /** Name of the upload bucket (the queue message names it as S3's own events do). */
  readonly uploadBucket: string;
  /** Sends one message body to the normalizer queue. */
  readonly enqueue: (body: string) => Promise<void>;
}

export interface LakeVerifyRequest {
  /** Hash every file (else sizes only). @default true */
  readonly checksums?: boolean;
  /** Only these uploads (`<agency>/<upload-id>`). @default - every committed upload */
  readonly uploads?: readonly string[];
}

/** One upload sent back to the normalizer, or that could not be. */
export interface LakeRepair {
  readonly agency: string;
  readonly uploadId: string;
  /** Why: the gaps found, in words. */
  readonly reasons: readonly string[];
  /** The raw object named in the queue message, or null when the raw upload is gone (not repairable). */
  readonly rawKey: string | null;
}

export interface LakeVerifyReport {
  readonly manifests: number;
  readonly filesChecked: number;
  readonly bytesHashed: number;
  readonly gaps: readonly LakeGap[];
  /** Uploads enqueued for repair. */
  readonly repairs: readonly LakeRepair[];
  /** Uploads needing repair whose raw upload has no object left. */
  readonly unrepairable: readonly LakeRepair[];
}

/** The queue message the normalizer reads (the EventBridge "Object Created" shape, src/aws/upload-event.ts). */
export function repairMessage(uploadBucket: string, key: string, size: number): string {
  return JSON.stringify({
    version: '0',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    detail: { bucket: { name: uploadBucket }, object: { key, size }, reason: 'sweep-verify repair' },
  });
}

/**
 * Checks the lake (or the uploads given) and enqueues a repair per damaged upload.
 *
 * @example
 * const report = await verifyLakeJob({ lake, uploads, uploadBucket: 'sweep-uploads', enqueue: (b) => sqsSend(b) });
 */
export async function verifyLakeJob(ports: LakeVerifyPorts, req: LakeVerifyRequest = {}): Promise<LakeVerifyReport> {
  const only = req.uploads ? new Set(req.uploads) : null;
  const agencies = only ? [...new Set([...only].map((u) => u.split('/')[0]))] : undefined;
  const lake = await readCommittedLake(ports.lake, { checksums: req.checksums ?? true, agencies });
  const wanted = (agency: string, uploadId: string) => !only || only.has(`${agency}/${uploadId}`);
  const reasons = new Map<string, string[]>();
  const add = (agency: string, uploadId: string, why: string) => {
    const k = `${agency}/${uploadId}`;
    reasons.set(k, [...(reasons.get(k) ?? []), why]);
  };
  const gaps = lake.gaps.filter((g) => wanted(g.agency, g.uploadId));
  for (const g of gaps) add(g.agency, g.uploadId, `${g.key}: ${g.reason}`);
  for (const b of lake.badManifests) {
    try {
      const { agency, uploadId } = parseManifestKey(b.key);
      if (wanted(agency, uploadId)) add(agency, uploadId, `${b.key}: ${b.reason}`);
    } catch {
      // A key outside the layout is no upload's manifest.
    }
  }
  // The commit record Athena's views read must list exactly the manifest's files (checked by readCommittedLake on S3).
  for (const r of lake.badRecords) if (wanted(r.agency, r.uploadId)) add(r.agency, r.uploadId, `${r.key}: ${r.reason}`);
  const repairs: LakeRepair[] = [];
  const unrepairable: LakeRepair[] = [];
  for (const [k, why] of [...reasons].sort(([a], [b]) => a.localeCompare(b))) {
    const [agency, uploadId] = k.split('/');
    const raw = (await ports.uploads.list(`uploads/agency=${agency}/${uploadId}/`)).find((o) => !o.key.endsWith('/'));
    if (!raw) {
      unrepairable.push({ agency, uploadId, reasons: why, rawKey: null });
      continue;
    }
    await ports.enqueue(repairMessage(ports.uploadBucket, raw.key, raw.size));
    repairs.push({ agency, uploadId, reasons: why, rawKey: raw.key });
  }
  return {
    manifests: lake.manifests,
    filesChecked: lake.files.length + lake.gaps.length,
    bytesHashed: lake.bytesHashed,
    gaps,
    repairs,
    unrepairable,
  };
}

const LAKE_FILE_IN_MESSAGE = /s3:\/\/[a-z0-9.-]+\/(lake\/[a-z_]+\/agency=([^/\s]+)\/dt=\d{4}-\d{2}-\d{2}\/([^/\s]+)-\d+\.parquet)/g;

/**
 * The uploads (`<agency>/<upload-id>`) whose lake files a failed query's message names (Athena's HIVE_CANNOT_OPEN_SPLIT,
 * HIVE_BAD_DATA... name the object). Empty when the failure names no lake file (a hunt's own SQL error).
 */
export function uploadsNamedByFailure(message: string): string[] {
  const out = new Set<string>();
  for (const m of message.matchAll(LAKE_FILE_IN_MESSAGE)) out.add(`${m[2]}/${m[3]}`);
  return [...out].sort();
}
