import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaQueryEngine } from '../../src/aws/athena-query-engine';
import { AthenaQueryError, AthenaTimeoutError, AwsAdapterConfigError } from '../../src/aws/errors';
import { athenaTimestampToIso, fromAthenaCell, toExecutionParameter } from '../../src/aws/athena-values';

const COLUMNS = [
  { Name: 'agency', Type: 'varchar' },
  { Name: 'host', Type: 'varchar' },
  { Name: 'first_seen', Type: 'timestamp' },
  { Name: 'hits', Type: 'bigint' },
  { Name: 'anchor_mailbox', Type: 'varchar' },
];
const cells = (...v: (string | undefined)[]) => ({ Data: v.map((x) => (x === undefined ? {} : { VarCharValue: x })) });

describe('AthenaQueryEngine', () => {
  const athena = mockClient(AthenaClient);
  const sleeps: number[] = [];
  const engine = (extra: Partial<ConstructorParameters<typeof AthenaQueryEngine>[0]> = {}) =>
    new AthenaQueryEngine({
      client: new AthenaClient({ region: 'us-east-1' }),
      workGroup: 'sweep',
      database: 'sweep_lake',
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...extra,
    });
  beforeEach(() => {
    athena.reset();
    sleeps.length = 0;
  });

  it('starts with the workgroup, database and quoted window parameters, polls with backoff, and reads every page', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({
        QueryExecution: {
          Status: { State: 'SUCCEEDED' },
          Statistics: { DataScannedInBytes: 123456, EngineExecutionTimeInMillis: 900 },
          ResultConfiguration: { OutputLocation: 's3://results/q-1.csv' },
        },
      });
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined }).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: COLUMNS },
        Rows: [
          cells('agency', 'host', 'first_seen', 'hits', 'anchor_mailbox'),
          cells('doj', 'EXCH01', '2021-03-02 10:15:30.000', '3', 'ServerInfo~a]@EXCH01:444/ecp/y.js'),
        ],
      },
      NextToken: 'p2',
    });
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'p2' }).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: COLUMNS },
        Rows: [cells('doj', undefined, '2019-04-01 00:00:00.000', '9007199254740993', "it's")],
      },
    });
    const e = engine();

    // Act
    const rows = await e.run('SELECT ... WHERE dt BETWEEN ? AND ?;\n', ['2019-01-01', '2026-11-27']);

    // Assess
    const start = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(start).toMatchObject({
      WorkGroup: 'sweep',
      QueryExecutionContext: { Database: 'sweep_lake', Catalog: 'AwsDataCatalog' },
      ExecutionParameters: ["'2019-01-01'", "'2026-11-27'"],
    });
    expect(start.QueryString).toBe('SELECT ... WHERE dt BETWEEN ? AND ?');
    expect(sleeps).toEqual([250, 500]);
    expect(rows).toEqual([
      {
        agency: 'doj',
        host: 'EXCH01',
        first_seen: '2021-03-02T10:15:30.000Z',
        hits: 3,
        anchor_mailbox: 'ServerInfo~a]@EXCH01:444/ecp/y.js',
      },
      { agency: 'doj', host: null, first_seen: '2019-04-01T00:00:00.000Z', hits: '9007199254740993', anchor_mailbox: "it's" },
    ]);
    expect(e.history).toEqual([
      { queryExecutionId: 'q-1', dataScannedBytes: 123456, engineExecutionMs: 900, outputLocation: 's3://results/q-1.csv' },
    ]);
  });

  it('keeps a first data row that is not the header', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'integer' }] }, Rows: [cells('7')] } });

    // Act
    const rows = await engine().run('SELECT 7 AS n', []);

    // Assess
    expect(rows).toEqual([{ n: 7 }]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.ExecutionParameters).toBeUndefined();
  });

  it("throws AthenaQueryError with Athena's reason when the query fails", async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'FAILED', AthenaError: { ErrorMessage: 'Bytes scanned limit was exceeded' } } } });

    // Act
    const run = engine().run('SELECT 1', []);

    // Assess
    await expect(run).rejects.toThrow(AthenaQueryError);
    await expect(engine().run('SELECT 1', [])).rejects.toThrow('athena query q-3 FAILED: Bytes scanned limit was exceeded');
  });

  it('throws AthenaQueryError keeping the cause when the query cannot start', async () => {
    // Prepare
    const cause = Object.assign(new Error('WorkGroup sweep is disabled'), { name: 'InvalidRequestException' });
    athena.on(StartQueryExecutionCommand).rejects(cause);

    // Act
    const err = await engine()
      .run('SELECT 1', [])
      .catch((e) => e);

    // Assess
    expect(err).toBeInstanceOf(AthenaQueryError);
    expect(err.message).toContain('WorkGroup sweep is disabled');
    expect(err.cause).toBe(cause);
  });

  it('stops the query and throws AthenaTimeoutError past the time limit', async () => {
    // Prepare
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-4' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});

    // Act
    const err = await engine({ timeoutMs: 1000 })
      .run('SELECT 1', [])
      .catch((e) => e);

    // Assess
    expect(err).toBeInstanceOf(AthenaTimeoutError);
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(athena.commandCalls(StopQueryExecutionCommand)[0].args[0].input).toEqual({ QueryExecutionId: 'q-4' });
  });

  it('throws on an empty workgroup, showing the bad value', () => {
    // Prepare, Act, Assess
    expect(() => engine({ workGroup: '' })).toThrow(new AwsAdapterConfigError('workGroup must be a non-empty string, got ""'));
    expect(() => engine({ pageSize: 5000 })).toThrow('pageSize must be an integer in 1..1000, got 5000');
  });
});

