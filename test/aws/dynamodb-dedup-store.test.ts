import { BatchGetItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbDedupStore } from '../../src/aws/dynamodb-dedup-store';
import { sampleFinding } from './fixtures';

describe('DynamoDbDedupStore', () => {
  const ddb = mockClient(DynamoDBClient);
  const store = () =>
    new DynamoDbDedupStore({ client: new DynamoDBClient({}), tableName: 'dedup', now: () => new Date('2026-11-27T00:00:00Z') });
  beforeEach(() => ddb.reset());

  it('returns only fingerprints never reported, retrying unprocessed keys', async () => {
    // Prepare
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { dedup: [{ fingerprint: { S: 'old' } }] },
        UnprocessedKeys: { dedup: { Keys: [{ fingerprint: { S: 'new2' } }] } },
      })
      .resolvesOnce({ Responses: { dedup: [] } });
    const findings = [
      sampleFinding({ fingerprint: 'old' }),
      sampleFinding({ fingerprint: 'new1' }),
      sampleFinding({ fingerprint: 'new1', host: 'DUP' }),
      sampleFinding({ fingerprint: 'new2' }),
    ];

    // Act
    const fresh = await store().filterNew(findings);

    // Assess
    expect(fresh.map((f) => [f.fingerprint, f.host])).toEqual([
      ['new1', 'EXCH01'],
      ['new2', 'EXCH01'],
    ]);
    expect(ddb.commandCalls(BatchGetItemCommand)[1].args[0].input.RequestItems!.dedup.Keys).toEqual([{ fingerprint: { S: 'new2' } }]);
  });

  it('marks findings with a conditional put and keeps the first report', async () => {
    // Prepare
    ddb
      .on(PutItemCommand, { Item: expect.objectContaining({ fingerprint: { S: 'dup' } }) } as never)
      .rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    ddb.on(PutItemCommand).resolves({});

    // Act
    await store().markSeen([sampleFinding({ fingerprint: 'f1', host: null }), sampleFinding({ fingerprint: 'dup' })]);

    // Assess
    const put = ddb.commandCalls(PutItemCommand)[0].args[0].input;
    expect(put.ConditionExpression).toBe('attribute_not_exists(fingerprint)');
    expect(put.Item).toMatchObject({
      fingerprint: { S: 'f1' },
      host: { NULL: true },
      agency: { S: 'doj' },
      reported_at: { S: '2026-11-27T00:00:00.000Z' },
    });
  });

  it('rethrows other DynamoDB errors', async () => {
    // Prepare
    ddb.on(PutItemCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    // Act, Assess
    await expect(store().markSeen([sampleFinding()])).rejects.toThrow('denied');
  });
});
