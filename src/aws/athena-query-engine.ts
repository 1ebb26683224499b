/**
 * The Athena adapter of the QueryEngine port: runs a hunt's SQL text as is in a
 * workgroup, against the Glue database holding the lake tables (bare names
 * resolve through the execution context), binds `?` as ExecutionParameters.
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type Row as AthenaRow,
} from '@aws-sdk/client-athena';
import type { QueryEngine } from '../hunt';
import { fromAthenaCell, toExecutionParameter } from './athena-values';
import { AthenaQueryError, AthenaTimeoutError, AwsAdapterConfigError } from './errors';

export interface AthenaQueryEngineOptions {
  /** An injected Athena client (region and credentials are the caller's business). */
  readonly client: AthenaClient;
  /** Workgroup whose enforced settings (result location, encryption, bytes-scanned cutoff) apply. */
  readonly workGroup: string;
  /** Glue database of the lake tables. */
  readonly database: string;
  /** @default 'AwsDataCatalog' */
  readonly catalog?: string;
  /** Give up (and stop the query) after this long. @default 900000 (15 minutes) */
  readonly timeoutMs?: number;
  /** First poll delay; doubles up to maxPollMs. @default 250 */
  readonly initialPollMs?: number;
  /** @default 5000 */
  readonly maxPollMs?: number;
  /** Rows per GetQueryResults page (Athena's maximum is 1000). @default 1000 */
  readonly pageSize?: number;
  /** Injected for tests. @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
  /** close() destroys the client (when the engine's creator made it for the engine alone). @default false */
  readonly ownsClient?: boolean;
}

/** What the last query cost and where its full result lies. */
export interface AthenaRunStats {
  readonly queryExecutionId: string;
  readonly dataScannedBytes: number;
  readonly engineExecutionMs: number;
  /** s3:// location of the CSV result Athena wrote. */
  readonly outputLocation?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs hunt queries on Athena.
 *
 * @example
 * const engine = new AthenaQueryEngine({ client: new AthenaClient({}), workGroup: 'sweep', database: 'sweep_lake' });
 * const rows = await engine.run(sql, ['2019-01-01', '2026-11-27']);
 */
export class AthenaQueryEngine implements QueryEngine {
  /** Statistics of every query run by this engine, in order. */
  readonly history: AthenaRunStats[] = [];
  private readonly opts: Required<Omit<AthenaQueryEngineOptions, 'client'>> & { client: AthenaClient };

  constructor(options: AthenaQueryEngineOptions) {
    if (!options.workGroup)
      throw new AwsAdapterConfigError(`workGroup must be a non-empty string, got ${JSON.stringify(options.workGroup)}`);
    if (!options.database) throw new AwsAdapterConfigError(`database must be a non-empty string, got ${JSON.stringify(options.database)}`);
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      throw new AwsAdapterConfigError(`pageSize must be an integer in 1..1000, got ${pageSize}`);
    this.opts = {
      catalog: 'AwsDataCatalog',
      timeoutMs: 900_000,
      initialPollMs: 250,
      maxPollMs: 5000,
      sleep: defaultSleep,
      ownsClient: false,
      ...options,
      pageSize,
    };
  }

  async run(sql: string, params: readonly string[]): Promise<Record<string, unknown>[]> {
    const id = await this.start(sql, params);
    await this.waitFor(id);
    return this.readResults(id);
  }

  /** Starts the query and returns its execution id. */
  async start(sql: string, params: readonly string[]): Promise<string> {
    const { client, workGroup, database, catalog } = this.opts;
    try {
      const out = await client.send(
        new StartQueryExecutionCommand({
          // Athena rejects a trailing semicolon; the header comment is fine.
          QueryString: sql.replace(/;\s*$/, ''),
          WorkGroup: workGroup,
          QueryExecutionContext: { Database: database, Catalog: catalog },
          ExecutionParameters: params.length > 0 ? params.map(toExecutionParameter) : undefined,
        }),
      );
      if (!out.QueryExecutionId) throw new AthenaQueryError('athena returned no QueryExecutionId');
      return out.QueryExecutionId;
    } catch (err) {
      if (err instanceof AthenaQueryError) throw err;
      throw new AthenaQueryError(
        `could not start the athena query in workgroup ${workGroup}: ${(err as Error).message}`,
        undefined,
        undefined,
        { cause: err },
      );
    }
  }

  /** Polls with exponential backoff until the query ends; throws unless it SUCCEEDED. */
  async waitFor(id: string): Promise<AthenaRunStats> {
    const { client, timeoutMs, sleep, maxPollMs } = this.opts;
    let delay = this.opts.initialPollMs;
    let waited = 0;
    for (;;) {
      const out = await client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const q = out.QueryExecution;
      const state = q?.Status?.State;
      if (state === 'SUCCEEDED') {
        const stats: AthenaRunStats = {
          queryExecutionId: id,
          dataScannedBytes: q?.Statistics?.DataScannedInBytes ?? 0,
          engineExecutionMs: q?.Statistics?.EngineExecutionTimeInMillis ?? 0,
          outputLocation: q?.ResultConfiguration?.OutputLocation,
        };
        this.history.push(stats);
        return stats;
      }
      if (state === 'FAILED' || state === 'CANCELLED') {
        const reason = q?.Status?.AthenaError?.ErrorMessage ?? q?.Status?.StateChangeReason ?? 'no reason given';
        throw new AthenaQueryError(`athena query ${id} ${state}: ${reason}`, id, state);
      }
      if (waited >= timeoutMs) {
        await client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => undefined);
        throw new AthenaTimeoutError(`athena query ${id} still ${state ?? 'UNKNOWN'} after ${timeoutMs} ms: stopped`, id);
      }
      await sleep(delay);
      waited += delay;
      delay = Math.min(delay * 2, maxPollMs);
    }
  }

  /** Reads every result page of a finished query as plain rows. */
  async readResults(id: string): Promise<Record<string, unknown>[]> {
    const { client, pageSize } = this.opts;
    const rows: Record<string, unknown>[] = [];
    let columns: ColumnInfo[] | undefined;
    let token: string | undefined;
    let first = true;
    do {
      const page = await client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: pageSize }));
      columns ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      let data: AthenaRow[] = page.ResultSet?.Rows ?? [];
      // The first row of the first page of a SELECT repeats the column names.
      if (first && data.length > 0 && isHeaderRow(data[0], columns)) data = data.slice(1);
      first = false;
      for (const r of data) rows.push(toRecord(r, columns));
      token = page.NextToken;
    } while (token);
    return rows;
  }

  async close(): Promise<void> {
    // An injected client belongs to the caller, unless it was made for this engine alone.
    if (this.opts.ownsClient) this.opts.client.destroy();
  }
}

function isHeaderRow(row: AthenaRow, columns: ColumnInfo[]): boolean {
  const cells = row.Data ?? [];
  return cells.length === columns.length && cells.every((c, i) => c.VarCharValue === columns[i].Name);
}

function toRecord(row: AthenaRow, columns: ColumnInfo[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const cells = row.Data ?? [];
  columns.forEach((col, i) => {
    out[col.Name ?? `_col${i}`] = fromAthenaCell(cells[i]?.VarCharValue, col.Type);
  });
  return out;
}
