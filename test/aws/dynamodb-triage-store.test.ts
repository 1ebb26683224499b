import { BatchGetItemCommand, DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbTriageStore } from '../../src/aws/dynamodb-triage-store';
import { DynamoDbDedupStore } from '../../src/aws/dynamodb-dedup-store';
import { makeDecision, withTriage } from '../../src/hunt/triage';
import { sampleFinding } from './fixtures';

describe('DynamoDbTriageStore', () => {
  const ddb = mockClient(DynamoDBClient);
  const store = () => new DynamoDbTriageStore({ client: new DynamoDBClient({}), tableName: 'dedup' });
  const finding = sampleFinding();
  const decisionItem = {
    fingerprint: { S: `triage#${finding.fingerprint}` },
    status: { S: 'benign' },
    note: { S: 'pen test' },
    by: { S: 'ana' },
    decided_at: { S: '2026-12-01T09:00:00.000Z' },
    hunt_id: { S: finding.hunt_id },
    agency: { S: 'doj' },
    host: { S: 'EXCH01' },
    last_seen: { S: finding.last_seen },
    known: { L: [{ S: finding.fingerprint }] },
  };
  beforeEach(() => ddb.reset());

  it('stores a decision under triage#<fingerprint> in the dedup table, keeping the previous one', async () => {
    // Prepare
    ddb.on(ScanCommand).resolves({ Items: [decisionItem] });
    ddb.on(PutItemCommand).resolves({});
    const d = makeDecision(finding, [finding], {
      status: 'true-positive',
      note: 'confirmed',
      by: 'bo',
      at: new Date('2026-12-02T00:00:00Z'),
    });

    // Act
    await store().record(d);

    // Assess
    const put = ddb.commandCalls(PutItemCommand)[0].args[0].input;
    expect(put.TableName).toBe('dedup');
    expect(put.Item).toMatchObject({
      fingerprint: { S: `triage#${finding.fingerprint}` },
      status: { S: 'true-positive' },
      by: { S: 'bo' },
      host: { S: 'EXCH01' },
    });
    expect(JSON.parse(put.Item!.previous.S!)).toMatchObject({ status: 'benign', by: 'ana' });
  });

  it('lists decisions page by page, reading only triage items', async () => {
    // Prepare
    ddb
      .on(ScanCommand)
      .resolvesOnce({ Items: [decisionItem], LastEvaluatedKey: { fingerprint: { S: 'triage#x' } } })
      .resolvesOnce({ Items: [{ ...decisionItem, fingerprint: { S: 'triage#' + 'b'.repeat(64) }, status: { S: 'nonsense' } }] });

    // Act
    const list = await store().list();

    // Assess
    expect(list).toEqual([expect.objectContaining({ fingerprint: finding.fingerprint, status: 'benign', known: [finding.fingerprint] })]);
    const scans = ddb.commandCalls(ScanCommand).map((c) => c.args[0].input);
    expect(scans[0].FilterExpression).toBe('begins_with(fingerprint, :p)');
    expect(scans[1].ExclusiveStartKey).toEqual({ fingerprint: { S: 'triage#x' } });
  });

  it('reads the reported findings from the dedup items', async () => {
    // Prepare
    ddb.on(ScanCommand).resolves({
      Items: [
        {
          fingerprint: { S: 'f1' },
          hunt_id: { S: 'h' },
          agency: { S: 'doj' },
          host: { NULL: true },
          severity: { S: 'high' },
          first_seen: { S: 'a' },
          last_seen: { S: 'b' },
          reported_at: { S: 'c' },
        },
      ],
    });

    // Act
    const found = await store().reportedFindings();

    // Assess
    expect(found).toEqual([
      { fingerprint: 'f1', hunt_id: 'h', agency: 'doj', host: null, severity: 'high', first_seen: 'a', last_seen: 'b', reported_at: 'c' },
    ]);
    expect(ddb.commandCalls(ScanCommand)[0].args[0].input.FilterExpression).toBe('NOT begins_with(fingerprint, :p)');
  });

  it('keeps a benign fingerprint out of the alerts even when the dedup table never saw it', async () => {
    // Prepare
    ddb.on(ScanCommand).resolves({ Items: [decisionItem] });
    ddb.on(BatchGetItemCommand).resolves({ Responses: { dedup: [] } });
    const fresh = sampleFinding({ fingerprint: 'c'.repeat(64), host: 'EXCH09' });
    const dedup = withTriage(new DynamoDbDedupStore({ client: new DynamoDBClient({}), tableName: 'dedup' }), store());

    // Act
    const out = await dedup.filterNew([finding, fresh]);

    // Assess
    expect(out.map((f) => f.fingerprint)).toEqual([fresh.fingerprint]);
  });
});
