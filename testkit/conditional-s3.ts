/**
 * S3 conditional writes in front of s3rver, which ignores `If-None-Match` / `If-Match` on PutObject.
 *
 * The rules enforced are AWS's documented ones (Amazon S3 User Guide, "How to prevent object overwrites with
 * conditional writes" and "Conditional requests"; PutObject API reference, IfMatch / IfNoneMatch):
 * - `If-None-Match: *`: the write succeeds only if no object has the key; else `412 PreconditionFailed`.
 * - `If-Match: <etag>`: the write succeeds only if the object's ETag is the one given; a different ETag is
 *   `412 PreconditionFailed`; no object under the key is `404 NoSuchKey`.
 * - A conditional write arriving while another conditional write of the same key is in progress is
 *   `409 ConditionalRequestConflict` ("retry the upload" for If-None-Match, "fetch the object's ETag and retry" for
 *   If-Match).
 * Errors carry S3's XML error body, so the SDK raises them with the same `name` and status as AWS would.
 * Unconditional requests (and every other operation) are forwarded untouched, signature included.
 *
 * @example
 * const s3 = await startS3rver({ buckets: ['lake'] });
 * const proxy = await startConditionalS3(s3);
 * const store = new S3ObjectStore({ client: proxy.client, bucket: 'lake' });
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3rverHandle } from './s3rver';

/** One conditional write the proxy judged. */
export interface ConditionalDecision {
  readonly key: string;
  readonly header: 'If-None-Match' | 'If-Match';
  readonly value: string;
  /** 200 when forwarded (s3rver wrote it), else the refusal's status. */
  readonly status: number;
  readonly code?: string;
}

export interface ConditionalS3Handle {
  readonly endpoint: string;
  /** A client through the proxy (same settings as s3rver's own client). */
  readonly client: S3Client;
  /** Every conditional write, in the order the proxy decided them. */
  readonly decisions: ConditionalDecision[];
  /**
   * Called when a conditional write of `key` is accepted for checking, while the key counts as "in progress";
   * the write waits for the returned promise (tests use it to make two writes overlap). @default - none
   */
  onConditional?: (key: string) => Promise<void> | void;
  stop(): Promise<void>;
}

const MESSAGES: Record<string, string> = {
  PreconditionFailed: 'At least one of the pre-conditions you specified did not hold',
  ConditionalRequestConflict: 'A conflicting conditional operation is currently in progress against this resource. Please try again.',
  NoSuchKey: 'The specified key does not exist.',
};

const unquote = (etag: string): string => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');

/** Starts the proxy on a random 127.0.0.1 port in front of a running s3rver. */
export async function startConditionalS3(upstream: S3rverHandle): Promise<ConditionalS3Handle> {
  const inProgress = new Set<string>();
  const decisions: ConditionalDecision[] = [];
  const direct = new S3Client(upstream.clientConfig());
  const target = new URL(upstream.endpoint);

  const forward = (req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): Promise<void> =>
    new Promise((resolve) => {
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          upRes.on('end', resolve);
        },
      );
      up.on('error', (err) => {
        res.writeHead(502).end(String(err));
        resolve();
      });
      up.end(body);
    });

  const refuse = (res: http.ServerResponse, status: number, code: string, key: string, condition?: string): void => {
    const xml =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${MESSAGES[code]}</Message>` +
      `${condition ? `<Condition>${condition}</Condition>` : ''}<Key>${key}</Key><RequestId>proxy</RequestId></Error>`;
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) }).end(xml);
  };

  const handle: ConditionalS3Handle = {
    endpoint: '',
    client: undefined as unknown as S3Client,
    decisions,
    async stop() {
      handle.client.destroy();
      direct.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://proxy');
      const ifNoneMatch = req.headers['if-none-match'];
      const ifMatch = req.headers['if-match'];
      const isObjectPut = req.method === 'PUT' && !url.searchParams.has('partNumber') && url.pathname.split('/').length > 2;
      if (!isObjectPut || (ifNoneMatch === undefined && ifMatch === undefined)) {
        void forward(req, body, res);
        return;
      }
      const [, bucket, ...rest] = url.pathname.split('/');
      const key = decodeURIComponent(rest.join('/'));
      const header = ifNoneMatch !== undefined ? 'If-None-Match' : 'If-Match';
      const value = String(ifNoneMatch ?? ifMatch);
      const id = `${bucket}/${key}`;
      if (inProgress.has(id)) {
        decisions.push({ key, header, value, status: 409, code: 'ConditionalRequestConflict' });
        refuse(res, 409, 'ConditionalRequestConflict', key);
        return;
      }
      inProgress.add(id);
      void (async () => {
        try {
          await handle.onConditional?.(key);
          let etag: string | null = null;
          try {
            etag = (await direct.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag ?? '';
          } catch (err) {
            if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw err;
          }
          if (header === 'If-None-Match' && etag !== null) {
            decisions.push({ key, header, value, status: 412, code: 'PreconditionFailed' });
            return refuse(res, 412, 'PreconditionFailed', key, 'If-None-Match');
          }
          if (header === 'If-Match' && etag === null) {
            decisions.push({ key, header, value, status: 404, code: 'NoSuchKey' });
            return refuse(res, 404, 'NoSuchKey', key);
          }
          if (header === 'If-Match' && unquote(etag!) !== unquote(value)) {
            decisions.push({ key, header, value, status: 412, code: 'PreconditionFailed' });
            return refuse(res, 412, 'PreconditionFailed', key, 'If-Match');
          }
          decisions.push({ key, header, value, status: 200 });
          await forward(req, body, res);
        } catch (err) {
          res.writeHead(500).end(String(err));
        } finally {
          inProgress.delete(id);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(handle, { endpoint, client: new S3Client(upstream.clientConfig({ endpoint })) });
  return handle;
}
