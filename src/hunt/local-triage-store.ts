/**
 * Triage decisions on the local disk: `<out>/findings/triage.jsonl`, beside the dedup record (seen.jsonl). Append
 * only: every decision is a line, the latest per fingerprint wins, so the history of decisions is kept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { latestDecisions, TriageError, type TriageDecision, type TriageStore } from './triage';

export class LocalTriageStore implements TriageStore {
  /** Lines that could not be read (a torn last line after an interrupted write), skipped. */
  unreadable = 0;

  constructor(readonly file: string) {}

  /** Store under an output folder: `<out>/findings/triage.jsonl`. */
  static under(outDir: string): LocalTriageStore {
    return new LocalTriageStore(path.join(outDir, 'findings', 'triage.jsonl'));
  }

  /** Every decision in file order (the whole history). */
  history(): TriageDecision[] {
    if (!fs.existsSync(this.file)) return [];
    const out: TriageDecision[] = [];
    this.unreadable = 0;
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const d = JSON.parse(line) as TriageDecision;
        if (typeof d.fingerprint === 'string' && typeof d.status === 'string')
          out.push({ ...d, known: Array.isArray(d.known) ? d.known : [] });
        else this.unreadable++;
      } catch {
        this.unreadable++;
      }
    }
    return out;
  }

  async list(): Promise<TriageDecision[]> {
    return [...latestDecisions(this.history()).values()];
  }

  async record(d: TriageDecision): Promise<void> {
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      // A torn line from an earlier crash must not swallow this one: start on a fresh line.
      const needsNewline =
        fs.existsSync(this.file) && fs.statSync(this.file).size > 0 && !fs.readFileSync(this.file, 'utf8').endsWith('\n');
      fs.appendFileSync(this.file, (needsNewline ? '\n' : '') + JSON.stringify(d) + '\n');
    } catch (err) {
      throw new TriageError(`could not write the decision to ${this.file}: ${(err as Error).message}`, { cause: err });
    }
  }
}
