/**
 * Builds the QueryEngine a command asked for: DuckDB over a local lake, or
 * Athena in a workgroup. The CLI reads flags and calls this; the core only
 * sees the QueryEngine port.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaQueryEngine, AwsAdapterConfigError } from '../aws';
import type { IndicatorRow, QueryEngine } from '../hunt';
import { DuckDbQueryEngine } from './duckdb-query-engine';

export type EngineOptions =
  | { readonly engine: 'duckdb'; readonly lakeRoot: string; readonly indicators?: readonly IndicatorRow[] }
  | {
      readonly engine: 'athena';
      readonly workGroup: string;
      /** Glue database of the lake tables. @default 'sweep_lake' */
      readonly database?: string;
      /** @default - the SDK's default chain (AWS_REGION, profile) */
      readonly region?: string;
      /** Injected client (tests); otherwise one is made and destroyed by close(). */
      readonly client?: AthenaClient;
    };

/**
 * Creates and opens the engine.
 *
 * @example
 * const engine = await createEngine({ engine: 'athena', workGroup: 'sweep' });
 * try { await runHunts({ engine, hunts, window }); } finally { await engine.close(); }
 */
export async function createEngine(options: EngineOptions): Promise<QueryEngine> {
  switch (options.engine) {
    case 'duckdb':
      return DuckDbQueryEngine.open({ lakeRoot: options.lakeRoot, indicators: options.indicators });
    case 'athena': {
      if (!options.workGroup)
        throw new AwsAdapterConfigError(
          '--workgroup is required with --engine athena (the deployment\'s WorkGroupName output, e.g. "sweep")',
        );
      const client = options.client ?? new AthenaClient(options.region ? { region: options.region } : {});
      return new AthenaQueryEngine({
        client,
        workGroup: options.workGroup,
        database: options.database ?? 'sweep_lake',
        ownsClient: options.client === undefined,
      });
    }
    default:
      throw new AwsAdapterConfigError(
        `engine must be "duckdb" or "athena", got ${JSON.stringify((options as { engine: unknown }).engine)}`,
      );
  }
}
