/**
 * What a normalizer queue message asks for. The queue receives S3 "Object Created" events from EventBridge and,
 * in its dead-letter queue (redriven by an operator), "ECS Task State Change" events of large-upload tasks that
 * failed. Both name one object of an upload; folder markers made by the S3 console name nothing to normalize.
 */
import { LayoutError, parseUploadKey } from '../core';

/** The container environment variable carrying the key of the object that started a large-upload task. */
export const UPLOAD_KEY_VARIABLE = 'UPLOAD_KEY';

export type UploadEvent =
  /** An object of an upload (the key is decoded when S3 sent it URL-encoded). */
  | { readonly kind: 'object'; readonly key: string; readonly size?: number }
  /** A "folder" created in the S3 console (a key ending in `/`): nothing to normalize. */
  | { readonly kind: 'folder'; readonly key: string };

/** Thrown for a message that names no upload object (the message id and the reason are in the text). */
export class UploadEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UploadEventError';
  }
}

/**
 * Reads an SQS message body.
 *
 * @example
 * uploadEventOf('{"detail":{"object":{"key":"uploads/agency%3Ddoj/u1/a+b.zip","size":3}}}', 'm-1')
 * // { kind: 'object', key: 'uploads/agency=doj/u1/a b.zip', size: 3 }
 */
export function uploadEventOf(body: string, messageId: string): UploadEvent {
  // The two event shapes the queue receives (EventBridge "Object Created", ECS "Task State Change"), as far as read.
  let event: {
    'detail-type'?: string;
    detail?: {
      overrides?: { containerOverrides?: { environment?: { name: string; value: string }[] }[] };
      object?: { key?: unknown; size?: unknown };
    };
  };
  try {
    event = JSON.parse(body) as typeof event;
  } catch (err) {
    throw new UploadEventError(`message ${messageId} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (event['detail-type'] === 'ECS Task State Change') {
    const env = (event.detail?.overrides?.containerOverrides ?? []).flatMap((c) => c.environment ?? []);
    const key = env.find((e) => e.name === UPLOAD_KEY_VARIABLE)?.value;
    if (typeof key !== 'string') throw new UploadEventError(`message ${messageId} is a task event without ${UPLOAD_KEY_VARIABLE}`);
    return { kind: 'object', key };
  }
  const raw = event.detail?.object?.key;
  if (typeof raw !== 'string' || raw === '') throw new UploadEventError(`message ${messageId} carries no detail.object.key`);
  const rawSize = event.detail?.object?.size;
  const size = typeof rawSize === 'number' ? rawSize : undefined;
  const key = uploadKeyOf(raw);
  if (key.endsWith('/')) return { kind: 'folder', key };
  return { kind: 'object', key, ...(size === undefined ? {} : { size }) };
}

/**
 * The object key, whether S3 sent it as stored or URL-encoded (`=` as `%3D`, spaces as `+`). The layout's
 * agency and upload-id segments never contain `%` or `+`, so a key whose raw form does not fit the layout and whose
 * decoded form does was encoded; a key that fits as sent is taken as sent.
 */
export function uploadKeyOf(raw: string): string {
  if (fits(raw) || !/[%+]/.test(raw)) return raw;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
  return fits(decoded) || decoded.endsWith('/') ? decoded : raw;
}

function fits(key: string): boolean {
  try {
    parseUploadKey(key);
    return true;
  } catch (err) {
    if (err instanceof LayoutError) return false;
    throw err;
  }
}
