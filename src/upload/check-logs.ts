/**
 * The before-upload check: reads a server folder or an archive exactly as the
 * normalizer will (same walker, detection and parsers, into a scratch lake that
 * is thrown away) and says what the hunts will be able to see. Uploads nothing.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Hunt } from '../hunt';
import type { Manifest } from '../lake';
import { normalizeUpload, type NormalizeOptions, type NormalizeProgress, type NormalizeResult } from '../pipeline';
import { assessCoverage, type CoverageReport, type HuntNeed } from './coverage-check';

export interface CheckLogsParams {
  /** Folders, archives or log files. */
  readonly inputs: readonly string[];
  /** The hunts whose `log_families` the logs are compared with. */
  readonly hunts: readonly HuntNeed[];
  /** Scratch space for the throw-away lake. @default os.tmpdir() */
  readonly tmpDir?: string;
  /** Host for files that name none (`--host`). @default - none */
  readonly hostOverride?: string | null;
  readonly onProgress?: (p: NormalizeProgress) => void;
  /** The normalizer. @default normalizeUpload */
  readonly normalize?: (opts: NormalizeOptions) => Promise<NormalizeResult>;
}

export interface CheckLogsResult {
  readonly manifest: Manifest;
  readonly report: CoverageReport;
}

/** What a hunt needs, from its header. */
export function huntNeed(hunt: Hunt): HuntNeed {
  return { id: hunt.meta.id, name: hunt.meta.name, cves: hunt.meta.cves, logFamilies: hunt.meta.log_families };
}

/**
 * Runs the check. The scratch lake is removed whatever happens.
 *
 * @example
 * const { report } = await checkLogs({ inputs: ['C:/collect'], hunts: loadQueries('queries').hunts.map(huntNeed) });
 * for (const gap of report.gaps) console.log(gap.message);
 */
export async function checkLogs(params: CheckLogsParams): Promise<CheckLogsResult> {
  const scratch = await fs.mkdtemp(path.join(params.tmpDir ?? os.tmpdir(), 'sweep-check-'));
  try {
    const { manifest } = await (params.normalize ?? normalizeUpload)({
      inputs: params.inputs,
      agency: 'check',
      lakeRoot: path.join(scratch, 'root'),
      tmpDir: scratch,
      hostOverride: params.hostOverride ?? null,
      onProgress: params.onProgress,
    });
    return { manifest, report: assessCoverage(manifest.coverage, params.hunts) };
  } finally {
    await fs.rm(scratch, { recursive: true, force: true });
  }
}
