/**
 * The SNS adapter of the notifier port: publishes messages with the routing
 * attributes (`agency`, `severity`, `kind`, `hunt_id`) that subscription filter
 * policies match, so an owner only ever receives its own agency's messages.
 */
import { PublishBatchCommand, type SNSClient, type MessageAttributeValue } from '@aws-sdk/client-sns';
import type { NotificationMessage } from '../notify';
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
/** SNS limits the whole PublishBatch request, not each message, to 256 KiB (bodies and attributes together). */
export const MAX_BATCH_BYTES = 256 * 1024;

/**
 * Publishes notification messages to one SNS topic, ten per PublishBatch call.
 *
 * @example
 * await new SnsNotifier({ client: new SNSClient({}), topicArn }).publish([findingMessage(f)]);
 */
export class SnsNotifier {
  constructor(private readonly options: SnsNotifierOptions) {
    if (!/^arn:aws[a-z-]*:sns:/.test(options.topicArn ?? ''))
      throw new PublishError(`topicArn must be an SNS topic ARN, got ${JSON.stringify(options.topicArn)}`);
  }

  /**
   * Publishes every message, in batches of at most ten messages and 256 KiB; throws PublishError naming the
   * messages SNS refused, with the indexes of those that went out (so a retry can skip them).
   */
  async publish(messages: readonly NotificationMessage[]): Promise<PublishResult> {
    const messageIds: string[] = [];
    const published: number[] = [];
    const failures: string[] = [];
    for (const batch of batches(messages)) {
      const i = batch[0];
      let out;
      try {
        out = await this.options.client.send(
          new PublishBatchCommand({
            TopicArn: this.options.topicArn,
            PublishBatchRequestEntries: batch.map((k) => ({
              Id: String(k),
              Subject: messages[k].subject,
              Message: messages[k].body,
              MessageAttributes: toAttributes(messages[k]),
            })),
          }),
        );
      } catch (err) {
        throw new PublishError(
          `sns refused a batch of ${batch.length} messages (from #${i}): ${(err as Error).message}`,
          { cause: err },
          published,
        );
      }
      for (const s of out.Successful ?? []) {
        if (s.MessageId) messageIds.push(s.MessageId);
        if (s.Id !== undefined) published.push(Number(s.Id));
      }
      for (const f of out.Failed ?? []) failures.push(`#${f.Id} "${messages[Number(f.Id)]?.subject}": ${f.Code} ${f.Message ?? ''}`.trim());
    }
    if (failures.length > 0)
      throw new PublishError(`sns refused ${failures.length} of ${messages.length} messages: ${failures.join('; ')}`, undefined, published);
    return { published: messageIds.length, messageIds };
  }
}

/** What SNS counts of a message against the batch limit: body, subject and each attribute's name, type and value. */
export function publishedBytes(m: NotificationMessage): number {
  let n = Buffer.byteLength(m.body) + Buffer.byteLength(m.subject);
  for (const [k, v] of Object.entries(toAttributes(m)))
    n += Buffer.byteLength(k) + Buffer.byteLength(v.DataType ?? '') + Buffer.byteLength(v.StringValue ?? '');
  return n;
}

/** Message indexes grouped into PublishBatch calls: at most ten per call and MAX_BATCH_BYTES in total. */
function batches(messages: readonly NotificationMessage[]): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  messages.forEach((m, k) => {
    const size = publishedBytes(m);
    if (current.length > 0 && (current.length === BATCH || bytes + size > MAX_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(k);
    bytes += size;
  });
  if (current.length > 0) out.push(current);
  return out;
}

function toAttributes(m: NotificationMessage): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [k, v] of Object.entries(m.attributes)) {
    if (v !== undefined && v !== null && v !== '') out[k] = { DataType: 'String', StringValue: String(v) };
  }
  return out;
}