describe('athena values', () => {
  it('quotes string parameters as SQL literals, doubling quotes', () => {
    expect(toExecutionParameter('2019-01-01')).toBe("'2019-01-01'");
    expect(toExecutionParameter("o'brien")).toBe("'o''brien'");
  });

  it('converts cells by column type', () => {
    expect(fromAthenaCell('42', 'integer')).toBe(42);
    expect(fromAthenaCell('1.5', 'double')).toBe(1.5);
    expect(fromAthenaCell('true', 'boolean')).toBe(true);
    expect(fromAthenaCell(undefined, 'varchar')).toBeNull();
    expect(fromAthenaCell('', 'varchar')).toBe('');
    expect(fromAthenaCell('C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx', 'varchar')).toBe('C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx');
  });

  it('turns Athena timestamps into ISO-8601 UTC', () => {
    expect(athenaTimestampToIso('2021-03-02 10:15:30.000')).toBe('2021-03-02T10:15:30.000Z');
    expect(athenaTimestampToIso('2021-03-02 10:15:30')).toBe('2021-03-02T10:15:30.000Z');
    expect(athenaTimestampToIso('2021-03-02 10:15:30.123456 UTC')).toBe('2021-03-02T10:15:30.123Z');
    expect(athenaTimestampToIso('2021-03-02 10:15:30.000 +01:00')).toBe('2021-03-02T09:15:30.000Z');
  });
});

describe('createEngine', () => {
  it('makes an Athena engine that runs on the workgroup and database', async () => {
    // Prepare
    const { createEngine } = await import('../../src/local-engine/create-engine');
    const client = new AthenaClient({ region: 'us-east-1' });
    const athena = mockClient(client);
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-9' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] }, Rows: [cells('n'), cells('3')] } });

    // Act
    const engine = await createEngine({ engine: 'athena', workGroup: 'sweep', database: 'sweep_lake', client });
    const rows = await engine.run('SELECT count(*) AS n FROM web_requests WHERE dt BETWEEN ? AND ?', ['2021-03-01', '2021-03-31']);
    await engine.close();

    // Assess
    expect(rows).toEqual([{ n: 3 }]);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input).toMatchObject({
      WorkGroup: 'sweep',
      QueryExecutionContext: { Database: 'sweep_lake' },
    });
    athena.restore();
  });

  it('throws without a workgroup, saying where to find it', async () => {
    const { createEngine } = await import('../../src/local-engine/create-engine');
    await expect(createEngine({ engine: 'athena', workGroup: '' })).rejects.toThrow('--workgroup is required with --engine athena');
  });
});
