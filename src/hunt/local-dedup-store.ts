/**
 * The local record of findings already reported: `<out>/findings/seen.jsonl`, one line per fingerprint. A re-run
 * reports nothing new for hits it has seen, whatever their count or last_seen became.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding } from './types';

/** One line of seen.jsonl. */
interface SeenLine {
  fingerprint: string;
  hunt_id: string;
  agency: string;
  host: string | null;
  reported_at: string;
}

/** A dedup store on the local disk, with the same shape as the AWS one (filterNew, markSeen). */
export class LocalDedupStore {
  private seen: Set<string> | null = null;

  /** @param file path of seen.jsonl (created on first markSeen) */
  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Store under an output folder: `<out>/findings/seen.jsonl`. */
  static under(outDir: string): LocalDedupStore {
    return new LocalDedupStore(path.join(outDir, 'findings', 'seen.jsonl'));
  }

  private load(): Set<string> {
    if (this.seen) return this.seen;
    this.seen = new Set();
    if (fs.existsSync(this.file)) {
      for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          this.seen.add((JSON.parse(line) as SeenLine).fingerprint);
        } catch {
          // A torn last line (interrupted write) only loses that one entry: its finding is reported again.
        }
      }
    }
    return this.seen;
  }

  /** The findings whose fingerprint was never recorded. */
  async filterNew(findings: readonly Finding[]): Promise<Finding[]> {
    const seen = this.load();
    return findings.filter((f) => !seen.has(f.fingerprint));
  }

  /** Records findings as reported. */
  async markSeen(findings: readonly Finding[]): Promise<void> {
    const seen = this.load();
    const fresh = findings.filter((f) => !seen.has(f.fingerprint));
    if (fresh.length === 0) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const at = this.now().toISOString();
    const lines = fresh.map((f) =>
      JSON.stringify({
        fingerprint: f.fingerprint,
        hunt_id: f.hunt_id,
        agency: f.agency,
        host: f.host,
        reported_at: at,
      } satisfies SeenLine),
    );
    fs.appendFileSync(this.file, lines.join('\n') + '\n');
    for (const f of fresh) seen.add(f.fingerprint);
  }
}
