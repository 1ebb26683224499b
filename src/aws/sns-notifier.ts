/**
 * The SNS adapter of the notifier port: publishes messages with the routing
 * attributes (`agency`, `severity`, `kind`, `hunt_id`) that subscription filter
 * policies match, so an owner only ever receives its own agency's messages.
 */
import { PublishBatchCommand, SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import type { NotificationMessage } from '../notify/message';
import { PublishError } from './errors';

export interface SnsNotifierOptions {
  readonly client: SNSClient;
  readonly topicArn: string;
}

/** What one publish call did. */
export interface PublishResult {
  readonly published: number;
  readonly messageIds: string[];
}

const BATCH = 10; // SNS PublishBatch maximum

/**
 * Publishes notification messages to one SNS topic, ten per PublishBatch call.
 *
 * @example
 * await new SnsNotifier({ client: new SNSClient({}), topicArn }).publish([findingMessage(f)]);
 */
export class SnsNotifier {
  constructor(private readonly options: SnsNotifierOptions) {
    if (!/^arn:aws[a-z-]*:sns:/.test(options.topicArn ?? '')) throw new PublishError(`topicArn must be an SNS topic ARN, got ${JSON.stringify(options.topicArn)}`);
  }

  /** Publishes every message; throws PublishError naming the messages SNS refused (the rest are sent). */
  async publish(messages: readonly NotificationMessage[]): Promise<PublishResult> {
    const messageIds: string[] = [];
    const failures: string[] = [];
    for (let i = 0; i < messages.length; i += BATCH) {
      const chunk = messages.slice(i, i + BATCH);
      let out;
      try {
        out = await this.options.client.send(new PublishBatchCommand({
          TopicArn: this.options.topicArn,
          PublishBatchRequestEntries: chunk.map((m, j) => ({
            Id: String(i + j),
            Subject: m.subject,
            Message: m.body,
            MessageAttributes: toAttributes(m),
          })),
        }));
      } catch (err) {
        throw new PublishError(`sns refused a batch of ${chunk.length} messages (from #${i}): ${(err as Error).message}`, { cause: err });
      }
      for (const s of out.Successful ?? []) if (s.MessageId) messageIds.push(s.MessageId);
      for (const f of out.Failed ?? []) failures.push(`#${f.Id} "${chunk[Number(f.Id) - i]?.subject}": ${f.Code} ${f.Message ?? ''}`.trim());
    }
    if (failures.length > 0) throw new PublishError(`sns refused ${failures.length} of ${messages.length} messages: ${failures.join('; ')}`);
    return { published: messageIds.length, messageIds };
  }
}

function toAttributes(m: NotificationMessage): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(m.attributes)) {
    if (v !== undefined && v !== null && v !== '') out[k] = { DataType: 'String', StringValue: String(v) };
  }
  return out;
}
