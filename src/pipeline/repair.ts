/**
 * Repair plans: which uploads to normalize again to rebuild their damaged or missing lake files, from the raw input
 * the manifest names, with the options the first run used (agency, upload id, time zone, limits, host override).
 *
 * The raw upload is never modified and normalizing is deterministic, so a rebuilt file is byte-identical to the one
 * the manifest checksummed: the repair proves it by comparing the checksums. An input that is gone or changed
 * (size or mtime differ from the manifest) is refused: rebuilding from other bytes would be a different upload.
 */
import * as fs from 'node:fs/promises';
import { readText, type ObjectStore, manifestKey } from '../core';
import { hostFromPath } from '../formats';
import type { IngestLimits } from '../ingest';
import type { BadCommitRecord, BadManifest, LakeGap, Manifest } from '../lake';

/** One upload to normalize again. */
export interface RepairPlan {
  readonly agency: string;
  readonly uploadId: string;
  readonly manifestKey: string;
  /** The damaged or missing files of the upload. */
  readonly gaps: readonly LakeGap[];
  /** Local raw inputs (absolute paths when the manifest has them). */
  readonly inputs: readonly string[];
  readonly hostOverride: string | null;
  readonly localTimeZone: string | undefined;
  readonly limits: IngestLimits;
  /** Why the upload cannot be rebuilt here, or null. */
  readonly refused: string | null;
  /** SHA-256 per key, as the manifest recorded them: a rebuild must give the same. */
  readonly expected: ReadonlyMap<string, string>;
}

/** The `--host` the first run was given, found back: an entry whose path names no host but which had a host hint. */
export function hostOverrideOf(m: Manifest): string | null {
  for (const e of m.entries) if (e.host_hint !== null && hostFromPath(e.path) === null) return e.host_hint;
  return null;
}

/**
 * Plans the local repair of every upload with a gap or a wrong commit record (S3: rebuilt from the upload bucket), or
 * whose manifest is unreadable (refused, named).
 */
export async function planLocalRepairs(
  store: ObjectStore,
  gaps: readonly LakeGap[],
  bad: readonly BadManifest[] = [],
  badRecords: readonly BadCommitRecord[] = [],
): Promise<RepairPlan[]> {
  const byUpload = new Map<string, LakeGap[]>();
  for (const g of gaps)
    byUpload.set(JSON.stringify([g.agency, g.uploadId]), [...(byUpload.get(JSON.stringify([g.agency, g.uploadId])) ?? []), g]);
  for (const r of badRecords)
    if (!byUpload.has(JSON.stringify([r.agency, r.uploadId]))) byUpload.set(JSON.stringify([r.agency, r.uploadId]), []);
  const plans: RepairPlan[] = [];
  for (const [k, gs] of byUpload) {
    const [agency, uploadId] = JSON.parse(k) as [string, string];
    const key = manifestKey(agency, uploadId);
    const m = JSON.parse(await readText(store, key)) as Manifest;
    const inputs = m.inputs.map((i) => i.resolved_path ?? i.path);
    let refused: string | null = null;
    for (const [n, i] of m.inputs.entries()) {
      const st = await fs.stat(inputs[n]).catch(() => null);
      if (!st) {
        refused = `raw input ${inputs[n]} is gone`;
        break;
      }
      // A folder's size and mtime sum up its files: compared by the upload id instead (same inputs, same id).
      if (st.isFile() && i.size !== null && st.size !== i.size) {
        refused = `raw input ${inputs[n]} changed since it was normalized (${st.size} bytes, manifest says ${i.size})`;
        break;
      }
    }
    plans.push({
      agency,
      uploadId,
      manifestKey: key,
      gaps: gs,
      inputs,
      hostOverride: hostOverrideOf(m),
      localTimeZone: m.local_time_zone,
      limits: m.limits as unknown as IngestLimits,
      refused,
      expected: new Map(m.files.filter((f) => f.sha256).map((f) => [f.key, f.sha256!])),
    });
  }
  for (const b of bad) {
    const match = /^manifests\/agency=([^/]+)\/([^/]+)\.json$/.exec(b.key);
    if (!match) continue;
    plans.push({
      agency: match[1],
      uploadId: match[2],
      manifestKey: b.key,
      gaps: [],
      inputs: [],
      hostOverride: null,
      localTimeZone: undefined,
      limits: {} as IngestLimits,
      refused: `${b.reason}: its raw inputs are unknown here; normalize them again with --agency ${match[1]} --upload-id ${match[2]}`,
      expected: new Map(),
    });
  }
  return plans.sort((a, b) => a.manifestKey.localeCompare(b.manifestKey));
}

/** Keys whose rebuilt checksum differs from the one the damaged upload's manifest recorded (empty: identical). */
export function differingKeys(plan: RepairPlan, rebuilt: Manifest): string[] {
  const got = new Map(rebuilt.files.map((f) => [f.key, f.sha256]));
  const keys = new Set([...plan.expected.keys(), ...got.keys()]);
  return [...keys].filter((k) => plan.expected.get(k) !== got.get(k)).sort();
}
