import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier } from '../../src/aws/sns-notifier';
import { PublishError } from '../../src/aws/errors';
import { findingMessage } from '../../src/notify/message';
import { sampleFinding } from './fixtures';

const TOPIC = 'arn:aws:sns:us-east-1:111111111111:sweep-findings';

describe('SnsNotifier', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  it('publishes in batches of ten with agency, severity, kind and hunt attributes', async () => {
    // Prepare
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
    }));
    const msgs = Array.from({ length: 12 }, (_, i) =>
      findingMessage(sampleFinding({ agency: i % 2 ? 'doj' : 'dhs', severity: i % 3 ? 'high' : 'critical', fingerprint: String(i) })),
    );

    // Act
    const out = await new SnsNotifier({ client: new SNSClient({}), topicArn: TOPIC }).publish(msgs);

    // Assess
    const calls = sns.commandCalls(PublishBatchCommand);
    expect(calls.map((c) => c.args[0].input.PublishBatchRequestEntries!.length)).toEqual([10, 2]);
    const first = calls[0].args[0].input.PublishBatchRequestEntries![0];
    expect(first.MessageAttributes).toEqual({
      agency: { DataType: 'String', StringValue: 'dhs' },
      severity: { DataType: 'String', StringValue: 'critical' },
      kind: { DataType: 'String', StringValue: 'finding' },
      hunt_id: { DataType: 'String', StringValue: msgs[0].attributes.hunt_id },
    });
    expect(first.Subject).toBe(msgs[0].subject);
    expect(out.published).toBe(12);
    expect(out.messageIds[11]).toBe('m-11');
  });

  it('throws PublishError naming the messages SNS refused', async () => {
    // Prepare
    sns.on(PublishBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'm-0' }],
      Failed: [{ Id: '1', Code: 'KMSAccessDenied', SenderFault: true, Message: 'no kms:GenerateDataKey' }],
    });
    const msgs = [findingMessage(sampleFinding()), findingMessage(sampleFinding({ host: 'EXCH02' }))];

    // Act
    const err = await new SnsNotifier({ client: new SNSClient({}), topicArn: TOPIC }).publish(msgs).catch((e) => e);

    // Assess
    expect(err).toBeInstanceOf(PublishError);
    expect(err.message).toContain('sns refused 1 of 2 messages: #1 "[CRITICAL] EXCH02:');
    expect(err.message).toContain('KMSAccessDenied no kms:GenerateDataKey');
  });

  it("keeps every PublishBatch call within SNS's limits: ten entries and 256 KiB for the whole batch", async () => {
    // Prepare: SNS's documented rules (262,144 bytes per message and per batch, bodies plus attributes).
    const sizes: number[][] = [];
    sns.on(PublishBatchCommand).callsFake(
      (input: {
        PublishBatchRequestEntries: {
          Id: string;
          Message: string;
          Subject?: string;
          MessageAttributes?: Record<string, { DataType: string; StringValue: string }>;
        }[];
      }) => {
        const entries = input.PublishBatchRequestEntries;
        const each = entries.map(
          (e) =>
            Buffer.byteLength(e.Message) +
            Object.entries(e.MessageAttributes ?? {}).reduce(
              (n, [k, v]) => n + k.length + v.DataType.length + Buffer.byteLength(v.StringValue),
              0,
            ),
        );
        sizes.push(each);
        if (entries.length > 10)
          throw Object.assign(new Error('TooManyEntriesInBatchRequest'), { name: 'TooManyEntriesInBatchRequestException' });
        if (each.reduce((a, b) => a + b, 0) > 262_144)
          throw Object.assign(new Error('The batch request is too long'), { name: 'BatchRequestTooLongException' });
        return { Successful: entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })) };
      },
    );
    const big = (host: string) => ({ ...findingMessage(sampleFinding({ host })), body: `evidence ${'A'.repeat(150_000)}` });
    const msgs = [big('EXCH01'), big('EXCH02'), findingMessage(sampleFinding({ host: 'EXCH03' })), big('EXCH04')];

    // Act
    const out = await new SnsNotifier({ client: new SNSClient({}), topicArn: TOPIC }).publish(msgs);

    // Assess
    expect(out.published).toBe(4);
    expect(out.messageIds).toEqual(['m-0', 'm-1', 'm-2', 'm-3']);
    expect(sizes.length).toBe(3);
    for (const batch of sizes) expect(batch.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(262_144);
  });

  it('names, in the PublishError, the messages that went out before a batch was refused', async () => {
    // Prepare
    let calls = 0;
    sns.on(PublishBatchCommand).callsFake((input: { PublishBatchRequestEntries: { Id: string }[] }) => {
      if (++calls === 2) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' });
      return { Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })) };
    });
    const msgs = Array.from({ length: 12 }, (_, i) => findingMessage(sampleFinding({ fingerprint: String(i) })));

    // Act
    const err = await new SnsNotifier({ client: new SNSClient({}), topicArn: TOPIC }).publish(msgs).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).published).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('throws on a topic that is not an SNS ARN', () => {
    expect(() => new SnsNotifier({ client: new SNSClient({}), topicArn: 'sweep-findings' })).toThrow(
      'topicArn must be an SNS topic ARN, got "sweep-findings"',
    );
  });
});
