/**
 * Types shared by the hunt runner, the engines (DuckDB, Athena), findings and notifiers.
 */
import type { Row, TableName } from '../lake';

/** Severity levels, most severe first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * A SQL engine able to run a hunt query. Both adapters (DuckDB locally, Athena in
 * AWS) return plain rows: timestamps as ISO-8601 UTC strings
 * (`2021-03-02T10:15:30.000Z`), integers as numbers, nulls as null.
 */
export interface QueryEngine {
  /**
   * Runs one query. `params` bind the `?` placeholders in order; hunts use them
   * in pairs for the window (`dt BETWEEN ? AND ?`), as `YYYY-MM-DD` strings.
   */
  run(sql: string, params: readonly string[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * One finding, as written to findings.jsonl and published to owners
 * (contract in the architecture spec).
 */
export interface Finding {
  hunt_id: string;
  title: string;
  severity: Severity;
  cves: string[];
  attack: string[];
  agency: string;
  host: string | null;
  first_seen: string;
  last_seen: string;
  count: number;
  /** The matching values: URL, anchor mailbox, command line, file path, hash, IP, indicator... */
  evidence: Record<string, unknown>;
  /** Stable id: hash of hunt id, agency, host and key evidence. Same hit -> same fingerprint on every run. */
  fingerprint: string;
}

/** One row of the `indicators` table (INDICATORS_TABLE columns). */
export interface IndicatorRow {
  type: string;
  value: string;
  source: string;
  reference?: string | null;
  first_seen?: string | null;
  description?: string | null;
}

/** Table name -> rows, as fixtures give them (missing columns are null). */
export type TableRows = Partial<Record<TableName, readonly Row[]>>;
