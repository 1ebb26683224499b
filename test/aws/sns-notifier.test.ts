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
    sns.on(PublishBatchCommand).callsFake((input) => ({ Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({ Id: e.Id, MessageId: `m-${e.Id}` })) }));
    const msgs = Array.from({ length: 12 }, (_, i) => findingMessage(sampleFinding({ agency: i % 2 ? 'doj' : 'dhs', severity: i % 3 ? 'high' : 'critical', fingerprint: String(i) })));

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
    sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm-0' }], Failed: [{ Id: '1', Code: 'KMSAccessDenied', SenderFault: true, Message: 'no kms:GenerateDataKey' }] });
    const msgs = [findingMessage(sampleFinding()), findingMessage(sampleFinding({ host: 'EXCH02' }))];

    // Act
    const err = await new SnsNotifier({ client: new SNSClient({}), topicArn: TOPIC }).publish(msgs).catch((e) => e);

    // Assess
    expect(err).toBeInstanceOf(PublishError);
    expect(err.message).toContain('sns refused 1 of 2 messages: #1 "[CRITICAL] EXCH02:');
    expect(err.message).toContain('KMSAccessDenied no kms:GenerateDataKey');
  });

  it('throws on a topic that is not an SNS ARN', () => {
    expect(() => new SnsNotifier({ client: new SNSClient({}), topicArn: 'sweep-findings' })).toThrow('topicArn must be an SNS topic ARN, got "sweep-findings"');
  });
});
